package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// NotEligibleScreen says why the kiosk cannot take the application and
// where to go instead. Nothing is submitted; the ways on are 重新开始 and
// 结束. It ends the visit, so it shows no step. When nothing was found it
// first asks whether a parent's card was used — grandparents bringing a
// child often lay down their own — and offers to try again with another.
type NotEligibleScreen struct {
	Reasons  []*Notice
	Question *widget.Label  // no records: was it a parent's card?
	TryAgain *widget.Button // no records: back to the parent's card
	Advice   *widget.Label
	Help     *widget.Label // the counter and the hotline
	Finish   *widget.Button
	Nav

	k       *Kiosk
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *NotEligibleScreen) Name() string { return ScreenNotEligible }

// Content implements Screen.
func (s *NotEligibleScreen) Content() fyne.CanvasObject { return s.content }

func newNotEligibleScreen(k *Kiosk, d core.Decision) *NotEligibleScreen {
	s := &NotEligibleScreen{k: k}
	title := lang.L("noteligible.title")
	advice := lang.L("advice.counter")
	if !k.words().english {
		advice = core.CounterAdvice
	}
	switch {
	case hasProblem(d, core.PNoRecords):
		title = lang.L("noteligible.noRecordsTitle")
		advice = lang.L("noteligible.noRecords")
	case onlyProblem(d, core.PTooYoung):
		advice = lang.L("noteligible.nextYear")
	}
	why := container.NewVBox()
	for _, p := range d.Problems {
		if !p.Blocking {
			continue
		}
		n := k.notice()
		n.set(noticeError, k.words().problem(p))
		s.Reasons = append(s.Reasons, n)
		why.Add(n.object())
	}
	s.Advice = k.subheading(advice)
	s.Advice.Importance = widget.HighImportance
	s.Help = k.text(k.counterText())
	what := k.panel(lang.L("noteligible.what"), s.Advice, s.Help, k.text(lang.L("noteligible.nothingSent")))
	s.Finish = k.primary(lang.L("nav.finish"), theme.ConfirmIcon(), k.finish)
	s.Nav = k.nav(nil, s.Finish)
	body := container.NewVBox()
	if hasProblem(d, core.PNoRecords) {
		s.Question = k.subheading(lang.L("noteligible.parentCard"))
		s.Question.TextStyle = fyne.TextStyle{Bold: true}
		s.TryAgain = k.button(lang.L("noteligible.tryAgain"), theme.AccountIcon(), k.tryAnotherCard)
		body.Add(k.panel("", s.Question, container.NewHBox(k.touchSized(s.TryAgain, 4))))
	}
	body.Add(k.panel(lang.L("noteligible.why"), why))
	body.Add(what)
	s.content = k.frame(0, title, k.scroll(body), s.Nav) // a dead end: no step follows
	return s
}

// tryAnotherCard starts again from the parent's card, keeping the grade
// and the consent: the look-up found nothing for the cards laid down.
func (k *Kiosk) tryAnotherCard() {
	if k.sess == nil {
		return
	}
	k.sess.guardian, k.sess.child, k.sess.result, k.sess.choices = "", "", nil, nil
	k.showGuardianID()
}

func (s *NotEligibleScreen) clear() {
	for _, n := range s.Reasons {
		n.clear()
	}
}

// onlyProblem reports whether code is the one blocking problem.
func onlyProblem(d core.Decision, code string) bool {
	n := 0
	for _, p := range d.Problems {
		if p.Blocking {
			if p.Code != code {
				return false
			}
			n++
		}
	}
	return n > 0
}

func hasProblem(d core.Decision, code string) bool {
	for _, p := range d.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// showNotEligible ends the kiosk's part for a family it cannot serve.
func (k *Kiosk) showNotEligible() {
	if k.sess == nil || k.sess.result == nil {
		return
	}
	k.show(newNotEligibleScreen(k, k.sess.result.Decision))
}
