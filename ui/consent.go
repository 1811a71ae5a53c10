package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// submitTimeout bounds the durable write of one application.
const submitTimeout = 30 * time.Second

// ConsentScreen shows the short privacy notice, a big 我已阅读并同意 toggle
// and 提交. The submit button disables itself on the first tap, so a
// double tap submits once.
type ConsentScreen struct {
	Notice *widget.Label
	Phone  *widget.Label
	Agree  *widget.Button
	Status *Notice
	Nav    // Next is 提交

	k       *Kiosk
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *ConsentScreen) Name() string { return ScreenConsent }

// Content implements Screen.
func (s *ConsentScreen) Content() fyne.CanvasObject { return s.content }

func newConsentScreen(k *Kiosk) *ConsentScreen {
	s := &ConsentScreen{k: k, Status: k.notice()}
	s.Notice = k.text(lang.L("consent.text"))
	s.Phone = k.text(lang.L("consent.phone", map[string]any{"Phone": core.MaskPhone(k.sess.phone)}))
	s.Agree = k.button("", nil, s.toggle)
	s.Nav = k.nav(k.showPhone, k.primary(lang.L("consent.submit"), theme.MailSendIcon(), s.submit))
	body := container.NewVBox(s.Notice, s.Phone, widget.NewSeparator(),
		container.NewCenter(container.New(&minLayout{min: fyne.NewSize(k.size(sizeKeyWidth)*5, k.size(sizeChoice)/2)}, s.Agree)),
		s.Status.object())
	s.content = k.frame(6, lang.L("consent.title"), k.scroll(body), s.Nav)
	s.render()
	return s
}

func (s *ConsentScreen) toggle() {
	if s.k.sess == nil || s.k.sess.submitting {
		return
	}
	s.k.sess.consent = !s.k.sess.consent
	s.render()
}

func (s *ConsentScreen) render() {
	if s.k.sess.consent {
		s.Agree.SetText(lang.L("consent.agreed"))
		s.Agree.SetIcon(theme.CheckButtonCheckedIcon())
		s.Agree.Importance = widget.SuccessImportance
		s.Next.Enable()
		s.Status.set(noticeOK, lang.L("consent.ready"))
	} else {
		s.Agree.SetText(lang.L("consent.agree"))
		s.Agree.SetIcon(theme.CheckButtonIcon())
		s.Agree.Importance = widget.MediumImportance
		s.Next.Disable()
		s.Status.set(noticeInfo, lang.L("consent.needAgree"))
	}
	s.Agree.Refresh()
}

// submit makes the application durable off the UI goroutine. The draft
// carries the session's application ID, so whatever is tapped, one
// application is stored.
func (s *ConsentScreen) submit() {
	k := s.k
	sess := k.sess
	if sess == nil || !sess.consent || sess.submitting || sess.submitted != nil {
		return
	}
	sess.submitting = true
	s.busy(true)
	s.Status.set(noticeInfo, lang.L("consent.submitting"))
	sub := sess.submission(k.svc.KioskID, k.now())
	var app core.Application
	var err error
	k.later(s, func() {
		ctx, cancel := context.WithTimeout(context.Background(), submitTimeout)
		defer cancel()
		app, err = k.svc.Submitter.Submit(ctx, sub)
	}, func() {
		sess.submitting = false
		if err != nil {
			fyne.LogError("enrolldesk: submit failed", err)
			s.busy(false)
			msg := lang.L("consent.failed")
			if core.IsInvalid(err) || core.ErrorCode(err) == core.ECONFLICT {
				msg = k.words().errorText(err, "")
			}
			s.Status.set(noticeError, msg)
			return
		}
		sess.submitted = &app
		k.showReceipt()
	})
}

func (s *ConsentScreen) busy(on bool) {
	for _, b := range []*widget.Button{s.Next, s.Agree, s.Back, s.Restart} {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

func (s *ConsentScreen) clear() {
	s.Phone.SetText("")
	s.Status.clear()
}

// showConsent is step 6.
func (k *Kiosk) showConsent() {
	if k.sess == nil {
		return
	}
	k.show(newConsentScreen(k))
}
