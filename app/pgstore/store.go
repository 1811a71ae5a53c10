// Package pgstore is the central engine's store on PostgreSQL
// (engineapi.Store), for a city or province that runs several engine
// processes on one database. Every rule that must hold across processes
// is kept by the database, never by process memory: unique indexes and
// INSERT … ON CONFLICT for idempotent ingest, conflicts and nonces, row
// locks for registration, resubmission and staff changes, and an advisory
// lock per device so one device's status changes commit in sequence
// order. A nonce is committed before UseNonce returns.
package pgstore

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Store is engineapi.Store on a PostgreSQL database.
type Store struct {
	pool      *pgxpool.Pool
	nextPrune atomic.Int64 // unix seconds: when UseNonce next drops expired nonces
	chain     *chainLoop   // the background audit chainer (chain.go); nil when stopped
	closed    atomic.Bool
}

var _ engineapi.Store = (*Store)(nil)

// IsURL reports whether db names a PostgreSQL database (postgres:// or
// postgresql://) rather than a SQLite file.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// DefaultMaxConns is each engine process's connection limit unless the
// URL sets pool_max_conns: PostgreSQL's max_connections (100 by default)
// must cover it times the number of engine processes.
const DefaultMaxConns = 24

// Open connects to the database at url, applies the store's migrations
// (see Migrate) and returns the store, having chained the audit entries
// already committed; it then chains the journal every ChainEvery until
// Close.
func Open(ctx context.Context, url string) (*Store, error) {
	return open(ctx, url, ChainEvery)
}

// open is Open with the background chainer's interval (0: none).
func open(ctx context.Context, url string, chainEvery time.Duration) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, core.Errorf(core.EINVALID, "the PostgreSQL URL is not valid (%v): write it as postgres://USER@HOST:PORT/DB", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (the number of CPUs, at least 4) queues a hall's
		// kiosks behind a few connections while each waits on a commit.
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", redact(cfg), err)
	}
	if _, err := Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool}
	if chainEvery > 0 {
		// Entries a stopped or killed process left in the journal are
		// chained now, so what this process reads next includes them. An
		// error here (a damaged head) must not keep the engine from
		// starting: `audit verify` names it, and the chainer retries.
		_, _ = s.FlushAudit(ctx)
		s.startChainer(chainEvery)
	}
	return s, nil
}

func redact(cfg *pgxpool.Config) string {
	return fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
}

// Close stops the background chainer, chains the audit entries already
// committed (waiting at most a few seconds for transactions still
// running: what is left stays in the journal for the next chainer) and
// closes the pool.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.stopChainer()
	ctx, cancel := context.WithTimeout(context.Background(), flushWait+5*time.Second)
	defer cancel()
	_, err := s.FlushAudit(ctx)
	s.pool.Close()
	if err != nil {
		return fmt.Errorf("close: the audit journal stays for the next engine to chain: %w", err)
	}
	return nil
}

// Pool is the store's connection pool, for tests and benchmarks.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// maxRetries bounds how often a transaction the database aborted for a
// deadlock or a serialization failure is run again.
const maxRetries = 8

// tx runs fn in a transaction, again when the database aborted it for a
// deadlock or serialization failure (fn must start afresh each time).
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := pgx.BeginFunc(ctx, s.pool, fn)
		var pe *pgconn.PgError
		if err == nil || attempt >= maxRetries || !errors.As(err, &pe) || (pe.Code != "40001" && pe.Code != "40P01") {
			return err
		}
	}
}

// lockDeviceChanges takes the device's change-log lock until the
// transaction ends: changes of one device are appended one transaction at
// a time, so they commit in seq order and a kiosk's cursor never passes a
// change still to commit.
const lockDeviceChanges = `SELECT pg_advisory_xact_lock(hashtextextended('engine_changes:' || $1::text, 0))`

// AddDevice implements engineapi.Store.
func (s *Store) AddDevice(ctx context.Context, d engineapi.Device, codeHash string) error {
	if d.ID == "" || codeHash == "" {
		return fmt.Errorf("add device: needs an ID and a code hash")
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		// One process at a time picks a prefix: the lowest free one after
		// the highest, or the first gap.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(prefixLock)); err != nil {
			return err
		}
		var prefix int
		err := tx.QueryRow(ctx, `SELECT coalesce(max(reg_prefix), $1 - 1) + 1 FROM engine_devices`, engineapi.RegPrefixMin).Scan(&prefix)
		if err == nil && prefix > engineapi.RegPrefixMax {
			err = tx.QueryRow(ctx, `SELECT coalesce(min(reg_prefix + 1), 0) FROM engine_devices d
				WHERE reg_prefix + 1 <= $1 AND NOT EXISTS (SELECT 1 FROM engine_devices d2 WHERE d2.reg_prefix = d.reg_prefix + 1)`,
				engineapi.RegPrefixMax).Scan(&prefix)
			if err == nil && prefix == 0 {
				return errNoPrefix
			}
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO engine_devices (id, name, code_hash, code_expires, created_at, reg_prefix)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, d.Name, codeHash, d.CodeExpires.Unix(), d.CreatedAt.Unix(), prefix)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, []engineapi.AuditEvent{{Actor: "engine", At: d.CreatedAt, Action: "device.add",
			Subject: "device:" + d.ID, After: "issued", Detail: d.Name}})
	})
	if errors.Is(err, errNoPrefix) {
		return errNoPrefix
	}
	if err != nil {
		return fmt.Errorf("add device: %w", err)
	}
	return nil
}

// prefixLock is the advisory lock key AddDevice holds while it picks a
// registration-number prefix.
const prefixLock = 0x456e726f6c6c02

var errNoPrefix = core.Errorf(core.ECONFLICT, "every registration-number prefix (%d–%d) is taken: this engine cannot enrol another kiosk",
	engineapi.RegPrefixMin, engineapi.RegPrefixMax)

// errKeyTaken answers a key bound to another live device.
var errKeyTaken = core.Errorf(core.ECONFLICT, "this kiosk's key already belongs to another device that is not revoked: one key belongs to one device. "+
	"Revoke the old device (`enrolldesk engine device revoke`) to take the kiosk back, or give the kiosk a new key and enroll it again")

// isUniqueViolation reports a PostgreSQL unique_violation (23505).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

var errBadCode = core.Errorf(core.ENOTFOUND, "the enrollment code is unknown, used or expired: ask an admin for a new one")

// RegisterDevice implements engineapi.Store. The device's row is locked,
// so two processes given the same code bind one key.
func (s *Store) RegisterDevice(ctx context.Context, codeHash string, pub ed25519.PublicKey, name string, now time.Time) (engineapi.Device, error) {
	if len(pub) != ed25519.PublicKeySize {
		return engineapi.Device{}, core.Errorf(core.EINVALID, "the public key must be %d bytes", ed25519.PublicKeySize)
	}
	var id string
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var expires, registered, revoked int64
		var bound []byte
		err := tx.QueryRow(ctx, `SELECT id, code_expires, registered_at, revoked_at, public_key
			FROM engine_devices WHERE code_hash = $1 FOR UPDATE`, codeHash).Scan(&id, &expires, &registered, &revoked, &bound)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return errBadCode
		case err != nil:
			return err
		case revoked != 0 || now.Unix() > expires:
			return errBadCode
		case registered != 0:
			if !ed25519.PublicKey(bound).Equal(pub) {
				return errBadCode
			}
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE engine_devices SET public_key = $1, registered_at = $2,
			name = CASE WHEN $3 = '' THEN name ELSE $3 END WHERE id = $4`, []byte(pub), now.Unix(), name, id)
		if isUniqueViolation(err) {
			return errKeyTaken // the partial unique index on live devices' keys
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, []engineapi.AuditEvent{{Actor: "device:" + id, At: now, Action: "device.register",
			Subject: "device:" + id, Before: "issued", After: "registered", Detail: name}})
	})
	if err != nil {
		if errors.Is(err, errBadCode) || errors.Is(err, errKeyTaken) {
			return engineapi.Device{}, err
		}
		return engineapi.Device{}, fmt.Errorf("register device: %w", err)
	}
	return s.Device(ctx, id)
}

const deviceCols = `id, name, public_key, created_at, code_expires, registered_at, revoked_at, coalesce(reg_prefix, 0)`

// Device implements engineapi.Store.
func (s *Store) Device(ctx context.Context, id string) (engineapi.Device, error) {
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceCols+` FROM engine_devices WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return engineapi.Device{}, core.Errorf(core.ENOTFOUND, "no device %q", id)
	}
	if err != nil {
		return engineapi.Device{}, fmt.Errorf("read device: %w", err)
	}
	return d, nil
}

func scanDevice(row pgx.Row) (engineapi.Device, error) {
	var d engineapi.Device
	var key []byte
	var created, expires, registered, revoked int64
	if err := row.Scan(&d.ID, &d.Name, &key, &created, &expires, &registered, &revoked, &d.RegPrefix); err != nil {
		return d, err
	}
	if len(key) > 0 {
		d.PublicKey = ed25519.PublicKey(key)
	}
	d.CreatedAt, d.CodeExpires = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	d.RegisteredAt, d.RevokedAt = unixOrZero(registered), unixOrZero(revoked)
	return d, nil
}

func unixOrZero(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// Devices implements engineapi.Store.
func (s *Store) Devices(ctx context.Context) ([]engineapi.Device, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deviceCols+` FROM engine_devices ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	var out []engineapi.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("list devices: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RevokeDevice implements engineapi.Store. Revoking twice keeps the first time.
func (s *Store) RevokeDevice(ctx context.Context, id string, now time.Time) error {
	var n int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE engine_devices SET revoked_at = CASE WHEN revoked_at = 0 THEN $1 ELSE revoked_at END
			WHERE id = $2`, now.Unix(), id)
		if err != nil {
			return err
		}
		if n = tag.RowsAffected(); n == 0 {
			return nil
		}
		return appendAudit(ctx, tx, []engineapi.AuditEvent{{Actor: "engine", At: now, Action: "device.revoke",
			Subject: "device:" + id, After: "revoked"}})
	})
	if err != nil {
		return fmt.Errorf("revoke device: %w", err)
	}
	if n == 0 {
		return core.Errorf(core.ENOTFOUND, "no device %q", id)
	}
	return nil
}

// noncePruneEvery is how often a process drops expired nonces.
const noncePruneEvery = time.Minute

// UseNonce implements engineapi.Store. The nonce's primary key makes it
// fresh once across every engine process; the insert is committed (with
// the server's synchronous_commit) before UseNonce returns, so the request
// it protects is answered only once the nonce is durable.
func (s *Store) UseNonce(ctx context.Context, deviceID, nonce string, expires, now time.Time) (bool, error) {
	if next := s.nextPrune.Load(); now.Unix() >= next && s.nextPrune.CompareAndSwap(next, now.Add(noncePruneEvery).Unix()) {
		if _, err := s.pool.Exec(ctx, `DELETE FROM engine_nonces WHERE expires < $1`, now.Unix()); err != nil {
			return false, fmt.Errorf("use nonce: %w", err)
		}
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO engine_nonces (device_id, nonce, expires) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		deviceID, nonce, expires.Unix())
	if err != nil {
		return false, fmt.Errorf("use nonce: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Application implements engineapi.Store.
func (s *Store) Application(ctx context.Context, id string) (core.Application, error) {
	var body string
	err := s.pool.QueryRow(ctx, `SELECT body FROM engine_applications WHERE id = $1`, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return core.Application{}, core.Errorf(core.ENOTFOUND, "没有找到这份报名。")
	}
	if err != nil {
		return core.Application{}, fmt.Errorf("read application: %w", err)
	}
	return decodeApplication(body)
}

func decodeApplication(body string) (core.Application, error) {
	var a core.Application
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return core.Application{}, fmt.Errorf("decode stored application: %w", err)
	}
	return a, nil
}

// Claim implements engineapi.Store.
func (s *Store) Claim(ctx context.Context, id string) (core.Application, error) {
	var claim, body string
	err := s.pool.QueryRow(ctx, `SELECT claim, body FROM engine_applications WHERE id = $1`, id).Scan(&claim, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return core.Application{}, core.Errorf(core.ENOTFOUND, "没有找到这份报名。")
	}
	if err != nil {
		return core.Application{}, fmt.Errorf("read claim: %w", err)
	}
	if claim == "" {
		claim = body
	}
	return decodeApplication(claim)
}

// DefaultChangesLimit and MaxChangesLimit bound one pull.
const (
	DefaultChangesLimit = 100
	MaxChangesLimit     = 1000
)

// Changes implements engineapi.Store.
func (s *Store) Changes(ctx context.Context, deviceID string, after int64, limit int) ([]engineapi.StatusChange, error) {
	switch {
	case limit <= 0:
		limit = DefaultChangesLimit
	case limit > MaxChangesLimit:
		limit = MaxChangesLimit
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, app_id, reg_no, state, reason, at FROM engine_changes
		WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, deviceID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	out := []engineapi.StatusChange{}
	for rows.Next() {
		var c engineapi.StatusChange
		var state string
		var at int64
		if err := rows.Scan(&c.Seq, &c.AppID, &c.RegNo, &state, &c.Reason, &at); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		c.State, c.At = core.State(state), time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetState implements engineapi.Store.
func (s *Store) SetState(ctx context.Context, appID string, to core.State, actor, reason string, now time.Time) (engineapi.StatusChange, error) {
	return s.change(ctx, appID, reason, now, func(a *core.Application) error { return a.Transition(to, actor, reason, now) })
}

// Return implements engineapi.Store.
func (s *Store) Return(ctx context.Context, appID, actor, reason string, now time.Time) (engineapi.StatusChange, error) {
	if strings.TrimSpace(reason) == "" {
		return engineapi.StatusChange{}, core.Errorf(core.EINVALID, "退回补充需要写明原因：家长要补充什么。")
	}
	return s.change(ctx, appID, reason, now, func(a *core.Application) error {
		if a.State == core.StateVerified {
			if err := a.Transition(core.StateNeedsReview, actor, "", now); err != nil {
				return err
			}
		}
		return a.Transition(core.StateReturned, actor, reason, now)
	})
}

// change applies fn to a stored application, its row locked, and logs the
// state it ends in for its device.
func (s *Store) change(ctx context.Context, appID, reason string, now time.Time, fn func(*core.Application) error) (engineapi.StatusChange, error) {
	var c engineapi.StatusChange
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var deviceID, body string
		err := tx.QueryRow(ctx, `SELECT device_id, body FROM engine_applications WHERE id = $1 FOR UPDATE`, appID).Scan(&deviceID, &body)
		if errors.Is(err, pgx.ErrNoRows) {
			return core.Errorf(core.ENOTFOUND, "没有找到这份报名。")
		} else if err != nil {
			return err
		}
		a, err := decodeApplication(body)
		if err != nil {
			return err
		}
		before := a.State
		if err := fn(&a); err != nil {
			return err
		}
		enc, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE engine_applications SET state = $1, body = $2 WHERE id = $3`, string(a.State), string(enc), a.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, lockDeviceChanges, deviceID); err != nil {
			return err
		}
		c = engineapi.StatusChange{AppID: a.ID, RegNo: a.RegNo, State: a.State, Reason: reason, At: time.Unix(now.Unix(), 0).UTC()}
		if err := tx.QueryRow(ctx, `INSERT INTO engine_changes (device_id, app_id, reg_no, state, reason, at) VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING seq`, deviceID, a.ID, a.RegNo, string(a.State), reason, now.Unix()).Scan(&c.Seq); err != nil {
			return err
		}
		return appendAudit(ctx, tx, []engineapi.AuditEvent{engineapi.StateEvent(&a, before, reason, now)})
	})
	if err != nil {
		var de *core.Error
		if errors.As(err, &de) {
			return c, de
		}
		return c, fmt.Errorf("set state: %w", err)
	}
	return c, nil
}

// Applications implements engineapi.Store.
func (s *Store) Applications(ctx context.Context, f engineapi.Filter) ([]engineapi.Summary, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, reg_no, device_id, stage, year, child_id, state, category, kiosk_category, kiosk_pending, received_at
		FROM engine_applications WHERE ($1::text = '' OR state = $1) AND ($2::text = '' OR reg_no = $2) ORDER BY received_at, id`,
		string(f.State), f.RegNo)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	defer rows.Close()
	out := []engineapi.Summary{}
	for rows.Next() {
		var a engineapi.Summary
		var stage, state, child string
		var received int64
		if err := rows.Scan(&a.AppID, &a.RegNo, &a.DeviceID, &stage, &a.Year, &child, &state, &a.Category,
			&a.KioskCategory, &a.KioskPending, &received); err != nil {
			return nil, fmt.Errorf("list applications: %w", err)
		}
		a.Stage, a.State = core.Stage(stage), core.State(state)
		a.Child, a.ReceivedAt = core.ResidentID(child).Masked(), time.Unix(received, 0).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// Conflicts implements engineapi.Store.
func (s *Store) Conflicts(ctx context.Context) ([]engineapi.Conflict, error) {
	rows, err := s.pool.Query(ctx, `SELECT app_id, reg_no, device_id, kept_id, kept_reg_no, stage, child, reason, at
		FROM engine_conflicts ORDER BY at, app_id`)
	if err != nil {
		return nil, fmt.Errorf("list conflicts: %w", err)
	}
	defer rows.Close()
	var out []engineapi.Conflict
	for rows.Next() {
		var c engineapi.Conflict
		var stage string
		var at int64
		if err := rows.Scan(&c.AppID, &c.RegNo, &c.DeviceID, &c.KeptID, &c.KeptRegNo, &stage, &c.Child, &c.Reason, &at); err != nil {
			return nil, fmt.Errorf("list conflicts: %w", err)
		}
		c.Stage, c.At = core.Stage(stage), time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
