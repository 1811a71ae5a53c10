package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// received is one pushed application after engineapi.Receive, encoded
// before the writer lock is taken so the lock covers only SQL.
type received struct {
	app    core.Application
	body   []byte
	result engineapi.ItemResult // preset when the item is rejected
}

// Ingest implements engineapi.Store: the whole batch is one transaction.
// An item is inserted unless its ID or its child and stage are taken; only
// then does the store look for why, so the common case is two statements.
func (s *EngineStore) Ingest(ctx context.Context, deviceID string, apps []core.Application, now time.Time) ([]engineapi.ItemResult, error) {
	items := prepareItems(apps, deviceID, now)
	err := s.write(ctx, func(tx *sql.Tx) error {
		st := s.txStmts(ctx, tx)
		for i := range items {
			if items[i].result.Outcome != "" {
				// A known ID is a duplicate whatever the kiosk now says of
				// its state (it may have pulled a later one): answer that
				// before any refusal, so a retry is never dead-lettered.
				var state string
				if err := st.appState.QueryRowContext(ctx, items[i].result.ID).Scan(&state); err == nil {
					items[i].result = engineapi.ItemResult{ID: items[i].result.ID, Outcome: engineapi.ItemDuplicate, State: core.State(state)}
				} else if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				continue
			}
			res, err := st.ingestOne(ctx, deviceID, &items[i], now)
			if err != nil {
				return err
			}
			items[i].result = res
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	out := make([]engineapi.ItemResult, len(items))
	for i := range items {
		out[i] = items[i].result
	}
	return out, nil
}

func prepareItems(apps []core.Application, deviceID string, now time.Time) []received {
	items := make([]received, len(apps))
	for i, a := range apps {
		items[i].result.ID = a.ID
		r, err := engineapi.Receive(a, deviceID, now)
		if err == nil {
			items[i].body, err = json.Marshal(r)
		}
		if err != nil {
			items[i].result.Outcome, items[i].result.Reason = engineapi.ItemRejected, core.ErrorMessage(err)
			continue
		}
		items[i].app = r
	}
	return items
}

// ingestTx holds the statements of one ingest transaction.
type ingestTx struct {
	insertApp, insertChange, appState, conflictByApp, kept, insertConflict *sql.Stmt
}

func (s *EngineStore) txStmts(ctx context.Context, tx *sql.Tx) ingestTx {
	return ingestTx{
		insertApp: tx.StmtContext(ctx, s.stmts.insertApp), insertChange: tx.StmtContext(ctx, s.stmts.insertChange),
		appState: tx.StmtContext(ctx, s.stmts.appState), conflictByApp: tx.StmtContext(ctx, s.stmts.conflictByApp),
		kept: tx.StmtContext(ctx, s.stmts.kept), insertConflict: tx.StmtContext(ctx, s.stmts.insertConflict),
	}
}

func (st ingestTx) ingestOne(ctx context.Context, deviceID string, it *received, now time.Time) (engineapi.ItemResult, error) {
	a := &it.app
	res := engineapi.ItemResult{ID: a.ID}
	r, err := st.insertApp.ExecContext(ctx, a.ID, a.RegNo, string(a.Stage), string(a.Child.ID), deviceID,
		string(a.State), now.Unix(), string(it.body))
	if err != nil {
		return res, err
	}
	if n, err := r.RowsAffected(); err != nil {
		return res, err
	} else if n == 1 {
		if _, err := st.insertChange.ExecContext(ctx, deviceID, a.ID, a.RegNo, string(a.State), "", now.Unix()); err != nil {
			return res, err
		}
		res.Outcome, res.State = engineapi.ItemAccepted, a.State
		return res, nil
	}
	return st.explain(ctx, deviceID, a, now)
}

// explain answers an item whose insert was refused: the same ID stored
// before is a duplicate; an ID refused before is the same conflict again;
// otherwise the child's earlier application is kept and this one recorded
// as a conflict.
func (st ingestTx) explain(ctx context.Context, deviceID string, a *core.Application, now time.Time) (engineapi.ItemResult, error) {
	res := engineapi.ItemResult{ID: a.ID}
	var state string
	err := st.appState.QueryRowContext(ctx, a.ID).Scan(&state)
	if err == nil {
		res.Outcome, res.State = engineapi.ItemDuplicate, core.State(state)
		return res, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	res.Outcome = engineapi.ItemConflict
	err = st.conflictByApp.QueryRowContext(ctx, a.ID).Scan(&res.Reason)
	if err == nil {
		return res, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	var keptID, keptRegNo string
	if err := st.kept.QueryRowContext(ctx, string(a.Child.ID), string(a.Stage)).Scan(&keptID, &keptRegNo); err != nil {
		return res, fmt.Errorf("find the kept application: %w", err)
	}
	res.Reason = engineapi.ConflictReason(a.Stage, keptRegNo)
	_, err = st.insertConflict.ExecContext(ctx, a.ID, a.RegNo, deviceID, keptID, keptRegNo, string(a.Stage),
		a.Child.ID.Masked(), res.Reason, now.Unix())
	return res, err
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
		if err := a.Transition(to, actor, reason, now); err != nil {
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
		c.Seq, err = res.LastInsertId()
		return err
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
