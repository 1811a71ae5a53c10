package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

// Every way a request can fail to prove who sent it is refused with the
// status and reason a kiosk acts on.
func TestEngineRefusesUnauthenticated(t *testing.T) {
	r := newEngineRig(t)
	k := r.kiosk("大厅1号")
	revoked := r.kiosk("大厅2号")
	if err := r.e.Store().RevokeDevice(context.Background(), revoked.id, engineNow); err != nil {
		t.Fatal(err)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	pendingID, _, err := r.e.AddDevice(context.Background(), "未注册")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"after":0}`)
	path := engineapi.PathPull
	signed := func(b []byte, at time.Time) func(*http.Request) { return k.signer(path, b, at) }
	cases := []struct {
		name   string
		body   []byte
		edit   func(*http.Request)
		status int
		reason string
	}{
		{"Unsigned", body, nil, 401, engineapi.ReasonUnsigned},
		{"NoNonce", body, withEdit(signed(body, engineNow), func(q *http.Request) { q.Header.Del(engineapi.HeaderNonce) }), 401, engineapi.ReasonUnsigned},
		{"BadTimestamp", body, withEdit(signed(body, engineNow), func(q *http.Request) { q.Header.Set(engineapi.HeaderTimestamp, "soon") }), 401, engineapi.ReasonUnsigned},
		{"TamperedBody", []byte(`{"after":1}`), signed(body, engineNow), 401, engineapi.ReasonBadSignature},
		{"OtherPath", body, k.signer(engineapi.PathLookup, body, engineNow), 401, engineapi.ReasonBadSignature},
		{"OtherKey", body, withEdit(signed(body, engineNow), func(q *http.Request) {
			q.Header.Set(engineapi.HeaderSignature, engineapi.Sign(stranger, "POST", path, k.id, body,
				engineNow.Unix(), q.Header.Get(engineapi.HeaderNonce)))
		}), 401, engineapi.ReasonBadSignature},
		{"SignatureGarbage", body, withEdit(signed(body, engineNow), func(q *http.Request) { q.Header.Set(engineapi.HeaderSignature, "%%%") }), 401, engineapi.ReasonBadSignature},
		{"SixMinutesOld", body, signed(body, engineNow.Add(-6*time.Minute)), 401, engineapi.ReasonClockSkew},
		{"SixMinutesAhead", body, signed(body, engineNow.Add(6*time.Minute)), 401, engineapi.ReasonClockSkew},
		{"RevokedDevice", body, revoked.signer(path, body, engineNow), 403, engineapi.ReasonRevoked},
		{"UnknownDevice", body, withEdit(signed(body, engineNow), func(q *http.Request) { q.Header.Set(engineapi.HeaderDevice, "KD-NOBODY") }), 401, engineapi.ReasonBadSignature},
		{"PendingDevice", body, withEdit(signed(body, engineNow), func(q *http.Request) { q.Header.Set(engineapi.HeaderDevice, pendingID) }), 401, engineapi.ReasonBadSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, resp := r.post(path, c.body, c.edit)
			if e := engineError(t, resp); st != c.status || e.Reason != c.reason || e.Message == "" {
				t.Errorf("got %d %+v, want %d %s", st, e, c.status, c.reason)
			}
		})
	}
	t.Run("Replay", func(t *testing.T) {
		replay := signed(body, engineNow.Add(-4*time.Minute))
		if st, resp := r.post(path, body, replay); st != 200 {
			t.Fatalf("first use: %d %s", st, resp)
		}
		st, resp := r.post(path, body, replay)
		if e := engineError(t, resp); st != 401 || e.Reason != engineapi.ReasonReplay {
			t.Errorf("replayed: %d %+v, want 401 replay", st, e)
		}
	})
}

func withEdit(a, b func(*http.Request)) func(*http.Request) {
	return func(q *http.Request) { a(q); b(q) }
}

func TestEngineRegisterRefusesBadCodes(t *testing.T) {
	r := newEngineRig(t)
	id, code, err := r.e.AddDevice(context.Background(), "大厅3号")
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if st, resp := r.post(engineapi.PathRegister, engineRegisterBody(code, key), nil); st != 200 || !strings.Contains(string(resp), id) {
		t.Fatalf("first use: %d %s", st, resp)
	}
	if st, resp := r.post(engineapi.PathRegister, engineRegisterBody(code, key), nil); st != 200 {
		t.Errorf("the same kiosk retrying: %d %s, want 200", st, resp)
	}
	cases := []struct {
		name   string
		body   []byte
		status int
		reason string
	}{
		{"UsedCodeOtherKey", engineRegisterBody(code, other), 403, engineapi.ReasonBadCode},
		{"UnknownCode", engineRegisterBody("AAAA-BBBB-CCCC-DDDD", other), 403, engineapi.ReasonBadCode},
		{"NoKey", []byte(`{"code":"AAAA"}`), 400, engineapi.ReasonBadRequest},
		{"ShortKey", []byte(`{"code":"AAAA","public_key":"AAAA"}`), 400, engineapi.ReasonBadRequest},
		{"Malformed", []byte(`{"code":`), 400, engineapi.ReasonMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, resp := r.post(engineapi.PathRegister, c.body, nil)
			if e := engineError(t, resp); st != c.status || e.Reason != c.reason {
				t.Errorf("got %d %+v, want %d %s", st, e, c.status, c.reason)
			}
		})
	}
	d, err := r.e.Store().Device(context.Background(), id)
	if err != nil || !d.PublicKey.Equal(key.Public()) {
		t.Errorf("the device's key changed: %v", err)
	}
}

// chunkedReader hides a reader's length so the request is sent chunked.
type chunkedReader struct{ io.Reader }

// Nothing a client sends gets a 5xx: each malformed or oversized request
// is a 4xx with a reason.
func TestEngineRefusesMalformed(t *testing.T) {
	r := newEngineRig(t)
	k := r.kiosk("大厅1号")
	big := bytes.Repeat([]byte("x"), 5<<20)
	batch501 := engineapi.PushRequest{}
	for i := range 501 {
		batch501.Applications = append(batch501.Applications, storetest.App(i))
	}
	b501, _ := json.Marshal(batch501)
	app := storetest.App(1)
	appJSON, _ := json.Marshal(app)
	unknownNested := strings.Replace(string(appJSON), `"reg_no"`, `"regno_typo":1,"reg_no"`, 1)
	cases := []struct {
		name, method, path string
		body               []byte
		chunked            bool
		status             int
		reason             string
	}{
		{"BadJSON", "POST", engineapi.PathPush, []byte(`{"applications": [`), false, 400, engineapi.ReasonMalformed},
		{"UnknownField", "POST", engineapi.PathPush, []byte(`{"applications": [], "priority": 1}`), false, 400, engineapi.ReasonMalformed},
		{"UnknownNestedField", "POST", engineapi.PathPush, []byte(`{"applications":[` + unknownNested + `]}`), false, 400, engineapi.ReasonMalformed},
		{"TrailingGarbage", "POST", engineapi.PathPush, []byte(`{"applications": []} trailing`), false, 400, engineapi.ReasonMalformed},
		{"TwoObjects", "POST", engineapi.PathPull, []byte(`{"after": 0}{"after": 1}`), false, 400, engineapi.ReasonMalformed},
		{"FiveMB", "POST", engineapi.PathPush, big, false, 413, engineapi.ReasonTooLarge},
		{"FiveMBChunked", "POST", engineapi.PathPush, big, true, 413, engineapi.ReasonTooLarge},
		{"Batch501", "POST", engineapi.PathPush, b501, false, 400, engineapi.ReasonBadRequest},
		{"WrongMethod", "GET", engineapi.PathPush, nil, false, 405, engineapi.ReasonMethod},
		{"WrongMethodHealth", "POST", engineapi.PathHealth, nil, false, 405, engineapi.ReasonMethod},
		{"UnknownPath", "POST", "/v1/applications/delete", []byte(`{}`), false, 404, engineapi.ReasonNotFound},
		{"UnknownVersion", "POST", "/v2/applications/push", []byte(`{}`), false, 404, engineapi.ReasonNotFound},
		{"EmptyBody", "POST", engineapi.PathPush, nil, false, 400, engineapi.ReasonMalformed},
		{"JSONNull", "POST", engineapi.PathPush, []byte(`null`), false, 400, engineapi.ReasonMalformed},
		{"JSONArray", "POST", engineapi.PathPush, []byte(`[]`), false, 400, engineapi.ReasonMalformed},
		{"HugeNumber", "POST", engineapi.PathPull, []byte(`{"after": 1e999}`), false, 400, engineapi.ReasonMalformed},
		{"HugeInteger", "POST", engineapi.PathPull, []byte(`{"after": 123456789012345678901234567890}`), false, 400, engineapi.ReasonMalformed},
		{"NegativeCursor", "POST", engineapi.PathPull, []byte(`{"after": -5}`), false, 400, engineapi.ReasonBadRequest},
		{"WrongType", "POST", engineapi.PathPull, []byte(`{"after": "0"}`), false, 400, engineapi.ReasonMalformed},
		{"BadTime", "POST", engineapi.PathPush, []byte(`{"applications":[{"created_at":"yesterday"}]}`), false, 400, engineapi.ReasonMalformed},
		{"InvalidUTF8", "POST", engineapi.PathPush, []byte("{\"applications\":[{\"id\":\"\xff\xfe\"}]}"), false, 400, engineapi.ReasonMalformed},
		{"DeepNesting", "POST", engineapi.PathPull, []byte(`{"after":` + strings.Repeat("[", 20000) + `}`), false, 400, engineapi.ReasonMalformed},
		{"LookupBadID", "POST", engineapi.PathLookup, []byte(`{"guardian":"12345","child":"1","stage":"primary"}`), false, 400, core.EIDLength},
		{"LookupBadStage", "POST", engineapi.PathLookup, []byte(`{"guardian":"12345","child":"1","stage":"college"}`), false, 400, core.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(c.body)
			if c.chunked {
				body = chunkedReader{body}
			}
			st, resp := r.send(c.method, c.path, body, k.signer(c.path, c.body, engineNow))
			if e := engineError(t, resp); st != c.status || e.Reason != c.reason {
				t.Errorf("got %d %+v, want %d %s", st, e, c.status, c.reason)
			}
		})
	}
}

func TestEngineIngestIdempotent(t *testing.T) {
	r := newEngineRig(t)
	a, b := r.kiosk("大厅1号"), r.kiosk("大厅2号")
	batch := engineapi.PushRequest{Applications: []core.Application{storetest.App(1), storetest.App(2), storetest.App(3)}}
	outcomes := func(k *testKiosk, req engineapi.PushRequest) []string {
		t.Helper()
		var out engineapi.PushResponse
		if st, resp := k.call(engineapi.PathPush, req, &out); st != 200 {
			t.Fatalf("push: %d %s", st, resp)
		}
		var got []string
		for i, res := range out.Results {
			if res.ID != req.Applications[i].ID {
				t.Fatalf("result %d is for %s, want %s", i, res.ID, req.Applications[i].ID)
			}
			got = append(got, res.Outcome)
		}
		return got
	}
	if got := outcomes(a, batch); !reflect.DeepEqual(got, []string{"accepted", "accepted", "accepted"}) {
		t.Fatalf("first push: %v", got)
	}
	if got := outcomes(a, batch); !reflect.DeepEqual(got, []string{"duplicate", "duplicate", "duplicate"}) {
		t.Fatalf("same batch again: %v", got)
	}
	again := storetest.App(2) // the same child applied for at another kiosk
	var out engineapi.PushResponse
	b.call(engineapi.PathPush, engineapi.PushRequest{Applications: []core.Application{again}}, &out)
	if res := out.Results[0]; res.Outcome != engineapi.ItemConflict || !strings.Contains(res.Reason, batch.Applications[1].RegNo) {
		t.Fatalf("same child from another kiosk: %+v", res)
	}
	cs, err := r.e.Store().Conflicts(context.Background())
	if err != nil || len(cs) != 1 || cs[0].DeviceID != b.id || cs[0].KeptID != batch.Applications[1].ID {
		t.Fatalf("conflicts for staff: %+v, %v", cs, err)
	}
}

func TestEnginePullCursorAndApproval(t *testing.T) {
	r := newEngineRig(t)
	k, other := r.kiosk("大厅1号"), r.kiosk("大厅2号")
	var apps []core.Application
	for i := range 5 {
		apps = append(apps, storetest.App(100+i))
	}
	k.call(engineapi.PathPush, engineapi.PushRequest{Applications: apps}, nil)
	other.call(engineapi.PathPush, engineapi.PushRequest{Applications: []core.Application{storetest.App(200)}}, nil)
	pull := func(after int64, limit int) engineapi.PullResponse {
		t.Helper()
		var out engineapi.PullResponse
		if st, resp := k.call(engineapi.PathPull, engineapi.PullRequest{After: after, Limit: limit}, &out); st != 200 {
			t.Fatalf("pull: %d %s", st, resp)
		}
		return out
	}
	p1 := pull(0, 3)
	p2 := pull(p1.Next, 3)
	p3 := pull(p2.Next, 3)
	if len(p1.Changes) != 3 || len(p2.Changes) != 2 || len(p3.Changes) != 0 || p3.Next != p2.Next {
		t.Fatalf("pages %d, %d, %d (next %d, %d); want 3, 2, 0 and a cursor that stays", len(p1.Changes), len(p2.Changes), len(p3.Changes), p2.Next, p3.Next)
	}
	seen := map[string]bool{}
	for _, c := range append(p1.Changes, p2.Changes...) {
		seen[c.AppID] = true
	}
	for _, a := range apps {
		if !seen[a.ID] {
			t.Errorf("no change pulled for %s", a.ID)
		}
	}
	if _, err := r.e.Store().SetState(context.Background(), apps[2].ID, core.StateApproved, "staff:李老师", "", engineNow); err != nil {
		t.Fatal(err)
	}
	p4 := pull(p3.Next, 0)
	if len(p4.Changes) != 1 || p4.Changes[0].AppID != apps[2].ID || p4.Changes[0].State != core.StateApproved || p4.Changes[0].RegNo != apps[2].RegNo {
		t.Fatalf("after approval: %+v", p4)
	}
}

// A kiosk without department data gets the same answer over the network
// as one that looks up locally.
func TestEngineLookupMatchesLocal(t *testing.T) {
	r := newEngineRig(t)
	k := r.kiosk("大厅1号")
	city, err := sqlite.Open(engineCityPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer city.Close()
	personas, err := city.City().Personas(context.Background())
	if err != nil || len(personas) == 0 {
		t.Fatalf("personas: %d, %v", len(personas), err)
	}
	policy, err := policyfile.Default()
	if err != nil {
		t.Fatal(err)
	}
	local := &core.Registrar{Sources: core.SourcesOf(city.City()), Policy: policy, Now: func() time.Time { return engineNow }}
	for _, p := range personas {
		t.Run(p.Key, func(t *testing.T) {
			want, err := local.Lookup(context.Background(), string(p.GuardianID), string(p.ChildID), p.Stage)
			if err != nil {
				t.Fatal(err)
			}
			var got engineapi.LookupResponse
			req := engineapi.LookupRequest{Guardian: string(p.GuardianID), Child: string(p.ChildID), Stage: p.Stage}
			if st, resp := k.call(engineapi.PathLookup, req, &got); st != 200 {
				t.Fatalf("lookup: %d %s", st, resp)
			}
			wantJSON, _ := json.Marshal(engineapi.LookupResponse{Decision: want.Decision, Application: want.Application})
			gotJSON, _ := json.Marshal(got)
			if !bytes.Equal(wantJSON, gotJSON) {
				t.Errorf("over HTTP:\n%s\nlocally:\n%s", gotJSON, wantJSON)
			}
		})
	}
	t.Run("InvalidID", func(t *testing.T) {
		bad := string(personas[0].ChildID[:17]) + "0"
		if bad == string(personas[0].ChildID) {
			bad = string(personas[0].ChildID[:17]) + "1"
		}
		_, wantErr := local.Lookup(context.Background(), string(personas[0].GuardianID), bad, core.Primary)
		st, resp := k.call(engineapi.PathLookup, engineapi.LookupRequest{Guardian: string(personas[0].GuardianID), Child: bad, Stage: core.Primary}, nil)
		e := engineError(t, resp)
		if st != 400 || e.Reason != core.ErrorCode(wantErr) || e.Message != core.ErrorMessage(wantErr) {
			t.Errorf("got %d %+v, want 400 %s %q", st, e, core.ErrorCode(wantErr), core.ErrorMessage(wantErr))
		}
	})
}

func TestEngineProbesAndMetrics(t *testing.T) {
	r := newEngineRig(t)
	k := r.kiosk("大厅1号")
	k.call(engineapi.PathPush, engineapi.PushRequest{Applications: []core.Application{storetest.App(1)}}, nil)
	r.post(engineapi.PathPull, []byte(`{}`), nil) // unsigned
	if st, body := r.send("GET", engineapi.PathHealth, nil, nil); st != 200 || !strings.Contains(string(body), "ok") {
		t.Fatalf("healthz: %d %s", st, body)
	}
	if st, _ := r.send("GET", engineapi.PathMetrics, nil, nil); st != http.StatusNotFound {
		t.Errorf("/metrics on the API listener: %d, want 404 (it has its own listener)", st)
	}
	rec := httptest.NewRecorder()
	r.e.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", engineapi.PathMetrics, nil))
	st, body := rec.Code, rec.Body.Bytes()
	for _, want := range []string{
		`enrolldesk_engine_requests_total{outcome="ok",path="/v1/applications/push"} 1`,
		`enrolldesk_engine_requests_total{outcome="unsigned",path="/v1/status/pull"} 1`,
		`enrolldesk_engine_ingest_items_total{outcome="accepted"} 1`,
		`enrolldesk_engine_request_duration_seconds_bucket{outcome="ok",path="/v1/devices/register",le="+Inf"} 1`,
	} {
		if st != 200 || !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Ten kiosks push an application for the same child at the same moment:
// one is kept, nine are conflicts naming it.
func TestEngineConcurrentSameChildKeptOnce(t *testing.T) {
	r := newEngineRig(t)
	var kiosks []*testKiosk
	for i := range 10 {
		kiosks = append(kiosks, r.kiosk("大厅"+string(rune('A'+i))))
	}
	results := make([]engineapi.ItemResult, len(kiosks))
	var wg sync.WaitGroup
	for i, k := range kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out engineapi.PushResponse
			if st, resp := k.call(engineapi.PathPush, engineapi.PushRequest{Applications: []core.Application{storetest.App(42)}}, &out); st != 200 {
				t.Errorf("push: %d %s", st, resp)
				return
			}
			results[i] = out.Results[0]
		}()
	}
	wg.Wait()
	var kept string
	for _, res := range results {
		if res.Outcome == engineapi.ItemAccepted {
			if kept != "" {
				t.Fatal("two applications kept for one child")
			}
			kept = res.ID
		}
	}
	app, err := r.e.Store().Application(context.Background(), kept)
	if err != nil {
		t.Fatalf("kept application: %v", err)
	}
	for _, res := range results {
		if res.ID != kept && (res.Outcome != engineapi.ItemConflict || !strings.Contains(res.Reason, app.RegNo)) {
			t.Errorf("%+v, want a conflict naming %s", res, app.RegNo)
		}
	}
	if cs, err := r.e.Store().Conflicts(context.Background()); err != nil || len(cs) != 9 {
		t.Errorf("conflicts: %d, %v; want 9", len(cs), err)
	}
}
