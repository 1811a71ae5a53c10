package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
)

// The engine's audit log on PostgreSQL (migrations 0003, 0004): state
// changes journal their entries inside their own transaction (appendAudit:
// one INSERT, no lock, so commits of different transactions and engine
// processes do not wait for each other); look-ups and reads through
// Append. A chainer (chain.go) links committed journal rows into the one
// hash chain, engine_audit, in the background and whenever a caller needs
// the head (AuditHead, FlushAudit, Close).

var (
	_ engineapi.AuditLog = (*Store)(nil)
	_ audit.Reader       = (*Store)(nil)
)

const auditCols = `seq, prev, hash, actor, at, action, subject, before_state, after_state, reason, detail`

// journalCols are engine_audit_journal's event columns, in Entry order.
const journalCols = `actor, at, action, subject, before_state, after_state, reason, detail`

// appendAudit journals events in tx, in order, masked (audit.FromEvent)
// and unchained: they become part of the chain once tx has committed and
// a chainer has linked them. It takes no lock.
func appendAudit(ctx context.Context, tx pgx.Tx, events []engineapi.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	n := len(events)
	actor, action, subject := make([]string, n), make([]string, n), make([]string, n)
	before, after, reason, detail := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]int64, n)
	for i, ev := range stampEvents(events, time.Now()) {
		e := audit.FromEvent(ev)
		actor[i], at[i], action[i], subject[i] = e.Actor, e.At.UnixNano(), e.Action, e.Subject
		before[i], after[i], reason[i], detail[i] = e.Before, e.After, e.Reason, e.Detail
	}
	// unnest yields the rows in array order, and each draws its id as it
	// is inserted: the events keep their order in the journal.
	if _, err := tx.Exec(ctx, `INSERT INTO engine_audit_journal (`+journalCols+`)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
		actor, at, action, subject, before, after, reason, detail); err != nil {
		return fmt.Errorf("audit: journal: %w", err)
	}
	return nil
}

// stampEvents gives events without a time (or one nanoseconds cannot
// hold) the time now.
func stampEvents(events []engineapi.AuditEvent, now time.Time) []engineapi.AuditEvent {
	out := append([]engineapi.AuditEvent(nil), events...)
	for i, ev := range out {
		if y := ev.At.Year(); ev.At.IsZero() || y < 1700 || y > 2200 {
			out[i].At = now
		}
	}
	return out
}

// Append implements engineapi.AuditLog: the events, in order, in one
// transaction.
func (s *Store) Append(ctx context.Context, events []engineapi.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx pgx.Tx) error { return appendAudit(ctx, tx, events) })
}

// AuditHead returns the chain's committed head, for anchors, after
// chaining the entries already committed (FlushAudit; entries of
// transactions still running are left for later).
func (s *Store) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	if _, err := s.FlushAudit(ctx); err != nil {
		return h, err
	}
	var hash []byte
	if err := s.pool.QueryRow(ctx, `SELECT seq, hash FROM engine_audit_head WHERE id = 1`).Scan(&h.Seq, &hash); err != nil {
		return h, fmt.Errorf("audit: read the chain's head: %w", err)
	}
	h.Hash, _ = audit.HashFromBytes(hash)
	return h, nil
}

// WalkAudit implements audit.Reader: every entry in seq order, in one
// repeatable-read transaction so the walk sees one state of the log.
func (s *Store) WalkAudit(ctx context.Context, fn func(audit.Entry) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only
	rows, err := tx.Query(ctx, `SELECT `+auditCols+` FROM engine_audit ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

func scanAudit(rows pgx.Rows) (audit.Entry, error) {
	var e audit.Entry
	var prev, hash []byte
	var at int64
	if err := rows.Scan(&e.Seq, &prev, &hash, &e.Actor, &at, &e.Action, &e.Subject, &e.Before, &e.After, &e.Reason, &e.Detail); err != nil {
		return e, fmt.Errorf("audit: read an entry: %w", err)
	}
	e.Prev, _ = audit.HashFromBytes(prev)
	e.Hash, _ = audit.HashFromBytes(hash)
	e.At = time.Unix(0, at).UTC()
	return e, nil
}

// AuditTail returns the last limit entries, newest first.
func (s *Store) AuditTail(ctx context.Context, limit int) ([]audit.Entry, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.pool.Query(ctx, `SELECT `+auditCols+` FROM engine_audit ORDER BY seq DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditHashAt returns the stored hash of entry seq, for audit.CheckAnchors.
func (s *Store) AuditHashAt(ctx context.Context, seq int64) (audit.Hash, bool, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT hash FROM engine_audit WHERE seq = $1`, seq).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return audit.Hash{}, false, nil
	}
	if err != nil {
		return audit.Hash{}, false, fmt.Errorf("audit: %w", err)
	}
	h, _ := audit.HashFromBytes(b)
	return h, true, nil
}

// appSubject names an application in an entry: its ID and the child's
// ingestEvents are a pushed batch's entries: one per item, with its outcome.
func ingestEvents(deviceID string, items []engineapi.Intake, prepared []received, results []engineapi.ItemResult, now time.Time) []engineapi.AuditEvent {
	out := make([]engineapi.AuditEvent, len(results))
	for i, res := range results {
		var it engineapi.Intake
		if i < len(items) {
			it = items[i]
		}
		out[i] = engineapi.IngestEvent(deviceID, it, prepared[i].app.Child.ID, res, now)
	}
	return out
}
