package kiosk

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// rearmPause is how long a card screen waits after a failed read before
// it listens again: long enough that an unplugged reader, failing at once,
// does not spin; short enough that a card laid down again is read.
const rearmPause = 1500 * time.Millisecond

// role says whose ID number a screen asks for.
type role int

const (
	roleGuardian role = iota
	roleChild
)

func (r role) step() int {
	if r == roleChild {
		return stepChild
	}
	return stepGuardian
}

// IDCardScreen asks for a card on the reader and reads it as soon as it
// is laid down: there is nothing to press. It starts listening when it
// comes on screen and stops when it goes. A failed read says why, points
// to the keypad and listens again after a pause. In demo mode a small
// 演示 button opens, for staff, the simulated reader's persona cards.
type IDCardScreen struct {
	Where      *widget.Label             // where to put the card, in words
	Keypad     *widget.Button            // 没有身份证？用数字键盘输入
	DemoToggle *widget.Button            // 演示; nil unless the reader is simulated
	Demo       map[string]*widget.Button // persona key → its card (inside the demo panel)
	Status     *Notice
	Nav

	k         *Kiosk
	role      role
	demoPanel fyne.CanvasObject
	picture   fyne.CanvasObject // where the card goes; gives way to the open demo cards
	content   fyne.CanvasObject
	cancel    context.CancelFunc // ends the read when the screen goes
}

// Name implements Screen.
func (s *IDCardScreen) Name() string {
	if s.role == roleChild {
		return ScreenChildCard
	}
	return ScreenGuardianCard
}

// Content implements Screen.
func (s *IDCardScreen) Content() fyne.CanvasObject { return s.content }

func newIDCardScreen(k *Kiosk, r role) *IDCardScreen {
	s := &IDCardScreen{k: k, role: r, Status: k.notice()}
	title, where := lang.L("idcard.guardianTitle"), lang.L("idcard.guardianPlace")
	if r == roleChild {
		title, where = lang.L("idcard.childTitle"), lang.L("idcard.childPlace")
	}
	top := container.NewVBox()
	if g := k.guardianDone(r); g != nil {
		top.Add(g.object())
	}
	s.Where = k.subheading(where)
	s.Where.Alignment = fyne.TextAlignCenter
	top.Add(s.Where)
	s.Keypad = k.button(lang.L("idcard.useKeypad"), theme.GridIcon(), func() { k.showIDKeypad(r) })
	var next *widget.Button
	if kept := s.kept(); kept != "" {
		s.Status.set(noticeOK, lang.L("idcard.kept", map[string]any{"ID": kept.Masked()}))
		next = k.primary(lang.L("nav.next"), theme.NavigateNextIcon(), func() { k.acceptID(r, string(kept)) })
	} else {
		s.Status.set(noticeInfo, lang.L("idcard.waiting"))
	}
	s.Nav = k.nav(s.back, next)
	keypad := container.NewCenter(k.touchSized(s.Keypad, 4))
	bottom := container.NewVBox(s.Status.object(), keypad)
	if demo := s.buildDemo(); demo != nil {
		s.demoPanel = demo
		s.demoPanel.Hide()
		s.DemoToggle = k.button(lang.L("idcard.demoToggle"), theme.VisibilityIcon(), s.toggleDemo)
		s.DemoToggle.Importance = widget.LowImportance
		// Small, in the keypad's row, at the far right: for staff, not for a parent.
		bottom.Objects[1] = container.NewBorder(nil, nil, nil, s.DemoToggle, keypad)
	}
	s.picture = s.cardPicture()
	if s.demoPanel != nil && k.sess.demo {
		s.demoPanel.Show()
		s.picture.Hide()
	}
	middle := container.NewStack(s.picture) // the open demo cards take the picture's place
	if s.demoPanel != nil {
		middle.Add(s.demoPanel)
	}
	body := container.NewBorder(top, bottom, nil, nil, middle)
	s.content = k.frame(r.step(), title, body, s.Nav)
	return s
}

// cardPicture draws where the card goes: the reader's pad with a card
// laid flat on it, an arrow down onto it and the words 读卡区, in the
// theme's colours. It takes the room the screen has left, up to its full
// size, and asks for little, so it never pushes a control off the screen.
func (s *IDCardScreen) cardPicture() fyne.CanvasObject {
	k := s.k
	unit := k.size(sizeKeyHeight)
	pad := canvas.NewRectangle(k.theme.Color(colorPanel, 0))
	pad.StrokeColor = k.theme.Color(theme.ColorNamePrimary, 0)
	pad.StrokeWidth = 4
	card := canvas.NewRectangle(k.theme.Color(theme.ColorNameBackground, 0))
	card.StrokeColor = k.theme.Color(theme.ColorNameForeground, 0)
	card.StrokeWidth = 3
	face := widget.NewIcon(theme.AccountIcon())
	arrow := widget.NewIcon(theme.NewPrimaryThemedResource(theme.MoveDownIcon()))
	label := widget.NewLabel(lang.L("idcard.padLabel"))
	label.Alignment = fyne.TextAlignCenter
	return container.New(&cardArt{unit: unit, arrow: arrow, pad: pad, card: card, face: face, label: label},
		pad, card, face, arrow, label)
}

// cardArt lays out the card picture at up to its full size (unit is one
// key's height), scaled down to the room it is given.
type cardArt struct {
	unit        float32
	arrow, face *widget.Icon
	pad, card   *canvas.Rectangle
	label       *widget.Label
}

func (a *cardArt) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	lh := a.label.MinSize().Height
	full := fyne.NewSize(a.unit*3.6, a.unit*3.2) // arrow 1 + pad 2.2 units
	scale := min(1, (size.Height-lh)/full.Height, size.Width/full.Width)
	if scale < 0 {
		scale = 0
	}
	u := a.unit * scale
	padW, padH := 3.6*u, 2.2*u
	top := (size.Height - (u + padH + lh)) / 2
	left := (size.Width - padW) / 2
	a.arrow.Move(fyne.NewPos((size.Width-u)/2, top))
	a.arrow.Resize(fyne.NewSquareSize(u))
	a.pad.Move(fyne.NewPos(left, top+u))
	a.pad.Resize(fyne.NewSize(padW, padH))
	a.pad.CornerRadius = u / 4
	cardW, cardH := 2.4*u, 1.5*u
	cardPos := fyne.NewPos(left+(padW-cardW)/2, top+u+(padH-cardH)/2)
	a.card.Move(cardPos)
	a.card.Resize(fyne.NewSize(cardW, cardH))
	a.card.CornerRadius = u / 8
	a.face.Move(cardPos.AddXY(u*0.15, (cardH-0.9*u)/2))
	a.face.Resize(fyne.NewSquareSize(0.9 * u))
	a.label.Move(fyne.NewPos(0, top+u+padH))
	a.label.Resize(fyne.NewSize(size.Width, lh))
}

// MinSize asks only for the words and a small picture.
func (a *cardArt) MinSize(_ []fyne.CanvasObject) fyne.Size {
	l := a.label.MinSize()
	return fyne.NewSize(max(l.Width, a.unit*1.2), l.Height+a.unit)
}

// kept is the number this step already has, when the person came back.
func (s *IDCardScreen) kept() core.ResidentID {
	if s.k.sess == nil {
		return ""
	}
	if s.role == roleChild {
		return s.k.sess.child
	}
	return s.k.sess.guardian
}

func (s *IDCardScreen) back() {
	if s.role == roleChild {
		s.k.showGuardianID()
		return
	}
	s.k.showConsent()
}

// buildDemo makes the simulated reader's persona cards, for staff who
// show the kiosk: tapping one lays that card on the simulated reader.
func (s *IDCardScreen) buildDemo() fyne.CanvasObject {
	k := s.k
	demo, ok := k.svc.Reader.(DemoCards)
	if !ok || k.sess == nil {
		return nil
	}
	s.Demo = map[string]*widget.Button{}
	list := container.NewVBox()
	for _, p := range demo.Personas() {
		if p.Stage != "" && p.Stage != k.sess.stage {
			continue
		}
		id := p.GuardianID
		if s.role == roleChild {
			id = p.ChildID
		}
		b := k.button(p.Key+"  "+p.Title, theme.AccountIcon(), func() { demo.Place(id) })
		b.Alignment = widget.ButtonAlignLeading
		s.Demo[p.Key] = b
		list.Add(k.wrapped(b))
	}
	if len(s.Demo) == 0 {
		return nil
	}
	label := k.text(lang.L("idcard.demo"))
	label.Importance = widget.WarningImportance
	scroll := container.NewVScroll(list)
	scroll.SetMinSize(fyne.NewSize(0, k.size(sizeKeyHeight)))
	return widget.NewCard("", "", container.NewBorder(label, nil, nil, nil, scroll))
}

// toggleDemo opens or closes the demo cards; the choice lasts the session.
func (s *IDCardScreen) toggleDemo() {
	if s.k.sess == nil || s.demoPanel == nil {
		return
	}
	s.k.sess.demo = !s.demoPanel.Visible()
	if s.k.sess.demo {
		s.demoPanel.Show()
		s.picture.Hide()
	} else {
		s.demoPanel.Hide()
		s.picture.Show()
	}
	s.k.relayout()
}

// arrive starts listening for a card once the screen is on show.
func (s *IDCardScreen) arrive() { s.listen() }

// listen waits for a card off the UI goroutine. The wait is not "busy"
// work (Kiosk.Busy): the screen waits for a person, not for the machine.
func (s *IDCardScreen) listen() {
	k := s.k
	sess := k.sess
	if sess == nil || k.svc.Reader == nil || k.current != s || k.closed() {
		return
	}
	s.leave()
	ctx, cancel := context.WithCancel(sess.ctx)
	s.cancel = cancel
	go func() {
		id, err := k.svc.Reader.Read(ctx)
		fyne.Do(func() {
			if ctx.Err() != nil || k.current != s || k.sess != sess {
				return // left, wiped, or a newer read took over
			}
			s.leave()
			if err != nil {
				s.failed(err)
				return
			}
			if msg := k.acceptID(s.role, string(id)); msg != "" {
				s.Status.set(noticeError, msg)
				s.rearm()
			}
		})
	}()
}

// failed says why the card was not read — the reader's own plain message
// when it gives one (unplugged, card lifted, expired card) — points to the
// keypad, and listens again.
func (s *IDCardScreen) failed(err error) {
	fyne.LogError("enrolldesk: card read failed", err)
	msg := lang.L("idcard.readFailed")
	var ce *core.Error
	if errors.As(err, &ce) && ce.Message != "" {
		msg = s.k.words().errorText(err, "") + " " + lang.L("idcard.orKeypad")
	}
	if s.Status.Kind != noticeError || s.Status.Message() != msg {
		s.Status.set(noticeError, msg)
	}
	s.rearm()
}

// rearm listens again after rearmPause if the screen is still on show.
func (s *IDCardScreen) rearm() {
	sess := s.k.sess
	time.AfterFunc(rearmPause, func() {
		fyne.Do(func() {
			if s.k.current == s && s.k.sess == sess {
				s.listen()
			}
		})
	})
}

func (s *IDCardScreen) leave() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

// acceptID checks a number for a step and, if it is good, moves on. It
// returns what is wrong, in words, or "".
func (k *Kiosk) acceptID(r role, raw string) string {
	if k.sess == nil {
		return ""
	}
	id, err := core.ParseResidentID(raw, k.now())
	if err != nil {
		return k.words().errorText(err, raw)
	}
	if r == roleGuardian {
		if id == k.sess.child {
			k.sess.child = ""
		}
		k.sess.guardian = id
		k.showChildID()
		return ""
	}
	if id == k.sess.guardian {
		return lang.L("idcard.sameAsGuardian")
	}
	k.sess.child = id
	k.startLookup()
	return ""
}

// guardianDone tells, on the child's step, that the guardian's number is
// in, so a person who did not watch the screen change knows step 2 worked.
func (k *Kiosk) guardianDone(r role) *Notice {
	if r != roleChild || k.sess == nil || k.sess.guardian == "" {
		return nil
	}
	n := k.notice()
	n.set(noticeOK, lang.L("idcard.guardianDone", map[string]any{"ID": k.sess.guardian.Masked()}))
	return n
}

// showGuardianID is step 2.
func (k *Kiosk) showGuardianID() { k.showID(roleGuardian) }

// showChildID is step 3.
func (k *Kiosk) showChildID() { k.showID(roleChild) }

func (k *Kiosk) showID(r role) {
	if k.svc.Reader == nil {
		k.showIDKeypad(r)
		return
	}
	k.show(newIDCardScreen(k, r))
}
