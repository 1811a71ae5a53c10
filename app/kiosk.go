package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"enrolldesk/app/cardreader"
	"enrolldesk/app/demo"
	"enrolldesk/app/dirlock"
	"enrolldesk/app/keys"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/printing"
	"enrolldesk/app/sqlite"
	"enrolldesk/app/syncer"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
	kioskui "enrolldesk/ui/kiosk"
)

// KioskConfig configures a kiosk. Zero values take the defaults below.
type KioskConfig struct {
	DataDir   string        // key, kiosk database, spool, demo city; default $ENROLLDESK_DATA or ~/.local/share/enrolldesk
	CityDB    string        // department data, demo mode only (no Engine URL); default: the demo city, built once into DataDir
	Printer   string        // CUPS queue; "" keeps receipts in the spool for the staff desk
	LP        string        // lp command (tests); default "lp"
	KioskID   string        // default: KIOSK- and the key's ID
	PIN       string        // staff PIN to store (hashed) at first start; see openStaffLock
	Idle      time.Duration // default 90 s
	Countdown time.Duration // default 60 s
	TapGuard  time.Duration // taps dropped right after a screen appears (default 300 ms; negative: off)
	Language  string        // zh-Hans (default) or en
	Reader    string        // ID-card reader: "sim" (default, demo cards), "none" (keypad only), "serial:/dev/ttyUSB0" or "serial:COM3"
	Families  int           // size of a demo city built on first start (default 2000)
	Seed      uint64        // its seed (default 2027)
	Now       func() time.Time

	// Personal data: erased EraseAfter after the engine acknowledged it
	// (default DefaultEraseAfter), looked for every EraseEvery (default
	// DefaultEraseEvery), by EraseClock (nil: time.Now — the sync stamps
	// its answers in real time, whatever Now says).
	EraseAfter time.Duration
	EraseEvery time.Duration
	EraseClock func() time.Time

	// LayoutReport names a file that gets each screen's layout as JSON
	// (kiosk --layout-report), for the real-window check.
	LayoutReport string

	// Sync. With Engine set the kiosk registers with that engine (once,
	// with Enroll) and syncs to it; with LocalEngine it starts an engine
	// in process on its own city (make run); with neither, applications
	// wait in the outbox for `enrolldesk sync`.
	Engine      string                           // engine base URL
	Enroll      string                           // CODE/FINGERPRINT from `enrolldesk engine device add`: the one-time code and the engine key's fingerprint
	EngineCA    string                           // PEM certificate authority the engine's TLS certificate is checked against (a pilot's self-signed one)
	LocalEngine bool                             // run an in-process engine on 127.0.0.1
	SyncWait    time.Duration                    // how long a submit waits for the engine's answer (default 2 s)
	Logf        func(format string, args ...any) // sync log; nil: silent
}

// DefaultTapGuard drops the second tap of a double tap that would land on
// the next screen: people who rarely use touchscreens often tap twice.
const DefaultTapGuard = 300 * time.Millisecond

// DefaultPIN is the maintenance PIN of a demo kiosk (in-process engine, or
// none) when none is set; the kiosk prints a warning at start. A kiosk of a
// real engine has no default: it refuses to start without a PIN.
const DefaultPIN = "2027"

func (c *KioskConfig) defaults() error {
	if c.DataDir == "" {
		c.DataDir = os.Getenv("ENROLLDESK_DATA")
	}
	if c.DataDir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("no data directory: set --data or ENROLLDESK_DATA: %w", err)
		}
		c.DataDir = filepath.Join(home, ".local", "share", "enrolldesk")
	}
	switch {
	case c.TapGuard == 0:
		c.TapGuard = DefaultTapGuard
	case c.TapGuard < 0:
		c.TapGuard = 0
	}
	if c.Families == 0 {
		c.Families = 2000
	}
	if c.Seed == 0 {
		c.Seed = 2027
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SyncWait == 0 {
		c.SyncWait = 2 * time.Second
	}
	if _, _, err := cardreader.ParseSpec(c.Reader); err != nil {
		return err
	}
	if c.Engine != "" && c.LocalEngine {
		return fmt.Errorf("kiosk: an engine URL and an in-process engine exclude each other")
	}
	if c.Engine != "" && c.CityDB != "" {
		return core.Errorf(core.EINVALID, "kiosk: a kiosk with an engine holds no department data: drop --db (look-ups go to the engine)")
	}
	return os.MkdirAll(c.DataDir, 0o700)
}

// Kiosk is a kiosk's open adapters: its own store, its key, its printer,
// and — in demo mode only — the department data.
type Kiosk struct {
	cfg      KioskConfig
	city     *sqlite.DB // nil with a real engine: a kiosk holds no department data
	store    *sqlite.DB
	key      ed25519.PrivateKey
	printer  *printing.ReceiptPrinter
	policy   *core.Policy
	personas []core.Persona
	sync     *kioskSync // nil: no engine configured
	staff    *staffLock
	eraser   *eraser
	stopEras func() // stops the eraser's background passes
	guard    *guard // the journal, the start-up check, the alarm
}

// OpenKiosk opens (creating on first start) everything a kiosk needs.
func OpenKiosk(ctx context.Context, cfg KioskConfig) (*Kiosk, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	k := &Kiosk{cfg: cfg}
	if err := protectDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	var err error
	if k.staff, err = openStaffLock(cfg, cfg.Engine == ""); err != nil {
		return nil, err
	}
	if err := k.open(ctx); err != nil {
		return nil, errors.Join(err, k.Close())
	}
	// Again, for the files the first start has just made (the store and
	// its log, the key) with the process's umask.
	if err := protectDataDir(cfg.DataDir); err != nil {
		return nil, errors.Join(err, k.Close())
	}
	return k, nil
}

func (k *Kiosk) open(ctx context.Context) error {
	var err error
	if k.policy, err = policyfile.Default(); err != nil {
		return err
	}
	if k.key, err = keys.LoadOrCreate(k.cfg.DataDir); err != nil {
		return err
	}
	if k.cfg.KioskID == "" {
		k.cfg.KioskID = "KIOSK-" + receipt.KeyID(k.key.Public().(ed25519.PublicKey))
	}
	if k.cfg.Engine != "" {
		// A stolen kiosk must not leak the city's registers: with a real
		// engine, look-ups go to it, and a demo city an earlier demo run
		// left here goes.
		if err := removeDemoCities(k.cfg.DataDir, k.cfg.Logf); err != nil {
			return err
		}
	} else {
		if k.city, err = k.openCity(ctx); err != nil {
			return err
		}
		if k.personas, err = k.city.City().Personas(ctx); err != nil {
			return fmt.Errorf("read personas: %w", err)
		}
	}
	if k.store, err = k.openStore(ctx); err != nil {
		return err
	}
	renderer, err := printing.NewRenderer()
	if err != nil {
		return err
	}
	k.printer = &printing.ReceiptPrinter{Renderer: renderer, Sign: printing.Signer(k.key),
		Spool: &printing.Spooler{Dir: filepath.Join(k.cfg.DataDir, "spool"), Printer: k.cfg.Printer, LP: k.cfg.LP}}
	// A receipt left in the spool by the last run (a crash, a printer
	// that was down) carries a name: staff reprint from the store instead.
	if err := k.printer.Spool.PurgeAll(); err != nil {
		return err
	}
	k.eraser = newEraser(k.store, k.printer.Spool, k.cfg.EraseAfter, k.cfg.EraseClock, k.cfg.Logf)
	if err := k.openSync(ctx); err != nil {
		return err
	}
	k.stopEras = k.eraser.start(k.cfg.EraseEvery)
	return nil
}

// openStore opens kiosk.db and runs the start-up check against the
// journal. A database too damaged to open still lets the kiosk start —
// on an empty store in memory, with the alarm up — so the hall sees the
// alarm and the way to the counter rather than a desktop.
func (k *Kiosk) openStore(ctx context.Context) (*sqlite.DB, error) {
	store, err := sqlite.Open(filepath.Join(k.cfg.DataDir, "kiosk.db"))
	if err != nil {
		mem, merr := sqlite.Open(sqlite.Memory)
		if merr != nil {
			return nil, errors.Join(err, merr)
		}
		k.guard = &guard{dir: k.cfg.DataDir, store: mem, logf: k.cfg.Logf}
		k.guard.raise(alarmDB, err)
		return mem, nil
	}
	k.guard = openGuard(ctx, k.cfg.DataDir, store, k.cfg.Logf)
	return store, nil
}

// openCity opens the configured department data, or the demo city, which
// is generated into the data directory the first time (under a second).
func (k *Kiosk) openCity(ctx context.Context) (*sqlite.DB, error) {
	path := k.cfg.CityDB
	if path == "" {
		path = filepath.Join(k.cfg.DataDir, fmt.Sprintf("demo-city-%d-s%d.db", k.cfg.Families, k.cfg.Seed))
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			tmp := path + ".building"
			if err := removeDB(tmp); err != nil {
				return nil, err
			}
			if _, err := BuildDemoCity(ctx, tmp, demo.Options{Families: k.cfg.Families, Seed: k.cfg.Seed}); err != nil {
				return nil, err
			}
			if err := os.Rename(tmp, path); err != nil {
				return nil, fmt.Errorf("keep demo city: %w", err)
			}
		}
	}
	return openCity(path)
}

// removeDemoCities deletes the demo cities (generated data, rebuilt on
// demand) a demo run left in dir.
func removeDemoCities(dir string, logf func(string, ...any)) error {
	found, err := filepath.Glob(filepath.Join(dir, "demo-city-*.db*"))
	if err != nil {
		return err
	}
	for _, f := range found {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove the demo city: %w", err)
		}
		logprintf(logf, "removed %s: a kiosk with an engine holds no department data", filepath.Base(f))
	}
	return nil
}

// HasCity reports whether the kiosk holds department data (demo mode).
func (k *Kiosk) HasCity() bool { return k.city != nil }

// Close stops the sync worker (and the in-process engine) and closes the
// databases. Closing twice is harmless.
func (k *Kiosk) Close() error {
	var errs []error
	if k.stopEras != nil {
		k.stopEras()
		k.stopEras = nil
	}
	if k.sync != nil {
		errs = append(errs, k.sync.close())
		k.sync = nil
	}
	for _, db := range []*sqlite.DB{k.city, k.store} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	k.city, k.store = nil, nil
	return errors.Join(errs...)
}

// ErasePersonalData runs one erasure pass now (beside the periodic ones)
// and returns how many applications it erased.
func (k *Kiosk) ErasePersonalData(ctx context.Context) (int, error) { return k.eraser.pass(ctx) }

// Store is the kiosk's own database (applications and outbox).
func (k *Kiosk) Store() *sqlite.DB { return k.store }

// KioskID is the device's identifier, printed on receipts.
func (k *Kiosk) KioskID() string { return k.cfg.KioskID }

// Personas are the demo city's named families.
func (k *Kiosk) Personas() []core.Persona { return k.personas }

// Services wires the screens to the adapters.
func (k *Kiosk) Services(reader kioskui.CardReader) kioskui.Services {
	// Demo mode decides on the demo city; with a real engine the kiosk has
	// no data, and takes an application 待核验 when the engine is away.
	var reg kioskui.Registrar = pendingRegistrar{now: k.cfg.Now}
	if k.city != nil {
		reg = &core.Registrar{Sources: core.SourcesOf(k.city.City()), Policy: k.policy, Now: k.cfg.Now}
	}
	var sub kioskui.Submitter = &kioskSubmitter{store: k.store, guard: k.guard}
	if k.sync != nil {
		reg = &fallbackRegistrar{remote: &syncer.Registrar{Client: k.sync.client}, local: reg, logf: k.cfg.Logf}
		if k.sync.worker != nil {
			sub = &syncingSubmitter{Submitter: sub, store: k.store, worker: k.sync.worker, wait: k.cfg.SyncWait}
		}
	}
	return kioskui.Services{
		Registrar:   &nameCheckingRegistrar{reg: reg, glyphs: k.printer.Renderer.Glyphs()},
		Submitter:   sub,
		Printer:     &kioskPrinter{printer: k.printer, kioskID: k.cfg.KioskID, store: k.store, notice: k.policy.Notice},
		Reader:      reader,
		Maintenance: &kioskMaintenance{k: k},
		KioskID:     k.cfg.KioskID,
		Now:         k.cfg.Now,
		Blocked:     func() bool { _, up := k.guard.Alarm(); return up },
		Notice:      k.policy.Notice,
	}
}

// Alarm is the damage that stops new registrations, if any.
func (k *Kiosk) Alarm() (Alarm, bool) { return k.guard.Alarm() }

// DemoReader is the simulated card reader offering the personas' cards.
func (k *Kiosk) DemoReader() *cardreader.Sim { return cardreader.NewSim(k.personas) }

// CardReader is the reader the configuration names: the simulated one
// (the demo's default), a real one on a serial port, or nil for the
// keypad only. A serial reader holds its port until closed (io.Closer).
func (k *Kiosk) CardReader() kioskui.CardReader {
	kind, path, _ := cardreader.ParseSpec(k.cfg.Reader) // checked by defaults
	switch kind {
	case cardreader.KindNone:
		return nil
	case cardreader.KindSerial:
		r := cardreader.NewSerial(path)
		r.Now, r.Logf = k.cfg.Now, k.cfg.Logf
		return r
	}
	return k.DemoReader()
}

// Options are the screens' settings.
func (k *Kiosk) Options() kioskui.Options {
	return kioskui.Options{Idle: k.cfg.Idle, Countdown: k.cfg.Countdown, Language: k.cfg.Language, TapGuard: k.cfg.TapGuard}
}

// kioskSync is a kiosk's link to its engine: the signing client, the
// worker draining the outbox (nil when another process holds the data
// directory's sync lock: that process syncs), and the in-process engine
// when there is one.
type kioskSync struct {
	client *syncer.Client
	worker *syncer.Worker
	lock   *dirlock.Lock
	other  string // who syncs instead, when worker is nil
	stop   context.CancelFunc
	done   chan struct{}
	local  *localEngine // nil with a remote engine
}

// openSync connects the kiosk to its engine, registering on first use, and
// starts the worker.
func (k *Kiosk) openSync(ctx context.Context) error {
	if k.cfg.Engine == "" && !k.cfg.LocalEngine {
		return nil
	}
	s := &kioskSync{}
	var err error
	if k.cfg.LocalEngine {
		if s.local, err = startLocalEngine(ctx, k.cfg, k.city.Path()); err != nil {
			return err
		}
		s.client, err = connectLocal(ctx, k.store, k.key, s.local, k.cfg)
	} else {
		// A remote engine checks timestamps against its own clock: sign by
		// the real one, whatever clock the kiosk's screens are given.
		s.client, err = connect(ctx, k.store, k.key, k.cfg.Engine, k.cfg.EngineCA, k.cfg.Enroll, k.cfg.KioskID, time.Now, k.cfg.Logf)
	}
	if err != nil {
		if s.local != nil {
			err = errors.Join(err, s.local.close())
		}
		return err
	}
	k.sync = s
	lock, err := dirlock.Acquire(filepath.Join(k.cfg.DataDir, syncLock), "enrolldesk kiosk")
	var held *dirlock.HeldError
	switch {
	case errors.As(err, &held):
		s.other = held.Holder.String()
		logprintf(k.cfg.Logf, "sync: another process syncs this data directory (%v); this kiosk runs without its own sync worker", held)
		return nil
	case err != nil:
		return err
	}
	s.lock = lock
	s.worker = newWorker(s.client, k.store, k.guard, k.cfg.Logf)
	s.start()
	return nil
}

func (s *kioskSync) start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.done = cancel, make(chan struct{})
	go func() {
		defer close(s.done)
		s.worker.Run(ctx)
	}()
}

func (s *kioskSync) close() error {
	var errs []error
	if s.worker != nil {
		s.stop()
		<-s.done
		errs = append(errs, s.lock.Release())
	}
	if s.local != nil {
		errs = append(errs, s.local.close())
	}
	return errors.Join(errs...)
}

// SyncOnce runs one sync pass now (push what is due, pull status changes)
// beside the background worker.
func (k *Kiosk) SyncOnce(ctx context.Context) (syncer.Report, error) {
	if k.sync == nil || k.sync.worker == nil {
		return syncer.Report{}, fmt.Errorf("sync: this kiosk has no engine configured, or another process syncs it")
	}
	return k.sync.worker.Sync(ctx)
}

// DrainOutbox syncs beside the background worker until the outbox is empty
// (dead letters aside), waiting out the backoff of items that failed; it
// stops when ctx ends or the engine refuses this kiosk.
func (k *Kiosk) DrainOutbox(ctx context.Context) error {
	if k.sync == nil || k.sync.worker == nil {
		return fmt.Errorf("sync: this kiosk has no engine configured, or another process syncs it")
	}
	return k.sync.worker.Drain(ctx)
}

// EngineURL is the engine the kiosk syncs to ("" when none).
func (k *Kiosk) EngineURL() string {
	if k.sync == nil {
		return ""
	}
	return k.sync.client.URL
}

// localEngineName is how the store records a registration with the
// in-process engine, whose port changes with every start.
const localEngineName = "in-process"

// enroll makes c a registered device of its engine. A registration the
// store holds for engine is kept unless the engine refuses it (revoked, or
// its database was reset) and a new code is at hand, or it has no engine
// key pinned (enrolled before answers were signed); code supplies one as
// CODE/FINGERPRINT (nil: none can be had, so the stored registration
// stands untested).
func enroll(ctx context.Context, store *sqlite.DB, c *syncer.Client, engine, name string, code func(context.Context) (string, error), logf func(string, ...any)) error {
	dev, err := store.Device(ctx)
	if err != nil {
		return err
	}
	if dev.ID != "" && dev.EngineURL == engine {
		c.DeviceID, c.EngineKey = dev.ID, dev.EngineKey
		switch {
		case dev.EngineKey == nil && code == nil:
			return core.Errorf(core.EINVALID, "this kiosk was enrolled with %s before the engine signed its answers, so it has no engine key to trust: %s", engine, enrollmentHelp(engine))
		case dev.EngineKey == nil:
			logprintf(logf, "sync: device %s has no engine key pinned; enrolling again", dev.ID)
		case code == nil:
			return nil
		default:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, err := c.Pull(pctx, 0, 1)
			cancel()
			if !syncer.Refused(err) {
				return nil
			}
			logprintf(logf, "sync: the engine refuses device %s (%v); enrolling again", dev.ID, err)
		}
	}
	if code == nil {
		if dev.ID != "" {
			return core.Errorf(core.EINVALID, "this kiosk is registered with %s as %s, not with %s: %s to move it", dev.EngineURL, dev.ID, engine, enrollmentHelp(engine))
		}
		return core.Errorf(core.EINVALID, "this kiosk is not registered with %s yet: %s", engine, enrollmentHelp(engine))
	}
	secret, err := code(ctx)
	if err != nil {
		return err
	}
	otp, fingerprint := engineapi.SplitEnrollment(secret)
	if fingerprint == "" {
		return core.Errorf(core.EINVALID, "the enrollment code lacks the engine key's fingerprint: %s", enrollmentHelp(engine))
	}
	reg, err := register(ctx, c, otp, fingerprint, name)
	if err != nil {
		return err
	}
	if err := store.SetDevice(ctx, sqlite.Device{ID: reg.DeviceID, EngineURL: engine, RegisteredAt: time.Now(),
		EngineKey: reg.EngineKey, RegPrefix: reg.RegPrefix}); err != nil {
		return err
	}
	logprintf(logf, "sync: registered with %s as device %s (engine key %s, registration numbers %04d-…)", engine, reg.DeviceID,
		engineapi.Fingerprint(reg.EngineKey), reg.RegPrefix)
	return nil
}

// register registers c, retrying when the network lost the request or the
// answer: the engine answers the same code and key with the same device.
func register(ctx context.Context, c *syncer.Client, code, fingerprint, name string) (syncer.Registration, error) {
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		var reg syncer.Registration
		if reg, err = c.Register(ctx, code, fingerprint, name); err == nil {
			return reg, nil
		}
		var api *syncer.APIError
		var unverified *syncer.UnverifiedError
		if errors.As(err, &api) && api.Status < http.StatusInternalServerError || errors.As(err, &unverified) || errors.Is(err, syncer.ErrNoFingerprint) {
			return syncer.Registration{}, err
		}
		t := time.NewTimer(time.Duration(attempt) * 500 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return syncer.Registration{}, ctx.Err()
		case <-t.C:
		}
	}
	return syncer.Registration{}, err
}

// connect returns a client of the remote engine at url, registered. A
// plain-http URL to another machine is refused; caFile, when given, is
// the certificate authority the engine's certificate is checked against
// besides the system's.
func connect(ctx context.Context, store *sqlite.DB, key ed25519.PrivateKey, url, caFile, code, name string,
	now func() time.Time, logf func(string, ...any)) (*syncer.Client, error) {
	url = strings.TrimRight(strings.TrimSpace(url), "/")
	if err := checkEngineURL(url); err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	hc, err := engineHTTPClient(caFile)
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	c := syncer.NewClient(url, key, "")
	c.HTTP, c.Now = hc, now
	var supply func(context.Context) (string, error)
	if code != "" {
		supply = func(context.Context) (string, error) { return code, nil }
	}
	if err := enroll(ctx, store, c, url, name, supply, logf); err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	return c, nil
}

// localEngine is an engine served in process on a loopback port, so one
// machine shows the whole system.
type localEngine struct {
	engine *Engine
	srv    *http.Server
	url    string
	served chan error
}

// startLocalEngine opens the engine in the kiosk's data directory, on the
// kiosk's own city, and serves it on 127.0.0.1.
func startLocalEngine(ctx context.Context, cfg KioskConfig, cityPath string) (*localEngine, error) {
	e, err := OpenEngine(ctx, EngineConfig{DataDir: cfg.DataDir, CityDB: cityPath, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("in-process engine: %w", err), e.Close())
	}
	l := &localEngine{engine: e, url: "http://" + ln.Addr().String(), served: make(chan error, 1),
		srv: engineServer(e.Handler(), slog.New(slog.DiscardHandler))}
	go func() { l.served <- l.srv.Serve(ln) }()
	return l, nil
}

func (l *localEngine) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := l.srv.Shutdown(ctx)
	if serr := <-l.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, l.engine.Close())
}

// connectLocal registers the kiosk with the in-process engine, adding the
// device itself the first time (or when the engine's database is new).
func connectLocal(ctx context.Context, store *sqlite.DB, key ed25519.PrivateKey, l *localEngine, cfg KioskConfig) (*syncer.Client, error) {
	c := syncer.NewClient(l.url, key, "")
	c.Now = cfg.Now
	code := func(ctx context.Context) (string, error) {
		_, code, err := l.engine.AddDevice(ctx, cfg.KioskID)
		return code + engineapi.EnrollmentSeparator + l.engine.Fingerprint(), err
	}
	if err := enroll(ctx, store, c, localEngineName, cfg.KioskID, code, cfg.Logf); err != nil {
		return nil, fmt.Errorf("sync: in-process engine: %w", err)
	}
	return c, nil
}

// newWorker is the sync worker of a kiosk store.
func newWorker(c *syncer.Client, store *sqlite.DB, g *guard, logf func(string, ...any)) *syncer.Worker {
	w := syncer.NewWorker(c, syncOutbox{DB: store, guard: g})
	w.Logf = logf
	return w
}

func logprintf(logf func(string, ...any), format string, args ...any) {
	if logf != nil {
		logf(format, args...)
	}
}
