package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
)

// The engine's audit log (migration 0010): every state change appends its
// entries inside its own transaction (auditTx); reads and look-ups come
// through Append. The chain logic is core/audit's; this file keeps the
// rows and the chain's head.

var (
	_ engineapi.AuditLog = (*EngineStore)(nil)
	_ audit.RangeReader  = (*EngineStore)(nil)
)

// auditChain is the chain's head as the store caches it, guarded by the
// writer lock (s.mu). It is read from the table at the first append and
// again after any transaction that appended and did not commit, so a
// failed transaction never advances it. A head another process appended
// past (the device commands write to the same file) is found when the
// insert fails, and the entries chained again after it.
type auditChain struct {
	loaded  bool
	head    audit.Head // the committed head
	pending audit.Head // the head after the open transaction's entries
	dirty   bool       // the open transaction appended
	off     bool       // tests and benchmarks only: no entries at all
}

// auditDone ends the open transaction's part in the chain: committed, the
// head moves on; otherwise it is read again before the next append.
// writeOn calls it with the writer lock held.
func (s *EngineStore) auditDone(committed bool) {
	c := &s.audit
	if !c.dirty {
		return
	}
	c.dirty = false
	if committed {
		c.head = c.pending
	} else {
		c.loaded = false
	}
}

// appendAudit chains events after the head and inserts them in tx.
func (s *EngineStore) appendAudit(ctx context.Context, tx *sql.Tx, events []engineapi.AuditEvent) error {
	c := &s.audit
	if len(events) == 0 || c.off {
		return nil
	}
	if !c.loaded {
		h, err := readAuditHead(ctx, tx)
		if err != nil {
			return fmt.Errorf("audit: read the chain's head: %w", err)
		}
		c.head, c.loaded = h, true
	}
	base := c.head
	if c.dirty {
		base = c.pending
	}
	stamped := stampEvents(events, time.Now())
	entries, next := base.Chain(stamped)
	n, err := s.insertAudit(ctx, tx, entries)
	if err != nil && n == 0 && !c.dirty {
		// Another process may have appended since the head was read: the
		// first insert then finds its seq taken. Chain after the new head.
		h, herr := readAuditHead(ctx, tx)
		if herr == nil && h != base {
			c.head = h
			entries, next = h.Chain(stamped)
			_, err = s.insertAudit(ctx, tx, entries)
		}
	}
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	c.pending, c.dirty = next, true
	return nil
}

// stampEvents gives events without a time (or one SQLite's nanoseconds
// cannot hold) the time now.
func stampEvents(events []engineapi.AuditEvent, now time.Time) []engineapi.AuditEvent {
	out := events
	for i, ev := range events {
		if y := ev.At.Year(); ev.At.IsZero() || y < 1700 || y > 2200 {
			if &out[0] == &events[0] {
				out = append([]engineapi.AuditEvent(nil), events...)
			}
			out[i].At = now
		}
	}
	return out
}

func readAuditHead(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (audit.Head, error) {
	var h audit.Head
	var hash []byte
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM engine_audit ORDER BY seq DESC LIMIT 1`).Scan(&h.Seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Head{}, nil
	}
	if err != nil {
		return h, err
	}
	var ok bool
	if h.Hash, ok = audit.HashFromBytes(hash); !ok {
		return h, fmt.Errorf("entry %d's hash is %d bytes, not 32: run `enrolldesk audit verify`", h.Seq, len(hash))
	}
	return h, nil
}

const (
	auditCols      = `seq, prev, hash, actor, at, action, subject, before_state, after_state, reason, detail`
	auditInsertSQL = `INSERT INTO engine_audit (` + auditCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// insertAudit writes entries with the prepared insert: measured cheaper
// than one INSERT of many rows, whose parsing and arguments cost more.
// It returns how many it inserted before any error.
func (s *EngineStore) insertAudit(ctx context.Context, tx *sql.Tx, entries []audit.Entry) (int, error) {
	st := tx.StmtContext(ctx, s.stmts.auditInsert)
	for i, e := range entries {
		if _, err := st.ExecContext(ctx, e.Seq, e.Prev[:], e.Hash[:], e.Actor, e.At.UnixNano(), e.Action, e.Subject,
			e.Before, e.After, e.Reason, e.Detail); err != nil {
			return i, err
		}
	}
	return len(entries), nil
}

// Append implements engineapi.AuditLog: the events, in order, in one
// transaction.
func (s *EngineStore) Append(ctx context.Context, events []engineapi.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.auditTx(ctx, tx, events...) })
}

// AuditHead returns the chain's head as this store last committed it (its
// own memory, not the table's word), for anchors.
func (s *EngineStore) AuditHead(ctx context.Context) (audit.Head, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.audit.loaded && !s.audit.off {
		return s.audit.head, nil
	}
	h, err := readAuditHead(ctx, s.db)
	if err != nil {
		return h, fmt.Errorf("audit: read the chain's head: %w", err)
	}
	if !s.audit.off {
		s.audit.head, s.audit.loaded = h, true
	}
	return h, nil
}

// WalkAudit implements audit.Reader: every entry in seq order, in one read
// transaction so the walk sees one state of the log. The columns are read
// as they are: joining them in SQL (to cross into the driver fewer times)
// was measured slower, SQLite's own string building costing more than it
// saves.
func (s *EngineStore) WalkAudit(ctx context.Context, fn func(audit.Entry) error) error {
	return s.WalkAuditRange(ctx, math.MinInt64, math.MaxInt64, fn)
}

// WalkAuditRange implements audit.RangeReader: WalkAudit over the entries
// with after < seq <= upto, so a verify reads two halves at once.
func (s *EngineStore) WalkAuditRange(ctx context.Context, after, upto int64, fn func(audit.Entry) error) error {
	// One SELECT reads one WAL snapshot without a transaction: this
	// driver begins every transaction IMMEDIATE (the write lock), which
	// would make the two halves of a verify wait for each other and keep
	// the engine's writers waiting for the whole walk.
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditCols+` FROM engine_audit WHERE seq > ? AND seq <= ? ORDER BY seq`, after, upto)
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

// scanAudit reads one row of all the columns. A hash of the wrong length
// reads as a zero hash and a time that is no integer as no time, which
// the verifier then names as changed.
func scanAudit(rows *sql.Rows) (audit.Entry, error) {
	var e audit.Entry
	var prev, hash sql.RawBytes
	var at any
	if err := rows.Scan(&e.Seq, &prev, &hash, &e.Actor, &at, &e.Action, &e.Subject, &e.Before, &e.After,
		&e.Reason, &e.Detail); err != nil {
		return e, fmt.Errorf("audit: read an entry: %w", err)
	}
	e.Prev, _ = audit.HashFromBytes(prev)
	e.Hash, _ = audit.HashFromBytes(hash)
	if ns, ok := at.(int64); ok {
		e.At = time.Unix(0, ns).UTC()
	}
	return e, nil
}

// AuditTail returns the last limit entries, newest first.
func (s *EngineStore) AuditTail(ctx context.Context, limit int) ([]audit.Entry, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditCols+` FROM engine_audit ORDER BY seq DESC LIMIT ?`, limit)
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

// AuditLastSeq implements audit.RangeReader.
func (s *EngineStore) AuditLastSeq(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM engine_audit`).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	return n, nil
}

// AuditHashAt returns the stored hash of entry seq, for audit.CheckAnchors.
func (s *EngineStore) AuditHashAt(ctx context.Context, seq int64) (audit.Hash, bool, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, `SELECT hash FROM engine_audit WHERE seq = ?`, seq).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
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
func ingestEvents(deviceID string, items []engineapi.Intake, prepared []received, now time.Time) []engineapi.AuditEvent {
	out := make([]engineapi.AuditEvent, len(prepared))
	for i := range prepared {
		var it engineapi.Intake
		if i < len(items) {
			it = items[i]
		}
		out[i] = engineapi.IngestEvent(deviceID, it, prepared[i].app.Child.ID, prepared[i].result, now)
	}
	return out
}
