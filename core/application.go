package core

import (
	"slices"
	"time"
)

// State is where an application is in its life (DESIGN.md §1).
type State string

// Application states.
const (
	StateDraft       State = "draft"
	StateSubmitted   State = "submitted"    // durable on the kiosk
	StateReceived    State = "received"     // the engine has it
	StateVerified    State = "verified"     // every fact checked by data
	StateNeedsReview State = "needs_review" // a person must look
	StateApproved    State = "approved"
	StateReturned    State = "returned" // more needed from the family; reason given
	StateRejected    State = "rejected" // reason given
	StateAdmitted    State = "admitted"
	StateWaitlisted  State = "waitlisted"
	StatePlaced      State = "placed"     // class assigned
	StateRegistered  State = "registered" // 学籍号 issued
)

// transitions lists, for each state, the states it may move to.
var transitions = map[State][]State{
	StateDraft:       {StateSubmitted},
	StateSubmitted:   {StateReceived},
	StateReceived:    {StateVerified, StateNeedsReview, StateRejected}, // rejected: the engine's data say not eligible
	StateVerified:    {StateApproved, StateNeedsReview},
	StateNeedsReview: {StateApproved, StateReturned, StateRejected},
	StateReturned:    {StateSubmitted},
	StateApproved:    {StateAdmitted, StateWaitlisted},
	StateWaitlisted:  {StateAdmitted, StateRejected},
	StateAdmitted:    {StatePlaced},
	StatePlaced:      {StateRegistered},
}

// needsReason are the states a person may only move to with a reason.
var needsReason = map[State]bool{StateReturned: true, StateRejected: true}

// CanTransition reports whether from may move to to.
func CanTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transition is one step in an application's history.
type Transition struct {
	From   State     `json:"from"`
	To     State     `json:"to"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason,omitempty"`
}

// Child is the child an application is for.
type Child struct {
	ID        ResidentID `json:"id"`
	Name      string     `json:"name"`
	Sex       Sex        `json:"sex"`
	BirthDate time.Time  `json:"birth_date"`
}

// Guardian is a guardian named on an application.
type Guardian struct {
	ID        ResidentID `json:"id"`
	Name      string     `json:"name"`
	Relation  string     `json:"relation"`  // 父亲, 母亲 …; "" when the records do not say
	Applicant bool       `json:"applicant"` // the one who applied
}

// Application is one child's application for one stage.
type Application struct {
	ID        string       `json:"id"`     // UUID: the idempotency key across kiosk and engine
	RegNo     string       `json:"reg_no"` // registration number printed on the receipt
	Stage     Stage        `json:"stage"`
	State     State        `json:"state"`
	Child     Child        `json:"child"`
	Guardians []Guardian   `json:"guardians"`
	Address   Address      `json:"address"` // the address the school follows
	Decision  Decision     `json:"decision"`
	Choices   []School     `json:"choices"` // ranked by the parent; one for a single-school zone
	Phone     string       `json:"phone,omitempty"`
	KioskID   string       `json:"kiosk_id,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	History   []Transition `json:"history,omitempty"`
	// Operator is the staff member who registered a walk-in at the desk on
	// the family's behalf, as "name (staff:ID)"; "" for a kiosk's. The
	// history's first step names the same account.
	Operator string `json:"operator,omitempty"`
}

// Transition moves the application to a new state, checking the move is
// allowed and that returns and rejections carry a reason.
func (a *Application) Transition(to State, actor, reason string, at time.Time) error {
	if !CanTransition(a.State, to) {
		return Errorf(ECONFLICT, "申请状态不能从“%s”变为“%s”。", a.State.Label(), to.Label())
	}
	if needsReason[to] && reason == "" {
		return Errorf(EINVALID, "“%s”需要填写原因。", to.Label())
	}
	a.History = append(a.History, Transition{From: a.State, To: to, At: at, Actor: actor, Reason: reason})
	a.State = to
	return nil
}

// Label returns the state in plain Chinese.
func (s State) Label() string {
	switch s {
	case StateDraft:
		return "草稿"
	case StateSubmitted:
		return "已提交"
	case StateReceived:
		return "已受理"
	case StateVerified:
		return "数据已核验"
	case StateNeedsReview:
		return "待人工审核"
	case StateApproved:
		return "审核通过"
	case StateReturned:
		return "退回补充"
	case StateRejected:
		return "不予通过"
	case StateAdmitted:
		return "已录取"
	case StateWaitlisted:
		return "候补"
	case StatePlaced:
		return "已分班"
	case StateRegistered:
		return "已建籍"
	}
	return string(s)
}

// ApplicationView is an application as it may be shown, printed or logged:
// every ID number masked.
type ApplicationView struct {
	ID          string       `json:"id,omitempty"`
	RegNo       string       `json:"reg_no,omitempty"`
	Stage       Stage        `json:"stage"`
	State       State        `json:"state"`
	Child       PersonView   `json:"child"`
	Guardians   []PersonView `json:"guardians"`
	Address     string       `json:"address"`
	Category    string       `json:"category_name"`
	Priority    int          `json:"priority"`
	Schools     []string     `json:"schools"`
	NeedsReview bool         `json:"needs_review"`
}

// PersonView is a person with a masked ID number.
type PersonView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Sex       string `json:"sex,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	Relation  string `json:"relation,omitempty"`
}

// View returns the application with masked ID numbers.
func (a *Application) View() ApplicationView {
	v := ApplicationView{ID: a.ID, RegNo: a.RegNo, Stage: a.Stage, State: a.State,
		Child: PersonView{ID: a.Child.ID.Masked(), Name: a.Child.Name, Sex: a.Child.Sex.String(),
			BirthDate: a.Child.BirthDate.Format("2006-01-02")},
		Address: a.Address.String(), Category: a.Decision.CategoryName,
		Priority: a.Decision.Priority, NeedsReview: a.Decision.NeedsReview,
		Guardians: []PersonView{}, Schools: []string{}}
	for _, g := range a.Guardians {
		v.Guardians = append(v.Guardians, PersonView{ID: g.ID.Masked(), Name: g.Name, Relation: g.Relation})
	}
	for _, s := range a.Choices {
		v.Schools = append(v.Schools, s.Name)
	}
	return v
}

// Draft fills a draft application from a dossier and its decision: the
// child's and guardians' names from the registers (the applicant first,
// then the child's proven parents), the basis address, and
// the zone's schools as the initial choices.
func Draft(d *Dossier, dec Decision, at time.Time) Application {
	a := Application{Stage: d.Stage, State: StateDraft, Decision: dec, Address: dec.Basis, CreatedAt: at,
		Child: Child{ID: d.ChildID, Sex: d.ChildID.Sex(), BirthDate: d.ChildID.BirthDate()}}
	names := d.knownNames()
	a.Child.Name = names[d.ChildID]
	a.Guardians = append(a.Guardians, Guardian{ID: d.GuardianID, Name: names[d.GuardianID], Relation: dec.Relation, Applicant: true})
	// Then every proven parent besides the applicant: both parents stay on
	// the form even when an aunt or a grandparent applies.
	var parents []ResidentID
	for id := range d.Parents {
		if id != d.GuardianID {
			parents = append(parents, id)
		}
	}
	slices.Sort(parents)
	for _, id := range parents {
		a.Guardians = append(a.Guardians, Guardian{ID: id, Name: names[id], Relation: RelationToChild(KinParent, id.Sex())})
	}
	a.Choices = append(a.Choices, dec.Schools()...)
	if a.Address.IsZero() && d.ChildHousehold != nil {
		a.Address = d.ChildHousehold.Address
	}
	return a
}

// knownNames collects names the registers give for ID numbers.
func (d *Dossier) knownNames() map[ResidentID]string {
	names := map[ResidentID]string{}
	for _, h := range []*Household{d.ChildHousehold, d.GuardianHousehold} {
		if h != nil {
			for _, m := range h.Members {
				names[m.ID] = m.Name
			}
		}
	}
	if b := d.Birth; b != nil {
		for _, p := range []Person{b.Mother, b.Father} {
			if p.ID != "" && names[p.ID] == "" {
				names[p.ID] = p.Name
			}
		}
	}
	for _, p := range d.Properties {
		for _, o := range p.Owners {
			if names[o.ID] == "" {
				names[o.ID] = o.Name
			}
		}
	}
	return names
}
