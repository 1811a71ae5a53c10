package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/app"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

// staffClock is the demo engine's clock: tests move it on to end a session.
type staffClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *staffClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *staffClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type staffRig struct {
	t     *testing.T
	clock *staffClock
	sd    *app.StaffDesk
	win   fyne.Window
	d     *staff.Desk
}

// newStaffRig runs the staff window on the real in-process demo engine
// (the shared small demo city, a few dozen demo applications) through
// app/staffclient over loopback HTTP.
func newStaffRig(t *testing.T) *staffRig {
	t.Helper()
	return newStaffRigOn(t, engineCityPath(t), 80)
}

// newStaffRigOn runs the staff window on a demo engine of city filled
// with apps applications.
func newStaffRigOn(t *testing.T, city string, apps int) *staffRig {
	t.Helper()
	r := &staffRig{t: t, clock: &staffClock{now: time.Now().Truncate(time.Second)}}
	sd, err := app.OpenStaffDesk(context.Background(), app.StaffConfig{DataDir: t.TempDir(), CityDB: city,
		DemoApps: apps, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r.sd = sd
	a := test.NewApp()
	r.win = a.NewWindow("")
	r.win.Resize(fyne.NewSize(1366, 768))
	opt := sd.Options
	opt.HeatEvery = -1
	r.d = staff.NewDesk(a, r.win, sd.Client, opt)
	t.Cleanup(func() {
		r.d.Close()
		r.win.Close()
		if err := sd.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func (r *staffRig) wait(name string) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ok bool
		fyne.DoAndWait(func() { ok = r.d.ScreenName() == name && !r.d.Busy() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s (on %s)", name, r.d.ScreenName())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *staffRig) signIn(name, password string) {
	r.t.Helper()
	r.wait(staff.ScreenSignIn)
	s := r.d.SignIn()
	s.Name.SetText(name)
	s.Password.SetText(password)
	test.Tap(s.Submit)
	for {
		var busy bool
		fyne.DoAndWait(func() { busy = r.d.Busy() })
		if !busy {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func demoPassword(t *testing.T, role engineapi.Role) (string, string) {
	for _, a := range app.DemoStaff {
		if a.Role == role {
			return a.Name, a.Password
		}
	}
	t.Fatalf("no demo account of role %s", role)
	return "", ""
}

// openUndecided opens the first application of the queue still to be
// decided (needs review, or verified).
func (r *staffRig) openUndecided() *staff.DetailScreen {
	r.t.Helper()
	r.wait(staff.ScreenQueue)
	q := r.d.Queue()
	for i, it := range q.Rows() {
		if it.State == core.StateNeedsReview || it.State == core.StateVerified {
			q.Table.Select(widget.TableCellID{Row: i})
			r.wait(staff.ScreenDetail)
			return r.d.Detail()
		}
	}
	r.t.Fatalf("no undecided application on the first page of %d (%q)", q.Total(), q.Message.Text)
	return nil
}

func TestStaffDeskOnTheRealEngine(t *testing.T) {
	r := newStaffRig(t)
	if s := r.d.SignIn(); len(s.Demo) != 4 {
		t.Errorf("demo mode shows %d demo accounts, want one per role", len(s.Demo))
	}
	name, pw := demoPassword(t, engineapi.RoleReviewer)
	r.signIn(name, "not the password")
	if msg := r.d.SignIn().Message.Text; !strings.Contains(msg, "账号或密码不对") {
		t.Fatalf("wrong password: %q", msg)
	}
	r.signIn(name, pw)
	r.wait(staff.ScreenQueue)
	q := r.d.Queue()
	if q.Total() == 0 || len(q.Rows()) == 0 {
		t.Fatalf("the demo engine's queue is empty (%d)", q.Total())
	}
	if q.Rows()[0].State != core.StateNeedsReview {
		t.Errorf("the queue starts with %s, want needs_review first", q.Rows()[0].State)
	}

	// Approve, return with a library reason, reject with words.
	d := r.openUndecided()
	if len(d.Detail().Evidence) == 0 || d.Detail().App.RegNo == "" || !d.Approve.Visible() {
		t.Fatalf("detail: %d evidence items, reg %q, approve shown %v", len(d.Detail().Evidence), d.Detail().App.RegNo, d.Approve.Visible())
	}
	test.Tap(d.Approve)
	test.Tap(d.Confirm)
	r.wait(staff.ScreenDetail)
	if got := d.Detail().App.State; got != core.StateApproved {
		t.Fatalf("approved on the engine? state %s, message %q", got, d.Message.Text)
	}

	test.Tap(d.Back)
	d = r.openUndecided()
	test.TypeOnCanvas(r.win.Canvas(), "r")
	if len(d.Reasons.Options) == 0 {
		t.Fatal("the engine's reason library offers no return reason")
	}
	d.Reasons.SetSelected(d.Reasons.Options[0])
	test.Type(d.Text, "房产证第2页")
	test.Tap(d.Confirm)
	r.wait(staff.ScreenDetail)
	if got := d.Detail().App.State; got != core.StateReturned {
		t.Fatalf("returned on the engine? state %s, message %q", got, d.Message.Text)
	}
	if h := d.Detail().History; len(h) == 0 || h[len(h)-1].To != core.StateReturned {
		t.Errorf("history %+v", h)
	}

	test.Tap(d.Back)
	d = r.openUndecided()
	test.TypeOnCanvas(r.win.Canvas(), "j")
	test.Type(d.Text, "提供的房产为商铺，不能作为入学依据")
	test.Tap(d.Confirm)
	r.wait(staff.ScreenDetail)
	if got := d.Detail().App.State; got != core.StateRejected {
		t.Fatalf("rejected on the engine? state %s, message %q", got, d.Message.Text)
	}

	// The session ends (30 idle minutes on the engine's clock): sign in
	// again and find the typed reason where it was.
	test.Tap(d.Back)
	d = r.openUndecided()
	id := d.AppID
	test.TypeOnCanvas(r.win.Canvas(), "j")
	test.Type(d.Text, "材料前后矛盾")
	r.clock.advance(engineapi.SessionIdle + time.Minute)
	test.Tap(d.Confirm)
	r.wait(staff.ScreenSignIn)
	if msg := r.d.SignIn().Message.Text; !strings.Contains(msg, "登录已结束") || !strings.Contains(msg, "已保留") {
		t.Errorf("after the session ended: %q", msg)
	}
	r.signIn(name, pw)
	r.wait(staff.ScreenDetail)
	d = r.d.Detail()
	if d.AppID != id || d.Action != staff.ActionReject || d.Text.Text != "材料前后矛盾" {
		t.Fatalf("after signing in again: %s %q %q", d.AppID, d.Action, d.Text.Text)
	}

	// The heat map and the conflicts answer.
	test.Tap(r.d.Shell().Nav[staff.ScreenHeat])
	r.wait(staff.ScreenHeat)
	if h := r.d.Heat(); len(h.Rows()) == 0 || h.Image.Image == nil {
		t.Errorf("heat map: %d schools, picture %v", len(h.Rows()), h.Image.Image != nil)
	}
	test.Tap(r.d.Shell().Nav[staff.ScreenConflicts])
	r.wait(staff.ScreenConflicts)
	if msg := r.d.Conflicts().Message.Text; !strings.Contains(msg, "重复报名") {
		t.Errorf("conflicts: %q", msg)
	}
}

func TestStaffDeskRolesOnTheRealEngine(t *testing.T) {
	r := newStaffRig(t)
	name, pw := demoPassword(t, engineapi.RoleHall)
	r.signIn(name, pw)
	r.wait(staff.ScreenWalkIn)
	sh := r.d.Shell()
	if sh.Nav[staff.ScreenWalkIn] == nil || sh.Role.Text != "大厅工作人员" {
		t.Fatalf("hall nav: walk-in %v, role %q", sh.Nav[staff.ScreenWalkIn] != nil, sh.Role.Text)
	}
	if sh.Nav[staff.ScreenQueue] != nil {
		t.Error("hall staff see the review queue, which the engine refuses them")
	}
	if _, err := r.sd.Client.Queue(context.Background(), engineapi.QueueFilter{}); err == nil {
		t.Error("the engine gave hall staff the queue")
	}
	test.Tap(sh.SignOut)
	r.wait(staff.ScreenSignIn)

	// A bureau admin approves every verified application at once.
	name, pw = demoPassword(t, engineapi.RoleBureauAdmin)
	r.signIn(name, pw)
	r.wait(staff.ScreenQueue)
	q := r.d.Queue()
	if r.d.Shell().Nav[staff.ScreenWalkIn] == nil {
		t.Error("a bureau admin has no walk-in desk")
	}
	test.Tap(q.Bulk)
	test.Tap(q.BulkConfirm)
	r.wait(staff.ScreenQueue)
	if !strings.Contains(q.Message.Text, "已批准") {
		t.Fatalf("bulk approval: %q", q.Message.Text)
	}
	q.State.SetSelected(q.State.Options[2]) // 已核验 (verified)
	test.Tap(q.Apply)
	r.wait(staff.ScreenQueue)
	for _, it := range q.Rows() {
		if it.Evidence == engineapi.EvidenceVerified {
			t.Errorf("%s is verified with verified evidence yet not approved", it.RegNo)
		}
	}
}

func TestStaffCommandRefusesBadWords(t *testing.T) {
	if r := cli(t, "", "staff", "bogus"); r.code == 0 || !strings.Contains(r.err, "usage") {
		t.Errorf("staff bogus: %d %q", r.code, r.err)
	}
	if r := cli(t, "", "staff", "--engine", "ftp://engine.example"); r.code == 0 || !strings.Contains(r.err, "引擎地址") {
		t.Errorf("staff --engine ftp://: %d %q", r.code, r.err)
	}
	if r := cli(t, "", "staff", "--data", t.TempDir(), "extra"); r.code == 0 || !strings.Contains(r.err, "staff user") {
		t.Errorf("staff with a stray word: %d %q", r.code, r.err)
	}
}
