package staff_test

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

var desktop = fyne.NewSize(1366, 768)

func TestSignInSaysWhyItRefuses(t *testing.T) {
	r := newDeskRig(t, 5, desktop)
	s := r.d.SignIn()
	test.Tap(s.Submit)
	if !strings.Contains(s.Message.Text, "请输入账号和密码") {
		t.Errorf("empty sign-in: %q", s.Message.Text)
	}
	s.Name.SetText("reviewer")
	s.Password.SetText("wrong")
	test.Tap(s.Submit)
	r.idle()
	if !strings.Contains(s.Message.Text, "账号或密码不对") || s.Password.Text != "" {
		t.Errorf("wrong password: %q, password left %q", s.Message.Text, s.Password.Text)
	}
	s.Name.SetText("locked")
	s.Password.SetText("pw-locked")
	test.Tap(s.Submit)
	r.idle()
	if !strings.Contains(s.Message.Text, "锁定") || !strings.Contains(s.Message.Text, "10:12") {
		t.Errorf("locked account: %q, want until when", s.Message.Text)
	}
	if r.d.ScreenName() != staff.ScreenSignIn {
		t.Fatalf("on %s after refusals", r.d.ScreenName())
	}
	r.signIn("reviewer")
	r.at(staff.ScreenQueue)
	if sh := r.d.Shell(); sh.Person.Text != "李审核" || sh.Role.Text != "审核员" {
		t.Errorf("nav shows %q %q", sh.Person.Text, sh.Role.Text)
	}
}

func TestDemoAccountsShowOnlyInDemoMode(t *testing.T) {
	r := newDeskRig(t, 1, desktop)
	if len(r.d.SignIn().Demo) != 0 {
		t.Error("demo accounts on a real engine's sign-in")
	}
	r = newDeskRig(t, 1, desktop, func(o *staff.Options) {
		o.Demo = []staff.DemoAccount{{Name: "reviewer", Password: "pw-reviewer", Role: engineapi.RoleReviewer}}
	})
	s := r.d.SignIn()
	if len(s.Demo) != 1 || !strings.Contains(s.Demo[0].Text, "pw-reviewer") {
		t.Fatalf("demo buttons %v", s.Demo)
	}
	test.Tap(s.Demo[0])
	test.Tap(s.Submit)
	r.at(staff.ScreenQueue)
}

func TestQueuePagesThroughWithoutLoadingAll(t *testing.T) {
	r := newDeskRig(t, 120, desktop)
	r.signIn("reviewer")
	r.at(staff.ScreenQueue)
	q := r.d.Queue()
	if len(q.Rows()) != staff.PageSize || q.Total() != 120 || !q.Prev.Disabled() || q.Next.Disabled() {
		t.Fatalf("first page: %d rows of %d, prev disabled %v, next disabled %v", len(q.Rows()), q.Total(), q.Prev.Disabled(), q.Next.Disabled())
	}
	if !strings.Contains(q.PageInfo.Text, "第 1 页，共 3 页") {
		t.Errorf("page line %q", q.PageInfo.Text)
	}
	first := q.Rows()[0].AppID
	test.Tap(q.Next)
	r.idle()
	test.Tap(q.Next)
	r.idle()
	if len(q.Rows()) != 20 || !q.Next.Disabled() || q.PageNumber() != 3 {
		t.Fatalf("last page: %d rows, next disabled %v, page %d", len(q.Rows()), q.Next.Disabled(), q.PageNumber())
	}
	test.Tap(q.Prev)
	r.idle()
	test.Tap(q.Prev)
	r.idle()
	if q.Rows()[0].AppID != first {
		t.Errorf("back on page 1 the first row is %s, was %s", q.Rows()[0].AppID, first)
	}
	if got := r.f.count("queue"); got != 5 {
		t.Errorf("%d queue requests for five pages shown", got)
	}
	// Filter: the verified ones of school S01.
	q.School.SetText("S01")
	q.State.SetSelected(r.d.Queue().State.Options[2]) // 已核验
	test.Tap(q.Apply)
	r.idle()
	for _, it := range q.Rows() {
		if it.School != "S01" || it.State != core.StateVerified {
			t.Fatalf("filtered row %+v", it)
		}
	}
	if len(q.Rows()) == 0 {
		t.Fatal("the filter matched nothing")
	}
}

// openFirst opens the first application of the queue.
func (r *deskRig) openFirst() *staff.DetailScreen {
	r.t.Helper()
	r.at(staff.ScreenQueue)
	r.d.Queue().Table.Select(widget.TableCellID{Row: 0, Col: 0})
	r.at(staff.ScreenDetail)
	return r.d.Detail()
}

func TestApproveReturnRejectInThreeClicks(t *testing.T) {
	r := newDeskRig(t, 6, desktop)
	r.signIn("reviewer")

	// Approve: the button, then confirm.
	d := r.openFirst()
	id := d.AppID
	if d.Detail().App.State != core.StateNeedsReview || !d.Approve.Visible() {
		t.Fatalf("opened %s in %s, approve shown %v", id, d.Detail().App.State, d.Approve.Visible())
	}
	test.Tap(d.Approve)
	test.Tap(d.Confirm)
	r.idle()
	if d.Detail().App.State != core.StateApproved || !strings.Contains(d.Message.Text, "审核通过") {
		t.Fatalf("after approve: %s, %q", d.Detail().App.State, d.Message.Text)
	}
	if d.Approve.Visible() {
		t.Error("approve still offered on an approved application")
	}

	// Return: the button, a reason of the library, confirm (+ optional words).
	test.Tap(d.Back)
	d = r.openFirst()
	test.Tap(d.Return)
	d.Reasons.SetSelected("补交房产证明")
	test.Type(d.Text, "房产证第2页")
	test.Tap(d.Confirm)
	r.idle()
	if d.Detail().App.State != core.StateReturned {
		t.Fatalf("after return: %s (%q)", d.Detail().App.State, d.Message.Text)
	}
	if req := r.f.lastReq; req.ReasonID != "R-PROPERTY" || req.Params["detail"] != "房产证第2页" || req.State != core.StateNeedsReview {
		t.Errorf("return sent %+v", req)
	}

	// Return without a reason is refused on screen, nothing sent.
	test.Tap(d.Back)
	d = r.openFirst()
	test.Tap(d.Return)
	before := r.f.count("return")
	test.Tap(d.Confirm)
	if !strings.Contains(d.Message.Text, "退回原因") || r.f.count("return") != before {
		t.Errorf("return without reason: %q", d.Message.Text)
	}
	test.Tap(d.Cancel)

	// Reject with words of its own.
	test.Tap(d.Reject)
	test.Type(d.Text, "提供的房产为商铺")
	test.Tap(d.Confirm)
	r.idle()
	if d.Detail().App.State != core.StateRejected || r.f.lastReq.Text != "提供的房产为商铺" {
		t.Fatalf("after reject: %s, sent %+v", d.Detail().App.State, r.f.lastReq)
	}
	if h := d.Detail().History; len(h) == 0 || h[len(h)-1].Reason != "提供的房产为商铺" {
		t.Errorf("history %+v", h)
	}
}

func TestKeyboardShortcuts(t *testing.T) {
	r := newDeskRig(t, 3, desktop)
	r.signIn("reviewer")
	d := r.openFirst()
	c := r.win.Canvas()
	test.TypeOnCanvas(c, "r")
	if d.Action != staff.ActionReturn || !d.Reasons.Visible() {
		t.Fatalf("R opened %q", d.Action)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if d.Action != "" {
		t.Fatalf("Esc left %q open", d.Action)
	}
	test.TypeOnCanvas(c, "j")
	if d.Action != staff.ActionReject {
		t.Fatalf("J opened %q", d.Action)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	test.TypeOnCanvas(c, "a")
	if d.Action != staff.ActionApprove {
		t.Fatalf("A opened %q", d.Action)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	r.idle()
	if d.Detail().App.State != core.StateApproved {
		t.Fatalf("A then Enter: %s", d.Detail().App.State)
	}
	// R, 2, Enter: a return with the library's second reason, by keys alone.
	test.Tap(d.Back)
	d = r.openFirst()
	test.TypeOnCanvas(c, "r2")
	if d.Reasons.Selected != "补交户口簿" {
		t.Fatalf("R then 2 chose %q", d.Reasons.Selected)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	r.idle()
	if d.Detail().App.State != core.StateReturned || r.f.lastReq.ReasonID != "R-HUKOU" {
		t.Fatalf("R 2 Enter: %s, sent %+v", d.Detail().App.State, r.f.lastReq)
	}
	// Typing in the note field types; it does not act.
	test.Type(d.NoteText, "ar")
	if d.Action != "" || d.NoteText.Text != "ar" {
		t.Errorf("typing in a field acted: %q, field %q", d.Action, d.NoteText.Text)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	r.at(staff.ScreenQueue)
}

func TestBulkApproveVerified(t *testing.T) {
	r := newDeskRig(t, 30, desktop)
	r.signIn("bureau")
	r.at(staff.ScreenQueue)
	q := r.d.Queue()
	test.Tap(q.Bulk)
	if !q.BulkConfirm.Visible() {
		t.Fatal("no confirmation before a bulk approval")
	}
	test.Tap(q.BulkConfirm)
	r.idle()
	if !strings.Contains(q.Message.Text, "已批准 10 份") {
		t.Fatalf("bulk: %q", q.Message.Text)
	}
	for _, it := range q.Rows() {
		if it.State == core.StateVerified {
			t.Errorf("%s still verified", it.AppID)
		}
	}
}

func TestNavHidesWhatTheRoleCannotDo(t *testing.T) {
	r := newDeskRig(t, 3, desktop)
	r.signIn("hall")
	r.at(staff.ScreenWalkIn) // hall staff start at the walk-in desk
	sh := r.d.Shell()
	for _, key := range []string{staff.ScreenWalkIn, staff.ScreenFind, staff.ScreenConflicts, staff.ScreenHeat} {
		if sh.Nav[key] == nil {
			t.Errorf("hall staff miss %s", key)
		}
	}
	if sh.Nav[staff.ScreenQueue] != nil {
		t.Error("hall staff see the review queue, which the engine refuses them")
	}
	test.TypeOnCanvas(r.win.Canvas(), "a")
	if r.f.count("approve") != 0 || r.f.count("queue") != 0 {
		t.Error("hall staff reached the review desk")
	}
	test.Tap(sh.SignOut)
	r.at(staff.ScreenSignIn)
	if !strings.Contains(r.d.SignIn().Message.Text, "已退出") {
		t.Errorf("after signing out: %q", r.d.SignIn().Message.Text)
	}
	r.signIn("reviewer")
	r.at(staff.ScreenQueue)
	if r.d.Queue().Bulk == nil || r.d.Queue().Mine.Hidden {
		t.Error("a reviewer has no bulk approval or my-queue filter")
	}
	if r.d.Shell().Nav[staff.ScreenWalkIn] != nil || r.d.Shell().Nav[staff.ScreenFind] == nil {
		t.Error("a reviewer's nav: walk-in shown or find missing")
	}
	// The detail offers only what the engine says the caller may do.
	r.f.mu.Lock()
	r.f.apps[0].item.State = core.StateApproved
	r.f.mu.Unlock()
	test.Tap(r.d.Shell().Nav[staff.ScreenQueue])
	r.at(staff.ScreenQueue)
	for i, it := range r.d.Queue().Rows() {
		if it.State == core.StateApproved {
			r.d.Queue().Table.Select(widget.TableCellID{Row: i})
		}
	}
	r.at(staff.ScreenDetail)
	d := r.d.Detail()
	if d.Approve.Visible() || d.Return.Visible() || d.Reject.Visible() {
		t.Error("actions offered on an approved application")
	}
	test.TypeOnCanvas(r.win.Canvas(), "a")
	if d.Action != "" {
		t.Error("the A key opened an action the engine does not offer")
	}
}

func TestSessionExpiryKeepsTheDraft(t *testing.T) {
	r := newDeskRig(t, 3, desktop)
	r.signIn("reviewer")
	d := r.openFirst()
	id := d.AppID
	test.Tap(d.Return)
	d.Reasons.SetSelected("补交房产证明")
	test.Type(d.Text, "房产证复印件看不清")
	r.f.mu.Lock()
	r.f.expire = true
	r.f.mu.Unlock()
	test.Tap(d.Confirm)
	r.at(staff.ScreenSignIn)
	s := r.d.SignIn()
	if !strings.Contains(s.Message.Text, "登录已结束") || !strings.Contains(s.Message.Text, "已保留") {
		t.Errorf("sign-in says %q", s.Message.Text)
	}
	if s.Name.Text != "李审核" && s.Name.Text != "" {
		t.Logf("name kept as %q", s.Name.Text)
	}
	s.Name.SetText("reviewer")
	s.Password.SetText("pw-reviewer")
	test.Tap(s.Submit)
	r.at(staff.ScreenDetail)
	d = r.d.Detail()
	if d.AppID != id || d.Action != staff.ActionReturn || d.Text.Text != "房产证复印件看不清" || d.Reasons.Selected != "补交房产证明" {
		t.Fatalf("after signing in again: %s %q %q %q", d.AppID, d.Action, d.Text.Text, d.Reasons.Selected)
	}
	test.Tap(d.Confirm)
	r.idle()
	if d.Detail().App.State != core.StateReturned {
		t.Errorf("the kept draft did not go: %s %q", d.Detail().App.State, d.Message.Text)
	}
}

func TestConflictsList(t *testing.T) {
	r := newDeskRig(t, 1, desktop)
	r.signIn("school")
	test.Tap(r.d.Shell().Nav[staff.ScreenConflicts])
	r.at(staff.ScreenConflicts)
	c := r.d.Conflicts()
	if len(c.List().Conflicts) != 1 || len(c.List().Refused) != 1 || !strings.Contains(c.Message.Text, "重复报名 1 份") {
		t.Fatalf("conflicts %+v, %q", c.List(), c.Message.Text)
	}
}

func TestHeatMapSorts(t *testing.T) {
	r := newDeskRig(t, 1, desktop)
	r.signIn("reviewer")
	test.Tap(r.d.Shell().Nav[staff.ScreenHeat])
	r.at(staff.ScreenHeat)
	h := r.d.Heat()
	if rows := h.Rows(); len(rows) != 3 || rows[0].Code != "S01" || rows[2].Code != "S02" {
		t.Fatalf("by ratio: %+v", rows)
	}
	if h.Image.Image == nil {
		t.Error("no picture")
	}
	h.SortBy(0)
	if rows := h.Rows(); rows[0].Name > rows[1].Name || rows[1].Name > rows[2].Name {
		t.Errorf("by name: %s, %s, %s", rows[0].Name, rows[1].Name, rows[2].Name)
	}
	h.SortBy(2)
	if rows := h.Rows(); rows[0].Capacity != 200 {
		t.Errorf("by seats: %+v", rows[0])
	}
}

// The heat map refreshes while on show, and not while another screen is.
func TestHeatMapRefreshesOnlyOnShow(t *testing.T) {
	r := newDeskRig(t, 1, desktop, func(o *staff.Options) { o.HeatEvery = 20 * time.Millisecond })
	r.signIn("reviewer")
	r.at(staff.ScreenQueue)
	time.Sleep(200 * time.Millisecond)
	r.f.mu.Lock()
	hits := r.f.heatHits
	r.f.mu.Unlock()
	if hits > 1 { // the queue's pickers read the schools once
		t.Errorf("the heat map was read %d times off screen", hits)
	}
	test.Tap(r.d.Shell().Nav[staff.ScreenHeat])
	waitFor(t, "refreshes", func() bool {
		r.f.mu.Lock()
		defer r.f.mu.Unlock()
		return r.f.heatHits >= hits+3
	})
}

func TestSavedFilterAndAssignment(t *testing.T) {
	r := newDeskRig(t, 40, desktop)
	r.signIn("reviewer")
	r.at(staff.ScreenQueue)
	q := r.d.Queue()
	q.School.SetText("S02")
	q.Overdue.SetChecked(true)
	q.SaveName.SetText("二号校超期")
	test.Tap(q.Save)
	r.idle()
	if len(q.Saved.Options) != 1 || !strings.Contains(q.Message.Text, "已保存") {
		t.Fatalf("saved filters %v, %q", q.Saved.Options, q.Message.Text)
	}
	test.Tap(q.Clear)
	r.idle()
	if q.Total() != 40 {
		t.Fatalf("cleared filter shows %d", q.Total())
	}
	q.Saved.SetSelected("二号校超期")
	r.idle()
	if q.School.Text != "S02" || !q.Overdue.Checked {
		t.Errorf("the saved filter was not put back: %q %v", q.School.Text, q.Overdue.Checked)
	}
	for _, it := range q.Rows() {
		if it.School != "S02" {
			t.Fatalf("row of %s under the saved filter", it.School)
		}
	}

	d := r.openFirst()
	if !d.Assignee.Visible() || d.Assignee.Selected != "（未分配）" {
		t.Fatalf("assignee picker %v %q", d.Assignee.Visible(), d.Assignee.Selected)
	}
	d.Assignee.SetSelected("赵校长")
	r.idle()
	r.f.mu.Lock()
	got := r.f.find(d.AppID).item.Assignee
	r.f.mu.Unlock()
	if got != "SU-SCH" {
		t.Errorf("assigned to %q", got)
	}
}

func TestEvidenceStatusAndNotes(t *testing.T) {
	r := newDeskRig(t, 3, desktop)
	r.signIn("reviewer")
	d := r.openFirst()
	sel := d.Evidence[core.SrcHukou]
	if sel == nil || sel.Selected != "待核验" {
		t.Fatalf("hukou status picker %v", sel)
	}
	sel.SetSelected("已核验")
	r.idle()
	r.f.mu.Lock()
	got := r.f.find(d.AppID).evidence
	r.f.mu.Unlock()
	if got != engineapi.EvidenceVerified {
		t.Fatalf("evidence on the engine: %q", got)
	}
	d = r.d.Detail()
	test.Type(d.NoteText, "电话联系家长，周五补材料")
	test.Tap(d.AddNote)
	r.idle()
	if n := d.Detail().Notes; len(n) != 1 || n[0].Text != "电话联系家长，周五补材料" || d.NoteText.Text != "" {
		t.Fatalf("notes %+v, field %q", n, d.NoteText.Text)
	}
	test.Tap(d.Back)
	r.at(staff.ScreenQueue)
	if note := r.d.Queue().Rows()[0].Note; note == "" {
		t.Error("the queue's note line is empty")
	}
}
