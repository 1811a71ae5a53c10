package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"enrolldesk/core"
)

// SaveSubmitted stores a submitted application and its sync-outbox row in
// one transaction. Saving the same application ID again returns the stored
// one (a double tap or a retry makes no second application); a different
// application for a child who already applied for the stage here is refused
// with a message that names the earlier registration number.
func (d *DB) SaveSubmitted(ctx context.Context, a core.Application) (core.Application, error) {
	if a.ID == "" || a.RegNo == "" || a.State != core.StateSubmitted {
		return core.Application{}, fmt.Errorf("save application: needs an ID, a registration number and state submitted")
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return core.Application{}, fmt.Errorf("save application: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if stored, err := applicationByID(ctx, tx, a.ID); err == nil {
		return stored, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return core.Application{}, err
	}
	erased, err := erasedChildID(ctx, tx, a.Child.ID)
	if err != nil {
		return core.Application{}, fmt.Errorf("save application: %w", err)
	}
	var earlier string
	// A returned application (退回补充) may be submitted again (issue 8);
	// an erased one is found by its keyed hash.
	err = tx.QueryRowContext(ctx, `SELECT reg_no FROM applications WHERE child_id IN (?, ?) AND stage = ? AND state != 'returned'`,
		string(a.Child.ID), erased, string(a.Stage)).Scan(&earlier)
	switch {
	case err == nil:
		return core.Application{}, core.Errorf(core.ECONFLICT, "孩子已经报过%s，登记号 %s，不需要再报一次。如需补打回执，请到人工窗口。", a.Stage.Label(), earlier)
	case !errors.Is(err, sql.ErrNoRows):
		return core.Application{}, fmt.Errorf("save application: %w", err)
	}
	w, err := prepareSubmitted(ctx, tx)
	if err != nil {
		return core.Application{}, fmt.Errorf("save application: %w", err)
	}
	defer w.Close()
	// The ID was looked for above, in this transaction: put stores it.
	if _, err := w.put(ctx, a, d.now().Unix()); err != nil {
		return core.Application{}, fmt.Errorf("save application: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return core.Application{}, fmt.Errorf("commit application: %w", err)
	}
	return a, nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func applicationByID(ctx context.Context, q queryRower, id string) (core.Application, error) {
	return scanApplication(q.QueryRowContext(ctx, `SELECT body, erased_at FROM applications WHERE id = ?`, id))
}

// scanApplication decodes a row of body and erased_at; an application
// whose personal data was erased is ErrErased, in words for staff.
func scanApplication(row *sql.Row) (core.Application, error) {
	var body string
	var erasedAt int64
	if err := row.Scan(&body, &erasedAt); err != nil {
		return core.Application{}, err
	}
	var a core.Application
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return core.Application{}, fmt.Errorf("decode stored application: %w", err)
	}
	if erasedAt != 0 {
		return a, erasedError(a.RegNo)
	}
	return a, nil
}

// Application returns a stored application by ID, or ENOTFOUND.
func (d *DB) Application(ctx context.Context, id string) (core.Application, error) {
	a, err := applicationByID(ctx, d.db, id)
	return a, notFound(err, "没有找到这份报名。")
}

// ApplicationByRegNo returns a stored application by registration number.
func (d *DB) ApplicationByRegNo(ctx context.Context, regNo string) (core.Application, error) {
	a, err := scanApplication(d.db.QueryRowContext(ctx, `SELECT body, erased_at FROM applications WHERE reg_no = ?`, regNo))
	return a, notFound(err, "没有找到登记号为 "+regNo+" 的报名。")
}

func notFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "%s", msg)
	}
	return err
}

// OutboxRow is one application waiting to reach the engine.
type OutboxRow struct {
	Seq         int64
	AppID       string
	Attempts    int
	NextAttempt time.Time
	LastError   string
}

// Outbox lists the rows waiting to be synced, oldest first.
func (d *DB) Outbox(ctx context.Context) ([]OutboxRow, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT seq, app_id, attempts, next_attempt, last_error FROM outbox ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var next int64
		if err := rows.Scan(&r.Seq, &r.AppID, &r.Attempts, &next, &r.LastError); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		r.NextAttempt = time.Unix(next, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountApplications returns how many applications the store holds.
func (d *DB) CountApplications(ctx context.Context) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM applications`).Scan(&n)
	return n, err
}

func (d *DB) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}
