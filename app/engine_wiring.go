package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"enrolldesk/app/engine"
	"enrolldesk/app/keys"
	"enrolldesk/app/pgstore"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/heat"
)

// EngineConfig configures a central engine. Zero values take the defaults
// of KioskConfig where they share a meaning.
type EngineConfig struct {
	DB      string // the engine's own SQLite file (default DataDir/engine.db), or a postgres:// URL
	CityDB  string // department data: the engine decides every application on it; required unless TrustKioskDecisions
	DataDir string // default $ENROLLDESK_DATA or ~/.local/share/enrolldesk
	Now     func() time.Time

	Logger   *slog.Logger          // request and security log; discarded when nil
	Registry prometheus.Registerer // metrics; a fresh registry when nil

	// TrustKioskDecisions runs the engine without department data, taking
	// each kiosk's decision as it comes. For tests and benchmarks only:
	// anyone holding a kiosk key could then place an application in any
	// category.
	TrustKioskDecisions bool

	// LookupPerMinute limits look-ups per kiosk and per staff account
	// (0: engine.DefaultLookupPerMinute; negative: no limit).
	LookupPerMinute int
	// KeyDir holds the engine's signing key (engine.key, engine.pub),
	// created on first start; default: the directory of DB. Every engine
	// process of one deployment must share the same key (kiosks pin it).
	KeyDir string
	// RatePerMinute is each device's request allowance; 0: the default
	// (engine.DefaultRatePerMinute); negative: none.
	RatePerMinute int

	// DeskKeyDir holds the engine desk's Ed25519 key (kiosk.key, 0600, and
	// kiosk.pub), which signs walk-in receipts and reprints; it is listed in
	// the device registry as engineapi.DeskDeviceID(key). Default
	// DataDir/engine-desk; created on first start.
	DeskKeyDir string

	// StaffAuth, when set, resolves staff sessions in place of the
	// engine's own accounts: for tests and embedders.
	StaffAuth engine.StaffAuth
}

// Engine is an open central engine: its store, the city it looks up in,
// and the HTTP server over them. The CLI serves it; `make run` and the
// sync tests run one in process.
type Engine struct {
	cfg    EngineConfig
	db     *sqlite.DB          // nil on PostgreSQL
	store  *sqlite.EngineStore // nil on PostgreSQL: the staff-desk stores are SQLite-only for now
	pg     *pgstore.Store      // nil on SQLite
	city   *sqlite.DB          // nil when trusting the kiosks
	server *engine.Server
	heat   *heat.Source       // nil when trusting the kiosks (no city)
	key    ed25519.PrivateKey // signs the engine's answers
}

// ErrNoCity is OpenEngine's answer when no department data is given.
var ErrNoCity = core.Errorf(core.EINVALID, "the engine decides every application on the department data: give --city CITY.db "+
	"(build a demo one with `enrolldesk demo init --db CITY.db`); --trust-kiosk-decisions runs without, for tests only")

// OpenEngine opens (creating on first start) the engine's store and city.
func OpenEngine(ctx context.Context, cfg EngineConfig) (*Engine, error) {
	kc := KioskConfig{DataDir: cfg.DataDir, Now: cfg.Now}
	if err := kc.defaults(); err != nil {
		return nil, err
	}
	cfg.DataDir, cfg.Now = kc.DataDir, kc.Now
	if cfg.CityDB == "" && !cfg.TrustKioskDecisions {
		return nil, ErrNoCity
	}
	if cfg.DB == "" {
		cfg.DB = filepath.Join(cfg.DataDir, "engine.db")
	}
	if cfg.KeyDir == "" {
		if pgstore.IsURL(cfg.DB) {
			return nil, errKeyDirPG
		}
		cfg.KeyDir = filepath.Dir(cfg.DB)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg}
	if err := e.open(ctx); err != nil {
		return nil, errors.Join(err, e.Close())
	}
	return e, nil
}

func (e *Engine) open(ctx context.Context) error {
	policy, err := policyfile.Default()
	if err != nil {
		return err
	}
	if pgstore.IsURL(e.cfg.DB) {
		if e.pg, err = pgstore.Open(ctx, e.cfg.DB); err != nil {
			return err
		}
		e.cfg.Logger.Info("the engine keeps its data in PostgreSQL; the staff desk (accounts, review) is SQLite-only for now and answers 503; the audit log is kept in PostgreSQL")
	} else {
		if e.db, err = sqlite.Open(e.cfg.DB); err != nil {
			return err
		}
		if e.store, err = e.db.EngineStore(ctx); err != nil {
			return err
		}
	}
	if e.key, err = keys.LoadOrCreateNamed(e.cfg.KeyDir, keys.EnginePrivateFile, keys.EnginePublicFile); err != nil {
		return fmt.Errorf("the engine's signing key: %w", err)
	}
	decider := &engineapi.Decider{Year: policy.Year}
	var lookup engine.Lookup
	if e.cfg.TrustKioskDecisions {
		e.cfg.Logger.Warn("the engine takes every kiosk's decision as it comes (--trust-kiosk-decisions): for tests only, never for a real city")
	} else {
		if e.city, err = openCity(e.cfg.CityDB); err != nil {
			return err
		}
		reg := &core.Registrar{Sources: core.SourcesOf(e.city.City()), Policy: policy, Now: e.cfg.Now}
		lookup, decider.Lookup = reg, reg
	}
	opts := engine.Options{Now: e.cfg.Now, Logger: e.cfg.Logger, Registry: e.cfg.Registry, Decider: decider,
		SigningKey: e.key, RatePerMinute: e.cfg.RatePerMinute, LookupPerMinute: e.cfg.LookupPerMinute, Audit: e.audit()}
	if e.store != nil { // the staff desk's stores are SQLite-only for now (docs/operations.md)
		if e.city != nil {
			e.heat = &heat.Source{Counts: e.store, Schools: e.city, Policy: policy, Now: e.cfg.Now}
		}
		e.store.SetReviewPolicy(policy)
		opts.Accounts, opts.Review, opts.Heat = e.store, e.store, e.Heat()
		opts.WalkIn = e.openDesk(ctx, policy.Notice)
	}
	opts.StaffAuth = e.cfg.StaffAuth
	e.server = engine.New(e.Store(), lookup, opts)
	return nil
}

// Handler is the engine's HTTP API (engineapi paths, /healthz); /metrics
// is MetricsHandler, served on its own listener.
func (e *Engine) Handler() http.Handler { return e.server.Handler() }

// Heat is the demand heat map over the engine's applications and its
// city's schools, or nil for an engine without department data.
func (e *Engine) Heat() engineapi.HeatSource {
	if e.heat == nil {
		return nil
	}
	return e.heat
}

// MetricsHandler serves the Prometheus metrics.
func (e *Engine) MetricsHandler() http.Handler { return e.server.MetricsHandler() }

// PublicKey is the engine's answer-signing key, which kiosks pin.
func (e *Engine) PublicKey() ed25519.PublicKey { return e.key.Public().(ed25519.PublicKey) }

// Fingerprint is the engine key's fingerprint an admin gives a kiosk with
// its enrollment code.
func (e *Engine) Fingerprint() string { return engineapi.Fingerprint(e.PublicKey()) }

// DBPath is the engine's SQLite file or PostgreSQL URL, for the staff commands.
func (e *Engine) DBPath() string { return e.cfg.DB }

// Store is the engine's store, for staff actions and tests.
func (e *Engine) Store() engineapi.Store {
	if e.pg != nil {
		return e.pg
	}
	return e.store
}

// AddDevice creates a kiosk device and returns its ID and one-time
// enrollment code (valid for engineapi.CodeTTL).
func (e *Engine) AddDevice(ctx context.Context, name string) (deviceID, code string, err error) {
	d, code, err := engine.AddDevice(ctx, e.Store(), name, e.cfg.Now())
	if err != nil {
		return "", "", fmt.Errorf("add device: %w", err)
	}
	return d.ID, code, nil
}

// Close closes the store and the databases.
func (e *Engine) Close() error {
	var errs []error
	if e.store != nil {
		errs = append(errs, e.store.Close())
	}
	if e.pg != nil {
		errs = append(errs, e.pg.Close())
	}
	for _, db := range []*sqlite.DB{e.db, e.city} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// auditStore is what the audit log's users need of a store: appending,
// the head for anchors, and reading it back. Both stores keep one.
type auditStore interface {
	engineapi.AuditLog
	audit.Reader
	AuditHead(ctx context.Context) (audit.Head, error)
	AuditTail(ctx context.Context, limit int) ([]audit.Entry, error)
	AuditHashAt(ctx context.Context, seq int64) (audit.Hash, bool, error)
}

var (
	_ auditStore = (*sqlite.EngineStore)(nil)
	_ auditStore = (*pgstore.Store)(nil)
)

// auditLog is the engine store's audit log.
func (e *Engine) auditLog() auditStore {
	if e.pg != nil {
		return e.pg
	}
	return e.store
}

// audit is the audit log for the server's Options.
func (e *Engine) audit() engineapi.AuditLog { return e.auditLog() }
