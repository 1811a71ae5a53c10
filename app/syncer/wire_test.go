package syncer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/syncer"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// A kiosk enrols only with the engine whose key has the fingerprint the
// admin gave with the code, and pins that key.
func TestRegisterPinsTheEngineKey(t *testing.T) {
	e := newFakeEngine(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	ctx := context.Background()
	c := syncer.NewClient(e.srv.URL, key, "")
	if _, err := c.Register(ctx, testCode, "", "K"); !errors.Is(err, syncer.ErrNoFingerprint) {
		t.Errorf("no fingerprint: %v", err)
	}
	other := ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 1)).Public().(ed25519.PublicKey)
	_, err := c.Register(ctx, testCode, engineapi.Fingerprint(other), "K")
	var unverified *syncer.UnverifiedError
	if !errors.As(err, &unverified) || !strings.Contains(err.Error(), "fingerprint") || c.DeviceID != "" || c.EngineKey != nil {
		t.Errorf("another engine's fingerprint: %v (device %q)", err, c.DeviceID)
	}
	// A middlebox answering with its own key in the body cannot sign as
	// the engine whose fingerprint the admin gave.
	e.set(func(e *fakeEngine) { e.forger = ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 2)) })
	if _, err := c.Register(ctx, testCode, testFingerprint, "K"); !errors.As(err, &unverified) {
		t.Errorf("a forged registration answer: %v", err)
	}
	e.set(func(e *fakeEngine) { e.forger = nil })
	reg, err := c.Register(ctx, testCode, strings.ToLower(testFingerprint), "K")
	if err != nil || !reg.EngineKey.Equal(engineKey.Public()) || !c.EngineKey.Equal(engineKey.Public()) || reg.RegPrefix != 4711 {
		t.Fatalf("register = %+v, %v", reg, err)
	}
}

// Unsigned or wrongly signed answers — push results, status changes, a
// look-up, even a "revoked" — are refused as a network failure: nothing
// is applied, the kiosk is not told it is refused, and the items wait.
func TestUnverifiedAnswersAreNetworkFailures(t *testing.T) {
	for _, knob := range []struct {
		name string
		set  func(e *fakeEngine)
	}{
		{"Unsigned", func(e *fakeEngine) { e.unsigned = true }},
		{"WrongKey", func(e *fakeEngine) { e.forger = ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 3)) }},
		{"ForgedRevoked", func(e *fakeEngine) {
			e.revoked = true
			e.forger = ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 3))
		}},
	} {
		t.Run(knob.name, func(t *testing.T) {
			r := newRig(t)
			r.e.set(func(e *fakeEngine) {
				e.changes = []engineapi.StatusChange{{Seq: 1, AppID: "x", State: core.StateAdmitted}}
			})
			r.e.set(knob.set)
			r.o.add(applications(3)...)
			_, err := r.w.Sync(context.Background())
			var unverified *syncer.UnverifiedError
			if !errors.As(err, &unverified) || syncer.Refused(err) {
				t.Fatalf("sync = %v, want an unverified answer that is not a refusal", err)
			}
			if q, s, d := r.o.counts(); q != 3 || s != 0 || d != 0 {
				t.Errorf("queued %d synced %d dead %d: nothing of an unverified answer may be applied", q, s, d)
			}
			if st := r.w.Status(); st.Refused || !strings.Contains(st.LastError, "not the engine's") {
				t.Errorf("status %+v", st)
			}
			if _, err := r.c.Pull(context.Background(), 0, 10); !errors.As(err, &unverified) {
				t.Errorf("pull: %v", err)
			}
			_, err = (&syncer.Registrar{Client: r.c}).Lookup(context.Background(), "bad", "370811202101010013", core.Primary)
			if !errors.As(err, &unverified) || core.IsInvalid(err) {
				t.Errorf("look-up: %v, want unverified (the kiosk falls back as offline)", err)
			}
		})
	}
}

// A kiosk with no engine key pinned sends nothing it could not check.
func TestNoPinnedKeyNoRequest(t *testing.T) {
	r := newRig(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	c := syncer.NewClient(r.e.srv.URL, key, testDevice)
	if _, err := c.Pull(context.Background(), 0, 1); !errors.Is(err, syncer.ErrNotPinned) {
		t.Errorf("pull without a pinned key: %v", err)
	}
}

// A 429's Retry-After holds the items back at least that long, clamped to
// the back-off cap.
func TestWorkerHonoursRetryAfter(t *testing.T) {
	for _, c := range []struct {
		retryAfter int
		max        time.Duration
		want       time.Duration
	}{{30, time.Hour, 30 * time.Second}, {3600, time.Minute, time.Minute}} {
		r := newRig(t)
		r.w.BaseBackoff, r.w.MaxBackoff = time.Millisecond, c.max
		r.e.set(func(e *fakeEngine) { e.limitAfter, e.retryAfter = 1, c.retryAfter; e.served = 1 })
		apps := applications(2)
		r.o.add(apps...)
		_, err := r.w.Sync(context.Background())
		if syncer.RetryAfter(err) != time.Duration(c.retryAfter)*time.Second {
			t.Fatalf("sync = %v, want a 429 with Retry-After %d", err, c.retryAfter)
		}
		next := r.o.row(apps[0].ID).next.Sub(r.clock.Now())
		if next < c.want-time.Second || next > c.want+time.Second {
			t.Errorf("Retry-After %d s, cap %v: next attempt in %v, want about %v", c.retryAfter, c.max, next, c.want)
		}
	}
}
