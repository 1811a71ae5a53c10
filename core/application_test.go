package core_test

import (
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
)

func TestTransitions(t *testing.T) {
	at := time.Date(2027, 6, 15, 9, 0, 0, 0, time.UTC)
	path := []core.State{core.StateSubmitted, core.StateReceived, core.StateNeedsReview, core.StateApproved,
		core.StateAdmitted, core.StatePlaced, core.StateRegistered}
	a := core.Application{State: core.StateDraft}
	for _, s := range path {
		if err := a.Transition(s, "test", "", at); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if len(a.History) != len(path) || a.History[0].From != core.StateDraft || a.State != core.StateRegistered {
		t.Fatalf("history = %+v", a.History)
	}

	refused := []struct{ from, to core.State }{
		{core.StateDraft, core.StateApproved},
		{core.StateSubmitted, core.StateAdmitted},
		{core.StateRejected, core.StateApproved},
		{core.StateRegistered, core.StateDraft},
		{core.StateAdmitted, core.StateWaitlisted},
	}
	for _, tc := range refused {
		a := core.Application{State: tc.from}
		err := a.Transition(tc.to, "test", "reason", at)
		if core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("%s → %s: err = %v, want ECONFLICT", tc.from, tc.to, err)
		}
		if a.State != tc.from || len(a.History) != 0 {
			t.Errorf("%s → %s: a refused move changed the application", tc.from, tc.to)
		}
	}
}

func TestReturnAndRejectNeedAReason(t *testing.T) {
	for _, to := range []core.State{core.StateReturned, core.StateRejected} {
		a := core.Application{State: core.StateNeedsReview}
		if err := a.Transition(to, "reviewer", "", time.Now()); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("%s without a reason: %v", to, err)
		}
		if err := a.Transition(to, "reviewer", "缺少租赁备案", time.Now()); err != nil {
			t.Errorf("%s with a reason: %v", to, err)
		}
	}
	a := core.Application{State: core.StateReturned}
	if err := a.Transition(core.StateSubmitted, "parent", "", time.Now()); err != nil {
		t.Errorf("a returned application can be submitted again: %v", err)
	}
}

func TestViewMasksEveryID(t *testing.T) {
	c := town(t)
	household(t, c, home, kid)
	owns(t, c, home, full(dad, 60), full(mum, 40))
	r := core.Registrar{Sources: core.SourcesOf(c), Policy: testPolicy(), Now: func() time.Time { return day(2027, 6, 15) }}
	res, err := r.Lookup(t.Context(), string(dad), string(kid), core.Primary)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Application.View()
	if v.Child.ID != kid.Masked() || v.Child.Name != "王小明" {
		t.Errorf("child = %+v", v.Child)
	}
	if len(v.Guardians) != 2 || v.Guardians[0].Relation != "父亲" || v.Guardians[1].Relation != "母亲" {
		t.Errorf("guardians = %+v", v.Guardians)
	}
	for _, g := range v.Guardians {
		if strings.Contains(g.ID, "1988") || strings.Contains(g.ID, "1990") {
			t.Errorf("guardian ID not masked: %s", g.ID)
		}
	}
	if v.Category != "房户一致" || len(v.Schools) != 1 || !strings.Contains(v.Address, "文昌花园5号楼1单元301室") {
		t.Errorf("view = %+v", v)
	}
}

func TestLookupRefusesBadInput(t *testing.T) {
	r := core.Registrar{Sources: core.SourcesOf(town(t)), Policy: testPolicy(), Now: func() time.Time { return day(2027, 6, 15) }}
	for _, tc := range []struct {
		name, guardian, child, says string
		stage                       core.Stage
	}{
		{"BadGuardian", "123", string(kid), "监护人", core.Primary},
		{"BadChild", string(dad), "370811202102030001", "孩子", core.Primary},
		{"SameNumber", string(dad), string(dad), "相同", core.Primary},
		{"BadStage", string(dad), string(kid), "学段", core.Stage("senior")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Lookup(t.Context(), tc.guardian, tc.child, tc.stage)
			if !core.IsInvalid(err) || !strings.Contains(core.ErrorMessage(err), tc.says) {
				t.Errorf("err = %v, want an invalid-input error mentioning %q", err, tc.says)
			}
		})
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := testPolicy().Validate(); err != nil {
		t.Fatalf("the test policy is valid: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*core.Policy)
		field string
	}{
		{"District", func(p *core.Policy) { p.District = "3708" }, "district"},
		{"ZeroShare", func(p *core.Policy) { p.MinGuardianShare = 0 }, "min_guardian_share"},
		{"NegativeLock", func(p *core.Policy) { p.LockYearsPrimary = -1 }, "lock_years_primary"},
		{"Cutoff", func(p *core.Policy) { p.AgeCutoff = "8/31" }, "age_cutoff"},
		{"NoRequires", func(p *core.Policy) { p.Categories[1].Requires = nil }, "category[2].requires"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testPolicy()
			tc.edit(p)
			err := p.Validate()
			pe, ok := err.(*core.PolicyError)
			if !ok || pe.Field != tc.field {
				t.Errorf("Validate = %v, want a PolicyError on %s", err, tc.field)
			}
		})
	}
}
