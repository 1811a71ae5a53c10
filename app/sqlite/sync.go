package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// OutboxItem is an application due to be pushed to the engine, with how
// often it has been tried.
type OutboxItem struct {
	Seq      int64
	Attempts int
	App      core.Application
}

// DueOutbox returns up to limit outbox rows whose next attempt is due at
// now, oldest first, with their applications as submitted: a status the
// engine reported meanwhile (its answer to an earlier push was lost, the
// pull brought the news) is the kiosk's to show, not to push back.
//
// A row scheduled more than horizon after now (the back-off cap; 0: no
// such bound) is due too: no back-off is that long, so it was scheduled by
// a clock that ran fast and has since been put right, and waiting for it
// would hold a family's application back for as long as the clock was off.
func (d *DB) DueOutbox(ctx context.Context, now time.Time, horizon time.Duration, limit int) ([]OutboxItem, error) {
	latest := int64(math.MaxInt64)
	if horizon > 0 {
		latest = ceilUnix(now.Add(horizon))
	}
	rows, err := d.db.QueryContext(ctx, `SELECT o.seq, o.attempts, a.body FROM outbox o JOIN applications a ON a.id = o.app_id
		WHERE o.next_attempt <= ? OR o.next_attempt > ? ORDER BY o.seq LIMIT ?`, now.Unix(), latest, limit)
	if err != nil {
		return nil, fmt.Errorf("read due outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		var it OutboxItem
		var body string
		if err := rows.Scan(&it.Seq, &it.Attempts, &body); err != nil {
			return nil, fmt.Errorf("read due outbox: %w", err)
		}
		if err := json.Unmarshal([]byte(body), &it.App); err != nil {
			return nil, fmt.Errorf("read due outbox: decode application: %w: %w", ErrCorrupt, err)
		}
		it.App.State = core.StateSubmitted
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read due outbox: %w", err)
	}
	return out, nil
}

// NextOutboxAttempt returns when the earliest outbox row is next due; ok is
// false when the outbox is empty.
func (d *DB) NextOutboxAttempt(ctx context.Context) (next time.Time, ok bool, err error) {
	var at sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT min(next_attempt) FROM outbox`).Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("read outbox: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(at.Int64, 0), true, nil
}

// CountOutbox returns how many applications wait to reach the engine.
func (d *DB) CountOutbox(ctx context.Context) (int, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// MarkSynced records the engine's answers for pushed applications in one
// transaction: the outbox rows go, each application keeps the outcome,
// accepted and duplicate ones take the engine's state (received when it
// names none), a conflict keeps the engine's reason for staff; and the
// time of the last successful sync becomes at. Answers for applications no
// longer in the outbox are recorded again harmlessly.
func (d *DB) MarkSynced(ctx context.Context, results []engineapi.ItemResult, at time.Time) error {
	return d.inTx(ctx, "mark synced", func(tx *sql.Tx) error {
		setState, err := tx.PrepareContext(ctx, `UPDATE applications SET state = ?1, body = json_set(body, '$.state', ?1),
			sync_outcome = ?2, sync_reason = ?3, synced_at = ?4 WHERE id = ?5`)
		if err != nil {
			return err
		}
		defer setState.Close()
		keepState, err := tx.PrepareContext(ctx, `UPDATE applications SET sync_outcome = ?, sync_reason = ?, synced_at = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer keepState.Close()
		del, err := tx.PrepareContext(ctx, `DELETE FROM outbox WHERE app_id = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, r := range results {
			switch r.Outcome {
			case engineapi.ItemAccepted, engineapi.ItemDuplicate:
				state := r.State
				if state == "" {
					state = core.StateReceived
				}
				_, err = setState.ExecContext(ctx, string(state), r.Outcome, r.Reason, at.Unix(), r.ID)
			case engineapi.ItemConflict:
				_, err = keepState.ExecContext(ctx, r.Outcome, r.Reason, at.Unix(), r.ID)
			default:
				return fmt.Errorf("application %s: outcome %q is not a synced one", r.ID, r.Outcome)
			}
			if err == nil {
				_, err = del.ExecContext(ctx, r.ID)
			}
			if err != nil {
				return err
			}
		}
		return setLastSync(ctx, tx, at)
	})
}

// MarkFailed counts one more failed attempt for each application still in
// the outbox, notes the error, and schedules the next attempt at
// next(attempts) — the caller's backoff, given the new count. Times round
// up to the second the column holds.
func (d *DB) MarkFailed(ctx context.Context, appIDs []string, next func(attempts int) time.Time, lastError string) error {
	return d.inTx(ctx, "mark failed", func(tx *sql.Tx) error {
		get, err := tx.PrepareContext(ctx, `SELECT attempts FROM outbox WHERE app_id = ?`)
		if err != nil {
			return err
		}
		defer get.Close()
		set, err := tx.PrepareContext(ctx, `UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ? WHERE app_id = ?`)
		if err != nil {
			return err
		}
		defer set.Close()
		for _, id := range appIDs {
			var n int
			if err := get.QueryRowContext(ctx, id).Scan(&n); errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			n++
			if _, err := set.ExecContext(ctx, n, ceilUnix(next(n)), lastError, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ceilUnix is t in whole seconds, rounded up, so a backoff never ends early.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// DeadLetter moves applications the engine refused for good out of the
// outbox and into the dead-letter list with the engine's reason (ID and
// Reason of each result are used), so the queue moves on and staff see
// them.
func (d *DB) DeadLetter(ctx context.Context, refused []engineapi.ItemResult, at time.Time) error {
	return d.inTx(ctx, "dead-letter", func(tx *sql.Tx) error {
		for _, r := range refused {
			var attempts int
			var queued int64
			err := tx.QueryRowContext(ctx, `SELECT attempts, created_at FROM outbox WHERE app_id = ?`, r.ID).Scan(&attempts, &queued)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO dead_letters (app_id, attempts, reason, queued_at, dead_at)
				VALUES (?, ?, ?, ?, ?)`, r.ID, attempts+1, r.Reason, queued, at.Unix()); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE app_id = ?`, r.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE applications SET sync_outcome = ?, sync_reason = ? WHERE id = ?`,
				engineapi.ItemRejected, r.Reason, r.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeadLetterRow is an application the engine refused for good.
type DeadLetterRow struct {
	AppID    string
	RegNo    string
	Attempts int
	Reason   string
	QueuedAt time.Time
	DeadAt   time.Time
}

// DeadLetters lists the dead-letter list, oldest first.
func (d *DB) DeadLetters(ctx context.Context) ([]DeadLetterRow, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT l.app_id, a.reg_no, l.attempts, l.reason, l.queued_at, l.dead_at
		FROM dead_letters l JOIN applications a ON a.id = l.app_id ORDER BY l.dead_at, l.app_id`)
	if err != nil {
		return nil, fmt.Errorf("read dead letters: %w", err)
	}
	defer rows.Close()
	var out []DeadLetterRow
	for rows.Next() {
		var r DeadLetterRow
		var queued, dead int64
		if err := rows.Scan(&r.AppID, &r.RegNo, &r.Attempts, &r.Reason, &queued, &dead); err != nil {
			return nil, fmt.Errorf("read dead letters: %w", err)
		}
		r.QueuedAt, r.DeadAt = time.Unix(queued, 0), time.Unix(dead, 0)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountDeadLetters returns the length of the dead-letter list.
func (d *DB) CountDeadLetters(ctx context.Context) (int, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM dead_letters`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count dead letters: %w", err)
	}
	return n, nil
}

// ApplyStatusChanges applies changes pulled from the engine in one
// transaction: each known application takes the new state and its reason;
// the pull cursor becomes next, and the last successful sync at. Changes
// for applications this kiosk does not hold are skipped.
func (d *DB) ApplyStatusChanges(ctx context.Context, changes []engineapi.StatusChange, next int64, at time.Time) error {
	return d.inTx(ctx, "apply status changes", func(tx *sql.Tx) error {
		upd, err := tx.PrepareContext(ctx, `UPDATE applications SET state = ?1, body = json_set(body, '$.state', ?1),
			status_reason = ?2 WHERE id = ?3`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for _, c := range changes {
			if c.State == "" {
				continue
			}
			if _, err := upd.ExecContext(ctx, string(c.State), c.Reason, c.AppID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sync_device SET pull_cursor = ? WHERE id = 1`, next); err != nil {
			return err
		}
		return setLastSync(ctx, tx, at)
	})
}

// PullCursor is where the next pull of status changes starts.
func (d *DB) PullCursor(ctx context.Context) (int64, error) {
	var c int64
	if err := d.db.QueryRowContext(ctx, `SELECT pull_cursor FROM sync_device WHERE id = 1`).Scan(&c); err != nil {
		return 0, fmt.Errorf("read pull cursor: %w", err)
	}
	return c, nil
}

// LastSync is when the engine last answered this kiosk (zero: never).
func (d *DB) LastSync(ctx context.Context) (time.Time, error) {
	var ms int64
	if err := d.db.QueryRowContext(ctx, `SELECT last_sync FROM sync_device WHERE id = 1`).Scan(&ms); err != nil {
		return time.Time{}, fmt.Errorf("read last sync: %w", err)
	}
	if ms == 0 {
		return time.Time{}, nil
	}
	return time.UnixMilli(ms), nil
}

func setLastSync(ctx context.Context, tx *sql.Tx, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE sync_device SET last_sync = max(last_sync, ?) WHERE id = 1`, at.UnixMilli())
	return err
}

// Device is who this kiosk is to its engine.
type Device struct {
	ID           string // device ID the engine gave at registration; "" when not registered
	EngineURL    string
	RegisteredAt time.Time
	EngineKey    ed25519.PublicKey // the engine's key, pinned at enrolment; nil for a kiosk enrolled before answers were signed
	RegPrefix    int               // the registration-number prefix the engine assigned; 0 when none
}

// Device returns the kiosk's registration.
func (d *DB) Device(ctx context.Context) (Device, error) {
	var dev Device
	var at int64
	var key []byte
	err := d.db.QueryRowContext(ctx, `SELECT device_id, engine_url, registered_at, engine_key, reg_prefix FROM sync_device WHERE id = 1`).
		Scan(&dev.ID, &dev.EngineURL, &at, &key, &dev.RegPrefix)
	if err != nil {
		return Device{}, fmt.Errorf("read device: %w", err)
	}
	if len(key) == ed25519.PublicKeySize {
		dev.EngineKey = ed25519.PublicKey(key)
	}
	if at != 0 {
		dev.RegisteredAt = time.Unix(at, 0)
	}
	return dev, nil
}

// SetDevice records a registration. Another device or engine starts the
// pull of status changes from the beginning.
func (d *DB) SetDevice(ctx context.Context, dev Device) error {
	return d.inTx(ctx, "set device", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sync_device SET
			pull_cursor = CASE WHEN device_id = ?1 AND engine_url = ?2 THEN pull_cursor ELSE 0 END,
			device_id = ?1, engine_url = ?2, registered_at = ?3, engine_key = ?4, reg_prefix = ?5 WHERE id = 1`,
			dev.ID, dev.EngineURL, dev.RegisteredAt.Unix(), nullBytes(dev.EngineKey), dev.RegPrefix)
		return err
	})
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// AppSync is where one application stands with the engine.
type AppSync struct {
	State    core.State
	Queued   bool   // still in the outbox
	Dead     bool   // in the dead-letter list
	Outcome  string // the engine's answer (engineapi.Item…), "" while queued
	Reason   string // the engine's words for a conflict or rejection
	SyncedAt time.Time
	Note     string // reason given with the last pulled state
}

// SyncStatus returns where an application stands with the engine.
func (d *DB) SyncStatus(ctx context.Context, appID string) (AppSync, error) {
	var s AppSync
	var state string
	var at int64
	err := d.db.QueryRowContext(ctx, `SELECT state, sync_outcome, sync_reason, status_reason, synced_at,
		EXISTS (SELECT 1 FROM outbox WHERE app_id = a.id), EXISTS (SELECT 1 FROM dead_letters WHERE app_id = a.id)
		FROM applications a WHERE id = ?`, appID).Scan(&state, &s.Outcome, &s.Reason, &s.Note, &at, &s.Queued, &s.Dead)
	if err != nil {
		return AppSync{}, notFound(err, "没有找到这份报名。")
	}
	s.State = core.State(state)
	if at != 0 {
		s.SyncedAt = time.Unix(at, 0)
	}
	return s, nil
}

// ImportSubmitted stores submitted applications with their outbox rows in
// one transaction, skipping IDs already stored. It is the bulk path
// (restoring a kiosk's backlog, benchmarks): unlike SaveSubmitted it does
// not refuse a second application for the same child; the engine flags
// those as conflicts.
func (d *DB) ImportSubmitted(ctx context.Context, apps []core.Application) (int, error) {
	added := 0
	err := d.inTx(ctx, "import applications", func(tx *sql.Tx) error {
		w, err := prepareSubmitted(ctx, tx)
		if err != nil {
			return err
		}
		defer w.Close()
		now := d.now().Unix()
		for _, a := range apps {
			if a.ID == "" || a.RegNo == "" || a.State != core.StateSubmitted {
				return fmt.Errorf("application %q: needs an ID, a registration number and state submitted", a.ID)
			}
			stored, err := w.put(ctx, a, now)
			if err != nil {
				return err
			}
			if !stored {
				continue
			}
			added++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// inTx runs fn in one transaction and commits it; what names the step in
// errors.
func (d *DB) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(fmt.Errorf("%s: %w", what, err), rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// RequeueDeadLetters puts dead-lettered applications back in the outbox —
// those named, or every one when appIDs is empty — once staff have dealt
// with the cause (a fixed engine, a corrected record). It returns how many
// went back.
func (d *DB) RequeueDeadLetters(ctx context.Context, appIDs []string) (int, error) {
	n := 0
	err := d.inTx(ctx, "requeue dead letters", func(tx *sql.Tx) error {
		if len(appIDs) == 0 {
			rows, err := tx.QueryContext(ctx, `SELECT app_id FROM dead_letters ORDER BY dead_at, app_id`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return errors.Join(err, rows.Close())
				}
				appIDs = append(appIDs, id)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
		}
		for _, id := range appIDs {
			res, err := tx.ExecContext(ctx, `INSERT INTO outbox (app_id, created_at)
				SELECT app_id, queued_at FROM dead_letters WHERE app_id = ?`, id)
			if err != nil {
				return err
			}
			if k, err := res.RowsAffected(); err != nil || k == 0 {
				if err != nil {
					return err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM dead_letters WHERE app_id = ?`, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE applications SET sync_outcome = '', sync_reason = '' WHERE id = ?`, id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
