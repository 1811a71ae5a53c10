package engine_test

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"enrolldesk/app/engine"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// seeded is a deterministic key.
func seeded(b byte) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	seed[0] = b
	return ed25519.NewKeyFromSeed(seed)
}

var nonceN atomic.Int64

// signed builds a request for path signed as device with key.
func signed(path, device string, key ed25519.PrivateKey, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	nonce := "nonce-nonce-nonce-nonce-" + strconv.FormatInt(nonceN.Add(1), 10)
	req.Header.Set(engineapi.HeaderDevice, device)
	req.Header.Set(engineapi.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(engineapi.HeaderNonce, nonce)
	req.Header.Set(engineapi.HeaderSignature, engineapi.Sign(key, http.MethodPost, path, device, []byte(body), now.Unix(), nonce))
	return req
}

// wireServer is a server over a mock store holding a pending and a
// revoked device besides KD-MOCK (key seeded(1)), signing its answers
// with seeded(9).
func wireServer(opt engine.Options) (*engine.Server, *mockStore) {
	store := &mockStore{key: seeded(1), devices: map[string]engineapi.Device{
		"KD-PENDING": {ID: "KD-PENDING"},
		"KD-REVOKED": {ID: "KD-REVOKED", PublicKey: seeded(2).Public().(ed25519.PublicKey), RevokedAt: now.Add(-time.Hour)},
	}}
	store.ChangesFn = func(context.Context, string, int64, int) ([]engineapi.StatusChange, error) { return nil, nil }
	opt.Now, opt.SigningKey = func() time.Time { return now }, seeded(9)
	return engine.New(store, nil, opt), store
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// An unknown device, a device not registered yet, a revoked device with a
// wrong signature and a known device with a wrong signature all get the
// same 401, byte for byte: a stranger learns nothing about which devices
// exist. Only a correctly signed request of a revoked device hears 403.
func TestUniformRefusal(t *testing.T) {
	s, _ := wireServer(engine.Options{})
	path, body := engineapi.PathPull, `{"after":0}`
	stranger := seeded(7)
	cases := map[string]*http.Request{
		"UnknownDevice":      signed(path, "KD-NOBODY", stranger, body),
		"UnregisteredDevice": signed(path, "KD-PENDING", stranger, body),
		"RevokedBadSig":      signed(path, "KD-REVOKED", stranger, body),
		"KnownBadSig":        signed(path, "KD-MOCK", stranger, body),
		"SignedForOtherID":   signed(path, "KD-OTHER", seeded(1), body),
	}
	// The device ID is signed: KD-MOCK's signature made for another ID
	// does not pass as KD-MOCK.
	moved := signed(path, "KD-OTHER", seeded(1), body)
	moved.Header.Set(engineapi.HeaderDevice, "KD-MOCK")
	cases["ReaddressedToKnown"] = moved
	var first string
	for name, req := range cases {
		rec := serve(s.Handler(), req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, rec.Code)
		}
		if first == "" {
			first = rec.Body.String()
		} else if rec.Body.String() != first {
			t.Errorf("%s: body %q differs from %q", name, rec.Body.String(), first)
		}
	}
	if !strings.Contains(first, engineapi.ReasonBadSignature) || !strings.Contains(first, "enroll this kiosk again") {
		t.Errorf("the one 401 = %s", first)
	}
	rec := serve(s.Handler(), signed(path, "KD-REVOKED", seeded(2), body))
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), engineapi.ReasonRevoked) {
		t.Errorf("a revoked device signing correctly: %d %s, want 403 revoked", rec.Code, rec.Body)
	}
	if rec := serve(s.Handler(), signed(path, "KD-MOCK", seeded(1), body)); rec.Code != http.StatusOK {
		t.Errorf("the good device: %d %s", rec.Code, rec.Body)
	}
}

// Every answer to a request carrying a nonce is signed over status, path,
// body and that nonce — refusals too; the signature fails for any other
// nonce (an old answer cannot answer a new question).
func TestAnswersAreSigned(t *testing.T) {
	s, _ := wireServer(engine.Options{})
	pub := seeded(9).Public().(ed25519.PublicKey)
	if !s.PublicKey().Equal(pub) {
		t.Fatal("PublicKey is not the signing key's")
	}
	for name, req := range map[string]*http.Request{
		"Pull":       signed(engineapi.PathPull, "KD-MOCK", seeded(1), `{"after":0}`),
		"Refused401": signed(engineapi.PathPull, "KD-NOBODY", seeded(1), `{"after":0}`),
		"Malformed":  signed(engineapi.PathPull, "KD-MOCK", seeded(1), `[]`),
		"NoSuchPath": signed("/v1/nothing", "KD-MOCK", seeded(1), `{}`),
	} {
		rec := serve(s.Handler(), req)
		nonce, sig := req.Header.Get(engineapi.HeaderNonce), rec.Header().Get(engineapi.HeaderAnswer)
		if !engineapi.VerifyAnswer(pub, rec.Code, req.URL.Path, nonce, rec.Body.Bytes(), sig) {
			t.Errorf("%s: answer %d not signed right (%q)", name, rec.Code, sig)
		}
		if engineapi.VerifyAnswer(pub, rec.Code, req.URL.Path, nonce+"x", rec.Body.Bytes(), sig) {
			t.Errorf("%s: the answer verifies for another request's nonce", name)
		}
		if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("%s: Content-Length %s for %d bytes", name, got, rec.Body.Len())
		}
	}
}

// /metrics is not on the API's handler; MetricsHandler serves it.
func TestMetricsOffTheAPI(t *testing.T) {
	s, _ := wireServer(engine.Options{})
	if rec := serve(s.Handler(), httptest.NewRequest("GET", engineapi.PathMetrics, nil)); rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics on the API: %d, want 404", rec.Code)
	}
	rec := serve(s.MetricsHandler(), httptest.NewRequest("GET", engineapi.PathMetrics, nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "enrolldesk_engine_requests_total") {
		t.Errorf("MetricsHandler: %d", rec.Code)
	}
}

// A device over its allowance gets 429 with Retry-After in whole seconds;
// a stranger naming it does not spend it.
func TestRateLimitPerDevice(t *testing.T) {
	s, _ := wireServer(engine.Options{RatePerMinute: 3})
	for range 5 {
		serve(s.Handler(), signed(engineapi.PathPull, "KD-MOCK", seeded(7), `{"after":0}`)) // bad signatures: not counted
	}
	for i := range 3 {
		if rec := serve(s.Handler(), signed(engineapi.PathPull, "KD-MOCK", seeded(1), `{"after":0}`)); rec.Code != 200 {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := serve(s.Handler(), signed(engineapi.PathPull, "KD-MOCK", seeded(1), `{"after":0}`))
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if rec.Code != http.StatusTooManyRequests || err != nil || secs < 1 || !strings.Contains(rec.Body.String(), engineapi.ReasonRateLimited) {
		t.Errorf("the fourth request: %d, Retry-After %q, %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	// Another device has its own allowance.
	s2, store := wireServer(engine.Options{RatePerMinute: 3})
	store.devices["KD-TWO"] = engineapi.Device{ID: "KD-TWO", PublicKey: seeded(3).Public().(ed25519.PublicKey)}
	for range 3 {
		serve(s2.Handler(), signed(engineapi.PathPull, "KD-MOCK", seeded(1), `{"after":0}`))
	}
	if rec := serve(s2.Handler(), signed(engineapi.PathPull, "KD-TWO", seeded(3), `{"after":0}`)); rec.Code != 200 {
		t.Errorf("another device: %d", rec.Code)
	}
}

// A pushed application must carry its device's prefix; one without any
// prefix passes only if the kiosk took it before it was enrolled.
func TestPushRegNoPrefix(t *testing.T) {
	s, store := wireServer(engine.Options{})
	registered := now.Add(-24 * time.Hour)
	store.devices["KD-P"] = engineapi.Device{ID: "KD-P", PublicKey: seeded(4).Public().(ed25519.PublicKey), RegPrefix: 4711, RegisteredAt: registered}
	var stored []engineapi.Intake
	store.IngestFn = func(_ context.Context, _ string, items []engineapi.Intake, _ time.Time) ([]engineapi.ItemResult, error) {
		stored = items
		out := make([]engineapi.ItemResult, len(items))
		for i, it := range items {
			out[i] = engineapi.ItemResult{ID: it.Claim.ID, Outcome: engineapi.ItemAccepted}
			if it.Refused != nil {
				out[i] = *it.Refused
			}
		}
		return out, nil
	}
	own, _ := core.PrefixedRegNo(4711, 1)
	other, _ := core.PrefixedRegNo(4712, 1)
	app := func(id, reg string, created time.Time) string {
		return `{"id":"` + id + `","reg_no":"` + reg + `","stage":"primary","state":"submitted","child":{"id":"370102201903070012"},"created_at":"` + created.Format(time.RFC3339) + `"}`
	}
	body := `{"applications":[` + app("a-own", own, now) + `,` + app("a-other", other, now) + `,` +
		app("a-before", "0123-4567-8901", registered.Add(-time.Hour)) + `,` + app("a-after", "0123-4567-8902", now.Add(engineapi.MaxSkew)) + `]}`
	rec := serve(s.Handler(), signed(engineapi.PathPush, "KD-P", seeded(4), body))
	if rec.Code != 200 || len(stored) != 4 {
		t.Fatalf("push: %d %s", rec.Code, rec.Body)
	}
	for i, want := range []bool{false, true, false, true} {
		refused := stored[i].Refused != nil && stored[i].Refused.Code == engineapi.ReasonBadRegNo
		if refused != want {
			t.Errorf("item %d (%s): refused for its number = %v, want %v (%+v)", i, stored[i].Claim.RegNo, refused, want, stored[i].Refused)
		}
	}
}

// The work of a refusal does not depend on whether the device exists:
// requests for an unknown device and for a known one with a bad signature
// are built beforehand and served alternately, so both see the same
// machine; the two mean times are reported side by side (ns/op is their
// sum) with their ratio.
func BenchmarkRefusal(b *testing.B) {
	s, _ := wireServer(engine.Options{RatePerMinute: -1})
	h := s.Handler()
	stranger := seeded(7)
	unknown := make([]*http.Request, b.N)
	known := make([]*http.Request, b.N)
	for i := range b.N {
		unknown[i] = signed(engineapi.PathPull, "KD-NOBODY", stranger, `{"after":0}`)
		known[i] = signed(engineapi.PathPull, "KD-MOCK", stranger, `{"after":0}`)
	}
	var tu, tk time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if rec := serve(h, unknown[i]); rec.Code != http.StatusUnauthorized {
			b.Fatal(rec.Code)
		}
		t1 := time.Now()
		if rec := serve(h, known[i]); rec.Code != http.StatusUnauthorized {
			b.Fatal(rec.Code)
		}
		tu, tk = tu+t1.Sub(t0), tk+time.Since(t1)
	}
	b.ReportMetric(float64(tu.Nanoseconds())/float64(b.N), "unknown-ns")
	b.ReportMetric(float64(tk.Nanoseconds())/float64(b.N), "known-bad-sig-ns")
	b.ReportMetric(float64(tk)/float64(tu), "known/unknown")
}
