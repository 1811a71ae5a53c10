package sqlite_test

import (
	"context"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// The journal's copies go back where the database lost them, once, and
// nothing the database accounts for is touched.
func TestRestoreSubmittedPutsBackOnlyWhatWasLost(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	apps := queued(t, db, 4) // 0 acknowledged, 1 dead-lettered, 2 still queued, 3 lost its outbox row
	if err := db.MarkSynced(ctx, []engineapi.ItemResult{{ID: apps[0].ID, Outcome: engineapi.ItemAccepted}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.DeadLetter(ctx, []engineapi.ItemResult{{ID: apps[1].ID, Reason: "bad"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// An outbox row gone without an answer: what a damaged WAL can do.
	if _, err := db.SQL().Exec(`DELETE FROM outbox WHERE app_id = ?`, apps[3].ID); err != nil {
		t.Fatal(err)
	}
	lost := submitted(t, core.MakeResidentID("370811", time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), 900))

	res, err := db.RestoreSubmitted(ctx, append(apps, lost))
	if err != nil {
		t.Fatal(err)
	}
	if res.Applications != 1 || res.Queue != 1 || len(res.Acknowledged) != 1 || res.Held != 2 ||
		len(res.IDs) != 2 || res.IDs[0] != apps[3].ID || res.IDs[1] != lost.ID {
		t.Errorf("restored %+v; want the lost one back, 3 queued again, 0 acknowledged, 1 and 2 held", res)
	}
	if st, err := db.SyncStatus(ctx, apps[3].ID); err != nil || !st.Queued {
		t.Errorf("the application whose outbox row went: %+v, %v; want it queued again", st, err)
	}
	if st, err := db.SyncStatus(ctx, lost.ID); err != nil || !st.Queued {
		t.Errorf("the lost application: %+v, %v; want it queued again", st, err)
	}
	// Restored rows are whole: the body hash that erasure keeps as the
	// record of what was submitted is there as for any submitted one.
	var hash string
	if err := db.SQL().QueryRow(`SELECT body_hash FROM applications WHERE id = ?`, lost.ID).Scan(&hash); err != nil || len(hash) != 64 {
		t.Errorf("the restored application's body hash = %q, %v; want a SHA-256", hash, err)
	}
	again, err := db.RestoreSubmitted(ctx, append(apps, lost))
	if err != nil || again.Applications != 0 || again.Queue != 0 {
		t.Errorf("a second restore: %+v, %v; want nothing put back twice", again, err)
	}
}

// A retry scheduled further ahead than the cap was scheduled by a fast
// clock: it is due now.
func TestDueOutboxHorizon(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	apps := queued(t, db, 2)
	now := time.Unix(1_800_000_000, 0)
	if err := db.MarkFailed(ctx, []string{apps[0].ID}, func(int) time.Time { return now.Add(time.Hour) }, "down"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkFailed(ctx, []string{apps[1].ID}, func(int) time.Time { return now.Add(4 * time.Minute) }, "down"); err != nil {
		t.Fatal(err)
	}
	items, err := db.DueOutbox(ctx, now, 5*time.Minute, 10)
	if err != nil || len(items) != 1 || items[0].App.ID != apps[0].ID {
		t.Errorf("due with a 5 min cap: %v, %v; want only the one an hour ahead", items, err)
	}
}

func TestQuickCheckOfASoundStore(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	if err := db.QuickCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
}
