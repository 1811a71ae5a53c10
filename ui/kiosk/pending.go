package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// ScreenPending is the confirm step of an application taken without a
// data check (the engine could not be reached and the kiosk holds no
// department data).
const ScreenPending = "pending"

// PendingScreen says plainly that the education bureau will check the
// family's records and send the result by SMS: there is no evidence to
// show yet, and no school to rank. 下一步 goes to the phone number.
type PendingScreen struct {
	Explain *widget.Label
	IDs     []*widget.Label // the child's and the guardian's numbers, masked
	Nav

	k       *Kiosk
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *PendingScreen) Name() string { return ScreenPending }

// Content implements Screen.
func (s *PendingScreen) Content() fyne.CanvasObject { return s.content }

func newPendingScreen(k *Kiosk, r *core.LookupResult) *PendingScreen {
	s := &PendingScreen{k: k}
	a := r.Application
	w := k.words()
	s.Explain = k.text(lang.L("pending.explain"))
	form := k.form()
	add := func(label, value string) {
		v := k.text(value)
		s.IDs = append(s.IDs, v)
		form.Add(k.fieldLabel(label))
		form.Add(v)
	}
	add(lang.L("pending.child"), a.Child.ID.Masked())
	if g, ok := a.Applicant(); ok {
		add(lang.L("pending.guardian"), g.ID.Masked())
	}
	add(lang.L("confirm.stage"), w.stage(a.Stage))
	note := k.notice()
	note.set(noticeInfo, lang.L("pending.sms"))
	body := container.NewVBox(k.subheading(lang.L("pending.intro")), s.Explain, k.panel("", form), note.object())
	s.Nav = k.nav(k.showChildID, k.primary(lang.L("pending.next"), theme.NavigateNextIcon(), k.showPhone))
	s.content = k.frame(3, lang.L("pending.title"), k.scroll(body), s.Nav)
	return s
}

func (s *PendingScreen) clear() {
	for _, l := range s.IDs {
		l.SetText("")
	}
}

// showPending is step 3's answer when the data check must wait.
func (k *Kiosk) showPending() {
	if k.sess == nil || k.sess.result == nil {
		return
	}
	k.show(newPendingScreen(k, k.sess.result))
}

// pendingStatus is the receipt screen's status for an application taken
// without a data check, while the engine has not decided it: the same
// words as the printed receipt. Any other status stands.
func pendingStatus(a core.Application, status string) string {
	if a.Decision.Pending() && (a.State == core.StateSubmitted || a.State == core.StateReceived) {
		return lang.L("pending.receipt")
	}
	return status
}
