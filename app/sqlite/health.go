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

// ErrCorrupt is the cause of an error that means the database file is
// damaged — SQLite's SQLITE_CORRUPT or SQLITE_NOTADB, a failed quick_check,
// or a stored application that no longer decodes — rather than a passing
// fault. Retrying does not help; IsCorrupt tells them apart.
var ErrCorrupt = errors.New("kiosk database damaged")

// IsCorrupt reports whether err says the database file is damaged.
func IsCorrupt(err error) bool {
	if errors.Is(err, ErrCorrupt) {
		return true
	}
	return driverCorrupt(err)
}

// QuickCheck runs PRAGMA quick_check: nil when SQLite finds the file
// sound, else an error wrapping ErrCorrupt with its first findings.
func (d *DB) QuickCheck(ctx context.Context) error {
	rows, err := d.db.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		if IsCorrupt(err) {
			return fmt.Errorf("quick_check: %w: %w", ErrCorrupt, err)
		}
		return fmt.Errorf("quick_check: %w", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("quick_check: %w: %w", ErrCorrupt, err)
		}
		found = append(found, strings.Join(strings.Fields(s), " "))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("quick_check: %w: %w", ErrCorrupt, err)
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	return fmt.Errorf("quick_check: %w: %s", ErrCorrupt, strings.Join(found, "; "))
}

// Restored counts what RestoreSubmitted put back.
type Restored struct {
	Applications int      // missing altogether: stored again with their outbox rows
	Queue        int      // stored, but their outbox row was gone before the engine answered
	Acknowledged []string // the engine has answered for these (accepted, duplicate, conflict): nothing to keep
	Held         int      // stored and accounted for (queued, or dead-lettered for staff)
	IDs          []string // what was put back (Applications and Queue)
}

// RestoreSubmitted puts submitted applications from the kiosk's journal
// back where the database lost them, in one transaction, idempotently by
// application ID: an application missing altogether is stored again with
// its outbox row; one whose outbox row is gone although the engine never
// answered for it (and it is not dead-lettered) is queued again. The IDs
// the engine has answered for come back in Acknowledged, for the journal
// to drop.
func (d *DB) RestoreSubmitted(ctx context.Context, apps []core.Application) (Restored, error) {
	var r Restored
	err := d.inTx(ctx, "restore applications", func(tx *sql.Tx) error {
		state, err := tx.PrepareContext(ctx, `SELECT a.sync_outcome, EXISTS (SELECT 1 FROM outbox WHERE app_id = a.id),
			EXISTS (SELECT 1 FROM dead_letters WHERE app_id = a.id) FROM applications a WHERE a.id = ?`)
		if err != nil {
			return err
		}
		defer state.Close()
		w, err := prepareSubmitted(ctx, tx)
		if err != nil {
			return err
		}
		defer w.Close()
		now := d.now().Unix()
		for _, a := range apps {
			var outcome string
			var queued, dead bool
			err := state.QueryRowContext(ctx, a.ID).Scan(&outcome, &queued, &dead)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if _, err := w.put(ctx, a, now); err != nil {
					return err
				}
				r.Applications++
				r.IDs = append(r.IDs, a.ID)
			case err != nil:
				return err
			case outcome == engineapi.ItemAccepted || outcome == engineapi.ItemDuplicate || outcome == engineapi.ItemConflict:
				r.Acknowledged = append(r.Acknowledged, a.ID)
			case queued || dead:
				r.Held++
			default:
				if err := w.enqueue(ctx, a.ID, now); err != nil {
					return err
				}
				r.Queue++
				r.IDs = append(r.IDs, a.ID)
			}
		}
		return nil
	})
	if err != nil {
		return Restored{}, err
	}
	return r, nil
}

// QueuedApplications returns the applications still in the outbox, as
// submitted, oldest first.
func (d *DB) QueuedApplications(ctx context.Context) ([]core.Application, error) {
	return queuedApplications(ctx, d.db)
}

func queuedApplications(ctx context.Context, db *sql.DB) ([]core.Application, error) {
	rows, err := db.QueryContext(ctx, `SELECT a.body FROM outbox o JOIN applications a ON a.id = o.app_id ORDER BY o.seq`)
	if err != nil {
		return nil, fmt.Errorf("read queued applications: %w", err)
	}
	defer rows.Close()
	var out []core.Application
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return out, fmt.Errorf("read queued applications: %w", err)
		}
		var a core.Application
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			continue // a damaged row: the journal has its copy
		}
		a.State = core.StateSubmitted
		out = append(out, a)
	}
	return out, rows.Err()
}

// Salvage reads what it still can from a damaged kiosk database — the
// device registration and the queued applications — read-only and without
// migrating it, for `enrolldesk sync recover`. What was read before an
// error is returned with it.
func Salvage(ctx context.Context, path string) (Device, []core.Application, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return Device{}, nil, err
	}
	defer db.Close()
	var dev Device
	var at int64
	derr := db.QueryRowContext(ctx, `SELECT device_id, engine_url, registered_at FROM sync_device WHERE id = 1`).
		Scan(&dev.ID, &dev.EngineURL, &at)
	if derr != nil {
		dev = Device{}
	} else if at != 0 {
		dev.RegisteredAt = time.Unix(at, 0)
	}
	apps, aerr := queuedApplications(ctx, db)
	return dev, apps, errors.Join(derr, aerr)
}
