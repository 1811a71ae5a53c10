// Package app is EnrollDesk's composition root: it parses the command line,
// opens the adapters and wires them to the core and the screens.
package app

import (
	"fmt"
	"io"
	"strings"
)

// Version is set at build time with -ldflags "-X enrolldesk/app.Version=…".
var Version = "dev"

// Exit codes of the command line.
const (
	ExitOK    = 0
	ExitFail  = 1 // the command ran and failed (e.g. a token did not verify)
	ExitUsage = 2 // bad usage or bad input: the message says what to do
)

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

type command struct {
	name, usage string
	run         func(io IO, args []string) int
}

func commands() []command {
	return []command{
		{"kiosk pin set", "enrolldesk kiosk pin set [--data DIR]                     store the staff PIN (asked for, or read from stdin) as an argon2id hash", runKioskPINSet},
		{"kiosk", "enrolldesk [kiosk] [--data DIR] [--db CITY] [--printer QUEUE] [--engine URL|off] [--enroll CODE/FINGERPRINT] [--engine-ca FILE] [--erase-after D]\n    [--lang zh-Hans|en] [--reader sim|none|serial:DEVICE] [--window]   the kiosk (default command; needs a display)", runKiosk},
		{"verify", "enrolldesk verify [--keys DIR | --engine-db ENGINE.db] [--json] TOKEN   check a receipt's QR token offline (engine: every registered device)", runVerify},
		{"demo init", "enrolldesk demo init --db PATH [--families N] [--seed S]   build the demo city", runDemoInit},
		{"demo load", "enrolldesk demo load --city CITY.db --engine-db ENGINE.db --applications N [--seed S]   fill an engine with demo applications", runDemoLoad},
		{"demo personas", "enrolldesk demo personas --db PATH                       list the demo personas as JSON", runDemoPersonas},
		{"lookup", "enrolldesk lookup --db PATH --guardian ID --child ID [--stage primary|junior] [--json]\n  enrolldesk lookup --db PATH --batch < requests.jsonl", runLookup},
		{"engine device add", "enrolldesk engine device add --db PATH [--name N] [--key-dir DIR] [--json]  new kiosk device: prints its one-time code and the engine key's fingerprint (CODE/FINGERPRINT)", runDeviceAdd},
		{"engine key", "enrolldesk engine key --db PATH [--key-dir DIR] [--json]   the engine's answer-signing key and its fingerprint", runEngineKey},
		{"engine cert", "enrolldesk engine cert --out DIR [--host NAMES] [--days N]   a self-signed TLS pair for a pilot (kiosks: --engine-ca DIR/cert.pem)", runEngineCert},
		{"engine device list", "enrolldesk engine device list --db PATH [--json]", runDeviceList},
		{"engine conflicts", "enrolldesk engine conflicts --db PATH [--json]            second applications for a child, refused and kept for staff", runConflicts},
		{"engine applications", "enrolldesk engine applications --db PATH [--state S] [--reg REGNO] [--json]   what the engine holds: its state and category, the kiosk's", runApplications},
		{"engine return", "enrolldesk engine return --db PATH --reg REGNO --reason TEXT   send an application back to the family (退回补充)", runReturn},
		{"engine device revoke", "enrolldesk engine device revoke --db PATH ID", runDeviceRevoke},
		{"staff", staffUsage, runStaff},
		{"engine migrate", "enrolldesk engine migrate --db PATH|postgres://…       create or update the engine's tables (SQLite file or PostgreSQL)", runEngineMigrate},
		{"engine backup", "enrolldesk engine backup --db ENGINE.db --to FILE         online copy of a SQLite engine (PostgreSQL: pg_dump, see docs/operations.md)", runEngineBackup},
		{"engine", "enrolldesk engine --listen ADDR --db PATH|postgres://… --city DB [--tls-cert F --tls-key F | --insecure-plaintext] [--data DIR] [--reuseport]\n    [--metrics-addr 127.0.0.1:9464 [--metrics-public]] [--rate-per-minute N] [--lookup-rate N] [--key-dir DIR]\n    [--anchor FILE [--anchor-every 10m]]\n    the central engine kiosks sync to; it decides every application on the city's data", runEngine},
		{"audit verify", "enrolldesk audit verify --db ENGINE.db [--anchor FILE]       walk the audit chain: exit 0 and the count, or 1 naming the first broken entry", runAuditVerify},
		{"audit anchor", "enrolldesk audit anchor --db ENGINE.db --anchor FILE       append the chain's head to FILE (copy it elsewhere)", runAuditAnchor},
		{"audit list", "enrolldesk audit list --db ENGINE.db [--limit N]            the latest audit entries (ID numbers masked)", runAuditList},
		{"sync status", "enrolldesk sync status [--data DIR] [--json]                 queue, last sync and dead letters of a kiosk", runSyncStatus},
		{"sync recover", "enrolldesk sync recover [--data DIR]                        after an alarm (kiosk stopped): rebuild kiosk.db and the journal from each other", runSyncRecover},
		{"sync requeue", "enrolldesk sync requeue [--data DIR] --all | APP_ID...      put dead letters back in the outbox", runSyncRequeue},
		{"sync", "enrolldesk sync [--data DIR] --engine URL [--enroll CODE] [--once] [--timeout D]\n    push a kiosk's outbox to the engine without the screen", runSync},
		{"heatmap", "enrolldesk heatmap --db ENGINE.db [--city CITY.db] [--stage primary|junior] --png FILE --csv FILE   the demand heat map without a window", runHeatMap},
		{"version", "enrolldesk version", func(io IO, _ []string) int { fmt.Fprintln(io.Out, "enrolldesk", Version); return ExitOK }},
	}
}

// Main runs the command line and returns the process exit code.
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	stdio := IO{In: in, Out: out, Err: errw}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c.run(stdio, args[len(words):])
		}
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		usage(errw)
		return ExitOK
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runKiosk(stdio, args)
	}
	fmt.Fprintf(errw, "enrolldesk: unknown command %q\n", strings.Join(args, " "))
	usage(errw)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage:")
	for _, c := range commands() {
		fmt.Fprintln(w, "  "+c.usage)
	}
}
