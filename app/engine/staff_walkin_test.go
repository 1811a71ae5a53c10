package engine_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/engine"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

type auditFunc func([]engineapi.AuditEvent)

func (f auditFunc) Append(_ context.Context, evs []engineapi.AuditEvent) error { f(evs); return nil }

type noWalkInStore struct{}

func (noWalkInStore) EnsureDesk(_ context.Context, d engineapi.Device, _ time.Time) (engineapi.Device, error) {
	return d, nil
}
func (noWalkInStore) ApplicationIDsByChild(context.Context, string) ([]string, error) {
	return nil, nil
}

// Every look-up at the desk and every refused receipt is noted for the
// audit log, with ID numbers masked; a desk-less engine answers 503.
func TestWalkInNotesAuditEventsMasked(t *testing.T) {
	const guardian, child = "370102198501010011", fullID
	lookup := lookupFunc(func(context.Context, string, string, core.Stage) (*core.LookupResult, error) {
		return &core.LookupResult{Application: core.Application{Stage: core.Primary, Child: core.Child{ID: child}}}, nil
	})
	var got []engineapi.AuditEvent
	auth := func(*http.Request) (engineapi.Actor, *engine.RequestError) {
		return engineapi.Actor{ID: "U1", Name: "王芳", Role: engineapi.RoleHall}, nil
	}
	store := &mockStore{key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}
	key := ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 1))
	opts := engine.Options{Now: func() time.Time { return now }, StaffAuth: auth,
		Audit:  auditFunc(func(evs []engineapi.AuditEvent) { got = append(got, evs...) }),
		WalkIn: &engine.WalkInDesk{Store: noWalkInStore{}, Key: key}}
	post := func(h http.Handler, path, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
		return rec
	}
	h := engine.New(store, lookup, opts).Handler()
	rec := post(h, engineapi.PathStaffWalkInLookup, `{"guardian":"`+guardian+`","child":"`+child+`","stage":"primary"}`)
	if rec.Code != 200 {
		t.Fatalf("lookup: %d %s", rec.Code, rec.Body)
	}
	var lk engineapi.WalkInLookupResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &lk); err != nil || lk.DraftID == "" {
		t.Fatalf("lookup answer: %s", rec.Body)
	}
	if len(got) != 1 || got[0].Action != "lookup" || got[0].Actor != "staff:U1" || got[0].Subject != core.ResidentID(child).Masked() ||
		!strings.Contains(got[0].Detail, core.ResidentID(guardian).Masked()) {
		t.Fatalf("audit after lookup: %+v", got)
	}
	for _, ev := range got {
		if b, _ := json.Marshal(ev); strings.Contains(string(b), child) || strings.Contains(string(b), guardian) {
			t.Errorf("an audit event carries a full ID number: %s", b)
		}
	}

	got = nil
	store2 := *store
	h = engine.New(&devStore{mockStore: &store2}, lookup, opts).Handler()
	rec = post(h, engineapi.PathStaffFind, `{"query":"EDR1.eyJ2IjoxfQ.AAAA"}`)
	var f engineapi.FindResponse
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &f) != nil || f.Token == nil || f.Token.Valid || f.Token.Reason == "" {
		t.Fatalf("find of a malformed token: %d %s", rec.Code, rec.Body)
	}
	if len(got) != 1 || got[0].Action != "verify" || got[0].Reason != f.Token.Reason {
		t.Errorf("audit after a refused receipt: %+v", got)
	}

	opts.WalkIn = nil
	h = engine.New(store, lookup, opts).Handler()
	for _, p := range []string{engineapi.PathStaffWalkInLookup, engineapi.PathStaffFind, engineapi.PathStaffReprint} {
		if rec := post(h, p, `{}`); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), engineapi.ReasonNoStaffDesk) {
			t.Errorf("%s without a desk: %d %s", p, rec.Code, rec.Body)
		}
	}
}

// devStore answers an empty device registry.
type devStore struct{ *mockStore }

func (devStore) Devices(context.Context) ([]engineapi.Device, error) { return nil, nil }

// Walk-in look-ups count against the staff member's look-up allowance.
func TestWalkInLookupRateLimited(t *testing.T) {
	lookup := lookupFunc(func(context.Context, string, string, core.Stage) (*core.LookupResult, error) {
		return &core.LookupResult{Application: core.Application{Stage: core.Primary, Child: core.Child{ID: fullID}}}, nil
	})
	auth := func(*http.Request) (engineapi.Actor, *engine.RequestError) {
		return engineapi.Actor{ID: "U1", Name: "王芳", Role: engineapi.RoleHall}, nil
	}
	key := ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 1))
	h := engine.New(&mockStore{}, lookup, engine.Options{Now: func() time.Time { return now }, StaffAuth: auth, LookupPerMinute: 1,
		WalkIn: &engine.WalkInDesk{Store: noWalkInStore{}, Key: key}}).Handler()
	body := `{"guardian":"370102198501010011","child":"` + fullID + `","stage":"primary"}`
	var codes []int
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, engineapi.PathStaffWalkInLookup, strings.NewReader(body)))
		codes = append(codes, rec.Code)
		if rec.Code == http.StatusTooManyRequests && !strings.Contains(rec.Body.String(), engineapi.ReasonRateLimited) {
			t.Errorf("429 body: %s", rec.Body)
		}
	}
	if codes[0] != 200 || codes[1] != http.StatusTooManyRequests {
		t.Errorf("two look-ups with an allowance of one a minute: %v", codes)
	}
}
