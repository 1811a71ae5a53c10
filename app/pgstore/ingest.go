package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// received is one decided application, encoded before the transaction.
type received struct {
	app         core.Application
	body, claim []byte
	year        int
	preset      engineapi.ItemResult // set when the item is refused
	kioskCat    string
	kioskPend   bool
}

func prepareItems(items []engineapi.Intake) []received {
	out := make([]received, len(items))
	for i, in := range items {
		out[i].preset.ID = in.Claim.ID
		if in.Refused != nil {
			out[i].preset = *in.Refused
			if out[i].preset.Outcome == "" {
				out[i].preset.Outcome = engineapi.ItemRejected
			}
			continue
		}
		body, err := json.Marshal(in.App)
		var claim []byte
		if err == nil {
			claim, err = json.Marshal(in.Claim)
		}
		if err != nil {
			out[i].preset.Outcome, out[i].preset.Reason = engineapi.ItemRejected, "报名内容无法保存。"
			continue
		}
		out[i].app, out[i].body, out[i].claim, out[i].year = in.App, body, claim, in.Year
		out[i].kioskCat, out[i].kioskPend = in.Claim.Decision.CategoryName, in.Claim.Decision.Pending()
		out[i].preset = engineapi.ItemResult{ID: in.App.ID}
	}
	return out
}

// insertWithChange inserts an application unless its ID or its child,
// stage and year are taken, and logs its first change in the same
// statement: one statement per item, all of a batch sent in one round trip.
const insertWithChange = `WITH ins AS (
	INSERT INTO engine_applications (id, reg_no, stage, child_id, device_id, state, received_at, body, year, category, kiosk_category, kiosk_pending, claim)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING RETURNING id)
INSERT INTO engine_changes (device_id, app_id, reg_no, state, reason, at)
SELECT $5, id, $2, $6, $14, $7 FROM ins`

// Ingest implements engineapi.Store: the whole batch is one transaction,
// holding the device's change-log lock. Every item is inserted in one
// pipelined batch; an item the unique indexes refused is then explained
// (duplicate, the same conflict again, a resubmission, or a new conflict)
// in item order. Another engine process inserting the same ID or child at
// the same moment waits on the index and then sees it: the database, not
// a process, decides which one is kept.
func (s *Store) Ingest(ctx context.Context, deviceID string, items []engineapi.Intake, now time.Time) ([]engineapi.ItemResult, error) {
	prepared := prepareItems(items)
	out := make([]engineapi.ItemResult, len(prepared))
	err := s.tx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(lockDeviceChanges, deviceID)
		for i := range prepared {
			it := &prepared[i]
			if it.preset.Outcome != "" {
				continue
			}
			a := &it.app
			b.Queue(insertWithChange, a.ID, a.RegNo, string(a.Stage), string(a.Child.ID), deviceID, string(a.State), now.Unix(),
				string(it.body), it.year, a.Decision.CategoryName, it.kioskCat, it.kioskPend, string(it.claim), stateReason(a))
		}
		br := tx.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			return errors.Join(err, br.Close())
		}
		inserted := make([]bool, len(prepared))
		for i := range prepared {
			if prepared[i].preset.Outcome != "" {
				continue
			}
			tag, err := br.Exec()
			if err != nil {
				return errors.Join(err, br.Close())
			}
			inserted[i] = tag.RowsAffected() == 1
		}
		if err := br.Close(); err != nil {
			return err
		}
		for i := range prepared {
			it := &prepared[i]
			switch {
			case it.preset.Outcome != "":
				// A known ID is a duplicate whatever the kiosk now says of it.
				res, known, err := knownApp(ctx, tx, it.preset.ID)
				if err != nil {
					return err
				}
				if known {
					out[i] = res
				} else {
					out[i] = it.preset
				}
			case inserted[i]:
				out[i] = engineapi.ItemResult{ID: it.app.ID, Outcome: engineapi.ItemAccepted, State: it.app.State}
			default:
				res, err := explain(ctx, tx, deviceID, it, now)
				if err != nil {
					return err
				}
				out[i] = res
			}
		}
		return appendAudit(ctx, tx, ingestEvents(deviceID, items, prepared, out, now))
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	return out, nil
}

// stateReason is the reason logged with the state the engine decided.
func stateReason(a *core.Application) string {
	if n := len(a.History); n > 0 {
		return a.History[n-1].Reason
	}
	return ""
}

// knownApp answers duplicate for an ID stored before, or replaced by a
// resubmission (its last state was returned).
func knownApp(ctx context.Context, tx pgx.Tx, id string) (engineapi.ItemResult, bool, error) {
	res := engineapi.ItemResult{ID: id, Outcome: engineapi.ItemDuplicate}
	var state string
	err := tx.QueryRow(ctx, `SELECT state FROM engine_applications WHERE id = $1`, id).Scan(&state)
	if err == nil {
		res.State = core.State(state)
		return res, true, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, false, err
	}
	var one int
	err = tx.QueryRow(ctx, `SELECT 1 FROM engine_replaced WHERE app_id = $1`, id).Scan(&one)
	if err == nil {
		res.State = core.StateReturned
		return res, true, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, false, err
	}
	return res, false, nil
}

// explain answers an item whose insert was refused: the same ID stored
// before is a duplicate; an ID refused before is the same conflict again;
// a returned application of the child, stage and year is replaced by this
// one (its row locked first, so two processes cannot both replace it);
// otherwise the earlier application is kept and this one recorded as a
// conflict.
func explain(ctx context.Context, tx pgx.Tx, deviceID string, it *received, now time.Time) (engineapi.ItemResult, error) {
	a := &it.app
	if res, known, err := knownApp(ctx, tx, a.ID); err != nil || known {
		return res, err
	}
	res := engineapi.ItemResult{ID: a.ID, Outcome: engineapi.ItemConflict}
	err := tx.QueryRow(ctx, `SELECT reason FROM engine_conflicts WHERE app_id = $1`, a.ID).Scan(&res.Reason)
	if err == nil {
		return res, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, err
	}
	// A registration number another application holds (the unique index
	// refused the insert for it, not for the child): rejected for good.
	var holder string
	err = tx.QueryRow(ctx, `SELECT id FROM engine_applications WHERE reg_no = $1`, a.RegNo).Scan(&holder)
	if err == nil && holder != a.ID {
		return engineapi.ItemResult{ID: a.ID, Outcome: engineapi.ItemRejected, Code: engineapi.ReasonBadRegNo,
			Reason: "登记号 " + a.RegNo + " 已被另一份报名使用，这份报名不能受理。请到人工窗口。"}, nil
	} else if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return res, err
	}
	var keptID, keptRegNo, keptState, keptDevice, keptBody string
	if err := tx.QueryRow(ctx, `SELECT id, reg_no, state, device_id, body FROM engine_applications
		WHERE child_id = $1 AND stage = $2 AND year = $3 FOR UPDATE`, string(a.Child.ID), string(a.Stage), it.year).
		Scan(&keptID, &keptRegNo, &keptState, &keptDevice, &keptBody); err != nil {
		return res, fmt.Errorf("find the kept application: %w", err)
	}
	if core.State(keptState) == core.StateReturned {
		return resubmit(ctx, tx, deviceID, it, keptID, keptBody, now)
	}
	res.Reason = engineapi.ConflictReason(a.Stage, keptRegNo)
	_, err = tx.Exec(ctx, `INSERT INTO engine_conflicts (app_id, reg_no, device_id, kept_id, kept_reg_no, stage, child, reason, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (app_id) DO NOTHING`,
		a.ID, a.RegNo, deviceID, keptID, keptRegNo, string(a.Stage), a.Child.ID.Masked(), res.Reason, now.Unix())
	return res, err
}

// resubmit replaces a returned application with the family's new one, as
// the SQLite store does: the history is the returned one's, then returned
// → submitted (by the device), then the new application's own.
func resubmit(ctx context.Context, tx pgx.Tx, deviceID string, it *received, keptID, oldBody string, now time.Time) (engineapi.ItemResult, error) {
	a := it.app
	res := engineapi.ItemResult{ID: a.ID}
	old, err := decodeApplication(oldBody)
	if err != nil {
		return res, err
	}
	if err := old.Transition(core.StateSubmitted, deviceID, "重新提交，登记号 "+a.RegNo, now); err != nil {
		return res, err
	}
	a.History = append(old.History, a.History...)
	body, err := json.Marshal(a)
	if err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `UPDATE engine_applications SET id = $1, reg_no = $2, device_id = $3, state = $4, received_at = $5, body = $6,
		category = $7, kiosk_category = $8, kiosk_pending = $9, claim = $10 WHERE id = $11`,
		a.ID, a.RegNo, deviceID, string(a.State), now.Unix(), string(body),
		a.Decision.CategoryName, it.kioskCat, it.kioskPend, string(it.claim), keptID); err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO engine_replaced (app_id, by_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		keptID, a.ID, now.Unix()); err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO engine_changes (device_id, app_id, reg_no, state, reason, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		deviceID, a.ID, a.RegNo, string(a.State), stateReason(&a), now.Unix()); err != nil {
		return res, err
	}
	res.Outcome, res.State = engineapi.ItemAccepted, a.State
	return res, nil
}

// RawApplication is one row of engine_applications as the engine would
// write it, already encoded: the benchmark's baseline.
type RawApplication struct {
	ID, RegNo, Stage, ChildID, State string
	Body, Claim                      string
	Year                             int
	Category, KioskCategory          string
}

// RawIngest writes rows into engine_applications and engine_changes in one
// transaction as one pipelined batch of plain INSERTs, and nothing else:
// no checks, no encoding, no conflict handling. It is the baseline the
// ingest benchmark compares the whole HTTP path against.
func (s *Store) RawIngest(ctx context.Context, deviceID string, rows []RawApplication, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rows {
			b.Queue(`INSERT INTO engine_applications (id, reg_no, stage, child_id, device_id, state, received_at, body, year, category, kiosk_category, kiosk_pending, claim)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, false, $12)`,
				r.ID, r.RegNo, r.Stage, r.ChildID, deviceID, r.State, now.Unix(), r.Body, r.Year, r.Category, r.KioskCategory, r.Claim)
			b.Queue(`INSERT INTO engine_changes (device_id, app_id, reg_no, state, reason, at) VALUES ($1, $2, $3, $4, '', $5)`,
				deviceID, r.ID, r.RegNo, r.State, now.Unix())
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("raw ingest: %w", err)
	}
	return nil
}
