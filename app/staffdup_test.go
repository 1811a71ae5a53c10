package app_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/app"
	"enrolldesk/app/demo"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

var staffDemoCity struct {
	once sync.Once
	path string
	err  error
}

// staffDemoCityPath is the city `make run-staff` builds (the
// screenshots show its heat), built once for the test binary.
func staffDemoCityPath(tb testing.TB) string {
	tb.Helper()
	staffDemoCity.once.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			staffDemoCity.err = err
			return
		}
		staffDemoCity.path = filepath.Join(dir, "staff-city.db")
		_, staffDemoCity.err = app.BuildDemoCity(context.Background(), staffDemoCity.path, demo.Options{Families: app.DemoStaffFamilies, Seed: 2027})
	})
	if staffDemoCity.err != nil {
		tb.Fatalf("staff demo city: %v", staffDemoCity.err)
	}
	return staffDemoCity.path
}

// TestStaffDeskDuplicateSetOnTheRealEngine: the demo load's twins (same
// guardian, same birth date) are a duplicate set on the engine; the
// engine refuses a decision until a reviewer resolves it in the window.
func TestStaffDeskDuplicateSetOnTheRealEngine(t *testing.T) {
	r := newStaffRig(t)
	name, pw := demoPassword(t, engineapi.RoleReviewer)
	r.signIn(name, pw)
	r.wait(staff.ScreenQueue)
	test.Tap(r.d.Shell().Nav[staff.ScreenConflicts])
	r.wait(staff.ScreenConflicts)
	c := r.d.Conflicts()
	if len(c.Sets()) == 0 {
		t.Fatalf("the demo engine has no open duplicate set (%q)", c.DupMessage.Text)
	}
	set := c.Sets()[0]
	c.Duplicates.Select(widget.TableCellID{Row: 0, Col: 0})
	r.wait(staff.ScreenDetail)
	d := r.d.Detail()
	if !d.OpenDuplicates() || d.Keep[set.ID] == nil {
		t.Fatalf("the detail of %s offers no 保留这份 for set %s", d.AppID, set.ID)
	}
	// The engine refuses approval while the set is open.
	if _, err := r.sd.Client.Approve(context.Background(), engineapi.DecideRequest{AppID: d.AppID}); err == nil || !strings.Contains(err.Error(), "重复") {
		t.Fatalf("approve in an open set: %v", err)
	}
	kept := d.AppID
	test.Tap(d.Keep[set.ID])
	r.wait(staff.ScreenDetail)
	d = r.d.Detail()
	if d.OpenDuplicates() || !strings.Contains(d.Message.Text, "已保留") {
		t.Fatalf("after keep: open %v, %q", d.OpenDuplicates(), d.Message.Text)
	}
	got := d.Detail().Duplicates[0]
	if !got.Resolved || got.Keep != kept {
		t.Fatalf("the engine's set after keep: %+v", got)
	}
	for _, m := range got.Members {
		if m.Marked == (m.AppID == kept) {
			t.Errorf("member %s marked %v", m.RegNo, m.Marked)
		}
	}
	if d.Approve.Visible() {
		test.Tap(d.Approve)
		test.Tap(d.Confirm)
		r.wait(staff.ScreenDetail)
		if st := r.d.Detail().Detail().App.State; st != "approved" {
			t.Errorf("approve after resolving: %s, %q", st, r.d.Detail().Message.Text)
		}
	}
}

// TestStaffDeskBulkVerifyOnTheRealEngine: 批量核验材料 on the queue's
// filter asks naming the engine's count, and the engine marks the pending
// evidence verified.
func TestStaffDeskBulkVerifyOnTheRealEngine(t *testing.T) {
	r := newStaffRig(t)
	name, pw := demoPassword(t, engineapi.RoleReviewer)
	r.signIn(name, pw)
	r.wait(staff.ScreenQueue)
	q := r.d.Queue()
	q.Evidence.SetSelected(q.Evidence.Options[1]) // 待核验 (pending)
	test.Tap(q.Apply)
	r.wait(staff.ScreenQueue)
	pending := q.Total()
	if pending == 0 {
		t.Fatal("no application with pending evidence on the demo engine")
	}
	test.Tap(q.Verify)
	if !strings.Contains(q.BulkAsk.Text, strconv.Itoa(pending)+" 份") {
		t.Fatalf("the ask does not name the %d applications: %q", pending, q.BulkAsk.Text)
	}
	test.Tap(q.BulkConfirm)
	r.wait(staff.ScreenQueue)
	if !strings.Contains(q.Message.Text, "已核验") || q.Total() != 0 {
		t.Fatalf("after bulk verify: %q, %d still pending", q.Message.Text, q.Total())
	}
}
