package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"

	"enrolldesk/core"
)

// IDKeypadScreen takes an ID number on the keypad, checks it on the spot
// and, when it is wrong, says why in words and keeps what was typed.
type IDKeypadScreen struct {
	Pad    *Keypad
	Status *Notice
	Nav    // Next is 确定

	k       *Kiosk
	role    role
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *IDKeypadScreen) Name() string {
	if s.role == roleChild {
		return ScreenChildKeypad
	}
	return ScreenGuardianKeypad
}

// Content implements Screen.
func (s *IDKeypadScreen) Content() fyne.CanvasObject { return s.content }

func newIDKeypadScreen(k *Kiosk, r role) *IDKeypadScreen {
	s := &IDKeypadScreen{k: k, role: r}
	s.Pad = newKeypad(k, idKeypad, "")
	s.Status = s.Pad.Message
	s.Pad.onChange = s.changed
	s.Pad.onHint = func(h string) { s.Status.set(noticeWarn, h) }
	title := lang.L("idkeypad.guardianTitle")
	if r == roleChild {
		title = lang.L("idkeypad.childTitle")
	}
	s.Nav = k.nav(s.back, k.primary(lang.L("nav.ok"), theme.ConfirmIcon(), s.confirm))
	s.Pad.confirms(s.Next)
	var side []fyne.CanvasObject
	if g := k.guardianDone(r); g != nil {
		side = append(side, g.object())
	}
	side = append(side, k.text(lang.L("idkeypad.hint")))
	s.content = k.frame(r.step(), title, k.scroll(s.Pad.object(side...)), s.Nav)
	return s
}

// changed checks the number as soon as all 18 characters are in.
func (s *IDKeypadScreen) changed() {
	v := s.Pad.Value()
	if len(v) < idKeypad.max {
		s.Status.clear()
		return
	}
	if _, err := core.ParseResidentID(v, s.k.now()); err != nil {
		s.Status.set(noticeError, s.k.words().errorText(err, v))
		return
	}
	s.Status.set(noticeOK, lang.L("idkeypad.looksRight"))
}

func (s *IDKeypadScreen) confirm() {
	if msg := s.k.acceptID(s.role, s.Pad.Value()); msg != "" {
		s.Status.set(noticeError, msg)
	}
}

func (s *IDKeypadScreen) back() {
	switch {
	case s.k.svc.Reader != nil:
		s.k.show(newIDCardScreen(s.k, s.role))
	case s.role == roleChild:
		s.k.showIDKeypad(roleGuardian)
	default:
		s.k.restart()
	}
}

func (s *IDKeypadScreen) clear() {
	s.Pad.clear()
	s.Status.clear()
}

// showIDKeypad is the second way to give a number.
func (k *Kiosk) showIDKeypad(r role) { k.show(newIDKeypadScreen(k, r)) }
