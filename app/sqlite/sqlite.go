// Package sqlite is EnrollDesk's SQLite store: the department sources of a
// city (the demo city, or a kiosk's local copy of the data it may consult)
// behind core.City, and a bulk loader behind core.CityWriter. Later
// migrations add the kiosk's applications and sync outbox to the same file.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// Memory is the path of a private in-memory database, for tests.
const Memory = ":memory:"

// Synchronous is SQLite's synchronous setting: how hard a commit waits for
// the disk. FULL survives power loss in WAL mode; the bulk loader drops to
// OFF while it loads and restores this setting afterwards.
type Synchronous string

// The synchronous levels this store accepts.
const (
	SyncOff    Synchronous = "OFF"
	SyncNormal Synchronous = "NORMAL"
	SyncFull   Synchronous = "FULL"
	SyncExtra  Synchronous = "EXTRA"
)

func (s Synchronous) valid() bool {
	return s == SyncOff || s == SyncNormal || s == SyncFull || s == SyncExtra
}

// Option changes how Open opens a database.
type Option func(*config)

type config struct {
	sync        Synchronous
	busyTimeout time.Duration
}

// WithSynchronous sets the synchronous level of every connection (default
// FULL: the kiosk must not lose an application it has printed a receipt for).
func WithSynchronous(s Synchronous) Option { return func(c *config) { c.sync = s } }

// WithBusyTimeout sets how long a connection waits for another's lock
// before failing with SQLITE_BUSY (default 5 s).
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = d } }

// DB is an open EnrollDesk database: one SQLite file (or memory) with the
// schema migrated to the latest version.
type DB struct {
	db     *sql.DB
	path   string
	memory bool
	sync   Synchronous
	city   *City

	// Now is the clock stamped on migrations and, later, on applications;
	// tests replace it.
	Now func() time.Time
}

// Open opens (creating if needed) the database at path, or a private
// in-memory database for path ":memory:", and migrates it to the latest
// schema. A memory database lives on a single connection: a Writer holds
// that connection until Flush, so do not read while loading one.
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{sync: SyncFull, busyTimeout: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.sync.valid() {
		return nil, fmt.Errorf("open %s: unknown synchronous level %q", path, cfg.sync)
	}
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open %q: the path must be a file name without '?', or %q", path, Memory)
	}
	d := &DB{path: path, memory: path == Memory, sync: cfg.sync, Now: time.Now}
	db, err := sql.Open("sqlite3", d.dsn(cfg))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d.db = db
	if d.memory {
		// Every connection to ":memory:" is a database of its own: keep one.
		db.SetMaxOpenConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	if err := d.init(context.Background()); err != nil {
		return nil, errors.Join(fmt.Errorf("open %s: %w", path, err), db.Close())
	}
	return d, nil
}

// dsn builds the driver's connection string: the pragmas go in its
// parameters so that every pooled connection gets them.
func (d *DB) dsn(cfg config) string {
	params := []string{
		"_foreign_keys=1",
		fmt.Sprintf("_busy_timeout=%d", cfg.busyTimeout.Milliseconds()),
		"_synchronous=" + string(cfg.sync),
		"_txlock=immediate",
		"_cache_size=-65536",
		// Deleted and overwritten content is zeroed, not left in free
		// space: erased personal data must not stay readable in the file.
		"_secure_delete=on",
	}
	if !d.memory {
		params = append(params, "_journal_mode=WAL")
	}
	return d.path + "?" + strings.Join(params, "&")
}

func (d *DB) init(ctx context.Context) error {
	if err := d.db.PingContext(ctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := d.restoreDeferredIndexes(ctx); err != nil {
		return err
	}
	if err := d.migrate(ctx, migrationFiles); err != nil {
		return err
	}
	city, err := prepareCity(ctx, d.db)
	if err != nil {
		return err
	}
	d.city = city
	return nil
}

// Close closes the prepared statements and the database.
func (d *DB) Close() error {
	var errs []error
	if d.city != nil {
		errs = append(errs, d.city.close())
	}
	if d.db != nil {
		errs = append(errs, d.db.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s: %w", d.path, err)
	}
	return nil
}

// City returns the store's department sources. Its statements were prepared
// once by Open and are safe for concurrent use.
func (d *DB) City() *City { return d.city }

// Path returns the path the database was opened with.
func (d *DB) Path() string { return d.path }
