package syncer_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"enrolldesk/app/syncer"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// fakeEngine is an engine on httptest that keeps to the wire contract:
// it checks every signature, refuses replayed nonces, deduplicates by
// application ID and flags a second application for a child as a conflict.
// Its knobs make it fail the way a real one can.
type fakeEngine struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	pub      ed25519.PublicKey
	nonces   map[string]bool
	apps     map[string]core.Application // by ID
	children map[string]string           // child ID → application ID
	stored   int                         // accepted pushes of an application
	pushes   int                         // push requests answered (any status)
	changes  []engineapi.StatusChange

	down    int    // answer the next down requests with 503
	poison  string // a push containing this application ID is refused whole (400)
	all400  bool   // refuse every push whole
	revoked bool   // refuse the device (403)
	drop    map[string]bool
}

const testCode = "ENROLL-1"
const testDevice = "DEV-1"

func newFakeEngine(t *testing.T) *fakeEngine {
	e := &fakeEngine{t: t, nonces: map[string]bool{}, apps: map[string]core.Application{}, children: map[string]string{},
		drop: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+engineapi.PathRegister, e.register)
	mux.HandleFunc("POST "+engineapi.PathPush, e.signed(e.push))
	mux.HandleFunc("POST "+engineapi.PathPull, e.signed(e.pull))
	mux.HandleFunc("POST "+engineapi.PathLookup, e.signed(e.lookup))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the test sees a broken answer as a failure anyway
}

func refuse(w http.ResponseWriter, status int, reason, msg string) {
	answer(w, status, engineapi.Error{Reason: reason, Message: msg})
}

func (e *fakeEngine) register(w http.ResponseWriter, r *http.Request) {
	var req engineapi.RegisterRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		refuse(w, 400, engineapi.ReasonMalformed, err.Error())
		return
	}
	pub, err := base64.RawURLEncoding.DecodeString(req.PublicKey)
	if req.Code != testCode || err != nil || len(pub) != ed25519.PublicKeySize {
		refuse(w, 403, engineapi.ReasonBadCode, "enrollment code unknown")
		return
	}
	e.mu.Lock()
	e.pub = pub
	e.mu.Unlock()
	answer(w, 200, engineapi.RegisterResponse{DeviceID: testDevice})
}

// signed checks a request's signature headers as the engine must.
func (e *fakeEngine) signed(next func(http.ResponseWriter, []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			refuse(w, 400, engineapi.ReasonMalformed, "")
			return
		}
		h := r.Header
		ts, err := strconv.ParseInt(h.Get(engineapi.HeaderTimestamp), 10, 64)
		e.mu.Lock()
		defer e.mu.Unlock()
		switch {
		case h.Get(engineapi.HeaderSignature) == "" || err != nil:
			refuse(w, 401, engineapi.ReasonUnsigned, "")
		case h.Get(engineapi.HeaderDevice) != testDevice || e.pub == nil:
			refuse(w, 401, engineapi.ReasonUnknownDevice, "")
		case !engineapi.Verify(e.pub, r.Method, r.URL.Path, body, ts, h.Get(engineapi.HeaderNonce), h.Get(engineapi.HeaderSignature)):
			refuse(w, 401, engineapi.ReasonBadSignature, "")
		case time.Since(time.Unix(ts, 0)).Abs() > engineapi.MaxSkew:
			refuse(w, 401, engineapi.ReasonClockSkew, "")
		case len(h.Get(engineapi.HeaderNonce)) < 16 || e.nonces[h.Get(engineapi.HeaderNonce)]:
			refuse(w, 401, engineapi.ReasonReplay, "")
		case e.revoked:
			e.nonces[h.Get(engineapi.HeaderNonce)] = true
			refuse(w, 403, engineapi.ReasonRevoked, "设备已停用")
		default:
			e.nonces[h.Get(engineapi.HeaderNonce)] = true
			next(w, body)
		}
	}
}

func (e *fakeEngine) push(w http.ResponseWriter, body []byte) {
	e.pushes++
	var req engineapi.PushRequest
	if err := json.Unmarshal(body, &req); err != nil {
		refuse(w, 400, engineapi.ReasonMalformed, "not a push")
		return
	}
	if e.down > 0 {
		e.down--
		refuse(w, 503, "unavailable", "")
		return
	}
	if e.all400 {
		refuse(w, 400, engineapi.ReasonBadRequest, "schema mismatch")
		return
	}
	for _, a := range req.Applications {
		if a.ID == e.poison {
			refuse(w, 400, engineapi.ReasonMalformed, "application "+a.ID+" cannot be read")
			return
		}
	}
	var res engineapi.PushResponse
	for _, a := range req.Applications {
		r := engineapi.ItemResult{ID: a.ID}
		switch other, seen := e.children[string(a.Child.ID)]; {
		case e.drop[a.ID]:
			continue
		case a.Phone == "reject":
			r.Outcome, r.Reason = engineapi.ItemRejected, "手机号无效"
		case e.apps[a.ID].ID != "":
			r.Outcome, r.State = engineapi.ItemDuplicate, core.StateReceived
		case seen && other != a.ID:
			r.Outcome, r.Reason = engineapi.ItemConflict, "孩子已在其他报名点报名"
		default:
			e.apps[a.ID], e.children[string(a.Child.ID)] = a, a.ID
			e.stored++
			r.Outcome, r.State = engineapi.ItemAccepted, core.StateReceived
			e.changes = append(e.changes, engineapi.StatusChange{Seq: int64(len(e.changes) + 1), AppID: a.ID, State: core.StateReceived})
		}
		res.Results = append(res.Results, r)
	}
	answer(w, 200, res)
}

func (e *fakeEngine) pull(w http.ResponseWriter, body []byte) {
	var req engineapi.PullRequest
	if err := json.Unmarshal(body, &req); err != nil {
		refuse(w, 400, engineapi.ReasonMalformed, "")
		return
	}
	resp := engineapi.PullResponse{Next: req.After, Changes: []engineapi.StatusChange{}}
	for _, c := range e.changes {
		if c.Seq > req.After && (req.Limit == 0 || len(resp.Changes) < req.Limit) {
			resp.Changes = append(resp.Changes, c)
			resp.Next = c.Seq
		}
	}
	answer(w, 200, resp)
}

func (e *fakeEngine) lookup(w http.ResponseWriter, body []byte) {
	var req engineapi.LookupRequest
	if err := json.Unmarshal(body, &req); err != nil {
		refuse(w, 400, engineapi.ReasonMalformed, "")
		return
	}
	if req.Guardian == "bad" {
		refuse(w, 400, core.EINVALID, "监护人：身份证号码应为18位，您输入了3位。")
		return
	}
	if req.Guardian == "flood" {
		w.Header().Set("Retry-After", "2")
		refuse(w, 429, engineapi.ReasonRateLimited, "查询太频繁：每分钟最多查询60次。请2秒后再试。")
		return
	}
	answer(w, 200, engineapi.LookupResponse{Decision: core.Decision{Eligible: true, CategoryName: "房户一致"},
		Application: core.Application{Stage: req.Stage, State: core.StateDraft, Child: core.Child{Name: "王小明"}}})
}

// set changes the engine's knobs under its lock.
func (e *fakeEngine) set(f func(e *fakeEngine)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(e)
}

func (e *fakeEngine) count() (stored, pushes int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stored, e.pushes
}

// memOutbox is an in-memory Outbox with the sqlite store's semantics.
type memOutbox struct {
	mu      sync.Mutex
	seq     int64
	rows    map[string]*memRow
	synced  map[string]engineapi.ItemResult
	dead    map[string]string
	states  map[string]core.State
	cursor  int64
	lastRun time.Time
}

type memRow struct {
	seq      int64
	app      core.Application
	attempts int
	next     time.Time
	lastErr  string
}

var _ syncer.Outbox = (*memOutbox)(nil)

func newMemOutbox() *memOutbox {
	return &memOutbox{rows: map[string]*memRow{}, synced: map[string]engineapi.ItemResult{}, dead: map[string]string{},
		states: map[string]core.State{}}
}

func (o *memOutbox) add(apps ...core.Application) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, a := range apps {
		o.seq++
		o.rows[a.ID] = &memRow{seq: o.seq, app: a}
	}
}

func (o *memOutbox) Due(_ context.Context, now time.Time, horizon time.Duration, limit int) ([]syncer.Item, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var rows []*memRow
	for _, r := range o.rows {
		if !r.next.After(now) || r.next.After(now.Add(horizon)) {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b *memRow) int { return int(a.seq - b.seq) })
	var out []syncer.Item
	for _, r := range rows[:min(limit, len(rows))] {
		out = append(out, syncer.Item{App: r.app, Attempts: r.attempts})
	}
	return out, nil
}

func (o *memOutbox) NextOutboxAttempt(context.Context) (time.Time, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var next time.Time
	for _, r := range o.rows {
		if next.IsZero() || r.next.Before(next) {
			next = r.next
		}
	}
	return next, len(o.rows) > 0, nil
}

func (o *memOutbox) MarkSynced(_ context.Context, results []engineapi.ItemResult, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range results {
		if r.Outcome == engineapi.ItemRejected {
			return fmt.Errorf("rejected is not synced")
		}
		delete(o.rows, r.ID)
		o.synced[r.ID] = r
	}
	o.lastRun = at
	return nil
}

func (o *memOutbox) MarkFailed(_ context.Context, ids []string, next func(int) time.Time, msg string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, id := range ids {
		if r := o.rows[id]; r != nil {
			r.attempts++
			r.next, r.lastErr = next(r.attempts), msg
		}
	}
	return nil
}

func (o *memOutbox) DeadLetter(_ context.Context, refused []engineapi.ItemResult, _ time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range refused {
		if o.rows[r.ID] != nil {
			delete(o.rows, r.ID)
			o.dead[r.ID] = r.Reason
		}
	}
	return nil
}

func (o *memOutbox) PullCursor(context.Context) (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cursor, nil
}

func (o *memOutbox) ApplyStatusChanges(_ context.Context, changes []engineapi.StatusChange, next int64, at time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range changes {
		o.states[c.AppID] = c.State
	}
	o.cursor, o.lastRun = next, at
	return nil
}

func (o *memOutbox) counts() (queued, synced, dead int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.rows), len(o.synced), len(o.dead)
}

func (o *memOutbox) outcome(id string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.synced[id].Outcome
}

func (o *memOutbox) row(id string) memRow {
	o.mu.Lock()
	defer o.mu.Unlock()
	if r := o.rows[id]; r != nil {
		return *r
	}
	return memRow{}
}

// application makes a submitted application for the i-th child.
func application(i int) core.Application {
	id := core.NewApplicationID()
	at := time.Date(2027, 6, 15, 9, 0, 0, 0, time.UTC)
	return core.Application{ID: id, RegNo: core.RegNo(id, core.Primary, at), Stage: core.Primary, State: core.StateSubmitted,
		Child:   core.Child{ID: core.MakeResidentID("370811", time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/900), i%900+1)},
		KioskID: "K1", CreatedAt: at, Phone: "13805371234"}
}

func applications(n int) []core.Application {
	out := make([]core.Application, n)
	for i := range out {
		out[i] = application(i)
	}
	return out
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
