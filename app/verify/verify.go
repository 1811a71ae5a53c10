// Package verify is the `enrolldesk verify` command: it checks a receipt
// token (the text of a receipt's QR code) against the kiosk keys this
// machine trusts, offline.
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// Exit codes of RunVerify.
const (
	ExitOK      = 0 // the token is genuine
	ExitInvalid = 1 // the token is not genuine, or the keys could not be read
	ExitUsage   = 2 // the command line is wrong
)

const usage = `usage: enrolldesk verify [--keys DIR] [--json] TOKEN
       enrolldesk verify --engine-db ENGINE.db [--json] TOKEN

Checks a receipt token (the text of the receipt's QR code) against the
public keys in DIR: DIR/kiosk.pub and DIR/trusted/*.pub; or, with
--engine-db, against the engine's registry of device keys (every kiosk and
the engine desk), and prints the engine's record beside what the paper says.
`

// OpenRegistry opens an engine database read for --engine-db; close is
// called when the check is done. The wiring passes it (app/sqlite).
type OpenRegistry func(path string) (reg Registry, close func() error, err error)

// RunVerify runs `enrolldesk verify [--keys DIR] [--json] TOKEN` with args
// (without the subcommand) and returns the exit code. keyDir is the default
// for --keys. Claims go to stdout as readable lines, or as JSON with
// --json; the reason for a refusal goes to stderr. loadRing reads the
// trusted keys of a directory (app/keys.LoadKeyRing; the wiring passes it so
// this command does not import a sibling adapter).
func RunVerify(args []string, keyDir string, loadRing func(dir string) (receipt.KeyRing, error), stdout, stderr io.Writer) int {
	return RunVerifyWith(args, keyDir, loadRing, nil, stdout, stderr)
}

// RunVerifyWith is RunVerify with --engine-db: openEngine (nil: the flag
// is refused) opens the engine database whose registry the token is
// checked against (RunVerifyEngine).
func RunVerifyWith(args []string, keyDir string, loadRing func(dir string) (receipt.KeyRing, error), openEngine OpenRegistry, stdout, stderr io.Writer) int {
	token, dir, engineDB, asJSON, code := parseArgs(args, keyDir, stderr)
	if code >= 0 {
		return code
	}
	if engineDB != "" {
		if openEngine == nil {
			fmt.Fprintln(stderr, "verify: --engine-db is not available in this build")
			return ExitUsage
		}
		reg, closeReg, err := openEngine(engineDB)
		if err != nil {
			fmt.Fprintf(stderr, "无法打开引擎数据库 %s：%v\n", engineDB, err)
			return ExitInvalid
		}
		code := RunVerifyEngine(context.Background(), token, asJSON, reg, stdout, stderr)
		if err := closeReg(); err != nil {
			fmt.Fprintf(stderr, "verify: close %s: %v\n", engineDB, err)
		}
		return code
	}
	ring, err := loadRing(dir)
	if err != nil {
		fmt.Fprintf(stderr, "无法读取公钥：%v\n", err)
		return ExitInvalid
	}
	claims, err := receipt.Verify(token, ring)
	if err != nil {
		fmt.Fprintf(stderr, "回执无效：%s（%s）\n", core.ErrorMessage(err), reason(err))
		return ExitInvalid
	}
	if asJSON {
		return writeJSON(stdout, stderr, claims)
	}
	writeLines(stdout, claims)
	return ExitOK
}

// parseArgs reads flags before or after the token; code is -1 to go on.
func parseArgs(args []string, keyDir string, stderr io.Writer) (token, dir, engineDB string, asJSON bool, code int) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&dir, "keys", keyDir, "directory with kiosk.pub and trusted/*.pub")
	fs.BoolVar(&asJSON, "json", false, "print the claims as JSON")
	fs.StringVar(&engineDB, "engine-db", "", "check against this engine database's device registry instead of --keys")
	var rest []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return "", "", "", false, ExitOK
		} else if err != nil {
			return "", "", "", false, ExitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
	if len(rest) != 1 || strings.TrimSpace(rest[0]) == "" {
		fs.Usage()
		return "", "", "", false, ExitUsage
	}
	if dir == "" && engineDB == "" {
		fmt.Fprintln(stderr, "verify: no key directory; pass --keys DIR or --engine-db ENGINE.db")
		return "", "", "", false, ExitUsage
	}
	return strings.TrimSpace(rest[0]), dir, strings.TrimSpace(engineDB), asJSON, -1
}

// reason names a refusal in English for the log and for scripts.
func reason(err error) string {
	switch core.ErrorCode(err) {
	case receipt.ETokenBadSignature:
		return "bad signature"
	case receipt.ETokenUnknownKey:
		return "unknown key"
	case receipt.ETokenMalformed:
		return "malformed"
	}
	return core.ErrorCode(err)
}

func writeJSON(stdout, stderr io.Writer, c receipt.Claims) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		fmt.Fprintf(stderr, "verify: write JSON: %v\n", err)
		return ExitInvalid
	}
	return ExitOK
}

func writeLines(w io.Writer, c receipt.Claims) {
	line := func(label, value string) { fmt.Fprintf(w, "%-14s %s\n", label, value) }
	fmt.Fprintln(w, "回执有效（签名核验通过） valid")
	line("reg_no", c.RegNo)
	line("app_id", c.AppID)
	line("stage", string(c.Stage)+"  "+c.Stage.Label())
	line("child_masked", c.ChildMasked)
	line("status_code", c.StatusCode)
	line("school_codes", strings.Join(c.SchoolCodes, ", "))
	line("kiosk_id", c.KioskID)
	line("issued", c.Issued.In(time.Local).Format("2006-01-02 15:04:05 -07:00"))
	line("key_id", c.KeyID)
}
