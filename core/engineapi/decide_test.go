package engineapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

// fakeLookup answers every look-up with one decision.
type fakeLookup struct {
	dec core.Decision
	err error
}

func (f fakeLookup) Lookup(_ context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	if f.err != nil {
		return nil, f.err
	}
	cid := core.ResidentID(child)
	a := core.Application{Stage: stage, Child: core.Child{ID: cid, Name: "引擎记录的名字"}, Decision: f.dec,
		Guardians: []core.Guardian{{ID: core.ResidentID(guardian), Name: "引擎记录的家长", Applicant: true}}}
	return &core.LookupResult{Decision: f.dec, Application: a}, nil
}

var (
	schoolA = core.School{Code: "P001", Name: "实验小学"}
	schoolB = core.School{Code: "P002", Name: "第二小学"}
	schoolX = core.School{Code: "P999", Name: "别处小学"}
)

func eligible(cat, name string, prio int, schools ...core.School) core.Decision {
	return core.Decision{Eligible: true, Category: cat, CategoryName: name, Priority: prio, Zone: &core.Zone{Schools: schools}}
}

func notEligible() core.Decision {
	return core.Decision{Problems: []core.Problem{{Code: core.PNoBasis, Message: "没有入学依据。", Blocking: true}}}
}

func TestDecide(t *testing.T) {
	at := time.Date(2027, 5, 1, 9, 0, 0, 0, time.UTC)
	claimA := eligible("A", "房户一致", 1, schoolA)
	cases := []struct {
		name     string
		engine   *core.Decision // nil: trusting the kiosk
		edit     func(*core.Application)
		want     core.State // "" for refused
		code     string     // the refusal's code
		changed  bool       // decision_changed expected
		eligible bool       // the record's decision
	}{
		{"TrustEligible", nil, func(*core.Application) {}, core.StateVerified, "", false, true},
		{"TrustReview", nil, func(a *core.Application) { a.Decision.NeedsReview = true }, core.StateNeedsReview, "", false, true},
		{"TrustNotEligible", nil, func(a *core.Application) { a.Decision.Eligible = false }, core.StateNeedsReview, "", false, false},
		{"NoID", nil, func(a *core.Application) { a.ID = "" }, "", "", false, false},
		{"BadStage", nil, func(a *core.Application) { a.Stage = "college" }, "", "", false, false},
		{"BadChild", nil, func(a *core.Application) { a.Child.ID = "12345" }, "", "", false, false},
		{"AlreadyReceived", nil, func(a *core.Application) { a.State = core.StateReceived }, "", "", false, false},
		{"Agrees", &claimA, func(*core.Application) {}, core.StateVerified, "", false, true},
		{"EngineSaysNotEligible", ptr(notEligible()), func(*core.Application) {}, core.StateNeedsReview, "", true, false},
		{"KioskClaimedBetterCategory", ptr(eligible("C", "户籍", 3, schoolA)), func(*core.Application) {}, core.StateNeedsReview, "", true, true},
		{"OtherZoneSchools", ptr(eligible("A", "房户一致", 1, schoolA, schoolB)), func(*core.Application) {}, core.StateNeedsReview, "", true, true},
		{"ChoiceOutsideZone", &claimA, func(a *core.Application) { a.Choices = []core.School{schoolX} }, "", engineapi.ReasonChoicesOutsideZone, false, false},
		{"ChoiceTwice", ptr(eligible("A", "房户一致", 1, schoolA, schoolB)), func(a *core.Application) {
			a.Decision = eligible("A", "房户一致", 1, schoolA, schoolB)
			a.Choices = []core.School{schoolA, schoolA}
		}, "", engineapi.ReasonChoicesOutsideZone, false, false},
		{"PendingVerified", &claimA, pending, core.StateVerified, "", false, true},
		{"PendingNotEligible", ptr(notEligible()), pending, core.StateRejected, "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := storetest.App(1)
			a.Choices = []core.School{schoolA}
			a.Decision.Zone = &core.Zone{Schools: []core.School{schoolA}}
			c.edit(&a)
			d := &engineapi.Decider{Year: 2027}
			if c.engine != nil {
				d.Lookup = fakeLookup{dec: *c.engine}
			}
			in, err := d.Decide(context.Background(), "KD-1", a, at)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if in.Refused == nil || in.Refused.Outcome != engineapi.ItemRejected || in.Refused.Reason == "" || in.Refused.Code != c.code {
					t.Fatalf("refused = %+v, want rejected with a reason and code %q", in.Refused, c.code)
				}
				return
			}
			got := in.App
			if in.Refused != nil || got.State != c.want {
				t.Fatalf("state %s (refused %+v); want %s", got.State, in.Refused, c.want)
			}
			if got.Decision.Eligible != c.eligible {
				t.Errorf("recorded eligible = %v, want %v", got.Decision.Eligible, c.eligible)
			}
			changed := hasProblem(got.Decision, core.PDecisionChanged)
			if changed != c.changed {
				t.Errorf("decision_changed = %v, want %v (problems %+v)", changed, c.changed, got.Decision.Problems)
			}
			if len(got.History) != 2 || got.History[0].From != core.StateSubmitted || got.History[0].Actor != "KD-1" ||
				got.History[1].Actor != "engine" || !got.History[1].At.Equal(at) {
				t.Errorf("history %+v; want the engine's receipt (device) and decision", got.History)
			}
			if in.Claim.ID != a.ID || len(in.Claim.History) != len(a.History) || in.Year != 2027 {
				t.Errorf("claim or year not kept: %+v", in)
			}
			if c.engine != nil && got.Child.Name != "引擎记录的名字" {
				t.Errorf("child %+v; want the engine's records", got.Child)
			}
			if c.want == core.StateRejected && got.History[1].Reason == "" {
				t.Error("rejected without the reason")
			}
		})
	}
}

func TestDecideNamesBothSides(t *testing.T) {
	d := &engineapi.Decider{Lookup: fakeLookup{dec: eligible("C", "户籍", 3, schoolA)}}
	a := storetest.App(1)
	a.Decision.Zone, a.Choices = &core.Zone{Schools: []core.School{schoolA}}, []core.School{schoolA}
	in, err := d.Decide(context.Background(), "KD-1", a, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range in.App.Decision.Problems {
		if p.Code == core.PDecisionChanged {
			if !strings.Contains(p.Message, "房户一致") || !strings.Contains(p.Message, "户籍") {
				t.Errorf("message %q does not name both categories", p.Message)
			}
			return
		}
	}
	t.Fatal("no decision_changed problem")
}

func TestDecidePendingGetsZoneSchools(t *testing.T) {
	d := &engineapi.Decider{Lookup: fakeLookup{dec: eligible("A", "房户一致", 1, schoolA, schoolB)}}
	a := storetest.App(1)
	pending(&a)
	in, err := d.Decide(context.Background(), "KD-1", a, time.Now())
	if err != nil || len(in.App.Choices) != 2 || in.App.Choices[0] != schoolA {
		t.Fatalf("choices %+v, %v; want the zone's schools in its order", in.App.Choices, err)
	}
}

func TestDecideSourceFailureFailsThePush(t *testing.T) {
	d := &engineapi.Decider{Lookup: fakeLookup{err: context.DeadlineExceeded}}
	if _, err := d.Decide(context.Background(), "KD-1", storetest.App(1), time.Now()); err == nil {
		t.Fatal("a failing data source was not an error")
	}
}

func pending(a *core.Application) {
	a.Decision = core.Decision{Problems: []core.Problem{{Code: core.PPendingCheck, Message: "待核验"}}}
	a.Choices = nil
}

func ptr(d core.Decision) *core.Decision { return &d }

func hasProblem(d core.Decision, code string) bool {
	for _, p := range d.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}
