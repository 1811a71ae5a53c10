package staff_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

func TestDuplicateSetIsResolvedBeforeADecision(t *testing.T) {
	r := newDeskRig(t, 6, desktop)
	set := r.f.addDuplicate("APP-00001", "APP-00002")
	r.signIn("reviewer")
	d := r.openFirst()
	if d.AppID != "APP-00001" || !d.OpenDuplicates() {
		t.Fatalf("opened %s, open duplicates %v", d.AppID, d.OpenDuplicates())
	}
	keep := d.Keep[set]
	if keep == nil || !keep.Visible() || d.Distinct[set] == nil {
		t.Fatal("no 保留这份 on an application in an open duplicate set")
	}
	// Approving first: the engine refuses and the window says why.
	test.Tap(d.Approve)
	test.Tap(d.Confirm)
	r.idle()
	if d.Detail().App.State != core.StateNeedsReview || !strings.Contains(d.Message.Text, "重复") {
		t.Fatalf("approve in an open set: %s, %q", d.Detail().App.State, d.Message.Text)
	}
	if d.Action != "" {
		test.Tap(d.Cancel)
	}
	// Keep this one: the set is resolved, the other marked, and the
	// application can be approved.
	test.Tap(keep)
	r.idle()
	d = r.d.Detail()
	if d.OpenDuplicates() || !strings.Contains(d.Message.Text, "已保留这份申请") || len(d.Keep) != 0 {
		t.Fatalf("after keep: open %v, %q, buttons %d", d.OpenDuplicates(), d.Message.Text, len(d.Keep))
	}
	got := d.Detail().Duplicates[0]
	if got.Keep != "APP-00001" || got.Members[0].Marked || !got.Members[1].Marked {
		t.Fatalf("resolved set %+v", got)
	}
	test.Tap(d.Approve)
	test.Tap(d.Confirm)
	r.idle()
	if d.Detail().App.State != core.StateApproved {
		t.Fatalf("approve after keep: %s, %q", d.Detail().App.State, d.Message.Text)
	}
}

func TestDuplicateSetsListedAndDistinct(t *testing.T) {
	r := newDeskRig(t, 6, desktop)
	set := r.f.addDuplicate("APP-00004", "APP-00005")
	r.signIn("bureau")
	test.Tap(r.d.Shell().Nav[staff.ScreenConflicts])
	r.at(staff.ScreenConflicts)
	c := r.d.Conflicts()
	if len(c.Sets()) != 1 || !strings.Contains(c.DupMessage.Text, "1 组") {
		t.Fatalf("sets %+v, %q", c.Sets(), c.DupMessage.Text)
	}
	c.Duplicates.Select(widget.TableCellID{Row: 0, Col: 0})
	r.at(staff.ScreenDetail)
	d := r.d.Detail()
	if d.AppID != "APP-00004" {
		t.Fatalf("opened %s", d.AppID)
	}
	test.Tap(d.Distinct[set])
	r.idle()
	d = r.d.Detail()
	if d.OpenDuplicates() || !strings.Contains(d.Message.Text, "不同的孩子") {
		t.Fatalf("after distinct: %q", d.Message.Text)
	}
	if r.f.openSet("APP-00005") != nil {
		t.Error("the other member is still in an open set")
	}
}

func TestHallStaffAreNotOfferedDuplicateSets(t *testing.T) {
	r := newDeskRig(t, 3, desktop)
	r.f.addDuplicate("APP-00001", "APP-00002")
	r.signIn("hall")
	test.Tap(r.d.Shell().Nav[staff.ScreenConflicts])
	r.at(staff.ScreenConflicts)
	if n := r.f.count("duplicates"); n != 0 || len(r.d.Conflicts().Sets()) != 0 {
		t.Fatalf("hall staff asked for duplicate sets (%d calls), which the engine refuses them", n)
	}
}

func TestBulkVerifyNamesTheCountFirst(t *testing.T) {
	r := newDeskRig(t, 30, desktop)
	r.signIn("reviewer")
	r.at(staff.ScreenQueue)
	q := r.d.Queue()
	q.School.SetText("S02")
	test.Tap(q.Apply)
	r.idle()
	test.Tap(q.Verify)
	if !q.BulkConfirm.Visible() || !strings.Contains(q.BulkAsk.Text, "10 份") {
		t.Fatalf("ask: visible %v, %q", q.BulkConfirm.Visible(), q.BulkAsk.Text)
	}
	test.Tap(q.BulkConfirm)
	r.idle()
	// S02 is every third application: 10, all with evidence pending.
	if !strings.Contains(q.Message.Text, "已核验 10 份") {
		t.Fatalf("verify: %q", q.Message.Text)
	}
	for _, it := range q.Rows() {
		if it.Evidence != engineapi.EvidenceVerified {
			t.Errorf("%s evidence %s", it.AppID, it.Evidence)
		}
	}
	// The other schools are untouched.
	if a := r.f.find("APP-00002"); a.item.School != "S03" || a.evidence != engineapi.EvidencePending {
		t.Errorf("outside the filter: %s %s", a.item.School, a.evidence)
	}
}
