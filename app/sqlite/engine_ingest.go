package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// received is one decided application, encoded before the writer lock
// is taken so the lock covers only SQL.
type received struct {
	app         core.Application
	body, claim []byte
	year        int
	result      engineapi.ItemResult // preset when the item is refused

	kioskCategory string // what the kiosk showed, for the staff list
	kioskPending  bool   // the kiosk took it without a data check
}

// Ingest implements engineapi.Store: the whole batch is one transaction.
// An item is inserted unless its ID or its child, stage and year are
// taken; only then does the store look for why, so the common case is two
// statements.
func (s *EngineStore) Ingest(ctx context.Context, deviceID string, items []engineapi.Intake, now time.Time) ([]engineapi.ItemResult, error) {
	prepared := prepareItems(items)
	err := s.write(ctx, func(tx *sql.Tx) error {
		st := s.txStmts(ctx, tx)
		for i := range prepared {
			it := &prepared[i]
			if it.result.Outcome != "" {
				// A known ID is a duplicate whatever the kiosk now says of
				// it (it may have pulled a later state, or the engine's
				// data changed since): answer that before any refusal, so
				// a retry is never dead-lettered.
				res, known, err := st.known(ctx, it.result.ID)
				if err != nil {
					return err
				}
				if known {
					it.result = res
				}
				continue
			}
			res, err := st.ingestOne(ctx, deviceID, it, now)
			if err != nil {
				return err
			}
			it.result = res
		}
		// The review desk keeps the refused items for its conflicts list
		// (it assigns new applications when it next reads); the audit log
		// records what arrived.
		if err := s.recordRefusedTx(ctx, tx, deviceID, items, prepared, now); err != nil {
			return err
		}
		return s.auditTx(ctx, tx, ingestEvents(deviceID, items, prepared, now)...)
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	out := make([]engineapi.ItemResult, len(prepared))
	for i := range prepared {
		out[i] = prepared[i].result
	}
	return out, nil
}

func prepareItems(items []engineapi.Intake) []received {
	out := make([]received, len(items))
	for i, in := range items {
		out[i].result.ID = in.Claim.ID
		if in.Refused != nil {
			out[i].result = *in.Refused
			if out[i].result.Outcome == "" {
				out[i].result.Outcome = engineapi.ItemRejected
			}
			continue
		}
		body, err := json.Marshal(in.App)
		var claim []byte
		if err == nil {
			claim, err = json.Marshal(in.Claim)
		}
		if err != nil {
			out[i].result.Outcome, out[i].result.Reason = engineapi.ItemRejected, "报名内容无法保存。"
			continue
		}
		out[i].app, out[i].body, out[i].claim, out[i].year = in.App, body, claim, in.Year
		out[i].kioskCategory, out[i].kioskPending = in.Claim.Decision.CategoryName, in.Claim.Decision.Pending()
		out[i].result.ID = in.App.ID
	}
	return out
}

// ingestTx holds the statements of one ingest transaction.
type ingestTx struct {
	tx                                                                     *sql.Tx
	insertApp, insertChange, appState, conflictByApp, kept, insertConflict *sql.Stmt
	replaced, appDevice, replaceApp, insertReplaced                        *sql.Stmt
}

func (s *EngineStore) txStmts(ctx context.Context, tx *sql.Tx) ingestTx {
	return ingestTx{tx: tx,
		insertApp: tx.StmtContext(ctx, s.stmts.insertApp), insertChange: tx.StmtContext(ctx, s.stmts.insertChange),
		appState: tx.StmtContext(ctx, s.stmts.appState), conflictByApp: tx.StmtContext(ctx, s.stmts.conflictByApp),
		kept: tx.StmtContext(ctx, s.stmts.kept), insertConflict: tx.StmtContext(ctx, s.stmts.insertConflict),
		replaced: tx.StmtContext(ctx, s.stmts.replaced), appDevice: tx.StmtContext(ctx, s.stmts.appDevice),
		replaceApp: tx.StmtContext(ctx, s.stmts.replaceApp), insertReplaced: tx.StmtContext(ctx, s.stmts.insertReplaced),
	}
}

// known answers duplicate for an ID stored before, or replaced by a
// resubmission (its last state was returned).
func (st ingestTx) known(ctx context.Context, id string) (engineapi.ItemResult, bool, error) {
	res := engineapi.ItemResult{ID: id, Outcome: engineapi.ItemDuplicate}
	var state string
	err := st.appState.QueryRowContext(ctx, id).Scan(&state)
	if err == nil {
		res.State = core.State(state)
		return res, true, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return res, false, err
	}
	var one int
	err = st.replaced.QueryRowContext(ctx, id).Scan(&one)
	if err == nil {
		res.State = core.StateReturned
		return res, true, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return res, false, err
	}
	return res, false, nil
}

func (st ingestTx) ingestOne(ctx context.Context, deviceID string, it *received, now time.Time) (engineapi.ItemResult, error) {
	a := &it.app
	res := engineapi.ItemResult{ID: a.ID}
	r, err := st.insertApp.ExecContext(ctx, a.ID, a.RegNo, string(a.Stage), string(a.Child.ID), deviceID,
		string(a.State), now.Unix(), string(it.body), it.year, a.Decision.CategoryName,
		it.kioskCategory, it.kioskPending, string(it.claim))
	if err != nil {
		return res, err
	}
	if n, err := r.RowsAffected(); err != nil {
		return res, err
	} else if n == 1 {
		if _, err := st.insertChange.ExecContext(ctx, deviceID, a.ID, a.RegNo, string(a.State), stateReason(a), now.Unix()); err != nil {
			return res, err
		}
		res.Outcome, res.State = engineapi.ItemAccepted, a.State
		return res, nil
	}
	return st.explain(ctx, deviceID, it, now)
}

// stateReason is the reason logged with the state the engine decided:
// the rejection's, so the kiosk and the SMS can say why.
func stateReason(a *core.Application) string {
	if n := len(a.History); n > 0 {
		return a.History[n-1].Reason
	}
	return ""
}

// explain answers an item whose insert was refused: the same ID stored
// before is a duplicate; an ID refused before is the same conflict again;
// a returned application of the child, stage and year is replaced by this
// one; otherwise the child's earlier application is kept and this one
// recorded as a conflict.
func (st ingestTx) explain(ctx context.Context, deviceID string, it *received, now time.Time) (engineapi.ItemResult, error) {
	a := &it.app
	if res, known, err := st.known(ctx, a.ID); err != nil || known {
		return res, err
	}
	res := engineapi.ItemResult{ID: a.ID, Outcome: engineapi.ItemConflict}
	err := st.conflictByApp.QueryRowContext(ctx, a.ID).Scan(&res.Reason)
	if err == nil {
		return res, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	// A registration number another application holds (the unique index
	// refused the insert for it, not for the child): rejected for good.
	var holder string
	err = st.tx.QueryRowContext(ctx, `SELECT id FROM engine_applications WHERE reg_no = ?`, a.RegNo).Scan(&holder)
	if err == nil && holder != a.ID {
		return engineapi.ItemResult{ID: a.ID, Outcome: engineapi.ItemRejected, Code: engineapi.ReasonBadRegNo,
			Reason: "登记号 " + a.RegNo + " 已被另一份报名使用，这份报名不能受理。请到人工窗口。"}, nil
	} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	var keptID, keptRegNo, keptState string
	if err := st.kept.QueryRowContext(ctx, string(a.Child.ID), string(a.Stage), it.year).Scan(&keptID, &keptRegNo, &keptState); err != nil {
		return res, fmt.Errorf("find the kept application: %w", err)
	}
	if core.State(keptState) == core.StateReturned {
		return st.resubmit(ctx, deviceID, it, keptID, now)
	}
	res.Reason = engineapi.ConflictReason(a.Stage, keptRegNo)
	_, err = st.insertConflict.ExecContext(ctx, a.ID, a.RegNo, deviceID, keptID, keptRegNo, string(a.Stage),
		a.Child.ID.Masked(), res.Reason, now.Unix())
	return res, err
}

// resubmit replaces a returned application with the family's new one: the
// row takes the new ID, number, content and claim; the history is the
// returned one's, then returned → submitted (by the device), then the new
// application's own. The old ID is remembered for late retries.
func (st ingestTx) resubmit(ctx context.Context, deviceID string, it *received, keptID string, now time.Time) (engineapi.ItemResult, error) {
	a := it.app
	res := engineapi.ItemResult{ID: a.ID}
	var oldDevice, oldBody string
	if err := st.appDevice.QueryRowContext(ctx, keptID).Scan(&oldDevice, &oldBody); err != nil {
		return res, fmt.Errorf("read the returned application: %w", err)
	}
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
	if _, err := st.replaceApp.ExecContext(ctx, a.ID, a.RegNo, deviceID, string(a.State), now.Unix(), string(body),
		a.Decision.CategoryName, it.kioskCategory, it.kioskPending, string(it.claim), keptID); err != nil {
		return res, err
	}
	if _, err := st.insertReplaced.ExecContext(ctx, keptID, a.ID, now.Unix()); err != nil {
		return res, err
	}
	if _, err := st.insertChange.ExecContext(ctx, deviceID, a.ID, a.RegNo, string(a.State), stateReason(&a), now.Unix()); err != nil {
		return res, err
	}
	res.Outcome, res.State = engineapi.ItemAccepted, a.State
	return res, nil
}

// DefaultChangesLimit and MaxChangesLimit bound one pull.
const (
	DefaultChangesLimit = 100
	MaxChangesLimit     = 1000
)

// Changes implements engineapi.Store. A limit outside 1..MaxChangesLimit
// takes DefaultChangesLimit or MaxChangesLimit.
func (s *EngineStore) Changes(ctx context.Context, deviceID string, after int64, limit int) ([]engineapi.StatusChange, error) {
	switch {
	case limit <= 0:
		limit = DefaultChangesLimit
	case limit > MaxChangesLimit:
		limit = MaxChangesLimit
	}
	rows, err := s.stmts.changes.QueryContext(ctx, deviceID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	out := []engineapi.StatusChange{}
	for rows.Next() {
		var c engineapi.StatusChange
		var at int64
		if err := rows.Scan(&c.Seq, &c.AppID, &c.RegNo, &c.State, &c.Reason, &at); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		c.At = time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetState implements engineapi.Store.
func (s *EngineStore) SetState(ctx context.Context, appID string, to core.State, actor, reason string, now time.Time) (engineapi.StatusChange, error) {
	return s.change(ctx, appID, reason, now, func(a *core.Application) error { return a.Transition(to, actor, reason, now) })
}

// Return implements engineapi.Store.
func (s *EngineStore) Return(ctx context.Context, appID, actor, reason string, now time.Time) (engineapi.StatusChange, error) {
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

// change applies fn to a stored application in one transaction and logs
// the state it ends in for its device.
func (s *EngineStore) change(ctx context.Context, appID, reason string, now time.Time, fn func(*core.Application) error) (engineapi.StatusChange, error) {
	var c engineapi.StatusChange
	err := s.write(ctx, func(tx *sql.Tx) error {
		var deviceID, body string
		err := tx.StmtContext(ctx, s.stmts.appDevice).QueryRowContext(ctx, appID).Scan(&deviceID, &body)
		if errors.Is(err, sql.ErrNoRows) {
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
		if _, err := tx.StmtContext(ctx, s.stmts.updateApp).ExecContext(ctx, string(a.State), string(enc), a.ID); err != nil {
			return err
		}
		res, err := tx.StmtContext(ctx, s.stmts.insertChange).ExecContext(ctx, deviceID, a.ID, a.RegNo, string(a.State), reason, now.Unix())
		if err != nil {
			return err
		}
		c = engineapi.StatusChange{AppID: a.ID, RegNo: a.RegNo, State: a.State, Reason: reason, At: time.Unix(now.Unix(), 0).UTC()}
		if c.Seq, err = res.LastInsertId(); err != nil {
			return err
		}
		return s.auditTx(ctx, tx, engineapi.StateEvent(&a, before, reason, now))
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

// Claim implements engineapi.Store.
func (s *EngineStore) Claim(ctx context.Context, id string) (core.Application, error) {
	var claim, body string
	err := s.stmts.claim.QueryRowContext(ctx, id).Scan(&claim, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Application{}, core.Errorf(core.ENOTFOUND, "没有找到这份报名。")
	}
	if err != nil {
		return core.Application{}, fmt.Errorf("read claim: %w", err)
	}
	if claim == "" { // stored before the engine decided: the body was the kiosk's
		claim = body
	}
	return decodeApplication(claim)
}

// Applications implements engineapi.Store.
func (s *EngineStore) Applications(ctx context.Context, f engineapi.Filter) ([]engineapi.Summary, error) {
	rows, err := s.stmts.applications.QueryContext(ctx, string(f.State), f.RegNo)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	defer rows.Close()
	out := []engineapi.Summary{}
	for rows.Next() {
		var a engineapi.Summary
		var child string
		var received int64
		if err := rows.Scan(&a.AppID, &a.RegNo, &a.DeviceID, &a.Stage, &a.Year, &child, &a.State, &a.Category,
			&a.KioskCategory, &a.KioskPending, &received); err != nil {
			return nil, fmt.Errorf("list applications: %w", err)
		}
		a.Child, a.ReceivedAt = core.ResidentID(child).Masked(), time.Unix(received, 0).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// Conflicts implements engineapi.Store.
func (s *EngineStore) Conflicts(ctx context.Context) ([]engineapi.Conflict, error) {
	rows, err := s.stmts.conflicts.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("list conflicts: %w", err)
	}
	defer rows.Close()
	var out []engineapi.Conflict
	for rows.Next() {
		var c engineapi.Conflict
		var at int64
		if err := rows.Scan(&c.AppID, &c.RegNo, &c.DeviceID, &c.KeptID, &c.KeptRegNo, &c.Stage, &c.Child, &c.Reason, &at); err != nil {
			return nil, fmt.Errorf("list conflicts: %w", err)
		}
		c.At = time.Unix(at, 0).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
