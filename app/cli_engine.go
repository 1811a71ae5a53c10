package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"enrolldesk/app/engine"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// shutdownGrace is how long a stopping engine lets requests in flight finish.
const shutdownGrace = 10 * time.Second

// engineServer is the HTTP server's settings: generous enough for a 4 MB
// push over a slow hall line, tight enough that idle or stalled clients
// cannot hold connections for ever.
func engineServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func runEngine(stdio IO, args []string) int {
	fs := newFlags("engine", stdio.Err)
	var cfg EngineConfig
	listen := fs.String("listen", "127.0.0.1:8780", "address to serve on; a :0 port picks a free one and prints it")
	fs.StringVar(&cfg.DB, "db", "", "the engine's SQLite file (default DATA/engine.db)")
	fs.StringVar(&cfg.CityDB, "city", "", "department data (SQLite): the engine decides every application on it (required)")
	fs.BoolVar(&cfg.TrustKioskDecisions, "trust-kiosk-decisions", false, "run without --city, taking each kiosk's decision as it comes: for tests only")
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (default $ENROLLDESK_DATA or ~/.local/share/enrolldesk)")
	cert := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key serves HTTPS")
	key := fs.String("tls-key", "", "TLS private key (PEM)")
	verbose := fs.Bool("v", false, "log every push")
	fs.IntVar(&cfg.LookupPerMinute, "lookup-rate", engine.DefaultLookupPerMinute, "look-ups a minute allowed per kiosk and per staff account")
	anchorPath := fs.String("anchor", "", "append the audit chain's head to this file at start, every --anchor-every and at shutdown; copy it elsewhere")
	anchorEvery := fs.Duration("anchor-every", defaultAnchorEvery, "how often to anchor the audit chain (with --anchor)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if cfg.LookupPerMinute <= 0 {
		return fail(stdio.Err, ExitUsage, "engine: --lookup-rate must be a number of look-ups a minute, 1 or more (default %d)", engine.DefaultLookupPerMinute)
	}
	if fs.NArg() > 0 || (*cert == "") != (*key == "") {
		return fail(stdio.Err, ExitUsage, "engine takes --listen ADDR --db PATH --city DB [--tls-cert F --tls-key F]; give both TLS files or neither")
	}
	if *anchorEvery <= 0 {
		return fail(stdio.Err, ExitUsage, "engine: --anchor-every must be a positive duration, e.g. 10m")
	}
	if cfg.CityDB != "" && cfg.TrustKioskDecisions {
		return fail(stdio.Err, ExitUsage, "engine: --city and --trust-kiosk-decisions exclude each other")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stdio.Err, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := OpenEngine(ctx, cfg)
	if err != nil {
		return fail(stdio.Err, exitFor(err), "engine: %s", errText(err))
	}
	defer e.Close()
	if *anchorPath != "" {
		stopAnchors, err := startAnchors(ctx, e, *anchorPath, *anchorEvery, cfg.Logger)
		if err != nil {
			return fail(stdio.Err, ExitFail, "engine: %v", err)
		}
		defer stopAnchors()
	}
	return serveEngine(ctx, stdio, e, *listen, *cert, *key)
}

// serveEngine serves until ctx ends (SIGINT, SIGTERM), then shuts down
// gracefully: no new connections, requests in flight finish.
func serveEngine(ctx context.Context, stdio IO, e *Engine, addr, cert, key string) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fail(stdio.Err, ExitFail, "engine: %v", err)
	}
	srv := engineServer(e.Handler(), e.cfg.Logger)
	scheme := "http"
	if cert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdio.Err, "enrolldesk engine: listening on %s://%s\n", scheme, ln.Addr())
	done := make(chan error, 1)
	go func() {
		if cert != "" {
			done <- srv.ServeTLS(ln, cert, key)
		} else {
			done <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		return fail(stdio.Err, ExitFail, "engine: %v", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fail(stdio.Err, ExitFail, "engine: shutdown: %v", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(stdio.Err, ExitFail, "engine: %v", err)
	}
	fmt.Fprintln(stdio.Err, "enrolldesk engine: stopped")
	return ExitOK
}

func exitFor(err error) int {
	if core.IsInvalid(err) {
		return ExitUsage
	}
	return ExitFail
}

// errText shows a domain error's message and any other error in full:
// this is the operator's terminal, not a kiosk screen.
func errText(err error) string {
	var de *core.Error
	if errors.As(err, &de) && err.Error() == de.Message {
		return de.Message
	}
	return err.Error()
}

// openEngineStore opens an existing engine database for the device
// commands, which need no city.
func openEngineStore(path string) (*sqlite.DB, *sqlite.EngineStore, error) {
	if path == "" {
		return nil, nil, core.Errorf(core.EINVALID, "--db PATH is required")
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return nil, nil, err
	}
	store, err := db.EngineStore(context.Background())
	if err != nil {
		return nil, nil, errors.Join(err, db.Close())
	}
	return db, store, nil
}

func withEngineStore(stdio IO, path string, fn func(*sqlite.EngineStore) int) int {
	db, store, err := openEngineStore(path)
	if err != nil {
		return fail(stdio.Err, exitFor(err), "%s", errText(err))
	}
	code := fn(store)
	if err := errors.Join(store.Close(), db.Close()); err != nil {
		return fail(stdio.Err, ExitFail, "%v", err)
	}
	return code
}

// deviceJSON is a device in `device add/list --json` output.
type deviceJSON struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	Code        string     `json:"code,omitempty"`
	CodeExpires time.Time  `json:"code_expires"`
	CreatedAt   time.Time  `json:"created_at"`
	Registered  *time.Time `json:"registered_at,omitempty"`
	Revoked     *time.Time `json:"revoked_at,omitempty"`
}

func toDeviceJSON(d engineapi.Device) deviceJSON {
	out := deviceJSON{ID: d.ID, Name: d.Name, Status: d.Status(), CodeExpires: d.CodeExpires, CreatedAt: d.CreatedAt}
	if !d.RegisteredAt.IsZero() {
		out.Registered = &d.RegisteredAt
	}
	if !d.RevokedAt.IsZero() {
		out.Revoked = &d.RevokedAt
	}
	return out
}

func runDeviceAdd(stdio IO, args []string) int {
	fs := newFlags("engine device add", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file")
	name := fs.String("name", "", "a name staff recognise, e.g. the hall and kiosk number")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	return withEngineStore(stdio, *path, func(store *sqlite.EngineStore) int {
		d, code, err := engine.AddDevice(context.Background(), store, strings.TrimSpace(*name), time.Now())
		if err != nil {
			return fail(stdio.Err, ExitFail, "device add: %v", err)
		}
		if *asJSON {
			out := toDeviceJSON(d)
			out.Code = code
			return writeJSON(stdio, out, "  ")
		}
		fmt.Fprintf(stdio.Out, "device  %s\ncode    %s\nexpires %s\n", d.ID, code, d.CodeExpires.Local().Format("2006-01-02 15:04"))
		fmt.Fprintln(stdio.Err, "Enter the code on the kiosk (or give it to `enrolldesk kiosk --engine URL`); it works once and is not shown again.")
		return ExitOK
	})
}

func runDeviceList(stdio IO, args []string) int {
	fs := newFlags("engine device list", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	return withEngineStore(stdio, *path, func(store *sqlite.EngineStore) int {
		devices, err := store.Devices(context.Background())
		if err != nil {
			return fail(stdio.Err, ExitFail, "device list: %v", err)
		}
		if *asJSON {
			out := make([]deviceJSON, 0, len(devices))
			for _, d := range devices {
				out = append(out, toDeviceJSON(d))
			}
			return writeJSON(stdio, out, "  ")
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tNAME\tCREATED")
		for _, d := range devices {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.ID, d.Status(), d.Name, d.CreatedAt.Local().Format("2006-01-02 15:04"))
		}
		if err := tw.Flush(); err != nil {
			return fail(stdio.Err, ExitFail, "write: %v", err)
		}
		return ExitOK
	})
}

func runDeviceRevoke(stdio IO, args []string) int {
	fs := newFlags("engine device revoke", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() != 1 {
		return fail(stdio.Err, ExitUsage, "device revoke takes --db PATH and one device ID")
	}
	id := fs.Arg(0)
	return withEngineStore(stdio, *path, func(store *sqlite.EngineStore) int {
		err := store.RevokeDevice(context.Background(), id, time.Now())
		switch {
		case core.ErrorCode(err) == core.ENOTFOUND:
			return fail(stdio.Err, ExitUsage, "no device %s: see `enrolldesk engine device list`", id)
		case err != nil:
			return fail(stdio.Err, ExitFail, "device revoke: %v", err)
		}
		fmt.Fprintf(stdio.Err, "device %s revoked: its requests are refused from now on\n", id)
		return ExitOK
	})
}

// runConflicts lists the applications the engine refused because the same
// child already had one for the stage: staff call the family about each.
func runConflicts(stdio IO, args []string) int {
	fs := newFlags("engine conflicts", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	return withEngineStore(stdio, *path, func(store *sqlite.EngineStore) int {
		cs, err := store.Conflicts(context.Background())
		if err != nil {
			return fail(stdio.Err, ExitFail, "conflicts: %v", err)
		}
		if *asJSON {
			if cs == nil {
				cs = []engineapi.Conflict{}
			}
			return writeJSON(stdio, cs, "  ")
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tREFUSED\tKEPT\tCHILD\tSTAGE\tDEVICE")
		for _, c := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.At.Local().Format("2006-01-02 15:04"), c.RegNo, c.KeptRegNo, c.Child, c.Stage.Label(), c.DeviceID)
		}
		if err := tw.Flush(); err != nil {
			return fail(stdio.Err, ExitFail, "write: %v", err)
		}
		return ExitOK
	})
}
