package ui

import (
	"context"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// session is one family's visit, from choosing the grade to the receipt.
// It is replaced, never reused: a wipe drops it whole.
type session struct {
	ctx    context.Context
	cancel context.CancelFunc

	stage    core.Stage
	guardian core.ResidentID
	child    core.ResidentID

	result  *core.LookupResult // Application.ID set once per look-up
	choices []core.School      // the parent's ranking (multi-school zones)
	phone   string
	consent bool

	submitting bool
	submitted  *core.Application
	printing   bool
	printed    bool // some print of the receipt went to the printer
	outcome    *receipt.Outcome
	printErr   error
}

func newSession(stage core.Stage) *session {
	ctx, cancel := context.WithCancel(context.Background())
	return &session{ctx: ctx, cancel: cancel, stage: stage}
}

// end cancels whatever the session still waits for (a card read, a look-up).
func (s *session) end() { s.cancel() }

// acceptLookup keeps a look-up's result and gives its draft the ID that
// every submission of it will carry, so a retry or a double tap can only
// ever store one application.
func (s *session) acceptLookup(r *core.LookupResult) {
	r.Application.ID = core.NewApplicationID()
	s.result = r
	s.choices = nil
	if r.Decision.Zone.MultiSchool() {
		return
	}
	s.choices = append(s.choices, r.Decision.Schools()...)
}

// submission is what the parent confirmed.
func (s *session) submission(kioskID string, at time.Time) core.Submission {
	return core.Submission{Draft: s.result.Application, Choices: append([]core.School(nil), s.choices...),
		Phone: s.phone, Consent: s.consent, KioskID: kioskID, At: at}
}

// startSession begins a visit for a grade.
func (k *Kiosk) startSession(stage core.Stage) {
	if k.sess != nil {
		k.sess.end()
	}
	k.sess = newSession(stage)
	k.mu.Lock()
	k.stats = Stats{Touches: 1} // the tap that chose the grade
	k.mu.Unlock()
	k.showGuardianID()
}
