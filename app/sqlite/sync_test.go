package sqlite_test

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// queued stores n submitted applications for different children and
// returns them in outbox order.
func queued(t *testing.T, db *sqlite.DB, n int) []core.Application {
	t.Helper()
	var apps []core.Application
	for i := range n {
		a := submitted(t, core.MakeResidentID("370811", time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), 100+i))
		if _, err := db.SaveSubmitted(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a)
	}
	return apps
}

func dueIDs(t *testing.T, db *sqlite.DB, now time.Time, limit int) []string {
	t.Helper()
	items, err := db.DueOutbox(context.Background(), now, 0, limit)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		if it.App.State != core.StateSubmitted {
			t.Errorf("due item %s has state %s", it.App.ID, it.App.State)
		}
		ids = append(ids, it.App.ID)
	}
	return ids
}

func TestDueOutboxInOrderAndBackoff(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	apps := queued(t, db, 4)
	now := time.Unix(1_800_000_000, 0)
	got := dueIDs(t, db, now, 3)
	if len(got) != 3 || got[0] != apps[0].ID || got[1] != apps[1].ID || got[2] != apps[2].ID {
		t.Fatalf("due = %v, want the first three in submission order", got)
	}
	var asked []int
	next := func(n int) time.Time { asked = append(asked, n); return now.Add(1500 * time.Millisecond) }
	if err := db.MarkFailed(ctx, []string{apps[0].ID, apps[1].ID, "no-such-app"}, next, "connection refused"); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || asked[0] != 1 {
		t.Errorf("backoff asked for attempts %v, want [1 1]", asked)
	}
	if got := dueIDs(t, db, now.Add(time.Second), 10); len(got) != 2 || got[0] != apps[2].ID {
		t.Errorf("due 1 s later = %v, want the two untried ones (1.5 s backoff rounds up to 2 s)", got)
	}
	if got := dueIDs(t, db, now.Add(2*time.Second), 10); len(got) != 4 || got[0] != apps[0].ID {
		t.Errorf("due 2 s later = %v, want all four, oldest first", got)
	}
	rows, err := db.Outbox(ctx)
	if err != nil || rows[0].Attempts != 1 || rows[0].LastError != "connection refused" {
		t.Errorf("outbox = %+v, %v", rows, err)
	}
	if at, ok, err := db.NextOutboxAttempt(ctx); err != nil || !ok || at.Unix() != 0 {
		t.Errorf("next attempt = %v %v %v, want now (untried rows)", at, ok, err)
	}
}

func TestMarkSyncedTakesTheEngineAnswer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	db := MustOpenDB(t, path)
	ctx := context.Background()
	apps := queued(t, db, 3)
	at := time.UnixMilli(1_800_000_000_123)
	err := db.MarkSynced(ctx, []engineapi.ItemResult{
		{ID: apps[0].ID, Outcome: engineapi.ItemAccepted, State: core.StateNeedsReview},
		{ID: apps[1].ID, Outcome: engineapi.ItemDuplicate},
		{ID: apps[2].ID, Outcome: engineapi.ItemConflict, Reason: "孩子已在其他报名点报名"},
	}, at)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountOutbox(ctx); err != nil || n != 0 {
		t.Errorf("outbox = %d, %v; want empty", n, err)
	}
	want := []struct {
		state   core.State
		outcome string
	}{{core.StateNeedsReview, "accepted"}, {core.StateReceived, "duplicate"}, {core.StateSubmitted, "conflict"}}
	for i, w := range want {
		a, err := db.Application(ctx, apps[i].ID)
		if err != nil || a.State != w.state {
			t.Errorf("app %d state = %s (%v), want %s", i, a.State, err, w.state)
		}
		st, err := db.SyncStatus(ctx, apps[i].ID)
		if err != nil || st.Outcome != w.outcome || st.Queued || st.State != w.state {
			t.Errorf("app %d sync = %+v, %v", i, st, err)
		}
	}
	if st, _ := db.SyncStatus(ctx, apps[2].ID); st.Reason != "孩子已在其他报名点报名" {
		t.Errorf("conflict reason = %q", st.Reason)
	}
	if last, err := db.LastSync(ctx); err != nil || !last.Equal(at) {
		t.Errorf("last sync = %v, %v; want %v", last, err, at)
	}
	if err := db.MarkSynced(ctx, []engineapi.ItemResult{{ID: apps[0].ID, Outcome: engineapi.ItemRejected}}, at); err == nil {
		t.Error("MarkSynced took a rejection")
	}
}

func TestDeadLetterKeepsTheApplicationVisible(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	apps := queued(t, db, 2)
	now := time.Unix(1_800_000_000, 0)
	if err := db.MarkFailed(ctx, []string{apps[0].ID}, func(int) time.Time { return now }, "400"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeadLetter(ctx, []engineapi.ItemResult{{ID: apps[0].ID, Reason: "字段无效"}}, now); err != nil {
		t.Fatal(err)
	}
	dead, err := db.DeadLetters(ctx)
	if err != nil || len(dead) != 1 || dead[0].AppID != apps[0].ID || dead[0].RegNo != apps[0].RegNo ||
		dead[0].Attempts != 2 || dead[0].Reason != "字段无效" {
		t.Fatalf("dead letters = %+v, %v", dead, err)
	}
	if n, _ := db.CountDeadLetters(ctx); n != 1 {
		t.Errorf("count dead letters = %d", n)
	}
	if got := dueIDs(t, db, now.Add(time.Hour), 10); len(got) != 1 || got[0] != apps[1].ID {
		t.Errorf("due after dead-lettering = %v, want only the other application", got)
	}
	if st, _ := db.SyncStatus(ctx, apps[0].ID); !st.Dead || st.Queued || st.Outcome != engineapi.ItemRejected {
		t.Errorf("sync status = %+v", st)
	}
	if n, _ := db.CountApplications(ctx); n != 2 {
		t.Errorf("applications = %d: a dead letter must not delete the application", n)
	}
}

func TestStatusChangesAndCursor(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	apps := queued(t, db, 1)
	at := time.Unix(1_800_000_100, 0)
	changes := []engineapi.StatusChange{
		{Seq: 7, AppID: apps[0].ID, State: core.StateReceived},
		{Seq: 9, AppID: apps[0].ID, State: core.StateReturned, Reason: "请补充租赁备案"},
		{Seq: 10, AppID: "not-ours", State: core.StateApproved},
	}
	if err := db.ApplyStatusChanges(ctx, changes, 10, at); err != nil {
		t.Fatal(err)
	}
	a, err := db.Application(ctx, apps[0].ID)
	if err != nil || a.State != core.StateReturned {
		t.Errorf("state = %s, %v; want returned", a.State, err)
	}
	if st, _ := db.SyncStatus(ctx, apps[0].ID); st.Note != "请补充租赁备案" {
		t.Errorf("reason = %q", st.Note)
	}
	if got := dueIDs(t, db, at, 10); len(got) != 1 {
		t.Errorf("due = %v: news of a queued application must not take it out of the outbox", got)
	} // dueIDs checks it is pushed as submitted
	if c, err := db.PullCursor(ctx); err != nil || c != 10 {
		t.Errorf("cursor = %d, %v", c, err)
	}
	if last, _ := db.LastSync(ctx); !last.Equal(at) {
		t.Errorf("last sync = %v", last)
	}
}

func TestDeviceRegistration(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	if dev, err := db.Device(ctx); err != nil || dev.ID != "" {
		t.Fatalf("new store device = %+v, %v", dev, err)
	}
	engineKey := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	dev := sqlite.Device{ID: "D1", EngineURL: "https://engine", RegisteredAt: time.Unix(1_800_000_000, 0), EngineKey: engineKey, RegPrefix: 4711}
	if err := db.SetDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	if err := db.ApplyStatusChanges(ctx, nil, 42, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.SetDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.PullCursor(ctx); c != 42 {
		t.Errorf("cursor after re-recording the same device = %d, want 42", c)
	}
	dev.ID = "D2"
	if err := db.SetDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.PullCursor(ctx); c != 0 {
		t.Errorf("cursor after a new registration = %d, want 0", c)
	}
	if got, _ := db.Device(ctx); got.ID != dev.ID || got.EngineURL != dev.EngineURL || !got.RegisteredAt.Equal(dev.RegisteredAt) ||
		!got.EngineKey.Equal(dev.EngineKey) || got.RegPrefix != 4711 {
		t.Errorf("device = %+v, want %+v", got, dev)
	}
}

func TestImportSubmittedSkipsKnownIDs(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	apps := queued(t, db, 1)
	more := append(apps, submitted(t, core.MakeResidentID("370811", time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC), 5)))
	n, err := db.ImportSubmitted(ctx, more)
	if err != nil || n != 1 {
		t.Fatalf("imported %d, %v; want 1", n, err)
	}
	if q, _ := db.CountOutbox(ctx); q != 2 {
		t.Errorf("outbox = %d, want 2", q)
	}
	bad := more[1]
	bad.ID, bad.State = core.NewApplicationID(), core.StateDraft
	if _, err := db.ImportSubmitted(ctx, []core.Application{bad}); err == nil {
		t.Error("imported a draft")
	}
}

func TestRequeueDeadLetters(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	apps := queued(t, db, 3)
	now := time.Unix(1_800_000_000, 0)
	var refused []engineapi.ItemResult
	for _, a := range apps {
		refused = append(refused, engineapi.ItemResult{ID: a.ID, Reason: "schema mismatch"})
	}
	if err := db.DeadLetter(ctx, refused, now); err != nil {
		t.Fatal(err)
	}
	if n, err := db.RequeueDeadLetters(ctx, []string{apps[1].ID, "unknown"}); err != nil || n != 1 {
		t.Fatalf("requeue one = %d, %v", n, err)
	}
	if got := dueIDs(t, db, now, 10); len(got) != 1 || got[0] != apps[1].ID {
		t.Errorf("due = %v, want the requeued one", got)
	}
	if st, _ := db.SyncStatus(ctx, apps[1].ID); !st.Queued || st.Dead || st.Outcome != "" {
		t.Errorf("requeued status = %+v", st)
	}
	if n, err := db.RequeueDeadLetters(ctx, nil); err != nil || n != 2 {
		t.Errorf("requeue all = %d, %v", n, err)
	}
	if q, _ := db.CountOutbox(ctx); q != 3 {
		t.Errorf("outbox = %d, want 3", q)
	}
}
