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
	"enrolldesk/app/pgstore"
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
	fs.StringVar(&cfg.DB, "db", "", "the engine's SQLite file (default DATA/engine.db) or a postgres://USER@HOST:PORT/DB URL")
	fs.StringVar(&cfg.CityDB, "city", "", "department data (SQLite): the engine decides every application on it (required)")
	fs.BoolVar(&cfg.TrustKioskDecisions, "trust-kiosk-decisions", false, "run without --city, taking each kiosk's decision as it comes: for tests only")
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (default $ENROLLDESK_DATA or ~/.local/share/enrolldesk)")
	cert := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key serves HTTPS")
	key := fs.String("tls-key", "", "TLS private key (PEM)")
	var serve serveOptions
	fs.BoolVar(&serve.ReusePort, "reuseport", false, "listen with SO_REUSEPORT so several engine processes share one port (the kernel spreads connections)")
	fs.BoolVar(&serve.InsecurePlaintext, "insecure-plaintext", false, "serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy on a trusted network)")
	fs.StringVar(&serve.MetricsAddr, "metrics-addr", DefaultMetricsAddr, "where /metrics is served, apart from the API (\"off\": nowhere)")
	fs.BoolVar(&serve.MetricsPublic, "metrics-public", false, "allow --metrics-addr on a non-loopback address")
	fs.StringVar(&cfg.KeyDir, "key-dir", "", "directory of the engine's signing key engine.key (default: the directory of --db); every engine process of one deployment shares it")
	fs.IntVar(&cfg.RatePerMinute, "rate-per-minute", 0, "requests a minute one device may make before 429 (default 600; negative: no limit)")
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
	serve.Addr, serve.Cert, serve.Key = *listen, *cert, *key
	if err := serve.check(); err != nil {
		return fail(stdio.Err, ExitUsage, "engine: %v", err)
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
	fmt.Fprintf(stdio.Err, "enrolldesk engine: answers signed with engine key %s (give it with each enrollment code)\n", e.Fingerprint())
	if *anchorPath != "" {
		stopAnchors, err := startAnchors(ctx, e, *anchorPath, *anchorEvery, cfg.Logger)
		if err != nil {
			return fail(stdio.Err, ExitFail, "engine: %v", err)
		}
		defer stopAnchors()
	}
	return serveEngine(ctx, stdio, e, serve)
}

// serveOptions are how the engine listens.
type serveOptions struct {
	Addr              string // host:port of the API
	Cert, Key         string // TLS files; both empty: plain HTTP
	ReusePort         bool   // SO_REUSEPORT: several processes share Addr
	InsecurePlaintext bool   // allow plain HTTP on a non-loopback Addr
	MetricsAddr       string // host:port of /metrics; "" or "off": not served
	MetricsPublic     bool   // allow a non-loopback MetricsAddr
}

// DefaultMetricsAddr is where /metrics is served unless told otherwise:
// this machine only.
const DefaultMetricsAddr = "127.0.0.1:9464"

// check refuses a plain-HTTP API or a metrics listener open to the
// network unless the operator said so explicitly.
func (o serveOptions) check() error {
	if o.Cert == "" && !o.InsecurePlaintext && !isLoopbackAddr(o.Addr) {
		return core.Errorf(core.EINVALID, "--listen %s is not a loopback address and no certificate is given: kiosks would send ID numbers in clear. "+
			"Give --tls-cert FILE --tls-key FILE (for a pilot, `enrolldesk engine cert --out DIR` makes a pair), "+
			"or --insecure-plaintext if a TLS-terminating proxy on a trusted network stands in front", o.Addr)
	}
	if m := o.MetricsAddr; m != "" && m != "off" && !o.MetricsPublic && !isLoopbackAddr(m) {
		return core.Errorf(core.EINVALID, "--metrics-addr %s is not a loopback address: metrics tell anyone who asks how busy the engine is. "+
			"Use 127.0.0.1:PORT and scrape through a tunnel, or give --metrics-public to serve them there anyway", m)
	}
	return nil
}

// serveEngine serves until ctx ends (SIGINT, SIGTERM), then shuts down
// gracefully: no new connections, requests in flight finish.
func serveEngine(ctx context.Context, stdio IO, e *Engine, opt serveOptions) int {
	if err := opt.check(); err != nil {
		return fail(stdio.Err, ExitUsage, "engine: %v", err)
	}
	cert, key := opt.Cert, opt.Key
	ln, err := listenTCP(ctx, opt.Addr, opt.ReusePort)
	if err != nil {
		return fail(stdio.Err, ExitFail, "engine: %v", err)
	}
	if opt.MetricsAddr != "" && opt.MetricsAddr != "off" {
		mln, err := net.Listen("tcp", opt.MetricsAddr)
		if err != nil {
			ln.Close()
			return fail(stdio.Err, ExitFail, "engine: metrics: %v (another engine process on this machine needs its own --metrics-addr)", err)
		}
		msrv := engineServer(e.MetricsHandler(), e.cfg.Logger)
		go msrv.Serve(mln) //nolint:errcheck // ends with ErrServerClosed at shutdown
		defer msrv.Close()
		fmt.Fprintf(stdio.Err, "enrolldesk engine: metrics on http://%s/metrics\n", mln.Addr())
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

// openEngineStore opens an existing engine database (a SQLite file or a
// postgres:// URL) for the device and staff commands, which need no city.
// close closes the store and its database.
func openEngineStore(path string) (store engineapi.Store, close func() error, err error) {
	if path == "" {
		return nil, nil, core.Errorf(core.EINVALID, "--db PATH is required (the engine's SQLite file or its postgres:// URL)")
	}
	if pgstore.IsURL(path) {
		pg, err := pgstore.Open(context.Background(), path)
		if err != nil {
			return nil, nil, err
		}
		return pg, pg.Close, nil
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return nil, nil, err
	}
	es, err := db.EngineStore(context.Background())
	if err != nil {
		return nil, nil, errors.Join(err, db.Close())
	}
	return es, func() error { return errors.Join(es.Close(), db.Close()) }, nil
}

func withEngineStore(stdio IO, path string, fn func(engineapi.Store) int) int {
	store, closeStore, err := openEngineStore(path)
	if err != nil {
		return fail(stdio.Err, exitFor(err), "%s", errText(err))
	}
	code := fn(store)
	if err := closeStore(); err != nil {
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
	RegPrefix   int        `json:"reg_prefix"`
	EngineKey   string     `json:"engine_key,omitempty"` // the engine key's fingerprint (device add)
	Enrollment  string     `json:"enrollment,omitempty"` // CODE/FINGERPRINT for the kiosk (device add)
}

func toDeviceJSON(d engineapi.Device) deviceJSON {
	out := deviceJSON{ID: d.ID, Name: d.Name, Status: d.Status(), CodeExpires: d.CodeExpires, CreatedAt: d.CreatedAt, RegPrefix: d.RegPrefix}
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
	path := fs.String("db", "", "the engine's SQLite file or postgres:// URL")
	name := fs.String("name", "", "a name staff recognise, e.g. the hall and kiosk number")
	keyDir := fs.String("key-dir", "", "directory of the engine's signing key (default: the directory of --db)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	if *path == "" {
		return fail(stdio.Err, ExitUsage, "device add: --db PATH is required")
	}
	fingerprint, err := engineFingerprint(*path, *keyDir)
	if err != nil {
		return fail(stdio.Err, exitFor(err), "device add: %s", errText(err))
	}
	return withEngineStore(stdio, *path, func(store engineapi.Store) int {
		d, code, err := engine.AddDevice(context.Background(), store, strings.TrimSpace(*name), time.Now())
		if err != nil {
			return fail(stdio.Err, exitFor(err), "device add: %s", errText(err))
		}
		enrollment := code + engineapi.EnrollmentSeparator + fingerprint
		if *asJSON {
			out := toDeviceJSON(d)
			out.Code, out.EngineKey, out.Enrollment = code, fingerprint, enrollment
			return writeJSON(stdio, out, "  ")
		}
		fmt.Fprintf(stdio.Out, "device     %s\ncode       %s\nengine key %s\nenroll     %s\nprefix     %04d\nexpires    %s\n",
			d.ID, code, fingerprint, enrollment, d.RegPrefix, d.CodeExpires.Local().Format("2006-01-02 15:04"))
		fmt.Fprintln(stdio.Err, "Give the kiosk the enroll line (`enrolldesk kiosk --engine URL --enroll CODE/FINGERPRINT`): the code works once and is not shown again; "+
			"the fingerprint lets the kiosk check it is talking to this engine.")
		return ExitOK
	})
}

func runDeviceList(stdio IO, args []string) int {
	fs := newFlags("engine device list", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file or postgres:// URL")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	return withEngineStore(stdio, *path, func(store engineapi.Store) int {
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
	path := fs.String("db", "", "the engine's SQLite file or postgres:// URL")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() != 1 {
		return fail(stdio.Err, ExitUsage, "device revoke takes --db PATH and one device ID")
	}
	id := fs.Arg(0)
	return withEngineStore(stdio, *path, func(store engineapi.Store) int {
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
	path := fs.String("db", "", "the engine's SQLite file or postgres:// URL")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	return withEngineStore(stdio, *path, func(store engineapi.Store) int {
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
