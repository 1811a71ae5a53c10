package core

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Problem codes of the engine's own decision.
const (
	// PPendingCheck: the kiosk could not reach the engine and holds no
	// department data, so it took the application with what the card and
	// the parent gave; the engine checks it when it arrives.
	PPendingCheck = "pending_check"
	// PDecisionChanged: the engine's decision on its own data differs from
	// what the kiosk showed the family (category, priority, eligibility or
	// schools); a person looks before anything is final.
	PDecisionChanged = "decision_changed"
)

// PendingLookup is the look-up result a kiosk without department data
// gives when the engine cannot be reached: the application is taken 待核验
// with the ID numbers (checked here, so a typing error is still caught at
// the kiosk), the stage and nothing else. Its decision is not eligible yet,
// carries the problem PPendingCheck and no evidence; Submit accepts it
// without school choices, and the engine decides when it arrives.
func PendingLookup(guardian, child string, stage Stage, now time.Time) (*LookupResult, error) {
	gid, cid, err := parsePair(guardian, child, stage, now)
	if err != nil {
		return nil, err
	}
	dec := Decision{Problems: []Problem{{Code: PPendingCheck,
		Message: "暂时无法连接教育局系统核验登记信息。报名照常受理，教育局核验后会以短信通知结果。"}}}
	a := Application{Stage: stage, State: StateDraft, Decision: dec, CreatedAt: now,
		Child:     Child{ID: cid, Sex: cid.Sex(), BirthDate: cid.BirthDate()},
		Guardians: []Guardian{{ID: gid, Applicant: true}}}
	return &LookupResult{Decision: dec, Application: a}, nil
}

// Pending reports whether the decision waits for the engine's data check
// (a kiosk took the application without one).
func (d *Decision) Pending() bool {
	return slices.ContainsFunc(d.Problems, func(p Problem) bool { return p.Code == PPendingCheck })
}

// Applicant returns the guardian who applied (the first one listed when
// none is marked), and false when the application names no guardian.
func (a *Application) Applicant() (Guardian, bool) {
	for _, g := range a.Guardians {
		if g.Applicant {
			return g, true
		}
	}
	if len(a.Guardians) > 0 {
		return a.Guardians[0], true
	}
	return Guardian{}, false
}

// DecisionDiff says, in plain words naming both sides, how two decisions
// for the same family differ in what decides a place: eligibility,
// category, priority and the zone's schools. "" when they agree.
func DecisionDiff(kiosk, engine Decision) string {
	var diffs []string
	if kiosk.Eligible != engine.Eligible {
		diffs = append(diffs, fmt.Sprintf("是否符合条件：自助机为“%s”，核验为“%s”", yesNo(kiosk.Eligible), yesNo(engine.Eligible)))
	}
	if kiosk.Category != engine.Category || kiosk.CategoryName != engine.CategoryName {
		diffs = append(diffs, fmt.Sprintf("类别：自助机为“%s”，核验为“%s”", orNone(kiosk.CategoryName), orNone(engine.CategoryName)))
	}
	if kiosk.Priority != engine.Priority {
		diffs = append(diffs, fmt.Sprintf("顺位：自助机为%d，核验为%d", kiosk.Priority, engine.Priority))
	}
	ks, es := schoolCodes(kiosk.Schools()), schoolCodes(engine.Schools())
	if !slices.Equal(ks, es) {
		diffs = append(diffs, fmt.Sprintf("学校：自助机为“%s”，核验为“%s”", orNone(schoolList(kiosk.Schools())), orNone(schoolList(engine.Schools()))))
	}
	return strings.Join(diffs, "；")
}

func yesNo(b bool) string {
	if b {
		return "符合"
	}
	return "不符合"
}

func orNone(s string) string {
	if s == "" {
		return "无"
	}
	return s
}

func schoolCodes(ss []School) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Code
	}
	slices.Sort(out)
	return out
}

func schoolList(ss []School) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return strings.Join(names, "、")
}
