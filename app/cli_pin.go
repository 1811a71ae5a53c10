package app

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// runKioskPINSet is `enrolldesk kiosk pin set`: it reads the staff PIN
// from the terminal (twice, not echoed) or from standard input, never from
// a flag, and stores its argon2id hash in the data directory.
func runKioskPINSet(stdio IO, args []string) int {
	fs := newFlags("kiosk pin set", stdio.Err)
	dir := fs.String("data", "", "the kiosk's data directory; default $ENROLLDESK_DATA or ~/.local/share/enrolldesk")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 {
		return fail(stdio.Err, ExitUsage, "kiosk pin set takes no PIN on the command line (it would stay in the shell history): type it when asked, or pipe it in")
	}
	cfg := KioskConfig{DataDir: *dir}
	if err := cfg.defaults(); err != nil {
		return fail(stdio.Err, ExitFail, "kiosk pin set: %v", err)
	}
	pin, err := readPIN(stdio)
	if err != nil {
		return fail(stdio.Err, ExitUsage, "kiosk pin set: %s", errText(err))
	}
	if err := SetStaffPIN(cfg.DataDir, pin); err != nil {
		return fail(stdio.Err, exitFor(err), "kiosk pin set: %s", errText(err))
	}
	fmt.Fprintf(stdio.Out, "staff PIN set for %s (stored as an argon2id hash; wrong tries reset)\n", cfg.DataDir)
	return ExitOK
}

// readPIN reads the PIN: on a terminal twice without echo, otherwise the
// first line of standard input.
func readPIN(stdio IO) (string, error) {
	if f, ok := stdio.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(stdio.Err, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(stdio.Err)
			return strings.TrimSpace(string(b)), err
		}
		pin, err := ask("new staff PIN (4–8 digits): ")
		if err != nil {
			return "", err
		}
		again, err := ask("the same PIN again: ")
		if err != nil {
			return "", err
		}
		if pin != again {
			return "", fmt.Errorf("the two PINs differ; nothing was changed")
		}
		return pin, validPIN(pin)
	}
	line, err := bufio.NewReader(stdio.In).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	pin := strings.TrimSpace(line)
	if pin == "" {
		return "", fmt.Errorf("no PIN on standard input: type it at a terminal, or pipe it in (printf '%%s\\n' PIN | enrolldesk kiosk pin set)")
	}
	return pin, validPIN(pin)
}
