package kiosk

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

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
	consent bool // agreed to the privacy notice, before any look-up
	demo    bool // staff opened the demo card list (demo mode only)

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
	k.showConsent()
}

// submit makes the application durable off the UI goroutine; the phone
// screen's 提交报名 calls it once the number is good. The draft carries
// the session's application ID, so however often it is tapped, one
// application is stored. The buttons are off while it runs; a failure
// says so on status and turns them on again, with what was typed kept.
func (k *Kiosk) submit(owner Screen, status *Notice, buttons ...*widget.Button) {
	sess := k.sess
	if sess == nil || sess.result == nil || sess.submitting || sess.submitted != nil {
		return
	}
	sess.submitting = true
	enable(buttons, false)
	status.set(noticeInfo, lang.L("submit.busy"))
	sub := sess.submission(k.svc.KioskID, k.now())
	var app core.Application
	var err error
	k.later(owner, func() {
		ctx, cancel := context.WithTimeout(context.Background(), submitTimeout)
		defer cancel()
		app, err = k.svc.Submitter.Submit(ctx, sub)
	}, func() {
		sess.submitting = false
		if err != nil {
			fyne.LogError("enrolldesk: submit failed", err)
			enable(buttons, true)
			msg := lang.L("submit.failed")
			if core.IsInvalid(err) || core.ErrorCode(err) == core.ECONFLICT {
				msg = k.words().errorText(err, "")
			}
			status.set(noticeError, msg)
			return
		}
		sess.submitted = &app
		k.showReceipt()
	})
}

func enable(buttons []*widget.Button, on bool) {
	for _, b := range buttons {
		switch {
		case b == nil:
		case on:
			b.Enable()
		default:
			b.Disable()
		}
	}
}
