package staff_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

var fixedNow = time.Date(2027, 6, 20, 10, 0, 0, 0, time.UTC)

// fakeEngine is a Backend over memory: staff accounts, a queue of
// applications, the reason library, a heat map.
type fakeEngine struct {
	mu       sync.Mutex
	users    map[string]engineapi.Actor // by name; password is "pw-" + name
	locked   map[string]time.Time
	session  *engineapi.Actor
	apps     []*fakeApp
	reasons  []engineapi.ReasonText
	calls    map[string]int
	expire   bool // the next request finds the session ended
	heatHits int
	lastReq  engineapi.DecideRequest
	saved    []engineapi.SavedFilter
	sets     []engineapi.DuplicateSet
}

// addDuplicate makes the applications a duplicate set (same child).
func (f *fakeEngine) addDuplicate(ids ...string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	set := engineapi.DuplicateSet{ID: fmt.Sprintf("DUP-%d", len(f.sets)+1), Rule: "same_child"}
	for _, id := range ids {
		a := f.find(id)
		a.item.Duplicate = true
		set.Members = append(set.Members, engineapi.DuplicateMember{AppID: id, RegNo: a.item.RegNo, Child: a.item.Child,
			ChildName: a.item.ChildName, School: a.item.School, State: a.item.State, Received: a.item.Received})
	}
	f.sets = append(f.sets, set)
	return set.ID
}

// openSet is the unresolved set holding id, nil when none.
func (f *fakeEngine) openSet(id string) *engineapi.DuplicateSet {
	for i := range f.sets {
		for _, m := range f.sets[i].Members {
			if m.AppID == id && !f.sets[i].Resolved {
				return &f.sets[i]
			}
		}
	}
	return nil
}

func (f *fakeEngine) Duplicates(_ context.Context, req engineapi.DuplicatesRequest) (engineapi.DuplicateList, error) {
	if _, err := f.auth("duplicates"); err != nil {
		return engineapi.DuplicateList{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := engineapi.DuplicateList{Sets: []engineapi.DuplicateSet{}}
	for _, set := range f.sets {
		if req.All || !set.Resolved {
			out.Sets = append(out.Sets, set)
		}
	}
	return out, nil
}

func (f *fakeEngine) Resolve(_ context.Context, req engineapi.ResolveRequest) (engineapi.DuplicateSet, error) {
	who, err := f.auth("resolve")
	if err != nil {
		return engineapi.DuplicateSet{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.sets {
		set := &f.sets[i]
		if set.ID != req.SetID {
			continue
		}
		if set.Resolved {
			return engineapi.DuplicateSet{}, &staff.Refusal{Status: 409, Reason: engineapi.ReasonConflict, Message: "这组已经处理过了：请刷新。"}
		}
		set.Resolved, set.Keep, set.Distinct, set.By, set.At = true, req.Keep, req.Distinct, who.Label(), fixedNow
		for j := range set.Members {
			m := &set.Members[j]
			m.Marked = !req.Distinct && m.AppID != req.Keep
			f.find(m.AppID).item.Duplicate = false
		}
		return *set, nil
	}
	return engineapi.DuplicateSet{}, &staff.Refusal{Status: 404, Reason: engineapi.ReasonNotFound, Message: "没有这组重复。"}
}

func (f *fakeEngine) BulkVerify(_ context.Context, fl engineapi.QueueFilter) (engineapi.BulkResult, error) {
	who, err := f.auth("bulkverify")
	if err != nil {
		return engineapi.BulkResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var res engineapi.BulkResult
	for _, a := range f.match(who, fl) {
		if a.evidence == engineapi.EvidencePending {
			a.evidence = engineapi.EvidenceVerified
			res.Count++
		} else {
			res.Skipped++
		}
	}
	return res, nil
}

type fakeApp struct {
	item     engineapi.QueueItem
	evidence string
	history  []core.Transition
	notes    []engineapi.Note
}

func newFakeEngine(n int) *fakeEngine {
	f := &fakeEngine{
		users: map[string]engineapi.Actor{
			"hall":     {ID: "SU-HALL", Name: "王大厅", Role: engineapi.RoleHall},
			"reviewer": {ID: "SU-REV", Name: "李审核", Role: engineapi.RoleReviewer},
			"school":   {ID: "SU-SCH", Name: "赵校长", Role: engineapi.RoleSchoolAdmin, School: "S01"},
			"bureau":   {ID: "SU-BUR", Name: "陈局", Role: engineapi.RoleBureauAdmin},
		},
		locked: map[string]time.Time{"locked": fixedNow.Add(12 * time.Minute)},
		calls:  map[string]int{},
		reasons: []engineapi.ReasonText{
			{ID: "R-PROPERTY", Version: 1, Kind: engineapi.ReasonKindReturn, Title: "补交房产证明", Text: "请补交房产证明：{detail}", Latest: true},
			{ID: "R-HUKOU", Version: 1, Kind: engineapi.ReasonKindReturn, Title: "补交户口簿", Text: "请补交户口簿。", Latest: true},
			{ID: "J-ZONE", Version: 1, Kind: engineapi.ReasonKindReject, Title: "不在学区", Text: "住址不在学区内。", Latest: true},
		},
	}
	f.users["locked"] = engineapi.Actor{ID: "SU-LOCK", Name: "锁定", Role: engineapi.RoleReviewer}
	for i := 0; i < n; i++ {
		st := core.StateNeedsReview
		ev := engineapi.EvidencePending
		if i%3 == 0 {
			st, ev = core.StateVerified, engineapi.EvidenceVerified
		}
		f.apps = append(f.apps, &fakeApp{evidence: ev, item: engineapi.QueueItem{
			AppID: fmt.Sprintf("APP-%05d", i), RegNo: fmt.Sprintf("1000-0000-%04d", i), Child: "370811********" + fmt.Sprintf("%04d", i),
			ChildName: "孩子" + strconv.Itoa(i), School: fmt.Sprintf("S%02d", i%3+1), Category: "房户一致", State: st,
			Problems: []string{core.PDecisionChanged}, Evidence: ev, Received: fixedNow.AddDate(0, 0, -i%20),
			Due: fixedNow.AddDate(0, 0, 10-i%20), AgeDays: i % 20, Overdue: i%20 > 10, Note: "",
		}})
	}
	return f
}

func (f *fakeEngine) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

// auth checks the session like the engine: 401 no_session when ended.
func (f *fakeEngine) auth(name string) (engineapi.Actor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[name]++
	if f.expire {
		f.expire = false
		f.session = nil
	}
	if f.session == nil {
		return engineapi.Actor{}, &staff.Refusal{Status: http.StatusUnauthorized, Reason: engineapi.ReasonNoSession,
			Message: "登录已结束（30分钟没有操作会自动退出，或已退出登录）：请重新登录。"}
	}
	return *f.session, nil
}

func (f *fakeEngine) Login(_ context.Context, req engineapi.LoginRequest) (engineapi.LoginResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if until, ok := f.locked[req.Name]; ok {
		return engineapi.LoginResponse{}, &staff.Refusal{Status: 403, Reason: engineapi.ReasonLocked,
			Message: "账号已锁定：连续5次密码错误。请在 " + until.Format("15:04") + " 以后再试，或请教育局管理员解锁。"}
	}
	a, ok := f.users[req.Name]
	if !ok || req.Password != "pw-"+req.Name {
		return engineapi.LoginResponse{}, &staff.Refusal{Status: 401, Reason: engineapi.ReasonBadLogin, Message: "账号或密码不对，请重新输入。"}
	}
	f.session = &a
	return engineapi.LoginResponse{Token: "t", Actor: a, Expires: fixedNow.Add(30 * time.Minute)}, nil
}

func (f *fakeEngine) Logout(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.session = nil
	return nil
}

func (f *fakeEngine) Me(context.Context) (engineapi.Actor, error) { return f.auth("me") }

func (f *fakeEngine) match(who engineapi.Actor, fl engineapi.QueueFilter) []*fakeApp {
	var out []*fakeApp
	for _, a := range f.apps {
		it := a.item
		if !who.SeesSchool(it.School) || (fl.School != "" && it.School != fl.School) || (fl.State != "" && it.State != fl.State) ||
			(fl.Evidence != "" && a.evidence != fl.Evidence) || (fl.Mine && it.Assignee != who.ID) {
			continue
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return (out[i].item.State == core.StateNeedsReview) && out[j].item.State != core.StateNeedsReview
	})
	return out
}

func (f *fakeEngine) Queue(_ context.Context, fl engineapi.QueueFilter) (engineapi.QueuePage, error) {
	who, err := f.auth("queue")
	if err != nil {
		return engineapi.QueuePage{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	all := f.match(who, fl)
	start, _ := strconv.Atoi(fl.Cursor)
	limit := fl.Limit
	if limit == 0 {
		limit = engineapi.DefaultQueueLimit
	}
	page := engineapi.QueuePage{Total: len(all), Items: []engineapi.QueueItem{}}
	for i := start; i < len(all) && i < start+limit; i++ {
		it := all[i].item
		it.Evidence = all[i].evidence
		page.Items = append(page.Items, it)
	}
	if start+limit < len(all) {
		page.Next = strconv.Itoa(start + limit)
	}
	return page, nil
}

func (f *fakeEngine) find(id string) *fakeApp {
	for _, a := range f.apps {
		if a.item.AppID == id {
			return a
		}
	}
	return nil
}

func (f *fakeEngine) Open(_ context.Context, appID string) (engineapi.Detail, error) {
	who, err := f.auth("open")
	if err != nil {
		return engineapi.Detail{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.find(appID)
	if a == nil || !who.SeesSchool(a.item.School) {
		return engineapi.Detail{}, &staff.Refusal{Status: 404, Reason: engineapi.ReasonNotFound, Message: "没有这份申请。"}
	}
	zone := &core.Zone{Schools: []core.School{{Code: a.item.School, Name: "文昌小学"}}}
	det := engineapi.Detail{
		App: core.ApplicationView{ID: appID, RegNo: a.item.RegNo, Stage: core.Primary, State: a.item.State,
			Child:     core.PersonView{ID: a.item.Child, Name: a.item.ChildName, Sex: "男", BirthDate: "2021-03-04"},
			Guardians: []core.PersonView{{ID: "370811********0011", Name: "张父", Relation: "父亲"}}, Address: "任城区文昌路1号1单元101室"},
		Decision: core.Decision{Eligible: true, CategoryName: "房户一致", Priority: 1, Zone: zone, Relation: "父亲",
			Problems: []core.Problem{{Code: core.PDecisionChanged, Message: "自助机显示的结果与教育局数据核验的结果不一致，由工作人员审核。"}},
			Evidence: []core.Evidence{{Source: core.SrcHukou, Status: core.Matched, Detail: "孩子户籍在该住址"}}},
		Kiosk: core.Decision{Eligible: true, CategoryName: "户籍", Priority: 2, Zone: zone, Relation: "父亲"},
		Evidence: []engineapi.EvidenceItem{
			{Source: core.SrcHukou, Label: "户籍", Used: true, Status: a.evidence,
				Engine: []core.Evidence{{Source: core.SrcHukou, Status: core.Matched, Detail: "孩子户籍在该住址"}},
				Kiosk:  []core.Evidence{{Source: core.SrcHukou, Status: core.Matched, Detail: "孩子户籍在该住址"}}},
			{Source: core.SrcProperty, Label: "不动产", Used: true, Status: engineapi.EvidencePending,
				Engine: []core.Evidence{{Source: core.SrcProperty, Status: core.Matched, Detail: "父亲名下住宅，份额100%"}}},
		},
		Duplicates: f.setsOf(appID),
		History:    a.history,
		Notes:      a.notes,
		School:     a.item.School,
		Received:   a.item.Received, Due: a.item.Due, AgeDays: a.item.AgeDays, Overdue: a.item.Overdue,
	}
	if who.Role != engineapi.RoleHall && (a.item.State == core.StateNeedsReview || a.item.State == core.StateVerified) {
		det.Actions = []string{staff.ActionApprove, staff.ActionReturn, staff.ActionReject}
	}
	return det, nil
}

func (f *fakeEngine) setsOf(id string) []engineapi.DuplicateSet {
	var out []engineapi.DuplicateSet
	for _, set := range f.sets {
		for _, m := range set.Members {
			if m.AppID == id {
				out = append(out, set)
			}
		}
	}
	return out
}

func (f *fakeEngine) decide(name string, req engineapi.DecideRequest, to core.State) (engineapi.StatusChange, error) {
	who, err := f.auth(name)
	if err != nil {
		return engineapi.StatusChange{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastReq = req
	a := f.find(req.AppID)
	if who.Role == engineapi.RoleHall {
		return engineapi.StatusChange{}, &staff.Refusal{Status: 403, Reason: engineapi.ReasonForbidden, Message: "大厅工作人员不能审核。"}
	}
	reason := req.Text
	for _, r := range f.reasons {
		if r.ID == req.ReasonID {
			reason = r.Title
		}
	}
	if f.openSet(req.AppID) != nil {
		return engineapi.StatusChange{}, &staff.Refusal{Status: 409, Reason: engineapi.ReasonDuplicateOpen, Message: "这份申请在一组未处理的疑似重复里：请先处理重复。"}
	}
	a.history = append(a.history, core.Transition{From: a.item.State, To: to, At: fixedNow, Actor: who.Label(), Reason: reason})
	a.item.State = to
	return engineapi.StatusChange{AppID: req.AppID, RegNo: a.item.RegNo, State: to, Reason: reason, At: fixedNow}, nil
}

func (f *fakeEngine) Approve(_ context.Context, r engineapi.DecideRequest) (engineapi.StatusChange, error) {
	return f.decide("approve", r, core.StateApproved)
}

func (f *fakeEngine) Return(_ context.Context, r engineapi.DecideRequest) (engineapi.StatusChange, error) {
	return f.decide("return", r, core.StateReturned)
}

func (f *fakeEngine) Reject(_ context.Context, r engineapi.DecideRequest) (engineapi.StatusChange, error) {
	return f.decide("reject", r, core.StateRejected)
}

func (f *fakeEngine) BulkApprove(_ context.Context, fl engineapi.QueueFilter) (engineapi.BulkResult, error) {
	who, err := f.auth("bulk")
	if err != nil {
		return engineapi.BulkResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var res engineapi.BulkResult
	for _, a := range f.match(who, fl) {
		if a.item.State == core.StateVerified && a.evidence == engineapi.EvidenceVerified {
			a.item.State = core.StateApproved
			res.Count++
		}
	}
	return res, nil
}

func (f *fakeEngine) Assign(_ context.Context, req engineapi.AssignRequest) (engineapi.Assignment, error) {
	if _, err := f.auth("assign"); err != nil {
		return engineapi.Assignment{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.find(req.AppID)
	prev := a.item.Assignee
	a.item.Assignee = req.Assignee
	return engineapi.Assignment{AppID: req.AppID, Assignee: req.Assignee, Previous: prev, At: fixedNow}, nil
}

func (f *fakeEngine) Reviewers(context.Context) (engineapi.ReviewerList, error) {
	_, err := f.auth("reviewers")
	return engineapi.ReviewerList{Reviewers: []engineapi.Reviewer{{ID: "SU-REV", Name: "李审核", Role: engineapi.RoleReviewer},
		{ID: "SU-SCH", Name: "赵校长", Role: engineapi.RoleSchoolAdmin, School: "S01"}}}, err
}

func (f *fakeEngine) SaveNote(_ context.Context, req engineapi.NoteRequest) (engineapi.Note, error) {
	who, err := f.auth("note")
	if err != nil {
		return engineapi.Note{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := engineapi.Note{ID: 1, AppID: req.AppID, Author: who.ID, AuthorName: who.Name, Text: req.Text, At: fixedNow}
	a := f.find(req.AppID)
	a.notes = append(a.notes, n)
	a.item.Note = req.Text
	return n, nil
}

func (f *fakeEngine) SetEvidence(_ context.Context, req engineapi.EvidenceRequest) (engineapi.EvidenceItem, error) {
	_, err := f.auth("evidence")
	if err != nil {
		return engineapi.EvidenceItem{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.Source == core.SrcHukou {
		f.find(req.AppID).evidence = req.Status
	}
	return engineapi.EvidenceItem{Source: req.Source, Status: req.Status}, nil
}

func (f *fakeEngine) Filters(_ context.Context, req engineapi.FilterRequest) (engineapi.FilterList, error) {
	if _, err := f.auth("filters"); err != nil {
		return engineapi.FilterList{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if req.Op == "save" {
		f.saved = append(f.saved, engineapi.SavedFilter{Name: req.Name, Filter: req.Filter, Saved: fixedNow})
	}
	return engineapi.FilterList{Filters: append([]engineapi.SavedFilter{}, f.saved...)}, nil
}

func (f *fakeEngine) Reasons(context.Context, engineapi.ReasonsRequest) (engineapi.ReasonList, error) {
	_, err := f.auth("reasons")
	f.mu.Lock()
	defer f.mu.Unlock()
	return engineapi.ReasonList{Reasons: f.reasons}, err
}

func (f *fakeEngine) Conflicts(context.Context) (engineapi.ConflictList, error) {
	if _, err := f.auth("conflicts"); err != nil {
		return engineapi.ConflictList{}, err
	}
	return engineapi.ConflictList{
		Conflicts: []engineapi.Conflict{{AppID: "A2", RegNo: "2000-0000-0001", DeviceID: "KD-1", KeptID: "A1", KeptRegNo: "1000-0000-0001",
			Stage: core.Primary, Child: "370811********0001", Reason: "这个孩子已经报过名了（登记号 1000-0000-0001）。", At: fixedNow}},
		Refused: []engineapi.RefusedItem{{AppID: "A3", RegNo: "3000-0000-0001", DeviceID: "KD-2", Stage: core.Junior,
			Child: "370811********0002", Code: "choices_outside_zone", Reason: "志愿学校不在学区内。", At: fixedNow}},
	}, nil
}

func (f *fakeEngine) HeatMap(_ context.Context, stage core.Stage) (engineapi.HeatMap, error) {
	if _, err := f.auth("heat"); err != nil {
		return engineapi.HeatMap{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.heatHits++
	return engineapi.HeatMap{Year: 2027, Stage: stage, Tiers: []string{"房户一致", "户籍", engineapi.TierNone}, At: fixedNow,
		Total: 60 + f.heatHits,
		Schools: []engineapi.SchoolDemand{
			{Code: "S01", Name: "文昌小学", Stage: core.Primary, Capacity: 100, Total: 130 + f.heatHits, Ratio: 1.3 + float64(f.heatHits)/100, Level: engineapi.LevelOversubscribed},
			{Code: "S02", Name: "明德小学", Stage: core.Primary, Capacity: 200, Total: 90, Ratio: 0.45, Level: engineapi.LevelCalm},
			{Code: "S03", Name: "济宁学院附属小学", Stage: core.Primary, Capacity: 120, Total: 115, Ratio: 0.96, Level: engineapi.LevelBusy},
		}}, nil
}

func (f *fakeEngine) WalkInLookup(context.Context, engineapi.WalkInLookupRequest) (engineapi.WalkInLookupResponse, error) {
	_, err := f.auth("walkin")
	return engineapi.WalkInLookupResponse{}, err
}

func (f *fakeEngine) WalkInSubmit(context.Context, engineapi.WalkInSubmitRequest) (engineapi.WalkInSubmitResponse, error) {
	_, err := f.auth("walkin")
	return engineapi.WalkInSubmitResponse{}, err
}

func (f *fakeEngine) Find(context.Context, engineapi.FindRequest) (engineapi.FindResponse, error) {
	_, err := f.auth("find")
	return engineapi.FindResponse{}, err
}

func (f *fakeEngine) Reprint(context.Context, engineapi.ReprintRequest) (engineapi.ReprintResponse, error) {
	_, err := f.auth("reprint")
	return engineapi.ReprintResponse{}, err
}

var _ staff.Backend = (*fakeEngine)(nil)

// heatPicture is a stand-in for app/heatpng: one square per school.
func heatPicture(m engineapi.HeatMap, w, h int) (image.Image, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Schools {
		for x := i * 40; x < i*40+30 && x < w; x++ {
			for y := 0; y < 30 && y < h; y++ {
				img.Set(x, y, color.RGBA{R: 200, A: 255})
			}
		}
	}
	return img, nil
}

type deskRig struct {
	t   *testing.T
	f   *fakeEngine
	app fyne.App
	win fyne.Window
	d   *staff.Desk
}

func newDeskRig(t *testing.T, n int, size fyne.Size, opts ...func(*staff.Options)) *deskRig {
	t.Helper()
	r := &deskRig{t: t, f: newFakeEngine(n)}
	r.app = test.NewApp()
	r.win = r.app.NewWindow("")
	r.win.Resize(size)
	opt := staff.Options{HeatImage: heatPicture, HeatEvery: -1, Now: func() time.Time { return fixedNow }}
	for _, o := range opts {
		o(&opt)
	}
	r.d = staff.NewDesk(r.app, r.win, r.f, opt)
	t.Cleanup(func() {
		r.d.Close()
		r.win.Close()
		r.app.Quit()
	})
	return r
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // a loaded machine; the wait ends as soon as it holds
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// at waits until the desk shows the named screen with nothing pending.
func (r *deskRig) at(name string) {
	r.t.Helper()
	waitFor(r.t, "screen "+name, func() bool {
		var ok bool
		fyne.DoAndWait(func() { ok = r.d.ScreenName() == name && !r.d.Busy() })
		return ok
	})
}

func (r *deskRig) idle() {
	r.t.Helper()
	waitFor(r.t, "the engine's answers", func() bool {
		var ok bool
		fyne.DoAndWait(func() { ok = !r.d.Busy() })
		return ok
	})
}

func (r *deskRig) signIn(name string) {
	r.t.Helper()
	r.at(staff.ScreenSignIn)
	s := r.d.SignIn()
	s.Name.SetText(name)
	s.Password.SetText("pw-" + name)
	test.Tap(s.Submit)
	r.idle()
}
