package kiosk

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// printTimeout bounds one print job.
const printTimeout = 60 * time.Second

// ReceiptScreen is the end of a registration: 报名成功, the registration
// number in very large figures, the status in plain words, what happens
// next (when the results come, by SMS, where the counter is, a hotline)
// and what became of the printed receipt. 再打印一次 prints again; 完成
// wipes the session.
type ReceiptScreen struct {
	RegNo      *widget.Label
	Status     *widget.Label
	Review     *widget.Label // hidden unless the application waits for a person
	SMS        *widget.Label // when and how the results come
	Help       *widget.Label // the counter and the hotline
	Print      *Notice
	PrintAgain *widget.Button
	Finish     *widget.Button
	Nav

	k       *Kiosk
	app     core.Application
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *ReceiptScreen) Name() string { return ScreenReceipt }

// Content implements Screen.
func (s *ReceiptScreen) Content() fyne.CanvasObject { return s.content }

func newReceiptScreen(k *Kiosk, app core.Application) *ReceiptScreen {
	s := &ReceiptScreen{k: k, app: app, Print: k.notice()}
	w := k.words()
	done := k.subheading(lang.L("receipt.done"))
	label := k.text(lang.L("receipt.regNoLabel"))
	label.Alignment = fyne.TextAlignCenter
	s.RegNo = widget.NewLabel(app.RegNo)
	s.RegNo.SizeName = sizeHuge
	s.RegNo.Alignment = fyne.TextAlignCenter
	s.RegNo.Importance = widget.HighImportance
	s.RegNo.TextStyle = fyne.TextStyle{Bold: true, Monospace: true} // 1 and 7, 6 and 8 kept apart
	status := w.state(app.State)
	switch app.State {
	case core.StateSubmitted: // stored here, not yet at the bureau: the paper says the same
		status = lang.L("receipt.queued")
	case core.StateReceived:
		status = lang.L("receipt.sent")
	}
	status = pendingStatus(app, status) // issue 8: taken 待核验, the check follows by SMS
	if app.Decision.NeedsReview {
		status = lang.L("receipt.statusReview", map[string]any{"State": status, "Review": w.state(core.StateNeedsReview)})
	}
	s.Status = k.subheading(lang.L("receipt.status", map[string]any{"Status": status}))
	s.Status.Alignment = fyne.TextAlignCenter
	s.Review = k.text(lang.L("receipt.reviewExplain"))
	s.Review.Alignment = fyne.TextAlignCenter
	if !app.Decision.NeedsReview {
		s.Review.Hide()
	}
	s.SMS, s.Help = k.subheading(k.resultsText(app.Phone)), k.text(k.counterText())
	s.PrintAgain = k.button(lang.L("receipt.printAgain"), theme.DocumentPrintIcon(), s.print)
	s.Finish = k.primary(lang.L("receipt.finish"), theme.ConfirmIcon(), s.finish)
	s.Nav = Nav{Next: s.Finish}
	done.Wrapping = fyne.TextWrapOff // short, and in a row with its icon
	mark := widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	regNo := k.panel("", label, s.RegNo, s.Status, s.Review)
	next := k.panel(lang.L("receipt.next"), s.SMS, s.Help)
	body := container.NewVBox(container.NewCenter(container.NewHBox(mark, done)), regNo, next,
		s.Print.object(), container.NewCenter(k.touchSized(s.PrintAgain, 3)))
	s.content = k.frame(stepReceipt, lang.L("receipt.title"), k.scroll(body), s.Nav)
	return s
}

// resultsText says when the results come and that they come by SMS.
func (k *Kiosk) resultsText(phone string) string {
	p := core.MaskPhone(phone)
	if d := k.svc.Notice.Results(); !d.IsZero() {
		return lang.L("receipt.smsOn", map[string]any{"Date": k.words().date(d), "Phone": p})
	}
	return lang.L("receipt.sms", map[string]any{"Phone": p})
}

// counterText says where to ask: the policy's counter and hotline.
func (k *Kiosk) counterText() string {
	n := k.svc.Notice
	if n.Counter == "" || n.Hotline == "" {
		return lang.L("advice.counter")
	}
	return lang.L("receipt.help", map[string]any{"Counter": n.Counter, "Hotline": n.Hotline})
}

// print prints the receipt off the UI goroutine. A result that arrives
// after the session ended still discards a printed receipt's spool.
func (s *ReceiptScreen) print() {
	k := s.k
	sess := k.sess
	if sess == nil || sess.printing {
		return
	}
	sess.printing = true
	s.PrintAgain.Disable()
	s.Print.set(noticeInfo, lang.L("receipt.printing"))
	app := s.app
	k.pending.Add(1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), printTimeout)
		defer cancel()
		out, err := k.svc.Printer.Print(ctx, app)
		fyne.Do(func() {
			defer k.pending.Add(-1)
			sess.printing = false
			sess.printed = sess.printed || out.Printed
			if k.sess != sess {
				if sess.printed {
					k.discard(app.RegNo)
				}
				return
			}
			if err != nil {
				fyne.LogError("enrolldesk: print failed for "+app.RegNo, err)
			}
			sess.outcome, sess.printErr = &out, err
			if k.current == s {
				s.printed(out, err)
			}
		})
	}()
}

func (s *ReceiptScreen) printed(out receipt.Outcome, err error) {
	s.PrintAgain.Enable()
	switch {
	case out.Printed && len(out.Unprintable) > 0:
		s.Print.set(noticeWarn, lang.L("receipt.printed")+" "+lang.L("receipt.unprintable"))
	case out.Printed:
		s.Print.set(noticeOK, lang.L("receipt.printed"))
	case out.Spooled != "" && err == nil:
		s.Print.set(noticeWarn, lang.L("receipt.spooled"))
	default:
		s.Print.set(noticeError, lang.L("receipt.failed"))
	}
}

func (s *ReceiptScreen) finish() {
	k := s.k
	if sess := k.sess; sess != nil && sess.printed && !sess.printing {
		k.discard(s.app.RegNo)
	}
	k.finish()
}

func (s *ReceiptScreen) clear() {
	for _, l := range []*widget.Label{s.RegNo, s.Status, s.SMS, s.Help} {
		l.SetText("")
	}
	s.Print.clear()
}

// discard drops what the printer kept of a printed receipt.
func (k *Kiosk) discard(regNo string) {
	k.pending.Add(1)
	go func() {
		defer k.pending.Add(-1)
		if err := k.svc.Printer.Discard(regNo); err != nil {
			fyne.LogError("enrolldesk: discarding the receipt of "+regNo, err)
		}
	}()
}

// showReceipt is the last step: it shows the receipt screen and prints.
func (k *Kiosk) showReceipt() {
	if k.sess == nil || k.sess.submitted == nil {
		return
	}
	s := newReceiptScreen(k, *k.sess.submitted)
	k.show(s)
	s.print()
}
