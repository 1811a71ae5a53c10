package kiosk

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// submitTimeout bounds the durable write of one application.
const submitTimeout = 30 * time.Second

// ConsentScreen is the first step: the short privacy notice, agreed in one
// tap on 同意并继续 before any department is asked about the family
// (PIPL). Not agreeing is 重新开始; the counter can help instead.
type ConsentScreen struct {
	Notice *widget.Label
	Refuse *widget.Label // what to do without agreeing
	Agree  *widget.Button
	Nav    // Next is Agree

	k       *Kiosk
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *ConsentScreen) Name() string { return ScreenConsent }

// Content implements Screen.
func (s *ConsentScreen) Content() fyne.CanvasObject { return s.content }

func newConsentScreen(k *Kiosk) *ConsentScreen {
	s := &ConsentScreen{k: k}
	s.Notice = k.subheading(lang.L("consent.text"))
	s.Refuse = k.text(lang.L("consent.refuse"))
	s.Agree = k.primary(lang.L("consent.agree"), theme.NavigateNextIcon(), s.agree)
	s.Nav = k.nav(nil, s.Agree)
	body := container.NewVBox(k.panel("", s.Notice), s.Refuse)
	s.content = k.frame(stepConsent, lang.L("consent.title"), k.scroll(body), s.Nav)
	return s
}

// agree records the consent and goes on to the guardian's card: only now
// may the look-up run.
func (s *ConsentScreen) agree() {
	if s.k.sess == nil {
		return
	}
	s.k.sess.consent = true
	s.k.showGuardianID()
}

// showConsent is step 1.
func (k *Kiosk) showConsent() {
	if k.sess == nil {
		return
	}
	k.show(newConsentScreen(k))
}
