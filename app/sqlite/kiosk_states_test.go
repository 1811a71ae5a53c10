package sqlite_test

import (
	"context"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

func TestKioskCountsEngineStatesAndTakesAReturnedChildAgain(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, sqlite.Memory)
	first := storetest.App(1)
	first.State, first.History = core.StateSubmitted, nil
	if _, err := db.SaveSubmitted(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := storetest.App(1) // the same child
	second.State, second.History = core.StateSubmitted, nil
	if _, err := db.SaveSubmitted(ctx, second); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("a second application while the first is live = %v, want refused", err)
	}
	if err := db.MarkSynced(ctx, []engineapi.ItemResult{{ID: first.ID, Outcome: engineapi.ItemAccepted, State: core.StateVerified}}, storetest.T0); err != nil {
		t.Fatal(err)
	}
	counts, err := db.CountByState(ctx)
	if err != nil || counts[core.StateVerified] != 1 || len(counts) != 1 {
		t.Fatalf("counts = %v, %v; want one verified", counts, err)
	}
	if err := db.ApplyStatusChanges(ctx, []engineapi.StatusChange{{Seq: 9, AppID: first.ID, State: core.StateReturned, Reason: "补充材料"}}, 9, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveSubmitted(ctx, second); err != nil {
		t.Fatalf("the family applies again after a return: %v", err)
	}
	counts, _ = db.CountByState(ctx)
	if counts[core.StateReturned] != 1 || counts[core.StateSubmitted] != 1 {
		t.Errorf("counts = %v", counts)
	}
}
