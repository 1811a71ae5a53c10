package staff

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
)

// FindScreen finds an application by what a keyboard-wedge scanner types
// from the receipt's QR code (the token, then Enter), by a child's ID
// number or by a registration number, all in one field that has the
// cursor whenever the page is on show. A scanned receipt shows the
// engine's verdict on its signature and the engine's record beside what
// the paper says; a record can be reprinted.
type FindScreen struct {
	Query   *widget.Entry
	Find    *widget.Button
	Verdict *widget.Label // 回执真实有效 / 回执无效：why
	Asked   *widget.Label // what was looked for, ID numbers masked
	Note    *widget.Label
	Records *fyne.Container
	Message *widget.Label // reprint outcome, errors

	// Reprints are the reprint buttons of the records shown, in order.
	Reprints []*widget.Button

	be      FindBackend
	printer ReceiptPrinter
	run     Runner
	last    *engineapi.FindResponse
	content fyne.CanvasObject
}

// NewFindScreen builds the find page.
func NewFindScreen(be FindBackend, printer ReceiptPrinter, run Runner) *FindScreen {
	f := &FindScreen{be: be, printer: printer, run: run}
	f.Query = widget.NewEntry()
	f.Query.SetPlaceHolder(lang.L("find.placeholder"))
	f.Query.OnSubmitted = func(string) { f.Search() }
	f.Find = widget.NewButtonWithIcon(lang.L("find.button"), theme.SearchIcon(), f.Search)
	f.Find.Importance = widget.HighImportance
	f.Verdict = widget.NewLabel("")
	f.Verdict.Wrapping = fyne.TextWrapWord
	f.Verdict.TextStyle = fyne.TextStyle{Bold: true}
	f.Asked = widget.NewLabel("")
	f.Note = widget.NewLabel("")
	f.Note.Wrapping = fyne.TextWrapWord
	f.Records = container.NewVBox()
	f.Message = widget.NewLabel("")
	f.Message.Wrapping = fyne.TextWrapWord
	for _, l := range []*widget.Label{f.Verdict, f.Asked, f.Note, f.Message} {
		l.Hide()
	}
	hint := widget.NewLabel(lang.L("find.hint"))
	hint.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(heading(lang.L("find.title")), hint,
		container.NewBorder(nil, nil, nil, f.Find, f.Query), f.Asked, f.Verdict, f.Note, f.Message)
	f.content = container.NewBorder(container.NewPadded(top), nil, nil, nil, container.NewVScroll(container.NewPadded(f.Records)))
	return f
}

// Content is the page to frame.
func (f *FindScreen) Content() fyne.CanvasObject { return f.content }

// FocusQuery gives the field the cursor, so that a scan lands in it.
func (f *FindScreen) FocusQuery(c fyne.Canvas) {
	if c != nil {
		c.Focus(f.Query)
	}
}

// strayRune takes a character typed while the field did not have the
// cursor (staff clicked elsewhere, then scanned): it goes into the field,
// which takes the cursor, so the scan is not lost.
func (f *FindScreen) strayRune(r rune) {
	f.refocus()
	f.Query.TypedRune(r)
}

// strayKey is strayRune for Enter: the scan's end searches.
func (f *FindScreen) strayKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyReturn || e.Name == fyne.KeyEnter {
		f.Search()
	}
}

// refocus gives the field the cursor back on the canvas it is on.
func (f *FindScreen) refocus() {
	if c := fyne.CurrentApp().Driver().CanvasForObject(f.Query); c != nil {
		c.Focus(f.Query)
	}
}

// Last is the last answer shown, for tests.
func (f *FindScreen) Last() *engineapi.FindResponse { return f.last }

// Search asks the engine for what is in the field, and empties the field
// for the next scan.
func (f *FindScreen) Search() {
	q := strings.TrimSpace(f.Query.Text)
	if q == "" {
		say(f.Message, lang.L("find.empty"))
		return
	}
	f.Query.SetText("")
	say(f.Asked, lang.L("find.asked", map[string]any{"Query": shownQuery(q)}))
	say(f.Verdict, "")
	say(f.Note, "")
	say(f.Message, lang.L("find.searching"))
	f.Records.Objects, f.Reprints = nil, nil
	f.Records.Refresh()
	var res engineapi.FindResponse
	f.run(func(ctx context.Context) error {
		var err error
		res, err = f.be.Find(ctx, engineapi.FindRequest{Query: q})
		return err
	}, func(err error) {
		say(f.Message, "")
		f.refocus()
		if err != nil {
			f.last = nil
			say(f.Message, errorText(err))
			return
		}
		f.show(res)
	})
}

// shownQuery is the query as the screen repeats it: an ID number masked,
// a token shortened.
func shownQuery(q string) string {
	switch {
	case strings.HasPrefix(q, receipt.TokenPrefix):
		return lang.L("find.askedToken")
	case len(q) == 18:
		return core.ResidentID(strings.ToUpper(q)).Masked()
	}
	return q
}

func (f *FindScreen) show(res engineapi.FindResponse) {
	f.last = &res
	if t := res.Token; t != nil {
		if t.Valid {
			say(f.Verdict, lang.L("find.genuine", map[string]any{"Signer": firstNonEmpty(t.SignerName, t.SignerID)}))
			f.Verdict.Importance = widget.SuccessImportance
		} else {
			say(f.Verdict, lang.L("find.refused", map[string]any{"Message": t.Message, "Reason": t.Reason}))
			f.Verdict.Importance = widget.DangerImportance
		}
		f.Verdict.Refresh()
	}
	say(f.Note, res.Note)
	if len(res.Records) == 0 && res.Note == "" {
		say(f.Note, lang.L("find.none"))
	}
	for _, r := range res.Records {
		f.Records.Add(f.record(r))
	}
	f.Records.Refresh()
	f.content.Refresh() // the verdict and note wrap: lay the page out again
}

// record is one application: the engine's record on the left, what the
// paper says beside it (a scanned receipt), the history and a reprint.
func (f *FindScreen) record(r engineapi.FoundRecord) fyne.CanvasObject {
	a := r.Application
	lines := []string{
		lang.L("find.regNo") + "：" + a.RegNo,
		lang.L("find.child") + "：" + a.Child.Name + "  " + a.Child.ID,
		lang.L("find.stage") + "：" + a.Stage.Label(),
		lang.L("find.state") + "：" + a.State.Label(),
		lang.L("find.category") + "：" + firstNonEmpty(a.Category, "—"),
		lang.L("find.schools") + "：" + firstNonEmpty(strings.Join(a.Schools, "、"), "—"),
		lang.L("find.device") + "：" + firstNonEmpty(r.DeviceID, "—"),
		lang.L("find.created") + "：" + r.CreatedAt.Local().Format("2006-01-02 15:04"),
	}
	if r.Phone != "" {
		lines = append(lines, lang.L("find.phone")+"："+r.Phone)
	}
	if r.Operator != "" {
		lines = append(lines, lang.L("find.operator")+"："+r.Operator)
	}
	engine := widget.NewLabel(strings.Join(lines, "\n"))
	engine.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(widget.NewLabelWithStyle(lang.L("find.engineRecord"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), engine)
	for _, p := range r.Problems {
		l := widget.NewLabel("⚠ " + p.Message)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		body.Add(l)
	}
	if len(r.Compare) > 0 {
		grid := container.NewGridWithColumns(4,
			boldLabel(lang.L("find.fact")), boldLabel(lang.L("find.paper")), boldLabel(lang.L("find.engine")), boldLabel(""))
		for _, c := range r.Compare {
			mark := widget.NewLabel("✓")
			switch {
			case c.Differs:
				mark = widget.NewLabel(lang.L("find.differs"))
				mark.Importance = widget.DangerImportance
			case c.Note != "":
				mark = widget.NewLabel(c.Note)
				mark.Wrapping = fyne.TextWrapWord
			}
			grid.Add(widget.NewLabel(c.Label))
			grid.Add(breakLabel(firstNonEmpty(c.Paper, "—")))
			grid.Add(breakLabel(firstNonEmpty(c.Engine, "—")))
			grid.Add(mark)
		}
		body.Add(widget.NewSeparator())
		body.Add(widget.NewLabelWithStyle(lang.L("find.besidePaper"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		body.Add(grid)
	}
	if len(r.History) > 0 {
		var hs []string
		for _, h := range r.History {
			s := h.At.Local().Format("01-02 15:04") + "  " + h.From.Label() + " → " + h.To.Label() + "  " + h.Actor
			if h.Reason != "" {
				s += "  " + h.Reason
			}
			hs = append(hs, s)
		}
		hist := widget.NewLabel(strings.Join(hs, "\n"))
		hist.Wrapping = fyne.TextWrapWord
		body.Add(widget.NewAccordion(widget.NewAccordionItem(lang.L("find.history"), hist)))
	}
	appID := a.ID
	reprint := widget.NewButtonWithIcon(lang.L("find.reprint"), theme.DocumentPrintIcon(), nil)
	reprint.OnTapped = func() { f.reprint(appID, reprint) }
	f.Reprints = append(f.Reprints, reprint)
	body.Add(container.NewHBox(reprint))
	return widget.NewCard("", "", body)
}

func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func breakLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapBreak
	return l
}

// reprint asks the engine for the receipt as the record is now and
// prints it.
func (f *FindScreen) reprint(appID string, b *widget.Button) {
	b.Disable()
	say(f.Message, lang.L("find.printing"))
	var out receipt.Outcome
	f.run(func(ctx context.Context) error {
		res, err := f.be.Reprint(ctx, engineapi.ReprintRequest{AppID: appID})
		if err != nil {
			return err
		}
		if f.printer == nil {
			out.Message = lang.L("walkin.noPrinter")
			return nil
		}
		out, err = f.printer.PrintReceipt(ctx, res.Receipt)
		return err
	}, func(err error) {
		b.Enable()
		f.refocus() // the next scan must land in the field, not on the button
		switch {
		case out.Message != "":
			say(f.Message, out.Message)
		case err != nil:
			say(f.Message, errorText(err))
		}
	})
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
