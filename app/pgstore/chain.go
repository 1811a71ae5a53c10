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

// The chainer: it moves committed rows of engine_audit_journal into the
// hash chain engine_audit, in batches, each batch in one transaction that
// chains the rows after the head, inserts them, moves the head and deletes
// them from the journal. Any engine process may chain; an advisory lock
// lets one at a time. A process killed before its rows are chained loses
// nothing: they are committed in the journal and the next round of any
// process (or the next start) chains them.
//
// Journal ids are drawn before commit, so they become visible out of
// order: a transaction with a lower id may commit after a higher id was
// chained. The chainer therefore keeps no high-water mark such a row
// could fall behind. Each round takes every journal row its snapshot sees
// (committed rows only), in id order, and deletes them in the transaction
// that chains them: a row committed late is still in the journal and the
// next round takes it. The chain holds each entry once, in the order the
// rounds took them (a transaction's own entries stay in their order).
// Nothing waits for transactions still running, so a long transaction on
// the database does not hold the chain back.

// ChainEvery is how often each engine process chains the journal in the
// background: the longest an entry normally waits outside the chain.
const ChainEvery = 200 * time.Millisecond

// chainBatch is how many journal rows one chaining transaction takes.
const chainBatch = 2000

// flushWait bounds how long FlushAudit (and so AuditHead and Close) goes
// on chaining when other processes keep committing entries below the
// journal's last id as it was at the call.
const flushWait = 5 * time.Second

// chainLock is the advisory lock key a chaining transaction holds.
const chainLock = 0x456e726f6c6c03

// chainLoop is a store's background chainer.
type chainLoop struct {
	stop context.CancelFunc
	done chan struct{}
}

// startChainer chains every interval until stopChainer.
func (s *Store) startChainer(every time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	s.chain = &chainLoop{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.chain.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// An error (a lost connection, a restarting server) leaves the
			// rows in the journal for the next round.
			_, _ = s.chainAll(ctx, false)
		}
	}()
}

// stopChainer stops the background chainer, waiting for a round under way.
func (s *Store) stopChainer() {
	if s.chain == nil {
		return
	}
	s.chain.stop()
	<-s.chain.done
	s.chain = nil
}

// chainAll runs chaining rounds until one takes less than a full batch,
// and returns how many entries were chained. With wait false a round
// another process is running is left to it; with wait true the round
// waits for it and then chains what is left.
func (s *Store) chainAll(ctx context.Context, wait bool) (int, error) {
	total := 0
	for {
		n, err := s.chainRound(ctx, wait)
		total += n
		if err != nil || n < chainBatch {
			return total, err
		}
	}
}

// chainRound chains up to chainBatch committed journal rows in one
// transaction and returns how many.
func (s *Store) chainRound(ctx context.Context, wait bool) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		n = 0
		if wait {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(chainLock)); err != nil {
				return err
			}
		} else {
			var got bool
			if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(chainLock)).Scan(&got); err != nil {
				return err
			}
			if !got {
				return nil // another process is chaining
			}
		}
		// Read committed: this statement's snapshot is taken after the
		// lock, so it sees the previous round's deletes.
		rows, err := tx.Query(ctx, `SELECT id, `+journalCols+` FROM engine_audit_journal ORDER BY id LIMIT $1`, chainBatch)
		if err != nil {
			return err
		}
		var ids []int64
		var events []engineapi.AuditEvent
		for rows.Next() {
			var id, at int64
			var ev engineapi.AuditEvent
			if err := rows.Scan(&id, &ev.Actor, &at, &ev.Action, &ev.Subject, &ev.Before, &ev.After, &ev.Reason, &ev.Detail); err != nil {
				rows.Close()
				return err
			}
			ev.At = time.Unix(0, at).UTC()
			ids, events = append(ids, id), append(events, ev)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		// The head row is locked too, so an engine of the version before
		// the journal (which locks it to append) can run beside this one
		// during an upgrade and the chain stays one.
		var h audit.Head
		var hash []byte
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM engine_audit_head WHERE id = 1 FOR UPDATE`).Scan(&h.Seq, &hash); err != nil {
			return fmt.Errorf("lock the chain's head: %w", err)
		}
		var ok bool
		if h.Hash, ok = audit.HashFromBytes(hash); !ok {
			return fmt.Errorf("the head's hash is %d bytes, not 32: run `enrolldesk audit verify`", len(hash))
		}
		entries, next := h.Chain(events)
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"engine_audit"},
			[]string{"seq", "prev", "hash", "actor", "at", "action", "subject", "before_state", "after_state", "reason", "detail"},
			pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) {
				e := &entries[i]
				return []any{e.Seq, e.Prev[:], e.Hash[:], e.Actor, e.At.UnixNano(), e.Action, e.Subject, e.Before, e.After, e.Reason, e.Detail}, nil
			})); err != nil {
			return fmt.Errorf("insert chained entries: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE engine_audit_head SET seq = $1, hash = $2 WHERE id = 1`, next.Seq, next.Hash[:]); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM engine_audit_journal WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != int64(len(ids)) {
			return errChainRace
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("audit: chain the journal: %w", err)
	}
	return n, nil
}

// errChainRace: journal rows vanished under a chaining transaction, which
// the advisory lock rules out unless someone deleted them by hand.
var errChainRace = errors.New("journal rows were deleted while being chained (by hand?): nothing was chained; run `enrolldesk audit verify`")

// FlushAudit chains every audit entry committed before it was called
// (waiting for a round another process is running) and returns how many
// entries with an id up to the journal's last at the call it still found
// unchained after flushWait — only possible while other processes keep
// committing transactions that drew such ids. `audit verify`, AuditHead
// and Close call it.
func (s *Store) FlushAudit(ctx context.Context) (pending int64, err error) {
	var upto int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM engine_audit_journal`).Scan(&upto); err != nil {
		return 0, fmt.Errorf("audit: read the journal: %w", err)
	}
	if upto == 0 {
		return 0, nil
	}
	deadline := time.Now().Add(flushWait)
	pause := 2 * time.Millisecond
	for {
		if _, err := s.chainAll(ctx, true); err != nil {
			return 0, err
		}
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM engine_audit_journal WHERE id <= $1`, upto).Scan(&pending); err != nil {
			return 0, fmt.Errorf("audit: read the journal: %w", err)
		}
		if pending == 0 || time.Now().After(deadline) {
			return pending, nil
		}
		select {
		case <-ctx.Done():
			return pending, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// AuditPending is how many committed entries the journal holds that are
// not chained yet.
func (s *Store) AuditPending(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM engine_audit_journal`).Scan(&n); err != nil {
		return 0, fmt.Errorf("audit: read the journal: %w", err)
	}
	return n, nil
}
