package app

import (
	"context"
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// runApplications lists what the engine holds, so staff and scripts can
// see the engine's decisions before the staff desktop exists: the engine's
// state and category beside the category the kiosk showed the family.
func runApplications(stdio IO, args []string) int {
	fs := newFlags("engine applications", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file or postgres:// URL")
	state := fs.String("state", "", "only this state (verified, needs_review, rejected, returned …)")
	regNo := fs.String("reg", "", "only this registration number")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	f := engineapi.Filter{State: core.State(strings.TrimSpace(*state)), RegNo: strings.ToUpper(strings.TrimSpace(*regNo))}
	if f.State != "" && f.State.Label() == string(f.State) {
		return fail(stdio.Err, ExitUsage, "engine applications: unknown state %q (verified, needs_review, rejected, returned, approved …)", f.State)
	}
	return withEngineStore(stdio, *path, func(store engineapi.Store) int {
		list, err := store.Applications(context.Background(), f)
		if err != nil {
			return fail(stdio.Err, ExitFail, "applications: %v", err)
		}
		if *asJSON {
			return writeJSON(stdio, list, "  ")
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REG NO\tCHILD\tSTAGE\tSTATE\tENGINE CATEGORY\tKIOSK CATEGORY\tDEVICE\tRECEIVED")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.RegNo, a.Child, a.Stage.Label(), a.State.Label(),
				orDash(a.Category), kioskCategory(a), a.DeviceID, a.ReceivedAt.Local().Format("2006-01-02 15:04"))
		}
		if err := tw.Flush(); err != nil {
			return fail(stdio.Err, ExitFail, "write: %v", err)
		}
		return ExitOK
	})
}

func kioskCategory(a engineapi.Summary) string {
	if a.KioskPending {
		return "待核验"
	}
	return orDash(a.KioskCategory)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// runReturn sends an application back to the family for more (退回补充):
// the kiosk learns it by its next pull, and the family may apply again for
// the same child, stage and year. The actor is recorded as cli:<user>.
func runReturn(stdio IO, args []string) int {
	fs := newFlags("engine return", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file or postgres:// URL")
	regNo := fs.String("reg", "", "the registration number on the receipt")
	reason := fs.String("reason", "", "what the family must bring or fix, in plain words")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	reg := strings.ToUpper(strings.TrimSpace(*regNo))
	if reg == "" || strings.TrimSpace(*reason) == "" {
		return fail(stdio.Err, ExitUsage, "engine return takes --db PATH --reg REGNO --reason TEXT")
	}
	return withEngineStore(stdio, *path, func(store engineapi.Store) int {
		ctx := context.Background()
		list, err := store.Applications(ctx, engineapi.Filter{RegNo: reg})
		switch {
		case err != nil:
			return fail(stdio.Err, ExitFail, "return: %v", err)
		case len(list) == 0:
			return fail(stdio.Err, ExitUsage, "no application %s: see `enrolldesk engine applications`", reg)
		case len(list) > 1:
			return fail(stdio.Err, ExitUsage, "%d applications carry %s (see Known limits): return one with the staff desktop", len(list), reg)
		}
		c, err := store.Return(ctx, list[0].AppID, "cli:"+cliUser(), strings.TrimSpace(*reason), time.Now())
		if err != nil {
			return fail(stdio.Err, exitFor(err), "return %s: %s", reg, errText(err))
		}
		fmt.Fprintf(stdio.Err, "%s returned (%s): the kiosk hears it at its next sync; the family may apply again\n", reg, c.State.Label())
		return ExitOK
	})
}

// cliUser names who ran a staff command, for the history.
func cliUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}
