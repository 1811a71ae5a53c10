package core_test

import (
	"testing"
	"time"

	"enrolldesk/core"
)

func TestPendingLookupSubmits(t *testing.T) {
	now := time.Date(2027, 5, 1, 9, 0, 0, 0, time.UTC)
	g := core.MakeResidentID("370811", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 11)
	c := core.MakeResidentID("370811", time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC), 12)
	if _, err := core.PendingLookup(string(g), "370811202009010000", core.Primary, now); !core.IsInvalid(err) {
		t.Fatalf("a wrong child number = %v, want the same error as a look-up", err)
	}
	res, err := core.PendingLookup(string(g), string(c), core.Primary, now)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Decision.Pending() || res.Decision.Eligible || len(res.Decision.Evidence) != 0 {
		t.Fatalf("decision %+v; want pending, no claim of eligibility, no evidence", res.Decision)
	}
	res.Application.ID = core.NewApplicationID()
	a, err := core.Submit(core.Submission{Draft: res.Application, Phone: "13800138000", Consent: true, KioskID: "K1", At: now})
	if err != nil {
		t.Fatalf("a pending application was refused: %v", err)
	}
	if a.State != core.StateSubmitted || a.Child.ID != c || a.Guardians[0].ID != g || len(a.Choices) != 0 || a.Phone != "13800138000" {
		t.Errorf("submitted %+v", a)
	}
	if _, err := core.Submit(core.Submission{Draft: res.Application, Phone: "13800138000", KioskID: "K1", At: now}); core.ErrorCode(err) != core.EConsent {
		t.Errorf("without consent = %v", err)
	}
}

func TestDecisionDiff(t *testing.T) {
	z := &core.Zone{Schools: []core.School{{Code: "P1", Name: "一小"}}}
	a := core.Decision{Eligible: true, Category: "A", CategoryName: "房户一致", Priority: 1, Zone: z}
	if d := core.DecisionDiff(a, a); d != "" {
		t.Errorf("the same decision differs: %q", d)
	}
	b := a
	b.Zone = &core.Zone{Schools: []core.School{{Code: "P2", Name: "二小"}}}
	if d := core.DecisionDiff(a, b); d == "" {
		t.Error("other schools do not differ")
	}
}
