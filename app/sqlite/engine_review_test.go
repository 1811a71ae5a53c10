package sqlite_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
	"enrolldesk/core/review"
)

var (
	reviewer  = engineapi.Actor{ID: "u-rev", Name: "李审核", Role: engineapi.RoleReviewer}
	reviewer2 = engineapi.Actor{ID: "u-rev2", Name: "王审核", Role: engineapi.RoleReviewer}
	adminS1   = engineapi.Actor{ID: "u-s1", Name: "一小管理员", Role: engineapi.RoleSchoolAdmin, School: "S1"}
	bureau    = engineapi.Actor{ID: "u-bur", Name: "局管理员", Role: engineapi.RoleBureauAdmin}
)

// reviewRig is an engine store with a device, a policy and a clock.
type reviewRig struct {
	t   *testing.T
	db  *sqlite.DB
	s   *sqlite.EngineStore
	dev string
	n   int
}

func newReviewRig(t *testing.T) *reviewRig {
	t.Helper()
	db := MustOpenDB(t, sqlite.Memory)
	s := MustEngineStore(t, db)
	p := &core.Policy{ReviewDays: 10, Notice: core.Notice{Counter: "12号窗口", Hotline: "0537-2968123"}}
	s.SetReviewPolicy(p)
	return &reviewRig{t: t, db: db, s: s, dev: storetest.MustDevice(t, s, 1)}
}

// appSpec describes one application to ingest.
type appSpec struct {
	school   string
	review   bool     // needs review (else verified)
	problems []string // problem codes
	child    core.ResidentID
	guardian core.ResidentID
	stage    core.Stage
	sources  []core.Source
	category string
}

// add ingests one application at at and returns its ID.
func (r *reviewRig) add(sp appSpec, at time.Time) string {
	r.t.Helper()
	r.n++
	a := storetest.App(r.n)
	if sp.child != "" {
		a.Child.ID, a.Child.BirthDate = sp.child, sp.child.BirthDate()
	}
	if sp.guardian != "" {
		a.Guardians[0].ID = sp.guardian
	} else {
		// A guardian of its own, so the same-guardian rule stays quiet.
		a.Guardians[0].ID = core.MakeResidentID("370102", time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.n), 11)
	}
	if sp.stage != "" {
		a.Stage = sp.stage
	}
	if sp.school != "" {
		a.Choices = []core.School{{Code: sp.school, Name: "学校" + sp.school, Stage: a.Stage}}
	}
	if sp.category != "" {
		a.Decision.CategoryName = sp.category
	}
	a.Decision.NeedsReview = sp.review
	for _, p := range sp.problems {
		a.Decision.Problems = append(a.Decision.Problems, core.Problem{Code: p, Message: p})
	}
	if sp.sources == nil {
		sp.sources = []core.Source{core.SrcHukou, core.SrcProperty}
	}
	for _, src := range sp.sources {
		a.Decision.Evidence = append(a.Decision.Evidence, core.Evidence{Source: src, Status: core.Matched, Detail: "ok"})
	}
	res, err := r.s.Ingest(context.Background(), r.dev, storetest.Intakes(r.t, r.dev, at, a), at)
	if err != nil || res[0].Outcome != engineapi.ItemAccepted {
		r.t.Fatalf("ingest: %v %+v", err, res)
	}
	return a.ID
}

func (r *reviewRig) queue(who engineapi.Actor, f engineapi.QueueFilter) engineapi.QueuePage {
	r.t.Helper()
	p, err := r.s.Queue(context.Background(), who, f, storetest.T0.Add(24*time.Hour))
	if err != nil {
		r.t.Fatalf("queue %+v: %v", f, err)
	}
	return p
}

func ids(items []engineapi.QueueItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.AppID
	}
	return out
}

func wantReviewCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	if code != "" && strings.TrimSpace(core.ErrorMessage(err)) == "" {
		t.Fatalf("refusal without words: %v", err)
	}
}

// The queue lists needs_review first, then by received time (= due date),
// ties by ID; paging by cursor walks every application once.
func TestReviewQueueOrderAndKeysetPaging(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	var all []string
	type k struct {
		id   string
		rank int
		at   time.Time
	}
	var keys []k
	for i := range 11 {
		at := t0.Add(time.Duration(i/3) * time.Hour) // three at a time: ties in time
		needs := i%2 == 0
		id := r.add(appSpec{school: "S1", review: needs}, at)
		rank := 1
		if needs {
			rank = 0
		}
		keys = append(keys, k{id, rank, at})
	}
	slices.SortFunc(keys, func(a, b k) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for _, x := range keys {
		all = append(all, x.id)
	}
	var got []string
	f := engineapi.QueueFilter{Limit: 4}
	pages := 0
	for {
		p := r.queue(reviewer, f)
		pages++
		if p.Total != 11 {
			t.Fatalf("total %d, want 11", p.Total)
		}
		got = append(got, ids(p.Items)...)
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	if pages != 3 || !slices.Equal(got, all) {
		t.Fatalf("%d pages\n got %v\nwant %v", pages, got, all)
	}
	first := r.queue(reviewer, engineapi.QueueFilter{Limit: 1}).Items[0]
	if first.State != core.StateNeedsReview || first.Due != first.Received.AddDate(0, 0, 10) || first.AgeDays != 1 {
		t.Errorf("first item %+v: want needs_review, due 10 days after receipt, 1 day old", first)
	}
	if !strings.Contains(first.Child, "********") {
		t.Errorf("child ID not masked in the queue: %q", first.Child)
	}
	_, err := r.s.Queue(context.Background(), reviewer, engineapi.QueueFilter{Cursor: "not-a-cursor"}, t0)
	wantReviewCode(t, err, core.EINVALID)
	_, err = r.s.Queue(context.Background(), reviewer, engineapi.QueueFilter{Limit: 500}, t0)
	wantReviewCode(t, err, core.EINVALID)
}

func TestReviewQueueFilters(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	a := r.add(appSpec{school: "S1", review: true, problems: []string{"decision_changed"}, category: "随迁子女"}, t0)
	b := r.add(appSpec{school: "S2", review: true}, t0.Add(time.Minute))
	c := r.add(appSpec{school: "S1"}, t0.Add(2*time.Minute))
	late := t0.Add(20 * 24 * time.Hour)
	d := r.add(appSpec{school: "S2", review: true}, late)
	ctx := context.Background()
	if _, err := r.s.Assign(ctx, reviewer, engineapi.AssignRequest{AppID: b, Assignee: ""}, t0); err != nil {
		t.Fatal(err)
	}
	if err := r.s.SetReviewers(ctx, []engineapi.Reviewer{{ID: reviewer.ID, Role: engineapi.RoleReviewer}}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.SetEvidence(ctx, reviewer, engineapi.EvidenceRequest{AppID: c, Source: core.SrcHukou, Status: engineapi.EvidenceDoubtful}, t0); err != nil {
		t.Fatal(err)
	}
	now := late.Add(time.Hour)
	q := func(f engineapi.QueueFilter) []string {
		t.Helper()
		p, err := r.s.Queue(ctx, reviewer, f, now)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != len(p.Items) {
			t.Fatalf("total %d for %d items", p.Total, len(p.Items))
		}
		return ids(p.Items)
	}
	for name, tc := range map[string]struct {
		f    engineapi.QueueFilter
		want []string
	}{
		"school":   {engineapi.QueueFilter{School: "S1"}, []string{a, c}},
		"state":    {engineapi.QueueFilter{State: core.StateVerified}, []string{c}},
		"category": {engineapi.QueueFilter{Category: "随迁子女"}, []string{a}},
		"problem":  {engineapi.QueueFilter{Problem: "decision_changed"}, []string{a}},
		"evidence": {engineapi.QueueFilter{Evidence: engineapi.EvidenceDoubtful}, []string{c}},
		"mine":     {engineapi.QueueFilter{Mine: true}, []string{a, b, d}},
		"overdue":  {engineapi.QueueFilter{Overdue: true}, []string{a, b, c}},
		"none":     {engineapi.QueueFilter{School: "S9"}, []string{}},
	} {
		if got := q(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
}

func TestReviewSchoolAdminSeesOwnSchoolOnly(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	mine := r.add(appSpec{school: "S1", review: true}, t0)
	other := r.add(appSpec{school: "S2", review: true}, t0)
	ctx := context.Background()
	if got := ids(r.queue(adminS1, engineapi.QueueFilter{}).Items); !slices.Equal(got, []string{mine}) {
		t.Fatalf("school admin's queue %v, want only %s", got, mine)
	}
	if got := r.queue(adminS1, engineapi.QueueFilter{School: "S2"}); len(got.Items) != 0 || got.Total != 0 {
		t.Fatalf("school admin sees another school by filtering: %+v", got)
	}
	_, err := r.s.Detail(ctx, adminS1, other, t0)
	wantReviewCode(t, err, core.ENOTFOUND)
	_, err = r.s.Approve(ctx, adminS1, engineapi.DecideRequest{AppID: other}, t0)
	wantReviewCode(t, err, core.ENOTFOUND)
	if _, err := r.s.Approve(ctx, adminS1, engineapi.DecideRequest{AppID: mine}, t0); err != nil {
		t.Fatal(err)
	}
	noSchool := engineapi.Actor{ID: "x", Role: engineapi.RoleSchoolAdmin}
	if got := r.queue(noSchool, engineapi.QueueFilter{}); len(got.Items) != 0 {
		t.Fatalf("a school admin without a school sees %d", len(got.Items))
	}
}

func TestReviewDecisions(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	needs := r.add(appSpec{school: "S1", review: true}, t0)
	verified := r.add(appSpec{school: "S1"}, t0)
	ret := r.add(appSpec{school: "S1", review: true}, t0)
	rej := r.add(appSpec{school: "S1", review: true}, t0)
	retVerified := r.add(appSpec{school: "S1"}, t0)

	c, err := r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: needs, State: core.StateNeedsReview}, t0)
	if err != nil || c.State != core.StateApproved {
		t.Fatalf("approve needs_review: %+v %v", c, err)
	}
	if c, err = r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: verified}, t0); err != nil || c.State != core.StateApproved {
		t.Fatalf("approve verified: %+v %v", c, err)
	}
	_, err = r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: needs}, t0)
	wantReviewCode(t, err, core.ECONFLICT)
	_, err = r.s.ReturnForMore(ctx, reviewer, engineapi.DecideRequest{AppID: ret}, t0)
	wantReviewCode(t, err, core.EINVALID)
	_, err = r.s.ReturnForMore(ctx, reviewer, engineapi.DecideRequest{AppID: ret, ReasonID: "J-ZONE"}, t0)
	wantReviewCode(t, err, core.EINVALID) // a rejection's reason
	_, err = r.s.ReturnForMore(ctx, reviewer, engineapi.DecideRequest{AppID: ret, State: core.StateVerified, ReasonID: "R-PROPERTY"}, t0)
	wantReviewCode(t, err, engineapi.ReasonStale)
	c, err = r.s.ReturnForMore(ctx, reviewer, engineapi.DecideRequest{AppID: ret, ReasonID: "R-PROPERTY"}, t0)
	if err != nil || c.State != core.StateReturned {
		t.Fatalf("return: %+v %v", c, err)
	}
	if !strings.Contains(c.Reason, "12号窗口") || strings.Contains(c.Reason, "{") {
		t.Errorf("return reason not filled for the SMS: %q", c.Reason)
	}
	if c, err = r.s.ReturnForMore(ctx, reviewer, engineapi.DecideRequest{AppID: retVerified, ReasonID: "R-LEASE"}, t0); err != nil || c.State != core.StateReturned {
		t.Fatalf("return verified: %+v %v", c, err)
	}
	_, err = r.s.Reject(ctx, reviewer, engineapi.DecideRequest{AppID: rej}, t0)
	wantReviewCode(t, err, core.EINVALID)
	_, err = r.s.Reject(ctx, reviewer, engineapi.DecideRequest{AppID: rej, ReasonID: "J-OTHER"}, t0)
	wantReviewCode(t, err, core.EINVALID) // {detail} not filled
	c, err = r.s.Reject(ctx, reviewer, engineapi.DecideRequest{AppID: rej, ReasonID: "J-OTHER", Params: map[string]string{"detail": "住址为商业用房"}}, t0)
	if err != nil || c.State != core.StateRejected || !strings.Contains(c.Reason, "住址为商业用房") {
		t.Fatalf("reject: %+v %v", c, err)
	}
	// Each decision is in the kiosk's change log.
	changes, err := r.s.Changes(ctx, r.dev, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	decided := map[string]core.State{}
	for _, ch := range changes {
		decided[ch.AppID] = ch.State
	}
	for id, want := range map[string]core.State{needs: core.StateApproved, verified: core.StateApproved, ret: core.StateReturned, rej: core.StateRejected} {
		if decided[id] != want {
			t.Errorf("change log for %s: %s, want %s", id, decided[id], want)
		}
	}
	// The totals kept per school, state and category follow every change.
	for _, st := range []core.State{core.StateApproved, core.StateReturned, core.StateRejected, core.StateVerified, core.StateNeedsReview} {
		p := r.queue(reviewer, engineapi.QueueFilter{State: st, School: "S1", Category: "房户一致"})
		if p.Total != len(p.Items) {
			t.Errorf("%s: total %d for %d items", st, p.Total, len(p.Items))
		}
	}
	d, err := r.s.Detail(ctx, reviewer, rej, t0)
	if err != nil || d.App.State != core.StateRejected || len(d.Actions) != 0 || len(d.History) < 3 {
		t.Fatalf("detail after reject: %+v %v", d, err)
	}
}

func TestReviewBulkApproveOnlyVerified(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	var verified []string
	for i := range 5 {
		verified = append(verified, r.add(appSpec{school: "S1"}, t0.Add(time.Duration(i)*time.Minute)))
	}
	needs := r.add(appSpec{school: "S1", review: true}, t0)
	doubt := verified[4]
	if _, err := r.s.SetEvidence(ctx, reviewer, engineapi.EvidenceRequest{AppID: doubt, Source: core.SrcProperty, Status: engineapi.EvidenceDoubtful}, t0); err != nil {
		t.Fatal(err)
	}
	_, err := r.s.BulkApprove(ctx, reviewer, engineapi.QueueFilter{State: core.StateNeedsReview}, t0)
	wantReviewCode(t, err, core.EINVALID)
	res, err := r.s.BulkApprove(ctx, reviewer, engineapi.QueueFilter{School: "S1"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 4 || res.Skipped != 1 || slices.Contains(res.AppIDs, doubt) {
		t.Fatalf("bulk approve: %+v, want 4 approved and the doubtful one skipped", res)
	}
	for _, id := range verified[:4] {
		a, _ := r.s.Application(ctx, id)
		if a.State != core.StateApproved {
			t.Errorf("%s: %s after bulk approve", id, a.State)
		}
	}
	a, _ := r.s.Application(ctx, needs)
	if a.State != core.StateNeedsReview {
		t.Errorf("bulk approve touched a needs_review application: %s", a.State)
	}
	changes, _ := r.s.Changes(ctx, r.dev, 0, 100)
	n := 0
	for _, ch := range changes {
		if ch.State == core.StateApproved {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d approvals in the change log, want 4 (each logged)", n)
	}
	// 秒批: a verified application nobody touched stays verified.
	if a, _ := r.s.Application(ctx, doubt); a.State != core.StateVerified {
		t.Errorf("untouched verified application moved to %s", a.State)
	}
}

func TestReviewDuplicatesBlockDecisions(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	birth := time.Date(2020, 3, 3, 0, 0, 0, 0, time.UTC)
	mum := core.MakeResidentID("370102", time.Date(1990, 2, 2, 0, 0, 0, 0, time.UTC), 22)
	twin1 := r.add(appSpec{school: "S1", review: true, child: core.MakeResidentID("370102", birth, 31), guardian: mum}, t0)
	twin2 := r.add(appSpec{school: "S1", review: true, child: core.MakeResidentID("370102", birth, 33), guardian: mum}, t0)
	child := core.MakeResidentID("370102", time.Date(2014, 6, 6, 0, 0, 0, 0, time.UTC), 41)
	p := r.add(appSpec{school: "S1", review: true, child: child}, t0)
	j := r.add(appSpec{school: "S1", review: true, child: child, stage: core.Junior}, t0)

	_, err := r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: twin1}, t0)
	wantReviewCode(t, err, engineapi.ReasonDuplicateOpen)
	_, err = r.s.Reject(ctx, reviewer, engineapi.DecideRequest{AppID: p, Text: "重复"}, t0)
	wantReviewCode(t, err, engineapi.ReasonDuplicateOpen)
	if page := r.queue(reviewer, engineapi.QueueFilter{}); !page.Items[0].Duplicate {
		t.Errorf("queue does not flag the duplicate: %+v", page.Items[0])
	}
	sets, err := r.s.Duplicates(ctx, reviewer, false, t0)
	if err != nil || len(sets) != 2 {
		t.Fatalf("duplicate sets %+v %v, want 2 (twins, same child)", sets, err)
	}
	var twins, same engineapi.DuplicateSet
	for _, s := range sets {
		if s.Rule == review.RuleSameChild {
			same = s
		} else {
			twins = s
		}
		for _, m := range s.Members {
			if !strings.Contains(m.Child, "********") {
				t.Errorf("unmasked child in a duplicate set: %q", m.Child)
			}
		}
	}
	_, err = r.s.Resolve(ctx, reviewer, engineapi.ResolveRequest{SetID: twins.ID}, t0)
	wantReviewCode(t, err, core.EINVALID)
	if _, err := r.s.Resolve(ctx, reviewer, engineapi.ResolveRequest{SetID: twins.ID, Distinct: true}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: twin1}, t0); err != nil {
		t.Fatalf("approve after twins resolved: %v", err)
	}
	if _, err := r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: twin2}, t0); err != nil {
		t.Fatalf("approve the other twin: %v", err)
	}
	if _, err := r.s.Resolve(ctx, reviewer, engineapi.ResolveRequest{SetID: same.ID, Keep: p}, t0); err != nil {
		t.Fatal(err)
	}
	_, err = r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: j}, t0)
	wantReviewCode(t, err, core.ECONFLICT) // marked a duplicate
	if _, err := r.s.Reject(ctx, reviewer, engineapi.DecideRequest{AppID: j, ReasonID: "J-DUPLICATE"}, t0); err != nil {
		t.Fatalf("reject the marked duplicate: %v", err)
	}
	if _, err := r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: p}, t0); err != nil {
		t.Fatalf("approve the one kept: %v", err)
	}
	if open, _ := r.s.Duplicates(ctx, reviewer, false, t0); len(open) != 0 {
		t.Errorf("open sets after resolving: %+v", open)
	}
}

func TestReviewNotesAuthorOnly(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	id := r.add(appSpec{school: "S1", review: true}, t0)
	n, err := r.s.SaveNote(ctx, reviewer, engineapi.NoteRequest{AppID: id, Text: "房产证复印件模糊\n已电话联系家长"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.queue(reviewer, engineapi.QueueFilter{}).Items[0].Note; got != "房产证复印件模糊" {
		t.Errorf("queue note line %q, want the first line", got)
	}
	_, err = r.s.SaveNote(ctx, reviewer2, engineapi.NoteRequest{AppID: id, ID: n.ID, Text: "改掉"}, t0)
	wantReviewCode(t, err, engineapi.ReasonNotAuthor)
	if !strings.Contains(core.ErrorMessage(err), "李审核") {
		t.Errorf("refusal does not name the author: %v", err)
	}
	if _, err := r.s.SaveNote(ctx, reviewer, engineapi.NoteRequest{AppID: id, ID: n.ID, Text: "家长周五补交"}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.SaveNote(ctx, reviewer2, engineapi.NoteRequest{AppID: id, Text: "  "}, t0); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("empty note: %v", err)
	}
	d, err := r.s.Detail(ctx, reviewer2, id, t0)
	if err != nil || len(d.Notes) != 1 || d.Notes[0].Text != "家长周五补交" || d.Notes[0].Edited.IsZero() {
		t.Fatalf("notes after edit: %+v %v", d.Notes, err)
	}
	if got := r.queue(reviewer, engineapi.QueueFilter{}).Items[0].Note; got != "家长周五补交" {
		t.Errorf("queue note line after edit %q", got)
	}
}

func TestReviewReasonsVersionedAndFrozen(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	save := func(s engineapi.ReasonSave) (engineapi.ReasonText, error) { return r.s.SaveReason(ctx, bureau, s, t0) }
	rt, err := save(engineapi.ReasonSave{ID: "R-BIRTH", Kind: "return", Title: "补出生证明", Text: "报名{reg_no}：请带出生医学证明到{counter}。"})
	if err != nil || rt.Version != 1 {
		t.Fatalf("new reason: %+v %v", rt, err)
	}
	_, err = save(engineapi.ReasonSave{ID: "R-X", Kind: "return", Title: "x", Text: "请带{证件}"})
	wantReviewCode(t, err, core.EINVALID) // unknown placeholder
	if rt, err = save(engineapi.ReasonSave{ID: "R-BIRTH", BaseVersion: 1, Amend: true, Kind: "return", Title: "补出生证明",
		Text: "报名{reg_no}：请带出生医学证明原件到{counter}。"}); err != nil || rt.Version != 1 {
		t.Fatalf("amend an unsent version: %+v %v", rt, err)
	}
	id := r.add(appSpec{school: "S1", review: true}, t0)
	if _, err := r.s.ReturnForMore(ctx, reviewer, engineapi.DecideRequest{AppID: id, ReasonID: "R-BIRTH"}, t0); err != nil {
		t.Fatal(err)
	}
	_, err = save(engineapi.ReasonSave{ID: "R-BIRTH", BaseVersion: 1, Amend: true, Kind: "return", Title: "补出生证明", Text: "改"})
	wantReviewCode(t, err, engineapi.ReasonReasonFrozen)
	if !strings.Contains(core.ErrorMessage(err), "新版本") {
		t.Errorf("frozen refusal does not say what to do: %v", err)
	}
	rt, err = save(engineapi.ReasonSave{ID: "R-BIRTH", BaseVersion: 1, Kind: "return", Title: "补出生证明", Text: "报名{reg_no}：请带出生证明到{counter}。"})
	if err != nil || rt.Version != 2 || rt.Frozen {
		t.Fatalf("new version after freeze: %+v %v", rt, err)
	}
	_, err = save(engineapi.ReasonSave{ID: "R-BIRTH", BaseVersion: 1, Kind: "return", Title: "t", Text: "x"})
	wantReviewCode(t, err, engineapi.ReasonStale)
	all, err := r.s.Reasons(ctx, engineapi.ReasonsRequest{All: true, Kind: "return"})
	if err != nil {
		t.Fatal(err)
	}
	var v1, v2 engineapi.ReasonText
	for _, x := range all {
		if x.ID == "R-BIRTH" && x.Version == 1 {
			v1 = x
		}
		if x.ID == "R-BIRTH" && x.Version == 2 {
			v2 = x
		}
	}
	if !v1.Frozen || v1.Latest || !v2.Latest || !strings.Contains(v1.Text, "原件") {
		t.Errorf("versions: v1 %+v v2 %+v", v1, v2)
	}
	latest, _ := r.s.Reasons(ctx, engineapi.ReasonsRequest{})
	for _, x := range latest {
		if !x.Latest {
			t.Errorf("list of latest has %s v%d", x.ID, x.Version)
		}
	}
}

func TestReviewAssignmentRoundRobin(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	if err := r.s.SetReviewers(ctx, []engineapi.Reviewer{
		{ID: "a-rev", Name: "甲", Role: engineapi.RoleReviewer, School: "S1"},
		{ID: "b-adm", Name: "乙", Role: engineapi.RoleSchoolAdmin, School: "S1"},
		{ID: "c-city", Name: "丙", Role: engineapi.RoleReviewer},
	}, t0); err != nil {
		t.Fatal(err)
	}
	var s1 []string
	for i := range 4 {
		s1 = append(s1, r.add(appSpec{school: "S1", review: true}, t0.Add(time.Duration(i)*time.Minute)))
	}
	other := r.add(appSpec{school: "S2", review: true}, t0)
	verified := r.add(appSpec{school: "S1"}, t0)
	got := map[string]string{}
	for _, it := range r.queue(bureau, engineapi.QueueFilter{}).Items {
		got[it.AppID] = it.Assignee
	}
	want := []string{"a-rev", "b-adm", "a-rev", "b-adm"}
	for i, id := range s1 {
		if got[id] != want[i] {
			t.Errorf("S1 application %d assigned to %q, want %q", i, got[id], want[i])
		}
	}
	if got[other] != "c-city" || got[verified] != "" {
		t.Errorf("S2 → %q (want the city-wide reviewer), verified → %q (want none)", got[other], got[verified])
	}
	mine := r.queue(engineapi.Actor{ID: "a-rev", Role: engineapi.RoleReviewer}, engineapi.QueueFilter{Mine: true})
	if mine.Total != 2 {
		t.Errorf("my queue has %d, want 2", mine.Total)
	}
	as, err := r.s.Assign(ctx, bureau, engineapi.AssignRequest{AppID: s1[0], Assignee: "c-city"}, t0)
	if err != nil || as.Previous != "a-rev" || as.Assignee != "c-city" {
		t.Fatalf("reassign: %+v %v", as, err)
	}
	_, err = r.s.Assign(ctx, bureau, engineapi.AssignRequest{AppID: other, Assignee: "b-adm"}, t0)
	wantReviewCode(t, err, core.EINVALID) // another school's admin
	_, err = r.s.Assign(ctx, bureau, engineapi.AssignRequest{AppID: other, Assignee: "nobody"}, t0)
	wantReviewCode(t, err, core.EINVALID)
	var logged int
	if err := r.db.SQL().QueryRow(`SELECT count(*) FROM engine_review_assignments WHERE app_id = ? AND previous = 'a-rev' AND assignee = 'c-city' AND by = ?`,
		s1[0], bureau.Label()).Scan(&logged); err != nil || logged != 1 {
		t.Errorf("reassignment logged %d times (%v), want 1", logged, err)
	}
}

func TestReviewEvidenceAndBulkVerify(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	a := r.add(appSpec{school: "S1", review: true, sources: []core.Source{core.SrcHukou, core.SrcEnterprise}}, t0)
	b := r.add(appSpec{school: "S1", review: true}, t0)
	d, err := r.s.Detail(ctx, reviewer, a, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Evidence) != 9 {
		t.Fatalf("%d evidence headings, want the nine sources", len(d.Evidence))
	}
	var labels []string
	for _, e := range d.Evidence {
		labels = append(labels, e.Label)
		if e.Used != (e.Source == core.SrcHukou || e.Source == core.SrcBusiness) {
			t.Errorf("%s used=%v", e.Label, e.Used)
		}
	}
	if strings.Join(labels, " ") != "户籍 不动产 网签 租赁 参保 工商 居住证 出生证明 学籍" {
		t.Errorf("headings %v", labels)
	}
	_, err = r.s.SetEvidence(ctx, reviewer, engineapi.EvidenceRequest{AppID: a, Source: core.SrcRental, Status: engineapi.EvidenceVerified}, t0)
	wantReviewCode(t, err, core.EINVALID) // not used
	_, err = r.s.SetEvidence(ctx, reviewer, engineapi.EvidenceRequest{AppID: a, Source: core.SrcHukou, Status: "maybe"}, t0)
	wantReviewCode(t, err, core.EINVALID)
	if _, err := r.s.SetEvidence(ctx, reviewer, engineapi.EvidenceRequest{AppID: a, Source: core.SrcBusiness, Status: engineapi.EvidenceDoubtful}, t0); err != nil {
		t.Fatal(err)
	}
	_, err = r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: a}, t0)
	wantReviewCode(t, err, core.ECONFLICT)
	if n := r.queue(reviewer, engineapi.QueueFilter{Evidence: engineapi.EvidenceVerified}).Total; n != 0 {
		t.Fatalf("verified evidence before bulk verify: %d", n)
	}
	res, err := r.s.BulkVerify(ctx, reviewer, engineapi.QueueFilter{School: "S1"}, t0)
	if err != nil || res.Count != 2 {
		t.Fatalf("bulk verify: %+v %v", res, err)
	}
	page := r.queue(reviewer, engineapi.QueueFilter{})
	ev := map[string]string{}
	for _, it := range page.Items {
		ev[it.AppID] = it.Evidence
	}
	if n := r.queue(reviewer, engineapi.QueueFilter{Evidence: engineapi.EvidenceVerified}).Total; n != 1 {
		t.Errorf("the total of a filter counted before a change is not counted again: %d, want 1", n)
	}
	if ev[a] != engineapi.EvidenceDoubtful || ev[b] != engineapi.EvidenceVerified {
		t.Errorf("after bulk verify: a %s (want doubtful kept), b %s (want verified)", ev[a], ev[b])
	}
	if _, err := r.s.SetEvidence(ctx, reviewer, engineapi.EvidenceRequest{AppID: a, Source: core.SrcBusiness, Status: engineapi.EvidenceVerified}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.Approve(ctx, reviewer, engineapi.DecideRequest{AppID: a}, t0); err != nil {
		t.Fatalf("approve once verified: %v", err)
	}
}

func TestReviewSavedFiltersPerUser(t *testing.T) {
	r := newReviewRig(t)
	ctx := context.Background()
	t0 := storetest.T0
	f := engineapi.QueueFilter{School: "S1", State: core.StateNeedsReview, Cursor: "x", Limit: 9}
	list, err := r.s.Filters(ctx, reviewer, engineapi.FilterRequest{Op: "save", Name: "一小待审", Filter: f}, t0)
	if err != nil || len(list) != 1 || list[0].Filter.Cursor != "" || list[0].Filter.School != "S1" {
		t.Fatalf("save filter: %+v %v", list, err)
	}
	if other, _ := r.s.Filters(ctx, reviewer2, engineapi.FilterRequest{}, t0); len(other) != 0 {
		t.Errorf("another reviewer sees %d saved filters", len(other))
	}
	_, err = r.s.Filters(ctx, reviewer, engineapi.FilterRequest{Op: "delete", Name: "没有"}, t0)
	wantReviewCode(t, err, core.ENOTFOUND)
	if list, err = r.s.Filters(ctx, reviewer, engineapi.FilterRequest{Op: "delete", Name: "一小待审"}, t0); err != nil || len(list) != 0 {
		t.Fatalf("delete: %+v %v", list, err)
	}
}

func TestReviewConflictListHasRefusedItems(t *testing.T) {
	r := newReviewRig(t)
	ctx := context.Background()
	t0 := storetest.T0
	a := storetest.App(900)
	a.Choices = []core.School{{Code: "S1", Name: "一小"}}
	in := storetest.Intakes(t, r.dev, t0, a)
	in[0].Refused = &engineapi.ItemResult{ID: a.ID, Outcome: engineapi.ItemRejected, Code: engineapi.ReasonChoicesOutsideZone, Reason: "不在学区"}
	if _, err := r.s.Ingest(ctx, r.dev, in, t0); err != nil {
		t.Fatal(err)
	}
	l, err := r.s.ConflictList(ctx, reviewer, t0)
	if err != nil || len(l.Refused) != 1 || l.Refused[0].Code != engineapi.ReasonChoicesOutsideZone || !strings.Contains(l.Refused[0].Child, "****") {
		t.Fatalf("refused list: %+v %v", l, err)
	}
	if l, _ := r.s.ConflictList(ctx, engineapi.Actor{ID: "s2", Role: engineapi.RoleSchoolAdmin, School: "S2"}, t0); len(l.Refused) != 0 {
		t.Errorf("another school's admin sees refused items: %+v", l.Refused)
	}
}

// A returned application resubmitted replaces the row under its new ID:
// the queue shows the new one once, with the notes kept and the
// reviewer's evidence marks started again.
func TestReviewResubmissionReplacesQueueRow(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	first := storetest.App(5)
	first.Choices = []core.School{{Code: "S1", Name: "一小"}}
	first.Decision.Evidence = []core.Evidence{{Source: core.SrcHukou, Status: core.Matched}}
	if _, err := r.s.Ingest(ctx, r.dev, storetest.Intakes(t, r.dev, t0, first), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.SaveNote(ctx, reviewer, engineapi.NoteRequest{AppID: first.ID, Text: "缺房产证"}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.SetEvidence(ctx, reviewer, engineapi.EvidenceRequest{AppID: first.ID, Source: core.SrcHukou, Status: engineapi.EvidenceDoubtful}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.ReturnForMore(ctx, reviewer, engineapi.DecideRequest{AppID: first.ID, ReasonID: "R-PROPERTY"}, t0); err != nil {
		t.Fatal(err)
	}
	again := storetest.App(5)
	again.Choices = first.Choices
	again.Decision.Evidence = first.Decision.Evidence
	res, err := r.s.Ingest(ctx, r.dev, storetest.Intakes(t, r.dev, t0.Add(time.Hour), again), t0.Add(time.Hour))
	if err != nil || res[0].Outcome != engineapi.ItemAccepted {
		t.Fatalf("resubmit: %+v %v", res, err)
	}
	p := r.queue(reviewer, engineapi.QueueFilter{})
	if p.Total != 1 || len(p.Items) != 1 || p.Items[0].AppID != again.ID {
		t.Fatalf("queue after resubmission: %+v", p)
	}
	it := p.Items[0]
	if it.Note != "缺房产证" || it.Evidence != engineapi.EvidencePending || it.State != core.StateVerified {
		t.Errorf("resubmitted row: %+v", it)
	}
	if p := r.queue(reviewer, engineapi.QueueFilter{State: core.StateReturned}); p.Total != 0 {
		t.Errorf("a returned count left behind: %d", p.Total)
	}
}

// A change made outside the desk (the staff CLI's SetState) shows in the
// queue at its next read, totals included.
func TestReviewQueueFollowsOtherWriters(t *testing.T) {
	r := newReviewRig(t)
	t0 := storetest.T0
	ctx := context.Background()
	id := r.add(appSpec{school: "S1", review: true}, t0)
	if p := r.queue(reviewer, engineapi.QueueFilter{State: core.StateNeedsReview}); p.Total != 1 {
		t.Fatalf("needs_review total %d", p.Total)
	}
	if _, err := r.s.SetState(ctx, id, core.StateApproved, "cli:王老师", "", t0); err != nil {
		t.Fatal(err)
	}
	if p := r.queue(reviewer, engineapi.QueueFilter{State: core.StateNeedsReview}); p.Total != 0 || len(p.Items) != 0 {
		t.Errorf("needs_review after the CLI approved: %+v", p)
	}
	p := r.queue(reviewer, engineapi.QueueFilter{})
	if len(p.Items) != 1 || p.Items[0].State != core.StateApproved || p.Items[0].Overdue {
		t.Errorf("queue after the CLI approved: %+v", p.Items)
	}
}
