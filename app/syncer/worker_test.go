package syncer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/syncer"
	"enrolldesk/core/engineapi"
)

// rig is a worker on a fake engine and an in-memory outbox, registered.
type rig struct {
	e     *fakeEngine
	o     *memOutbox
	c     *syncer.Client
	w     *syncer.Worker
	clock *clock
}

func newRig(t *testing.T) *rig {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{e: newFakeEngine(t), o: newMemOutbox(), clock: &clock{t: time.Now()}}
	r.c = syncer.NewClient(r.e.srv.URL, key, "")
	if reg, err := r.c.Register(context.Background(), testCode, testFingerprint, "K1"); err != nil || reg.DeviceID != testDevice || reg.RegPrefix != 4711 {
		t.Fatalf("register = %+v, %v", reg, err)
	}
	r.w = syncer.NewWorker(r.c, r.o)
	r.w.Now = r.clock.Now
	r.w.Logf = t.Logf
	return r
}

func TestWorkerDrainsInBatchesExactlyOnce(t *testing.T) {
	r := newRig(t)
	r.o.add(applications(1201)...)
	rep, err := r.w.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stored, pushes := r.e.count()
	if stored != 1201 || pushes != 3 {
		t.Errorf("engine stored %d in %d pushes, want 1201 in 3 (batches of %d)", stored, pushes, engineapi.MaxBatch)
	}
	if q, s, d := r.o.counts(); q != 0 || s != 1201 || d != 0 {
		t.Errorf("outbox queued/synced/dead = %d/%d/%d, want 0/1201/0", q, s, d)
	}
	if rep.Accepted != 1201 || rep.Pulled != 1201 {
		t.Errorf("report = %+v", rep)
	}
	if c, _ := r.o.PullCursor(context.Background()); c != 1201 {
		t.Errorf("pull cursor = %d, want 1201", c)
	}
	if st := r.w.Status(); st.LastSuccess.IsZero() || st.LastError != "" {
		t.Errorf("status = %+v", st)
	}
}

func TestWorkerKeepsEachOutcome(t *testing.T) {
	r := newRig(t)
	apps := applications(4)
	apps[1].Phone = "reject"
	apps[2].Child.ID = apps[0].Child.ID // the same child again: conflict
	r.e.set(func(e *fakeEngine) { e.apps[apps[3].ID] = apps[3] })
	r.o.add(apps...)
	rep, err := r.w.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != 1 || rep.Dead != 1 || rep.Conflicts != 1 || rep.Duplicates != 1 {
		t.Errorf("report = %+v, want one of each outcome", rep)
	}
	if r.o.synced[apps[2].ID].Reason != "孩子已在其他报名点报名" {
		t.Errorf("conflict kept as %+v", r.o.synced[apps[2].ID])
	}
	if r.o.dead[apps[1].ID] != "手机号无效" {
		t.Errorf("dead letters = %v", r.o.dead)
	}
}

func TestWorkerUnansweredItemStays(t *testing.T) {
	r := newRig(t)
	apps := applications(3)
	r.e.set(func(e *fakeEngine) { e.drop[apps[1].ID] = true })
	r.o.add(apps...)
	if _, err := r.w.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if q, s, _ := r.o.counts(); q != 1 || s != 2 {
		t.Fatalf("queued/synced = %d/%d, want the unanswered one kept", q, s)
	}
	if row := r.o.row(apps[1].ID); row.attempts != 1 || !row.next.After(r.clock.Now()) {
		t.Errorf("unanswered row = %+v, want one attempt and a later retry", row)
	}
}

func TestWorkerBacksOffWhileEngineIsDown(t *testing.T) {
	r := newRig(t)
	r.w.MaxBackoff = 8 * time.Second
	apps := applications(3)
	r.o.add(apps...)
	r.e.set(func(e *fakeEngine) { e.down = 2 })
	for i := 1; i <= 2; i++ {
		_, err := r.w.Sync(context.Background())
		var api *syncer.APIError
		if !errors.As(err, &api) || api.Status != http.StatusServiceUnavailable {
			t.Fatalf("pass %d: err = %v, want the 503", i, err)
		}
		if st := r.w.Status(); st.Failures != i || st.Refused || !strings.Contains(st.LastError, "503") {
			t.Errorf("pass %d: status = %+v", i, st)
		}
		row := r.o.row(apps[0].ID)
		wait := row.next.Sub(r.clock.Now())
		cap := time.Duration(1<<(i-1)) * time.Second
		if row.attempts != i || wait < cap/2 || wait > cap {
			t.Errorf("pass %d: attempts %d, retry in %v; want %d and within [%v, %v]", i, row.attempts, wait, i, cap/2, cap)
		}
		if q, _, _ := r.o.counts(); q != 3 {
			t.Fatalf("pass %d: %d queued, want every item kept", i, q)
		}
		r.clock.Add(time.Minute)
	}
	if _, err := r.w.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if q, s, _ := r.o.counts(); q != 0 || s != 3 {
		t.Errorf("after the engine came back: queued/synced = %d/%d", q, s)
	}
	if stored, _ := r.e.count(); stored != 3 {
		t.Errorf("engine stored %d, want 3", stored)
	}
}

func TestWorkerDeadLettersAPoisonItem(t *testing.T) {
	r := newRig(t)
	apps := applications(40)
	r.o.add(apps...)
	r.e.set(func(e *fakeEngine) { e.poison = apps[17].ID })
	for range 4 {
		if _, err := r.w.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		r.clock.Add(time.Hour)
	}
	q, s, d := r.o.counts()
	if q != 0 || s != 39 || d != 1 {
		t.Fatalf("queued/synced/dead = %d/%d/%d, want 0/39/1", q, s, d)
	}
	if reason := r.o.dead[apps[17].ID]; !strings.Contains(reason, "cannot be read") {
		t.Errorf("dead letter reason = %q, want the engine's words", reason)
	}
	if _, pushes := r.e.count(); pushes > 3+2*6 {
		t.Errorf("%d pushes to isolate one poison item in 40", pushes)
	}
}

func TestWorkerDoesNotDeadLetterWhenEveryPushIsRefused(t *testing.T) {
	r := newRig(t)
	r.o.add(applications(20)...)
	r.e.set(func(e *fakeEngine) { e.all400 = true })
	for range 10 {
		if _, err := r.w.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		r.clock.Add(time.Hour)
	}
	if q, _, d := r.o.counts(); q != 20 || d != 0 {
		t.Errorf("queued/dead = %d/%d: an engine refusing everything must not empty the queue into dead letters", q, d)
	}
}

func TestWorkerKeepsOutboxWhenDeviceRevoked(t *testing.T) {
	r := newRig(t)
	r.o.add(applications(5)...)
	r.e.set(func(e *fakeEngine) { e.revoked = true })
	_, err := r.w.Sync(context.Background())
	if !syncer.Refused(err) {
		t.Fatalf("err = %v, want a refusal of the device", err)
	}
	if st := r.w.Status(); !st.Refused || !strings.Contains(st.LastError, "revoked") {
		t.Errorf("status = %+v, want the refusal for staff", st)
	}
	if q, s, d := r.o.counts(); q != 5 || s != 0 || d != 0 {
		t.Errorf("queued/synced/dead = %d/%d/%d: nothing may be lost or dead-lettered", q, s, d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.w.Drain(ctx); !syncer.Refused(err) {
		t.Errorf("Drain = %v, want it to stop at the refusal", err)
	}
}

func TestWorkerDrainOutlastsAnOutage(t *testing.T) {
	r := newRig(t)
	r.w.Now = nil
	r.w.BaseBackoff, r.w.MaxBackoff = 20*time.Millisecond, 50*time.Millisecond
	r.o.add(applications(30)...)
	r.e.set(func(e *fakeEngine) { e.down = 3 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if q, s, _ := r.o.counts(); q != 0 || s != 30 {
		t.Errorf("queued/synced = %d/%d", q, s)
	}
}

func TestWorkerRunSyncsWhenKicked(t *testing.T) {
	r := newRig(t)
	r.w.Now = nil
	r.w.Idle = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	time.Sleep(50 * time.Millisecond) // the first pass finds nothing; Run waits an hour
	a := application(1)
	changed := r.w.Changed()
	r.o.add(a)
	r.w.Kick()
	deadline := time.After(2 * time.Second)
	for r.o.outcome(a.ID) == "" {
		select {
		case <-changed:
			changed = r.w.Changed()
		case <-deadline:
			t.Fatal("a kicked worker did not sync within 2 s")
		}
	}
}

func TestBackoffDoublesWithJitterAndCap(t *testing.T) {
	r := newRig(t)
	r.w.BaseBackoff, r.w.MaxBackoff = time.Second, 5*time.Second
	a := application(1)
	r.o.add(a)
	r.e.set(func(e *fakeEngine) { e.down = 100 })
	for i, cap := range []time.Duration{1, 2, 4, 5, 5, 5} {
		cap *= time.Second
		if _, err := r.w.Sync(context.Background()); err == nil {
			t.Fatal("a pass against a down engine succeeded")
		}
		wait := r.o.row(a.ID).next.Sub(r.clock.Now())
		if wait < cap/2 || wait > cap {
			t.Errorf("failure %d: retry in %v, want within [%v, %v]", i+1, wait, cap/2, cap)
		}
		r.clock.Add(time.Hour)
	}
}
