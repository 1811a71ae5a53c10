package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/internal/passhash"
)

// staffUsage is the help of `enrolldesk staff`.
const staffUsage = `enrolldesk staff user add --db ENGINE.db --name N --role hall|reviewer|school_admin|bureau_admin [--school CODE]
      new staff account; the password is asked for (not shown) or read from the first line of stdin, never a flag
  enrolldesk staff user list --db ENGINE.db [--json]          accounts, roles and locks
  enrolldesk staff user unlock --db ENGINE.db --name N         lift a lock after five wrong passwords
  enrolldesk staff [--engine URL] [--data DIR] [--printer QUEUE] [--lang zh-Hans|en]
      the staff desktop window; without --engine an in-process demo engine with demo accounts (make run-staff)`

// runStaff is `enrolldesk staff`: it dispatches on its first word.
func runStaff(stdio IO, args []string) int {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "user":
		return runStaffUser(stdio, args[1:])
	case "":
		return runStaffDesk(stdio, args) // the window
	default:
		if strings.HasPrefix(sub, "-") && sub != "-h" && sub != "--help" && sub != "-help" {
			return runStaffDesk(stdio, args) // the window, with flags
		}
		fmt.Fprintln(stdio.Err, "usage:\n  "+staffUsage)
		return ExitUsage
	}
}

// runStaffUser is `enrolldesk staff user add|list|unlock`.
func runStaffUser(stdio IO, args []string) int {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "add":
		return runStaffUserAdd(stdio, args[1:])
	case "list":
		return runStaffUserList(stdio, args[1:])
	case "unlock":
		return runStaffUserUnlock(stdio, args[1:])
	default:
		if sub != "" {
			fmt.Fprintf(stdio.Err, "enrolldesk: staff user has no command %q\n", sub)
		}
		fmt.Fprintln(stdio.Err, "usage:\n  "+staffUsage)
		return ExitUsage
	}
}

func runStaffUserAdd(stdio IO, args []string) int {
	fs := newFlags("staff user add", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file")
	name := fs.String("name", "", "the name the person signs in with (unique)")
	role := fs.String("role", "", "hall, reviewer, school_admin or bureau_admin")
	school := fs.String("school", "", "the school code of a school admin (only with --role school_admin)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 {
		return fail(stdio.Err, ExitUsage, "staff user add takes no password or other words on the command line (a password would stay in the shell history): type it when asked, or pipe it in")
	}
	if *path == "" {
		return fail(stdio.Err, ExitUsage, "staff user add: --db ENGINE.db is required (the engine's database)")
	}
	u := engineapi.User{Name: strings.TrimSpace(*name), Role: engineapi.Role(strings.TrimSpace(*role)), School: strings.TrimSpace(*school)}
	if err := u.Check(); err != nil {
		return fail(stdio.Err, ExitUsage, "staff user add: %s", errText(err))
	}
	pw, err := readPassword(stdio)
	if err != nil {
		return fail(stdio.Err, ExitUsage, "staff user add: %s", errText(err))
	}
	h, err := passhash.New(pw)
	if err != nil {
		return fail(stdio.Err, ExitFail, "staff user add: %v", err)
	}
	return withAccountStore(stdio, *path, func(store engineapi.AccountStore) int {
		added, err := store.AddUser(context.Background(), u, h.String())
		switch core.ErrorCode(err) {
		case "":
		case core.EINVALID, core.ECONFLICT:
			return fail(stdio.Err, ExitUsage, "staff user add: %s", errText(err))
		default:
			return fail(stdio.Err, ExitFail, "staff user add: %v", err)
		}
		fmt.Fprintf(stdio.Out, "account %s added: %s, role %s", added.ID, added.Name, added.Role)
		if added.School != "" {
			fmt.Fprintf(stdio.Out, ", school %s", added.School)
		}
		fmt.Fprintln(stdio.Out)
		return ExitOK
	})
}

// readPassword reads a new password: on a terminal twice without echo,
// otherwise the first line of standard input.
func readPassword(stdio IO) (string, error) {
	if f, ok := stdio.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(stdio.Err, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(stdio.Err)
			return string(b), err
		}
		pw, err := ask(fmt.Sprintf("password (at least %d characters, not shown): ", engineapi.MinPasswordLen))
		if err != nil {
			return "", err
		}
		if err := engineapi.CheckPassword(pw); err != nil {
			return "", err
		}
		again, err := ask("the same password again: ")
		if err != nil {
			return "", err
		}
		if pw != again {
			return "", fmt.Errorf("the two passwords differ; no account was added")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(stdio.In).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("no password on standard input: type it at a terminal, or pipe it in (printf '%%s\\n' PASSWORD | enrolldesk staff user add …)")
	}
	return pw, engineapi.CheckPassword(pw)
}

// staffUserJSON is an account in `staff user list --json` output.
type staffUserJSON struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	School      string     `json:"school,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	Failures    int        `json:"failures"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
}

func runStaffUserList(stdio IO, args []string) int {
	fs := newFlags("staff user list", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	if *path == "" {
		return fail(stdio.Err, ExitUsage, "staff user list: --db ENGINE.db is required (the engine's database)")
	}
	return withAccountStore(stdio, *path, func(store engineapi.AccountStore) int {
		users, err := store.Users(context.Background())
		if err != nil {
			return fail(stdio.Err, ExitFail, "staff user list: %v", err)
		}
		now := time.Now()
		if *asJSON {
			out := make([]staffUserJSON, 0, len(users))
			for _, u := range users {
				j := staffUserJSON{ID: u.ID, Name: u.Name, Role: string(u.Role), School: u.School, CreatedAt: u.CreatedAt, Failures: u.Failures}
				if u.Locked(now) {
					j.LockedUntil = &u.LockedUntil
				}
				out = append(out, j)
			}
			return writeJSON(stdio, out, "  ")
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tSCHOOL\tSTATUS\tCREATED")
		for _, u := range users {
			status := "active"
			if u.Locked(now) {
				status = "locked until " + u.LockedUntil.Local().Format("15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Name, u.Role, u.School, status, u.CreatedAt.Local().Format("2006-01-02 15:04"))
		}
		if err := tw.Flush(); err != nil {
			return fail(stdio.Err, ExitFail, "write: %v", err)
		}
		if len(users) == 0 {
			fmt.Fprintln(stdio.Err, "no staff accounts yet: add one with `enrolldesk staff user add`")
		}
		return ExitOK
	})
}

func runStaffUserUnlock(stdio IO, args []string) int {
	fs := newFlags("staff user unlock", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file")
	name := fs.String("name", "", "the account to unlock")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	if *path == "" || strings.TrimSpace(*name) == "" {
		return fail(stdio.Err, ExitUsage, "staff user unlock takes --db ENGINE.db --name N")
	}
	return withAccountStore(stdio, *path, func(store engineapi.AccountStore) int {
		err := store.Unlock(context.Background(), *name)
		switch {
		case core.ErrorCode(err) == core.ENOTFOUND:
			return fail(stdio.Err, ExitUsage, "staff user unlock: %s", errText(err))
		case err != nil:
			return fail(stdio.Err, ExitFail, "staff user unlock: %v", err)
		}
		fmt.Fprintf(stdio.Err, "account %s unlocked: five new tries; sessions already open are unchanged\n", strings.TrimSpace(*name))
		return ExitOK
	})
}

// withAccountStore runs fn on the staff accounts of the engine at path.
// Only a SQLite engine keeps them for now.
func withAccountStore(stdio IO, path string, fn func(engineapi.AccountStore) int) int {
	return withEngineStore(stdio, path, func(store engineapi.Store) int {
		accounts, ok := store.(engineapi.AccountStore)
		if !ok {
			return fail(stdio.Err, ExitUsage, "staff accounts are kept only by a SQLite engine for now; "+
				"a PostgreSQL engine has no staff desk yet (docs/operations.md)")
		}
		return fn(accounts)
	})
}
