package engine_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"enrolldesk/app/engine"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// auditRecorder is an engineapi.AuditLog keeping what it is given.
type auditRecorder struct {
	mu     sync.Mutex
	events []engineapi.AuditEvent
	err    error
}

func (a *auditRecorder) Append(_ context.Context, evs []engineapi.AuditEvent) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	a.events = append(a.events, evs...)
	return nil
}

func newAuditRig(t *testing.T, lookup engine.Lookup, log engineapi.AuditLog) *rig {
	t.Helper()
	r := &rig{store: &mockStore{key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}, log: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(r.log, nil))
	r.h = engine.New(r.store, lookup, engine.Options{Now: func() time.Time { return now }, Logger: logger, Audit: log}).Handler()
	return r
}

func TestLookupIsAudited(t *testing.T) {
	found := lookupFunc(func(context.Context, string, string, core.Stage) (*core.LookupResult, error) {
		return &core.LookupResult{Decision: core.Decision{Eligible: true, Category: "A", CategoryName: "房户一致"}}, nil
	})
	rec := &auditRecorder{}
	r := newAuditRig(t, found, rec)
	if st, e := r.do(engineapi.PathLookup, `{"guardian":"`+fullID+`","child":"`+fullID+`","stage":"primary"}`); st != 200 {
		t.Fatalf("lookup: %d %+v", st, e)
	}
	if len(rec.events) != 1 {
		t.Fatalf("%d audit events, want 1: %+v", len(rec.events), rec.events)
	}
	ev := rec.events[0]
	if ev.Actor != "device:KD-MOCK" || ev.Action != "lookup" || !ev.At.Equal(now) ||
		ev.Subject != "child:"+core.ResidentID(fullID).Masked() || !strings.Contains(ev.Detail, "category=A") {
		t.Fatalf("audit event %+v", ev)
	}
	if strings.Contains(ev.Subject+ev.Detail, fullID) {
		t.Fatalf("the full ID number is in the audit event: %+v", ev)
	}

	// A refused look-up (a wrong ID number) is a look-up made, too.
	bad := lookupFunc(func(context.Context, string, string, core.Stage) (*core.LookupResult, error) {
		return nil, core.Errorf(core.EIDCheck, "孩子：身份证号码最后一位（校验位）不对。")
	})
	rec = &auditRecorder{}
	r = newAuditRig(t, bad, rec)
	if st, _ := r.do(engineapi.PathLookup, `{"guardian":"x","child":"37010220190307001X","stage":"primary"}`); st != 400 {
		t.Fatalf("invalid lookup answered %d", st)
	}
	if len(rec.events) != 1 || !strings.Contains(rec.events[0].Detail, "refused="+core.EIDCheck) ||
		strings.Contains(rec.events[0].Subject, "37010220190307001X") {
		t.Fatalf("refused lookup audited as %+v", rec.events)
	}
}

func TestLookupNotAnsweredWhenTheLogFails(t *testing.T) {
	found := lookupFunc(func(context.Context, string, string, core.Stage) (*core.LookupResult, error) {
		return &core.LookupResult{}, nil
	})
	r := newAuditRig(t, found, &auditRecorder{err: errors.New("disk full")})
	st, e := r.do(engineapi.PathLookup, `{"guardian":"`+fullID+`","child":"`+fullID+`","stage":"primary"}`)
	if st != 500 || e.Reason != engine.ReasonInternal {
		t.Fatalf("got %d %+v, want a 500: an answer the log cannot record is not given", st, e)
	}
}
