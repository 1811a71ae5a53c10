package sqlite_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

func TestErasePersonalDataOnlyWhatTheEngineKeeps(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	apps := queued(t, db, 4)
	acked := time.Unix(1_800_000_000, 0)
	// 0 accepted, 1 a conflict, 2 refused for good, 3 still queued.
	if err := db.MarkSynced(ctx, []engineapi.ItemResult{
		{ID: apps[0].ID, Outcome: engineapi.ItemAccepted},
		{ID: apps[1].ID, Outcome: engineapi.ItemConflict, Reason: "已有登记号"},
	}, acked); err != nil {
		t.Fatal(err)
	}
	if err := db.DeadLetter(ctx, []engineapi.ItemResult{{ID: apps[2].ID, Reason: "bad"}}, acked); err != nil {
		t.Fatal(err)
	}

	if got, err := db.ErasePersonalData(ctx, acked.Add(-time.Second), acked); err != nil || len(got) != 0 {
		t.Fatalf("erasure before the acknowledgement's time: %v, %v; want nothing", got, err)
	}
	got, err := db.ErasePersonalData(ctx, acked, acked.Add(time.Hour))
	want := []sqlite.Erased{{AppID: apps[0].ID, RegNo: apps[0].RegNo}, {AppID: apps[1].ID, RegNo: apps[1].RegNo}}
	if err != nil || len(got) != 2 || !slices.Contains(got, want[0]) || !slices.Contains(got, want[1]) {
		t.Fatalf("erased %+v, %v; want the accepted and the conflict %+v", got, err, want)
	}
	for _, a := range apps[:2] {
		_, err := db.ApplicationByRegNo(ctx, a.RegNo)
		if !errors.Is(err, sqlite.ErrErased) || !strings.Contains(core.ErrorMessage(err), "人工窗口") {
			t.Errorf("erased %s: %v", a.RegNo, err)
		}
		var body, child, hash string
		if err := db.SQL().QueryRow(`SELECT body, child_id, body_hash FROM applications WHERE id = ?`, a.ID).Scan(&body, &child, &hash); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, string(a.Child.ID)) || strings.Contains(body, a.Child.Name) || strings.Contains(body, a.Phone) ||
			!strings.Contains(body, a.RegNo) || child == string(a.Child.ID) || len(hash) != 64 {
			t.Errorf("erased row: body %s, child_id %s, hash %q", body, child, hash)
		}
	}
	for _, a := range apps[2:] {
		if kept, err := db.Application(ctx, a.ID); err != nil || kept.Child.ID != a.Child.ID {
			t.Errorf("%s (dead letter or queued) lost its data: %v", a.RegNo, err)
		}
	}
	// The pull still updates an erased application's state.
	if err := db.ApplyStatusChanges(ctx, []engineapi.StatusChange{{AppID: apps[0].ID, State: core.StateVerified}}, 1, acked); err != nil {
		t.Fatal(err)
	}
	if st, err := db.SyncStatus(ctx, apps[0].ID); err != nil || st.State != core.StateVerified {
		t.Errorf("status of an erased application: %+v, %v", st, err)
	}
}
