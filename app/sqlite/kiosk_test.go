package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/sourcetest"
)

func submitted(t *testing.T, child core.ResidentID) core.Application {
	t.Helper()
	at := time.Date(2027, 6, 15, 9, 0, 0, 0, time.UTC)
	id := core.NewApplicationID()
	a := core.Application{ID: id, RegNo: core.RegNo(id, core.Primary, at), Stage: core.Primary, State: core.StateSubmitted,
		Child: core.Child{ID: child, Name: "王小明"}, KioskID: "K1", CreatedAt: at, Phone: "13805371234",
		Choices: []core.School{{Code: "P1", Name: "文昌小学"}}}
	return a
}

func TestSaveSubmittedIsDurableAndIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	db := MustOpenDB(t, path)
	ctx := context.Background()
	a := submitted(t, sourcetest.Kid)
	got, err := db.SaveSubmitted(ctx, a)
	if err != nil || got.ID != a.ID {
		t.Fatalf("save: %v", err)
	}
	again, err := db.SaveSubmitted(ctx, a)
	if err != nil || again.RegNo != a.RegNo {
		t.Fatalf("second save of the same application: %v", err)
	}
	db.Close()

	db = MustOpenDB(t, path)
	n, err := db.CountApplications(ctx)
	if err != nil || n != 1 {
		t.Fatalf("applications after reopen = %d, %v; want 1", n, err)
	}
	rows, err := db.Outbox(ctx)
	if err != nil || len(rows) != 1 || rows[0].AppID != a.ID {
		t.Fatalf("outbox = %+v, %v; want one row for the application", rows, err)
	}
	stored, err := db.ApplicationByRegNo(ctx, a.RegNo)
	if err != nil || stored.Child.ID != a.Child.ID || stored.Phone != a.Phone || len(stored.Choices) != 1 {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	if _, err := db.ApplicationByRegNo(ctx, "JN27P-00000-00000"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Errorf("unknown reg no: %v", err)
	}
}

func TestSaveSubmittedRefusesSecondApplicationForChild(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	first := submitted(t, sourcetest.Kid)
	if _, err := db.SaveSubmitted(ctx, first); err != nil {
		t.Fatal(err)
	}
	_, err := db.SaveSubmitted(ctx, submitted(t, sourcetest.Kid))
	if core.ErrorCode(err) != core.ECONFLICT || !strings.Contains(core.ErrorMessage(err), first.RegNo) {
		t.Fatalf("err = %v, want a conflict naming %s", err, first.RegNo)
	}
	if n, _ := db.CountApplications(ctx); n != 1 {
		t.Errorf("applications = %d, want 1", n)
	}
}

func TestSaveSubmittedIsAllOrNothing(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	if _, err := db.SQL().ExecContext(ctx, `CREATE TRIGGER no_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveSubmitted(ctx, submitted(t, sourcetest.Kid)); err == nil {
		t.Fatal("save succeeded although the outbox row could not be written")
	}
	if n, _ := db.CountApplications(ctx); n != 0 {
		t.Errorf("an application without its outbox row was kept (%d)", n)
	}
}
