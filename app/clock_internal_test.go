package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"enrolldesk/app/demo"
	"enrolldesk/app/keys"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// jumpClock is a clock a test moves by hand.
type jumpClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *jumpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *jumpClock) jump(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// A kiosk whose clock ran an hour fast while the engine was down, and was
// then put right, must not hold its queue back for the hour: no retry
// lies further ahead than the back-off cap.
func TestRetryTimesNeverLieBeyondTheCapAfterAClockJump(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	city := filepath.Join(dir, "city.db")
	if _, err := BuildDemoCity(ctx, city, demo.Options{Families: 50, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	e, err := OpenEngine(ctx, EngineConfig{DB: filepath.Join(dir, "engine.db"), CityDB: city, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		e.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()

	store, err := sqlite.Open(filepath.Join(dir, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, err := keys.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, code, err := e.AddDevice(ctx, "clock")
	if err != nil {
		t.Fatal(err)
	}
	client, err := connect(ctx, store, key, srv.URL, "", code+engineapi.EnrollmentSeparator+e.Fingerprint(), "clock", time.Now, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	g := openGuard(ctx, dir, store, t.Logf)
	kiosk := &Kiosk{store: store, guard: g}
	born := time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)
	var apps []core.Application
	for i := range 3 {
		child := core.MakeResidentID("370811", born, 200+i)
		id := core.NewApplicationID()
		a := core.Application{ID: id, RegNo: core.RegNo(id, core.Primary, born), Stage: core.Primary, State: core.StateSubmitted,
			KioskID: "CLOCK", CreatedAt: born, Child: core.Child{ID: child, Name: "测试", Sex: child.Sex(), BirthDate: child.BirthDate()}}
		if _, err := kiosk.Save(ctx, a); err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a)
	}

	clock := &jumpClock{at: time.Now()}
	w := newWorker(client, store, g, t.Logf)
	w.Now, w.MaxBackoff = clock.Now, 5*time.Minute
	clock.jump(time.Hour) // the clock runs an hour fast …
	down.Store(true)      // … while the engine is down: each failure is scheduled by the fast clock
	for range 3 {
		if _, err := w.Sync(ctx); err == nil {
			t.Fatal("a sync against a down engine succeeded")
		}
	}
	rows, err := store.Outbox(ctx)
	if err != nil || len(rows) != 3 {
		t.Fatalf("outbox %v, %v", rows, err)
	}
	clock.jump(-time.Hour) // … and is put right; the engine is back
	down.Store(false)
	if ahead := rows[0].NextAttempt.Sub(clock.Now()); ahead < 55*time.Minute {
		t.Fatalf("the next attempt lies %v ahead: the test did not schedule by the fast clock", ahead)
	}
	due, err := store.DueOutbox(ctx, clock.Now(), w.MaxBackoff, 10)
	if err != nil || len(due) != 3 {
		t.Errorf("due after the clock was put right: %d, %v; want all 3 (their retry lay an hour ahead, past the 5 min cap)", len(due), err)
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := w.Drain(dctx); err != nil {
		t.Fatalf("drain after the clock was put right: %v (an item waiting for its hour-ahead retry)", err)
	}
	for _, a := range apps {
		if st, err := store.SyncStatus(ctx, a.ID); err != nil || st.Queued {
			t.Errorf("%s: %+v %v", a.RegNo, st, err)
		}
	}
}
