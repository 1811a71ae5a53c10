package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/engine"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

// testActorHeader carries the acting staff member as JSON: the tests'
// StaffAuth, standing in for the session code.
const testActorHeader = "X-Test-Actor"

func testStaffAuth(r *http.Request) (engineapi.Actor, *engine.RequestError) {
	var a engineapi.Actor
	h := r.Header.Get(testActorHeader)
	if h == "" || json.Unmarshal([]byte(h), &a) != nil {
		return a, &engine.RequestError{Status: http.StatusUnauthorized, Reason: engineapi.ReasonNoSession, Message: "sign in"}
	}
	return a, nil
}

// auditRecorder (audit_lookup_test.go) keeps what it is given.

type reviewHTTP struct {
	t     *testing.T
	store *sqlite.EngineStore
	dev   string
	h     http.Handler
	audit *auditRecorder
	n     int
}

func newReviewHTTP(t *testing.T, withReview bool) *reviewHTTP {
	t.Helper()
	db, err := sqlite.Open(sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := db.EngineStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.SetReviewPolicy(&core.Policy{ReviewDays: 10, Notice: core.Notice{Counter: "12号窗口", Hotline: "0537-2968123"}})
	rec := &auditRecorder{}
	opt := engine.Options{Now: func() time.Time { return storetest.T0.Add(time.Hour) }, StaffAuth: testStaffAuth, Audit: rec}
	if withReview {
		opt.Review = st
	}
	srv := engine.New(st, nil, opt)
	return &reviewHTTP{t: t, store: st, dev: storetest.MustDevice(t, st, 1), h: srv.Handler(), audit: rec}
}

// add ingests an application of school, needing review or verified.
func (r *reviewHTTP) add(school string, needsReview bool, child core.ResidentID) string {
	r.t.Helper()
	r.n++
	a := storetest.App(r.n)
	if child != "" {
		a.Child.ID = child
	}
	a.Guardians[0].ID = core.MakeResidentID("370102", time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.n), 11)
	a.Choices = []core.School{{Code: school, Name: "学校" + school, Stage: a.Stage}}
	a.Decision.NeedsReview = needsReview
	a.Decision.Evidence = []core.Evidence{{Source: core.SrcHukou, Status: core.Matched}}
	res, err := r.store.Ingest(context.Background(), r.dev, storetest.Intakes(r.t, r.dev, storetest.T0, a), storetest.T0)
	if err != nil || res[0].Outcome != engineapi.ItemAccepted {
		r.t.Fatalf("ingest: %v %+v", err, res)
	}
	return a.ID
}

// call posts body as who (nil: no session) and decodes the answer into out.
func (r *reviewHTTP) call(who *engineapi.Actor, path string, body any, out any) (int, engineapi.Error) {
	r.t.Helper()
	enc, err := json.Marshal(body)
	if err != nil {
		r.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(enc))
	if who != nil {
		a, _ := json.Marshal(who)
		req.Header.Set(testActorHeader, string(a))
	}
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	var e engineapi.Error
	if w.Code != http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			r.t.Fatalf("%s: %d with a body that is not an error: %s", path, w.Code, w.Body)
		}
		if e.Message == "" {
			r.t.Fatalf("%s: %d %s without a message", path, w.Code, e.Reason)
		}
		return w.Code, e
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			r.t.Fatalf("%s: decode %s: %v", path, w.Body, err)
		}
	}
	return w.Code, e
}

var (
	hReviewer = &engineapi.Actor{ID: "u-rev", Name: "李审核", Role: engineapi.RoleReviewer}
	hHall     = &engineapi.Actor{ID: "u-hall", Name: "大厅", Role: engineapi.RoleHall}
	hAdminS1  = &engineapi.Actor{ID: "u-s1", Name: "一小", Role: engineapi.RoleSchoolAdmin, School: "S1"}
	hBureau   = &engineapi.Actor{ID: "u-bur", Name: "局", Role: engineapi.RoleBureauAdmin}
)

// Every review path checks the role at the HTTP level: hall staff may
// only open an application and read the conflicts; school admins may not
// edit the reason library; no session is 401.
func TestReviewHTTPRoles(t *testing.T) {
	r := newReviewHTTP(t, true)
	id := r.add("S1", true, "")
	bodies := map[string]any{
		engineapi.PathReviewQueue:       engineapi.QueueFilter{},
		engineapi.PathReviewOpen:        engineapi.AppRef{AppID: id},
		engineapi.PathReviewApprove:     engineapi.DecideRequest{AppID: "nope"},
		engineapi.PathReviewReturn:      engineapi.DecideRequest{AppID: "nope"},
		engineapi.PathReviewReject:      engineapi.DecideRequest{AppID: "nope"},
		engineapi.PathReviewBulkApprove: engineapi.QueueFilter{School: "S9"},
		engineapi.PathReviewBulkVerify:  engineapi.QueueFilter{School: "S9"},
		engineapi.PathReviewAssign:      engineapi.AssignRequest{AppID: "nope"},
		engineapi.PathReviewReviewers:   struct{}{},
		engineapi.PathReviewEvidence:    engineapi.EvidenceRequest{AppID: "nope", Source: core.SrcHukou, Status: "verified"},
		engineapi.PathReviewNotes:       engineapi.NoteRequest{AppID: "nope", Text: "x"},
		engineapi.PathReviewFilters:     engineapi.FilterRequest{},
		engineapi.PathReviewReasons:     engineapi.ReasonsRequest{},
		engineapi.PathReviewReasonSave:  engineapi.ReasonSave{ID: "R-T", Kind: "return", Title: "t", Text: "t"},
		engineapi.PathReviewDuplicates:  engineapi.DuplicatesRequest{},
		engineapi.PathReviewResolve:     engineapi.ResolveRequest{SetID: "D-none", Distinct: true},
		engineapi.PathReviewConflicts:   struct{}{},
	}
	hallMay := map[string]bool{engineapi.PathReviewOpen: true, engineapi.PathReviewConflicts: true}
	for path, body := range bodies {
		if code, e := r.call(nil, path, body, nil); code != http.StatusUnauthorized || e.Reason != engineapi.ReasonNoSession {
			t.Errorf("%s without a session: %d %s", path, code, e.Reason)
		}
		code, e := r.call(hHall, path, body, nil)
		if hallMay[path] != (code != http.StatusForbidden) {
			t.Errorf("%s as hall staff: %d %s", path, code, e.Reason)
		}
		code, e = r.call(hAdminS1, path, body, nil)
		if (path == engineapi.PathReviewReasonSave) != (code == http.StatusForbidden) {
			t.Errorf("%s as school admin: %d %s", path, code, e.Reason)
		}
		for _, who := range []*engineapi.Actor{hReviewer, hBureau} {
			if code, e := r.call(who, path, body, nil); code == http.StatusForbidden || code >= 500 {
				t.Errorf("%s as %s: %d %s %s", path, who.Role, code, e.Reason, e.Message)
			}
		}
	}
	// An engine without a review desk says so.
	bare := newReviewHTTP(t, false)
	if code, e := bare.call(hReviewer, engineapi.PathReviewQueue, engineapi.QueueFilter{}, nil); code != http.StatusServiceUnavailable || e.Reason != engineapi.ReasonNoStaffDesk {
		t.Errorf("no review store: %d %s", code, e.Reason)
	}
}

func TestReviewHTTPQueueOpenDecide(t *testing.T) {
	r := newReviewHTTP(t, true)
	s1 := r.add("S1", true, "")
	s2 := r.add("S2", true, "")
	var page engineapi.QueuePage
	if code, e := r.call(hReviewer, engineapi.PathReviewQueue, engineapi.QueueFilter{Limit: 1}, &page); code != 200 {
		t.Fatalf("queue: %d %+v", code, e)
	}
	if page.Total != 2 || len(page.Items) != 1 || page.Next == "" {
		t.Fatalf("first page %+v", page)
	}
	var page2 engineapi.QueuePage
	r.call(hReviewer, engineapi.PathReviewQueue, engineapi.QueueFilter{Limit: 1, Cursor: page.Next}, &page2)
	if len(page2.Items) != 1 || page2.Items[0].AppID == page.Items[0].AppID || page2.Next != "" {
		t.Fatalf("second page %+v", page2)
	}
	if code, e := r.call(hReviewer, engineapi.PathReviewQueue, engineapi.QueueFilter{Limit: 201}, nil); code != 400 || !strings.Contains(e.Message, "200") {
		t.Errorf("limit 201: %d %+v", code, e)
	}
	if code, e := r.call(hReviewer, engineapi.PathReviewQueue, map[string]any{"colour": "red"}, nil); code != 400 || e.Reason != engineapi.ReasonMalformed {
		t.Errorf("unknown field: %d %+v", code, e)
	}

	var d engineapi.Detail
	if code, e := r.call(hReviewer, engineapi.PathReviewOpen, engineapi.AppRef{AppID: s1}, &d); code != 200 {
		t.Fatalf("open: %d %+v", code, e)
	}
	if len(d.Evidence) != 9 || len(d.Actions) != 3 || !strings.Contains(d.App.Child.ID, "********") {
		t.Errorf("detail: %d evidence headings, actions %v, child %q", len(d.Evidence), d.Actions, d.App.Child.ID)
	}
	// No full ID number leaves the engine in a queue page or a detail.
	for _, body := range []any{engineapi.AppRef{AppID: s1}, engineapi.QueueFilter{}} {
		path := engineapi.PathReviewOpen
		if _, ok := body.(engineapi.QueueFilter); ok {
			path = engineapi.PathReviewQueue
		}
		var raw json.RawMessage
		r.call(hReviewer, path, body, &raw)
		a, _ := r.store.Application(context.Background(), s1)
		for _, id := range []core.ResidentID{a.Child.ID, a.Guardians[0].ID} {
			if strings.Contains(string(raw), string(id)) {
				t.Errorf("%s answers a full ID number", path)
			}
		}
	}
	// A school admin: 404 for another school's application, not 403.
	if code, e := r.call(hAdminS1, engineapi.PathReviewOpen, engineapi.AppRef{AppID: s2}, nil); code != http.StatusNotFound {
		t.Errorf("school admin opens another school's: %d %+v", code, e)
	}
	if code, e := r.call(hAdminS1, engineapi.PathReviewApprove, engineapi.DecideRequest{AppID: s2}, nil); code != http.StatusNotFound {
		t.Errorf("school admin approves another school's: %d %+v", code, e)
	}
	// Hall staff may open but are offered no action.
	var hd engineapi.Detail
	r.call(hHall, engineapi.PathReviewOpen, engineapi.AppRef{AppID: s1}, &hd)
	if len(hd.Actions) != 0 {
		t.Errorf("hall staff offered %v", hd.Actions)
	}

	var c engineapi.StatusChange
	if code, e := r.call(hAdminS1, engineapi.PathReviewApprove, engineapi.DecideRequest{AppID: s1, State: core.StateNeedsReview}, &c); code != 200 || c.State != core.StateApproved {
		t.Fatalf("approve: %d %+v %+v", code, e, c)
	}
	if code, e := r.call(hReviewer, engineapi.PathReviewApprove, engineapi.DecideRequest{AppID: s1}, nil); code != http.StatusConflict || !strings.Contains(e.Message, "审核通过") {
		t.Errorf("approve twice: %d %+v", code, e)
	}
	if code, e := r.call(hReviewer, engineapi.PathReviewReturn, engineapi.DecideRequest{AppID: s2}, nil); code != 400 || !strings.Contains(e.Message, "原因") {
		t.Errorf("return without a reason: %d %+v", code, e)
	}
	if code, e := r.call(hReviewer, engineapi.PathReviewReturn, engineapi.DecideRequest{AppID: s2, ReasonID: "R-PROPERTY"}, &c); code != 200 || c.State != core.StateReturned || !strings.Contains(c.Reason, "12号窗口") {
		t.Errorf("return: %d %+v %+v", code, e, c)
	}

	// Searches and opens are noted for the audit log, with masked IDs.
	r.audit.mu.Lock()
	defer r.audit.mu.Unlock()
	var searches, opens int
	for _, ev := range r.audit.events {
		switch ev.Action {
		case "search":
			searches++
			if !strings.Contains(ev.Detail, "→ 2") && !strings.Contains(ev.Detail, "→ 1") && !strings.Contains(ev.Detail, "→ 0") {
				t.Errorf("search event without a result count: %+v", ev)
			}
		case "open":
			opens++
			if ev.Actor == "" || ev.Subject == "" || !strings.Contains(ev.Detail, "********") {
				t.Errorf("open event %+v", ev)
			}
		}
		if strings.Contains(ev.Detail, string(storetest.App(1).Child.ID)) {
			t.Errorf("an audit event carries a full ID number: %+v", ev)
		}
	}
	if searches != 3 || opens != 3 {
		t.Errorf("%d searches and %d opens noted, want 3 and 3", searches, opens)
	}
}

func TestReviewHTTPRefusals(t *testing.T) {
	r := newReviewHTTP(t, true)
	child := core.MakeResidentID("370102", time.Date(2014, 6, 6, 0, 0, 0, 0, time.UTC), 41)
	a := r.add("S1", true, child)
	// The same child again for junior: a duplicate set.
	r.n++
	j := storetest.App(r.n)
	j.Stage, j.Child.ID = core.Junior, child
	j.Choices = []core.School{{Code: "S1", Name: "一小"}}
	j.Decision.NeedsReview = true
	if _, err := r.store.Ingest(context.Background(), r.dev, storetest.Intakes(t, r.dev, storetest.T0, j), storetest.T0); err != nil {
		t.Fatal(err)
	}
	if code, e := r.call(hReviewer, engineapi.PathReviewApprove, engineapi.DecideRequest{AppID: a}, nil); code != http.StatusConflict || e.Reason != engineapi.ReasonDuplicateOpen {
		t.Errorf("approve in an open duplicate set: %d %+v", code, e)
	}
	var sets engineapi.DuplicateList
	r.call(hReviewer, engineapi.PathReviewDuplicates, engineapi.DuplicatesRequest{}, &sets)
	if len(sets.Sets) != 1 {
		t.Fatalf("sets %+v", sets)
	}
	var set engineapi.DuplicateSet
	if code, e := r.call(hReviewer, engineapi.PathReviewResolve, engineapi.ResolveRequest{SetID: sets.Sets[0].ID, Keep: a}, &set); code != 200 || !set.Resolved {
		t.Fatalf("resolve: %d %+v", code, e)
	}

	var n engineapi.Note
	r.call(hReviewer, engineapi.PathReviewNotes, engineapi.NoteRequest{AppID: a, Text: "看一下房产"}, &n)
	if code, e := r.call(hBureau, engineapi.PathReviewNotes, engineapi.NoteRequest{AppID: a, ID: n.ID, Text: "改"}, nil); code != http.StatusForbidden || e.Reason != engineapi.ReasonNotAuthor {
		t.Errorf("edit another's note: %d %+v", code, e)
	}

	var rt engineapi.ReasonText
	if code, e := r.call(hBureau, engineapi.PathReviewReasonSave, engineapi.ReasonSave{ID: "J-AGE", Kind: "reject", Title: "年龄不足",
		Text: "报名{reg_no}：孩子未到入学年龄。"}, &rt); code != 200 || rt.Version != 1 {
		t.Fatalf("save reason: %d %+v", code, e)
	}
	if code, e := r.call(hReviewer, engineapi.PathReviewReject, engineapi.DecideRequest{AppID: a, ReasonID: "J-AGE"}, nil); code != 200 {
		t.Fatalf("reject: %d %+v", code, e)
	}
	if code, e := r.call(hBureau, engineapi.PathReviewReasonSave, engineapi.ReasonSave{ID: "J-AGE", BaseVersion: 1, Amend: true, Kind: "reject",
		Title: "年龄不足", Text: "改过"}, nil); code != http.StatusConflict || e.Reason != engineapi.ReasonReasonFrozen {
		t.Errorf("amend a sent reason: %d %+v", code, e)
	}
	var res engineapi.BulkResult
	if code, e := r.call(hReviewer, engineapi.PathReviewBulkApprove, engineapi.QueueFilter{State: core.StateNeedsReview}, &res); code != 400 {
		t.Errorf("bulk approve of needs_review: %d %+v", code, e)
	}
}
