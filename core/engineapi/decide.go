package engineapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"enrolldesk/core"
)

// ReasonChoicesOutsideZone is the Code of an item refused because its
// school choices are not schools of the family's zone (by the engine's own
// look-up), or name one twice. The item is not stored; the message says
// which school.
const ReasonChoicesOutsideZone = "choices_outside_zone"

// ReasonNoData answers a look-up at an engine that was started without
// department data (--trust-kiosk-decisions, tests only): 503.
const ReasonNoData = "no_data"

// Lookup cross-checks a guardian and a child on the engine's own
// department data; *core.Registrar satisfies it.
type Lookup interface {
	Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error)
}

// Intake is one pushed application after the engine decided it: what the
// store keeps, or why it cannot.
type Intake struct {
	// App is the engine's record: the family and the decision from its own
	// look-up, the kiosk's ranking of the zone's schools, and a history that
	// starts at the engine's receipt.
	App core.Application
	// Claim is the application as the kiosk pushed it: the decision it
	// showed the family and the history it wrote, kept beside the record,
	// never as the record.
	Claim core.Application
	// Year is the entry year: the engine keeps one application per child,
	// stage and year.
	Year int
	// Refused, when set, is the answer for an item that cannot be stored
	// (Outcome rejected); the store still answers duplicate for an ID it
	// holds.
	Refused *ItemResult
}

// Decider turns pushed applications into Intakes. With a Lookup it decides
// each one on the engine's own data; with none it takes the kiosk's
// decision as it comes (an engine started with --trust-kiosk-decisions,
// for tests only).
type Decider struct {
	Lookup Lookup
	Year   int // the policy's entry year; the year of the engine's clock when 0
}

// Trusting reports whether the decider takes the kiosks' decisions as
// they come.
func (d *Decider) Trusting() bool { return d.Lookup == nil }

// Decide checks a pushed application and decides it. The record moves
// submitted → received (actor: the device) → verified, needs_review or
// rejected (actor: engine): verified when the engine's decision is
// eligible without review and agrees with the kiosk's; needs_review when
// a person must look, or when the two differ in eligibility, category,
// priority or schools (problem core.PDecisionChanged, naming both);
// rejected (not eligible) when the engine's data say so and the kiosk
// claimed nothing else (an application taken 待核验). An error is a fault
// of the engine's data sources: nothing of the push can be answered.
func (d *Decider) Decide(ctx context.Context, deviceID string, a core.Application, now time.Time) (Intake, error) {
	in := Intake{Claim: a, Year: d.Year}
	if in.Year == 0 {
		in.Year = now.Year()
	}
	refuse := func(code string, err error) (Intake, error) {
		in.Refused = &ItemResult{ID: a.ID, Outcome: ItemRejected, Code: code, Reason: core.ErrorMessage(err)}
		return in, nil
	}
	if err := checkPushed(&a); err != nil {
		return refuse("", err)
	}
	if a.State != core.StateSubmitted {
		return refuse("", core.Errorf(core.EINVALID, "报名状态“%s”不能被受理，应为“%s”。", a.State.Label(), core.StateSubmitted.Label()))
	}
	rec := core.Application{ID: a.ID, RegNo: a.RegNo, Stage: a.Stage, State: core.StateSubmitted, Child: a.Child,
		Guardians: a.Guardians, Address: a.Address, Decision: a.Decision, Choices: a.Choices,
		Phone: a.Phone, KioskID: a.KioskID, CreatedAt: a.CreatedAt, Operator: a.Operator}
	changed := false
	if d.Lookup != nil {
		g, ok := a.Applicant()
		if !ok {
			return refuse("", core.Errorf(core.EINVALID, "报名没有监护人。"))
		}
		res, err := d.Lookup.Lookup(ctx, string(g.ID), string(a.Child.ID), a.Stage)
		if err != nil {
			if _, domain := err.(*core.Error); domain {
				return refuse("", err)
			}
			return in, fmt.Errorf("decide %s: %w", a.ID, err)
		}
		rec.Child, rec.Guardians, rec.Address, rec.Decision = res.Application.Child, res.Application.Guardians, res.Application.Address, res.Decision
		if rec.Choices, err = zoneChoices(rec.Decision, a.Choices); err != nil {
			return refuse(ReasonChoicesOutsideZone, err)
		}
		if !a.Decision.Pending() {
			if diff := core.DecisionDiff(a.Decision, rec.Decision); diff != "" {
				changed = true
				rec.Decision.NeedsReview = true
				rec.Decision.Problems = append(append([]core.Problem(nil), rec.Decision.Problems...), core.Problem{Code: core.PDecisionChanged,
					Message: "自助机显示的结果与教育局数据核验的结果不一致（" + diff + "），由工作人员审核。"})
			}
		}
	}
	if err := rec.Transition(core.StateReceived, deviceID, "", now); err != nil {
		return in, err
	}
	next, reason := d.state(rec.Decision, changed)
	if err := rec.Transition(next, "engine", reason, now); err != nil {
		return in, err
	}
	in.App = rec
	return in, nil
}

// state is where the engine's decision puts a received application.
func (d *Decider) state(dec core.Decision, changed bool) (core.State, string) {
	switch {
	case dec.Eligible && !dec.NeedsReview && !changed:
		return core.StateVerified, ""
	case d.Trusting() || dec.Eligible || dec.NeedsReview || changed:
		return core.StateNeedsReview, ""
	}
	var why []string
	for _, p := range dec.Problems {
		if p.Blocking {
			why = append(why, p.Message)
		}
	}
	if len(why) == 0 {
		why = append(why, "数据核验不符合入学条件。"+core.CounterAdvice)
	}
	return core.StateRejected, strings.Join(why, " ")
}

// zoneChoices checks the kiosk's ranking against the zone of the engine's
// decision: every choice a school of the zone, each once. An application
// taken without a data check ranks nothing: it gets the zone's schools in
// the zone's order. With no zone (not eligible) nothing is ranked.
func zoneChoices(dec core.Decision, ranked []core.School) ([]core.School, error) {
	zone := dec.Schools()
	if len(zone) == 0 {
		return nil, nil
	}
	if len(ranked) == 0 {
		return append([]core.School(nil), zone...), nil
	}
	out := make([]core.School, 0, len(ranked))
	seen := map[string]bool{}
	for _, r := range ranked {
		i := -1
		for j, z := range zone {
			if z.Code == r.Code {
				i = j
			}
		}
		switch {
		case i < 0:
			return nil, core.Errorf(core.EINVALID, "所选学校“%s”不是该家庭学区内的学校（学区学校：%s）。报名未受理，请到人工窗口。",
				truncate(r.Name+" "+r.Code, 40), schoolNames(zone))
		case seen[r.Code]:
			return nil, core.Errorf(core.EINVALID, "学校“%s”被选了两次。报名未受理，请到人工窗口。", truncate(r.Name+" "+r.Code, 40))
		}
		seen[r.Code] = true
		out = append(out, zone[i])
	}
	return out, nil
}

func schoolNames(ss []core.School) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return strings.Join(names, "、")
}
