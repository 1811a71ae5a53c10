package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// role says whose ID number a screen asks for.
type role int

const (
	roleGuardian role = iota
	roleChild
)

func (r role) step() int {
	if r == roleChild {
		return 2
	}
	return 1
}

// IDCardScreen asks for a card on the reader: the card-reader path first,
// the keypad second. A simulated reader adds a labelled demo panel with
// one card per persona.
type IDCardScreen struct {
	Read    *widget.Button            // nil without a card reader
	Keypad  *widget.Button            // 没有身份证？用数字键盘输入
	Demo    map[string]*widget.Button // persona key → its card
	Status  *Notice
	Waiting *widget.ProgressBarInfinite
	Nav

	k       *Kiosk
	role    role
	content fyne.CanvasObject
	cancel  context.CancelFunc // ends a read when the screen goes
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
	s := &IDCardScreen{k: k, role: r, Status: k.notice(), Waiting: widget.NewProgressBarInfinite()}
	s.Waiting.Hide()
	title, place := lang.L("idcard.guardianTitle"), lang.L("idcard.guardianPlace")
	if r == roleChild {
		title, place = lang.L("idcard.childTitle"), lang.L("idcard.childPlace")
	}
	top := container.NewVBox()
	if g := k.guardianDone(r); g != nil {
		top.Add(g.object())
	}
	top.Add(k.subheading(place))
	if k.svc.Reader != nil {
		s.Read = k.primary(lang.L("idcard.read"), theme.AccountIcon(), s.read)
		top.Add(container.New(&minLayout{min: fyne.NewSize(0, k.size(sizeChoice)/2)}, s.Read))
	}
	top.Add(s.Waiting)
	top.Add(s.Status.object())
	s.Keypad = k.button(lang.L("idcard.useKeypad"), theme.GridIcon(), func() { k.showIDKeypad(r) })
	top.Add(k.touchSized(s.Keypad, 3))
	var next *widget.Button
	if kept := s.kept(); kept != "" {
		s.Status.set(noticeOK, lang.L("idcard.kept", map[string]any{"ID": kept.Masked()}))
		next = k.primary(lang.L("nav.next"), theme.NavigateNextIcon(), func() { k.acceptID(r, string(kept)) })
	}
	s.Nav = k.nav(s.back, next)
	body := fyne.CanvasObject(top)
	if demo := s.demoPanel(); demo != nil {
		body = container.NewBorder(top, nil, nil, nil, demo)
	}
	s.content = k.frame(r.step(), title, body, s.Nav)
	return s
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
	s.k.restart()
}

// demoPanel offers the simulated reader's persona cards, clearly marked
// as a demonstration.
func (s *IDCardScreen) demoPanel() fyne.CanvasObject {
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
		b := k.button(p.Key+"  "+p.Title, theme.AccountIcon(), func() {
			demo.Place(id)
			s.read()
		})
		b.Alignment = widget.ButtonAlignLeading
		s.Demo[p.Key] = b
		list.Add(k.wrapped(b))
	}
	if len(s.Demo) == 0 {
		return nil
	}
	label := k.text(lang.L("idcard.demo"))
	label.Importance = widget.WarningImportance
	return widget.NewCard("", "", container.NewBorder(label, nil, nil, nil, container.NewVScroll(list)))
}

// read waits for the card off the UI goroutine, showing that it waits.
func (s *IDCardScreen) read() {
	k := s.k
	if k.sess == nil || k.svc.Reader == nil {
		return
	}
	s.busy(true)
	s.Status.set(noticeInfo, lang.L("idcard.reading"))
	s.leave()
	ctx, cancel := context.WithCancel(k.sess.ctx)
	s.cancel = cancel
	var id core.ResidentID
	var err error
	k.later(s, func() { id, err = k.svc.Reader.Read(ctx) }, func() {
		if ctx.Err() != nil {
			return // a newer read took over
		}
		s.leave()
		s.busy(false)
		if err != nil {
			msg := lang.L("idcard.readFailed")
			if core.IsInvalid(err) {
				msg = k.words().errorText(err, "") + " " + msg
			}
			s.Status.set(noticeError, msg)
			return
		}
		if msg := k.acceptID(s.role, string(id)); msg != "" {
			s.Status.set(noticeError, msg)
		}
	})
}

func (s *IDCardScreen) leave() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

func (s *IDCardScreen) busy(on bool) {
	for _, b := range s.Demo {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if s.Read != nil {
		if on {
			s.Read.Disable()
		} else {
			s.Read.Enable()
		}
	}
	if on {
		s.Waiting.Show()
		s.Waiting.Start()
	} else {
		s.Waiting.Stop()
		s.Waiting.Hide()
	}
	s.k.relayout()
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
// in, so a person who did not watch the screen change knows step 1 worked.
func (k *Kiosk) guardianDone(r role) *Notice {
	if r != roleChild || k.sess == nil || k.sess.guardian == "" {
		return nil
	}
	n := k.notice()
	n.set(noticeOK, lang.L("idcard.guardianDone", map[string]any{"ID": k.sess.guardian.Masked()}))
	return n
}

// showGuardianID is step 1.
func (k *Kiosk) showGuardianID() { k.showID(roleGuardian) }

// showChildID is step 2.
func (k *Kiosk) showChildID() { k.showID(roleChild) }

func (k *Kiosk) showID(r role) {
	if k.svc.Reader == nil {
		k.showIDKeypad(r)
		return
	}
	k.show(newIDCardScreen(k, r))
}
