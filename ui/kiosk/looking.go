package kiosk

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// lookupTimeout bounds one look-up, so a hung data exchange ends in a
// message and 重试 rather than an endless wait.
const lookupTimeout = 45 * time.Second

// LookingScreen shows that the departments are being asked while the
// look-up runs off the UI goroutine. A failed look-up (not a decision)
// says so, with 重试 and 重新开始.
type LookingScreen struct {
	Progress *widget.ProgressBarInfinite
	Message  *widget.Label
	Status   *Notice
	Retry    *widget.Button // shown when the look-up failed
	Nav

	k       *Kiosk
	content fyne.CanvasObject
	cancel  context.CancelFunc
}

// Name implements Screen.
func (s *LookingScreen) Name() string { return ScreenLooking }

// Content implements Screen.
func (s *LookingScreen) Content() fyne.CanvasObject { return s.content }

func newLookingScreen(k *Kiosk) *LookingScreen {
	s := &LookingScreen{k: k, Progress: widget.NewProgressBarInfinite(), Status: k.notice()}
	s.Message = k.subheading(lang.L("looking.message"))
	s.Message.Alignment = fyne.TextAlignCenter
	s.Retry = k.primary(lang.L("looking.retry"), theme.ViewRefreshIcon(), s.run)
	s.Retry.Hide()
	s.Nav = k.nav(k.showChildID, nil)
	body := container.NewVBox(layout.NewSpacer(), s.Message, s.Progress, s.Status.object(),
		container.NewCenter(k.touchSized(s.Retry, 3)), layout.NewSpacer())
	s.content = k.frame(stepCheck, lang.L("looking.title"), body, s.Nav)
	return s
}

// run asks the registrar; the result comes back on the UI goroutine.
func (s *LookingScreen) run() {
	k := s.k
	sess := k.sess
	if sess == nil {
		return
	}
	if !sess.consent { // no department is asked before the family agrees
		k.showConsent()
		return
	}
	s.leave()
	ctx, cancel := context.WithTimeout(sess.ctx, lookupTimeout)
	s.cancel = cancel
	s.Retry.Hide()
	s.Status.clear()
	s.Message.SetText(lang.L("looking.message"))
	s.Progress.Show()
	s.Progress.Start()
	k.relayout()
	var res *core.LookupResult
	var err error
	k.later(s, func() {
		res, err = k.svc.Registrar.Lookup(ctx, string(sess.guardian), string(sess.child), sess.stage)
	}, func() {
		if ctx.Err() == context.Canceled {
			return // left or retried meanwhile
		}
		s.leave()
		if err != nil {
			s.failed(err)
			return
		}
		sess.acceptLookup(res)
		if res.Decision.Pending() {
			k.showPending()
			return
		}
		if !res.Decision.Eligible {
			k.showNotEligible()
			return
		}
		k.showConfirm()
	})
}

func (s *LookingScreen) failed(err error) {
	fyne.LogError("enrolldesk: look-up failed", err)
	s.Progress.Stop()
	s.Progress.Hide()
	s.Message.SetText(lang.L("looking.failedTitle"))
	msg := lang.L("looking.failed")
	if core.IsInvalid(err) {
		msg = s.k.words().errorText(err, "")
	}
	s.Status.set(noticeError, msg)
	s.Retry.Show()
	s.k.relayout()
}

func (s *LookingScreen) leave() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

// startLookup is step 4: it shows the waiting screen and asks.
func (k *Kiosk) startLookup() {
	s := newLookingScreen(k)
	k.show(s)
	s.run()
}
