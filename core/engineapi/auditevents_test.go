package engineapi_test

import (
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

func TestIngestEventMasksAndFallsBackToTheClaim(t *testing.T) {
	now := time.Date(2027, 6, 15, 9, 0, 0, 0, time.UTC)
	const child = "370102201903070012"
	it := engineapi.Intake{}
	it.Claim.Child.ID = child
	ev := engineapi.IngestEvent("KD-1", it, "", engineapi.ItemResult{ID: "a1", Outcome: engineapi.ItemAccepted, State: core.StateVerified}, now)
	if ev.Actor != "device:KD-1" || ev.Action != "ingest" || ev.After != string(core.StateVerified) || !ev.At.Equal(now) {
		t.Errorf("event %+v", ev)
	}
	if strings.Contains(ev.Subject, child) || !strings.Contains(ev.Subject, core.ResidentID(child).Masked()) || !strings.HasPrefix(ev.Subject, "app:a1 ") {
		t.Errorf("subject %q: want the app and the masked child from the claim", ev.Subject)
	}
	ev = engineapi.IngestEvent("KD-1", it, "", engineapi.ItemResult{ID: "a2", Outcome: engineapi.ItemConflict, Reason: "kept once"}, now)
	if ev.After != "" || ev.Detail != engineapi.ItemConflict || ev.Reason != "kept once" {
		t.Errorf("a conflict records no state after: %+v", ev)
	}
}

func TestStateEventActorFromHistory(t *testing.T) {
	a := &core.Application{ID: "a1", State: core.StateApproved}
	a.History = append(a.History, core.Transition{To: core.StateApproved, Actor: "staff:u1"})
	ev := engineapi.StateEvent(a, core.StateNeedsReview, "ok", time.Time{})
	if ev.Actor != "staff:u1" || ev.Before != string(core.StateNeedsReview) || ev.After != string(core.StateApproved) || ev.Subject != "app:a1" {
		t.Errorf("event %+v", ev)
	}
	if got := engineapi.StateEvent(&core.Application{ID: "a2"}, "", "", time.Time{}).Actor; got != "engine" {
		t.Errorf("no history: actor %q, want engine", got)
	}
}
