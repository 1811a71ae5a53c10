package sqlite_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

func auditEntries(t *testing.T, s *sqlite.EngineStore) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	if err := s.WalkAudit(context.Background(), func(e audit.Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustWhole(t *testing.T, s *sqlite.EngineStore, want int64) {
	t.Helper()
	n, _, brk, err := audit.Verify(context.Background(), s, nil)
	if err != nil || brk != nil || n != want {
		t.Fatalf("verify: %d entries, break %v, err %v; want %d whole", n, brk, err, want)
	}
}

func TestAuditRecordsEveryStateChange(t *testing.T) {
	ctx := context.Background()
	s := MustEngineStore(t, MustOpenDB(t, filepath.Join(t.TempDir(), "engine.db")))
	dev := storetest.MustDevice(t, s, 1) // device.add, device.register
	a, b := storetest.App(1), storetest.App(2)
	second := storetest.App(1) // same child, another application: a conflict
	bad := storetest.App(3)
	bad.ID = ""
	items := storetest.Intakes(t, dev, storetest.T0, a, b, a, second, bad)
	res, err := s.Ingest(ctx, dev, items, storetest.T0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetState(ctx, b.ID, core.StateApproved, "staff:王老师", "", storetest.T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Return(ctx, a.ID, "staff:李老师", "请补充租赁合同", storetest.T0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeDevice(ctx, dev, storetest.T0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	es := auditEntries(t, s)
	if len(es) != 2+len(items)+2+1 {
		t.Fatalf("%d entries, want %d: %+v", len(es), 2+len(items)+3, es)
	}
	mustWhole(t, s, int64(len(es)))
	if es[0].Action != "device.add" || es[1].Action != "device.register" || es[1].Actor != "device:"+dev {
		t.Errorf("device entries %+v %+v", es[0], es[1])
	}
	for i, r := range res {
		e := es[2+i]
		if e.Action != "ingest" || e.Actor != "device:"+dev || e.Detail != r.Outcome || !e.At.Equal(storetest.T0) {
			t.Errorf("ingest entry %d = %+v for result %+v", i, e, r)
		}
		if r.ID != "" && !strings.Contains(e.Subject, "app:"+r.ID) {
			t.Errorf("ingest entry %d names %q, not the application %s", i, e.Subject, r.ID)
		}
	}
	wantOutcomes := []string{engineapi.ItemAccepted, engineapi.ItemAccepted, engineapi.ItemDuplicate, engineapi.ItemConflict, engineapi.ItemRejected}
	for i, w := range wantOutcomes {
		if es[2+i].Detail != w {
			t.Errorf("item %d logged %q, want %q", i, es[2+i].Detail, w)
		}
	}
	if got := es[2].Subject; got != "app:"+a.ID+" child:"+a.Child.ID.Masked() {
		t.Errorf("subject %q: want the application and the masked child ID", got)
	}
	if es[2].After != string(res[0].State) {
		t.Errorf("accepted entry after=%q, want the engine's state %q", es[2].After, res[0].State)
	}
	set, ret, rev := es[7], es[8], es[9]
	if set.Action != "state" || set.Actor != "staff:王老师" || set.Before != string(core.StateVerified) || set.After != string(core.StateApproved) {
		t.Errorf("SetState entry %+v", set)
	}
	if ret.Actor != "staff:李老师" || ret.Before != string(core.StateVerified) || ret.After != string(core.StateReturned) || ret.Reason != "请补充租赁合同" {
		t.Errorf("Return entry %+v", ret)
	}
	if rev.Action != "device.revoke" || rev.Subject != "device:"+dev {
		t.Errorf("revoke entry %+v", rev)
	}
}

// A batch that fails leaves neither applications nor entries, and the
// chain goes on whole after it.
func TestAuditFailedIngestLeavesNoEntries(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "engine.db"))
	s := MustEngineStore(t, db)
	dev := storetest.MustDevice(t, s, 1)
	good, poison := storetest.App(1), storetest.App(2)
	if _, err := db.SQL().Exec(`CREATE TRIGGER fail_one BEFORE INSERT ON engine_applications
		WHEN NEW.id = '` + poison.ID + `' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, good, poison), storetest.T0); err == nil {
		t.Fatal("the ingest should have failed")
	}
	if es := auditEntries(t, s); len(es) != 2 {
		t.Fatalf("a failed ingest left entries: %+v", es[2:])
	}
	if _, err := s.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, good), storetest.T0); err != nil {
		t.Fatal(err)
	}
	mustWhole(t, s, 3)
}

// The device commands write to the engine's file from another process:
// an engine store whose cached head is behind finds the new head.
func TestAuditAnotherWriterOnTheSameFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "engine.db")
	s1 := MustEngineStore(t, MustOpenDB(t, path))
	s2 := MustEngineStore(t, MustOpenDB(t, path))
	ev := []engineapi.AuditEvent{{Actor: "engine", Action: "x"}}
	for _, s := range []*sqlite.EngineStore{s1, s2, s1, s2, s2, s1} {
		if err := s.Append(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	mustWhole(t, s1, 6)
	// Reopened, the head is read from the table.
	s3 := MustEngineStore(t, MustOpenDB(t, path))
	if h, err := s3.AuditHead(ctx); err != nil || h.Seq != 6 {
		t.Fatalf("head after reopen %+v, %v", h, err)
	}
}

var fullIDPattern = regexp.MustCompile(`\d{17}[\dX]`)

func TestAuditHoldsNoFullIDNumber(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "engine.db"))
	s := MustEngineStore(t, db)
	dev := storetest.MustDevice(t, s, 1)
	var apps []core.Application
	for i := range 20 {
		apps = append(apps, storetest.App(i))
	}
	if _, err := s.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, apps...), storetest.T0); err != nil {
		t.Fatal(err)
	}
	// A reviewer quoting an ID number in a reason, a search noting one.
	full := string(apps[0].Child.ID)
	if _, err := s.Return(ctx, apps[0].ID, "staff:1", "证件号 "+full+" 与户籍不符", storetest.T0); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, []engineapi.AuditEvent{{Actor: "staff:1", Action: "search", Detail: "q=" + full + " results=1"}}); err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().Query(`SELECT seq, actor || '|' || action || '|' || subject || '|' || before_state || '|' ||
		after_state || '|' || reason || '|' || detail FROM engine_audit`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var seq int64
		var text string
		if err := rows.Scan(&seq, &text); err != nil {
			t.Fatal(err)
		}
		n++
		if m := fullIDPattern.FindString(text); m != "" {
			t.Errorf("entry %d holds a full ID number %s: %s", seq, m, text)
		}
	}
	if n < 23 {
		t.Fatalf("only %d entries", n)
	}
	mustWhole(t, s, int64(n))
}

// Fields holding the unit separator the fast walk joins with are read
// exactly: a genuine one verifies, and shifting fields across it is caught.
func TestAuditFieldsWithTheSeparator(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "engine.db"))
	s := MustEngineStore(t, db)
	evs := []engineapi.AuditEvent{
		{Actor: "staff:1", Action: "search", Detail: "q=\x1f results=0"},
		{Actor: "staff:1", Action: "open", Subject: "app:X", Detail: "d"},
		{Actor: "staff:2", Action: "open", Subject: "app:Y", Reason: "a\x1eb"},
	}
	if err := s.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	mustWhole(t, s, 3)
	if es := auditEntries(t, s); es[0].Detail != "q=\x1f results=0" || es[1].Subject != "app:X" || es[2].Reason != "a\x1eb" {
		t.Fatalf("read back %+v", es[:2])
	}
	// Entry 2 with its fields shifted: the join of the tampered row would
	// read like the original if the separator were trusted.
	if _, err := db.SQL().Exec(`UPDATE engine_audit SET actor = actor || char(31) || action, action = subject,
		subject = before_state || char(31) || after_state, before_state = '', after_state = '' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	n, _, brk, err := audit.Verify(ctx, s, nil)
	if err != nil || brk == nil || brk.Seq != 2 || brk.Kind != audit.Changed {
		t.Fatalf("verify: %d, %v, %v; want entry 2 changed", n, brk, err)
	}
}
