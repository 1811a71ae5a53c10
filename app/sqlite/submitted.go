package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"enrolldesk/core"
)

// submittedWriter stores a submitted application with its outbox row: the
// one way SaveSubmitted, ImportSubmitted and RestoreSubmitted write them,
// so each row carries the same columns (the body hash erasure keeps, too).
type submittedWriter struct {
	app, queue *sql.Stmt
}

// prepareSubmitted prepares the writer's statements in tx; Close them.
func prepareSubmitted(ctx context.Context, tx *sql.Tx) (*submittedWriter, error) {
	app, err := tx.PrepareContext(ctx, `INSERT INTO applications (id, reg_no, stage, state, child_id, kiosk_id, created_at, body, body_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return nil, err
	}
	queue, err := tx.PrepareContext(ctx, `INSERT INTO outbox (app_id, created_at) VALUES (?, ?)`)
	if err != nil {
		return nil, errors.Join(err, app.Close())
	}
	return &submittedWriter{app: app, queue: queue}, nil
}

// put stores a with its outbox row, queued at now; an ID already stored is
// left alone and reported false.
func (w *submittedWriter) put(ctx context.Context, a core.Application, now int64) (bool, error) {
	body, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	res, err := w.app.ExecContext(ctx, a.ID, a.RegNo, string(a.Stage), string(a.State), string(a.Child.ID),
		a.KioskID, a.CreatedAt.Unix(), string(body), bodyHash(body))
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	return true, w.enqueue(ctx, a.ID, now)
}

// enqueue puts a stored application back in the outbox.
func (w *submittedWriter) enqueue(ctx context.Context, id string, now int64) error {
	_, err := w.queue.ExecContext(ctx, id, now)
	return err
}

// Close releases the statements.
func (w *submittedWriter) Close() error { return errors.Join(w.app.Close(), w.queue.Close()) }
