package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"

	"enrolldesk/core"
)

// PhoneScreen takes the mobile number for the SMS notices on the keypad
// (digits only) and checks it with core.ParsePhone.
type PhoneScreen struct {
	Pad    *Keypad
	Status *Notice
	Nav    // Next is 确定

	k       *Kiosk
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *PhoneScreen) Name() string { return ScreenPhone }

// Content implements Screen.
func (s *PhoneScreen) Content() fyne.CanvasObject { return s.content }

func newPhoneScreen(k *Kiosk, initial string) *PhoneScreen {
	s := &PhoneScreen{k: k}
	s.Pad = newKeypad(k, phoneKeypad, initial)
	s.Status = s.Pad.Message
	s.Pad.onChange = s.Status.clear
	s.Pad.onHint = func(h string) { s.Status.set(noticeWarn, h) }
	s.Nav = k.nav(k.showSchool, k.primary(lang.L("phone.submit"), theme.MailSendIcon(), s.confirm))
	s.Pad.confirms(s.Next)
	s.content = k.frame(5, lang.L("phone.title"), k.scroll(s.Pad.object(k.text(lang.L("phone.why")))), s.Nav)
	return s
}

func (s *PhoneScreen) confirm() {
	k := s.k
	if k.sess == nil {
		return
	}
	phone, err := core.ParsePhone(s.Pad.Value())
	if err != nil {
		s.Status.set(noticeError, k.words().errorText(err, s.Pad.Value()))
		return
	}
	k.sess.phone = phone
	k.submit(s, s.Status, s.Next, s.Back, s.Restart)
}

func (s *PhoneScreen) clear() {
	s.Pad.clear()
	s.Status.clear()
}

// showPhone is step 5.
func (k *Kiosk) showPhone() {
	if k.sess == nil {
		return
	}
	k.show(newPhoneScreen(k, k.sess.phone))
}
