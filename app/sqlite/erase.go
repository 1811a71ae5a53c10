package sqlite

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// ErrErased marks a look-up of an application whose personal data this
// kiosk has erased; the error also carries a core.Error for staff.
var ErrErased = errors.New("the application's personal data was erased from this kiosk")

func erasedError(regNo string) error {
	return errors.Join(core.Errorf(core.ECONFLICT,
		"登记号 %s 的报名已送达教育局。按个人信息保护的规定，本机已删除其中的姓名、证件号码和电话，不能在这里补打回执。请带登记号 %s 到人工窗口办理。",
		regNo, regNo), ErrErased)
}

// bodyHash is the SHA-256 of an application's body as submitted, kept
// after the body is erased.
func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// erasedChildID is what child_id becomes when an application is erased: a
// keyed hash under this database's own random key, so a second application
// for the child is still recognised here while the column no longer holds
// an ID number. (Anyone holding the whole file holds the key too; the hash
// keeps the number out of plain sight and out of other kiosks' files, it
// does not make it secret from the file's holder.)
func erasedChildID(ctx context.Context, q queryRower, id core.ResidentID) (string, error) {
	var key []byte
	if err := q.QueryRowContext(ctx, `SELECT child_key FROM kiosk_secret WHERE id = 1`).Scan(&key); err != nil {
		return "", fmt.Errorf("read the kiosk's hash key: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return "erased:" + hex.EncodeToString(m.Sum(nil)), nil
}

// Erased is an application whose personal data ErasePersonalData removed.
type Erased struct {
	AppID string
	RegNo string
}

// ErasePersonalData erases the personal data of every application the
// engine acknowledged (accepted, duplicate, or answered as a conflict) at
// or before ackedBefore: the body keeps only the ID, registration number,
// stage, state, kiosk and time; names, ID numbers, phone and address go,
// child_id becomes a keyed hash, and erased_at becomes at. Applications
// still queued or dead-lettered keep everything: staff and the outbox need
// them. Then it truncates the WAL (checkpoint TRUNCATE), so that, with the
// store's secure_delete, no copy of the erased bytes stays in the file or
// the log. It returns what it erased; the checkpoint runs even when that
// is nothing, so one that was blocked by a reader is retried.
func (d *DB) ErasePersonalData(ctx context.Context, ackedBefore, at time.Time) ([]Erased, error) {
	var out []Erased
	err := d.inTx(ctx, "erase personal data", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, reg_no, stage, state, kiosk_id, created_at, child_id, body FROM applications
			WHERE erased_at = 0 AND synced_at > 0 AND synced_at <= ? AND sync_outcome IN (?, ?, ?)
			AND id NOT IN (SELECT app_id FROM outbox) AND id NOT IN (SELECT app_id FROM dead_letters)
			ORDER BY created_at, id`,
			ackedBefore.Unix(), engineapi.ItemAccepted, engineapi.ItemDuplicate, engineapi.ItemConflict)
		if err != nil {
			return err
		}
		type row struct {
			kept  erasedBody
			child string
			body  []byte
		}
		var todo []row
		for rows.Next() {
			var r row
			var created int64
			if err := rows.Scan(&r.kept.ID, &r.kept.RegNo, &r.kept.Stage, &r.kept.State, &r.kept.KioskID, &created, &r.child, &r.body); err != nil {
				return errors.Join(err, rows.Close())
			}
			r.kept.CreatedAt = time.Unix(created, 0)
			todo = append(todo, r)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		upd, err := tx.PrepareContext(ctx, `UPDATE applications SET child_id = ?, body = ?,
			body_hash = CASE body_hash WHEN '' THEN ? ELSE body_hash END, erased_at = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		// What is kept comes from the columns, not the body: a body that no
		// longer decodes is erased all the same.
		for _, r := range todo {
			child, err := erasedChildID(ctx, tx, core.ResidentID(r.child))
			if err != nil {
				return err
			}
			kept, err := json.Marshal(r.kept)
			if err != nil {
				return err
			}
			if _, err := upd.ExecContext(ctx, child, string(kept), bodyHash(r.body), at.Unix(), r.kept.ID); err != nil {
				return fmt.Errorf("application %s: %w", r.kept.ID, err)
			}
			out = append(out, Erased{AppID: r.kept.ID, RegNo: r.kept.RegNo})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, d.TruncateWAL(ctx)
}

// erasedBody is what an erased application's body keeps: the fields of
// core.Application that name no person.
type erasedBody struct {
	ID        string     `json:"id"`
	RegNo     string     `json:"reg_no"`
	Stage     core.Stage `json:"stage"`
	State     core.State `json:"state"`
	KioskID   string     `json:"kiosk_id,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// TruncateWAL copies the write-ahead log into the database and empties it,
// so that no earlier version of a page stays on disk in the log. It fails
// when a reader kept it from finishing; the next call tries again.
func (d *DB) TruncateWAL(ctx context.Context) error {
	if d.memory {
		return nil
	}
	var busy, logFrames, done int
	if err := d.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("checkpoint %s: %w", d.path, err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint %s: a reader kept the log from being emptied (%d of %d frames copied); it is tried again on the next pass", d.path, done, logFrames)
	}
	return nil
}

// ErasedCount returns how many applications had their personal data
// erased.
func (d *DB) ErasedCount(ctx context.Context) (int, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM applications WHERE erased_at != 0`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count erased applications: %w", err)
	}
	return n, nil
}
