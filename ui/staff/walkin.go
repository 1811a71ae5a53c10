package staff

import (
	"context"
	"errors"
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

// Screen names of the walk-in desk.
const (
	ScreenWalkIn = "walkin"
	ScreenFind   = "find"
)

// ReceiptPrinter prints a receipt the engine signed: receipt.Receipt with
// its Token set (app/printing.ReceiptPrinter, spooling to the desk's CUPS
// queue). The kiosk's ui Printer signs a core.Application with the
// kiosk's own key, which a desk does not hold; this is the same printing
// adapter behind the core's receipt.Printer interface.
type ReceiptPrinter = receipt.Printer

// CardReader reads a resident ID card laid on the desk's reader (the
// kiosk's reader adapters, app/cardreader: a second-generation ID-card
// reader on a serial port).
type CardReader interface {
	Read(ctx context.Context) (core.ResidentID, error)
}

// Runner runs work off Fyne's goroutine and done back on it (Desk.Later);
// tests run both at once.
type Runner func(work func(ctx context.Context) error, done func(error))

// WalkInScreen is a walk-in registration done by staff on a parent's
// behalf: the kiosk's flow on one desktop page. ID numbers are typed (or
// typed by a card reader acting as a keyboard) and shown masked once the
// look-up starts; the engine's decision and evidence are shown; the zone's
// schools are ranked; the phone is typed; the consent is read out to the
// parent and ticked; the receipt prints with the operator's name.
type WalkInScreen struct {
	Stage    *widget.RadioGroup
	Guardian *widget.Entry
	Child    *widget.Entry
	Lookup   *widget.Button
	Change   *widget.Button // types the numbers again
	// ReadGuardian and ReadChild read the number from an ID card; shown
	// only with a reader (UseReader).
	ReadGuardian, ReadChild *widget.Button

	Decision *widget.Label // category or why not eligible, in one sentence
	Evidence *fyne.Container
	Schools  *fyne.Container // the ranking: one row per school with ↑ ↓
	Phone    *widget.Entry
	Consent  *widget.Check
	Submit   *widget.Button

	Message *widget.Label // what happened, errors in plain words
	Result  *widget.Label // the stored application: registration number, state, operator
	Print   *widget.Button
	Next    *widget.Button // the next family

	be      WalkInBackend
	printer ReceiptPrinter
	run     Runner

	guardianID, childID string // in full, only while the form is open
	reader              CardReader
	cardGuardian        string // read from a card, in full; the field shows it masked
	cardChild           string
	lookup              *engineapi.WalkInLookupResponse
	ranking             []core.School
	done                *engineapi.WalkInSubmitResponse
	content             fyne.CanvasObject
}

// NewWalkInScreen builds the walk-in page. printer may be nil (the screen
// then says the receipt was not printed and can be reprinted from 查找).
func NewWalkInScreen(be WalkInBackend, printer ReceiptPrinter, run Runner) *WalkInScreen {
	w := &WalkInScreen{be: be, printer: printer, run: run}
	w.Stage = widget.NewRadioGroup([]string{lang.L("stage.primary"), lang.L("stage.junior")}, nil)
	w.Stage.Horizontal = true
	w.Stage.SetSelected(lang.L("stage.primary"))
	w.Guardian = widget.NewEntry()
	w.Guardian.SetPlaceHolder(lang.L("walkin.guardianPH"))
	w.Child = widget.NewEntry()
	w.Child.SetPlaceHolder(lang.L("walkin.childPH"))
	w.Lookup = widget.NewButtonWithIcon(lang.L("walkin.lookup"), theme.SearchIcon(), w.startLookup)
	w.Lookup.Importance = widget.HighImportance
	w.Change = widget.NewButton(lang.L("walkin.change"), w.Reset)
	w.Change.Hide()
	w.Guardian.OnSubmitted = func(string) {
		if c := fyne.CurrentApp().Driver().CanvasForObject(w.Child); c != nil {
			c.Focus(w.Child)
		}
	}
	w.Child.OnSubmitted = func(string) { w.startLookup() }
	w.ReadGuardian = widget.NewButtonWithIcon(lang.L("walkin.readCard"), theme.AccountIcon(), func() { w.readCard(true) })
	w.ReadChild = widget.NewButtonWithIcon(lang.L("walkin.readCard"), theme.AccountIcon(), func() { w.readCard(false) })
	w.ReadGuardian.Hide()
	w.ReadChild.Hide()

	w.Decision = widget.NewLabel("")
	w.Decision.Wrapping = fyne.TextWrapWord
	w.Evidence = container.NewVBox()
	w.Schools = container.NewVBox()
	w.Phone = widget.NewEntry()
	w.Phone.SetPlaceHolder(lang.L("walkin.phonePH"))
	w.Consent = widget.NewCheck(lang.L("walkin.consent"), func(bool) { w.refreshSubmit() })
	w.Submit = widget.NewButtonWithIcon(lang.L("walkin.submit"), theme.ConfirmIcon(), w.startSubmit)
	w.Submit.Importance = widget.HighImportance
	w.Message = widget.NewLabel("")
	w.Message.Wrapping = fyne.TextWrapWord
	w.Result = widget.NewLabel("")
	w.Result.Wrapping = fyne.TextWrapWord
	w.Result.TextStyle = fyne.TextStyle{Bold: true}
	w.Print = widget.NewButtonWithIcon(lang.L("walkin.printAgain"), theme.DocumentPrintIcon(), w.print)
	w.Next = widget.NewButtonWithIcon(lang.L("walkin.next"), theme.ContentAddIcon(), w.Reset)

	readOut := widget.NewLabel(lang.L("walkin.consentText"))
	readOut.Wrapping = fyne.TextWrapWord
	ids := widget.NewForm(
		widget.NewFormItem(lang.L("walkin.stage"), w.Stage),
		widget.NewFormItem(lang.L("walkin.guardian"), container.NewBorder(nil, nil, nil, w.ReadGuardian, w.Guardian)),
		widget.NewFormItem(lang.L("walkin.child"), container.NewBorder(nil, nil, nil, w.ReadChild, w.Child)),
	)
	left := container.NewVBox(
		heading(lang.L("walkin.title")),
		widget.NewCard("", lang.L("walkin.consentHead"), readOut),
		ids,
		container.NewHBox(w.Lookup, w.Change),
		widget.NewSeparator(),
		heading(lang.L("walkin.schools")),
		w.Schools,
		widget.NewForm(widget.NewFormItem(lang.L("walkin.phone"), w.Phone)),
		w.Consent,
		w.Submit,
		w.Message,
		w.Result,
		container.NewHBox(w.Print, w.Next),
	)
	right := container.NewVBox(heading(lang.L("walkin.decision")), w.Decision, heading(lang.L("walkin.evidence")), w.Evidence)
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(left)), container.NewVScroll(container.NewPadded(right)))
	split.Offset = 0.5
	w.content = split
	w.Reset()
	return w
}

// UseReader adds 读卡 buttons that read each number from an ID card on r
// (nil: typing only).
func (w *WalkInScreen) UseReader(r CardReader) *WalkInScreen {
	w.reader = r
	if r != nil && w.done == nil && w.lookup == nil {
		w.ReadGuardian.Show()
		w.ReadChild.Show()
		w.relayout()
	}
	return w
}

// readCard waits for a card on the reader and puts its number, masked,
// in the guardian's or the child's field.
func (w *WalkInScreen) readCard(guardian bool) {
	if w.reader == nil || w.lookup != nil || w.done != nil {
		return
	}
	entry, prompt := w.Child, lang.L("walkin.placeChild")
	if guardian {
		entry, prompt = w.Guardian, lang.L("walkin.placeGuardian")
	}
	w.ReadGuardian.Disable()
	w.ReadChild.Disable()
	w.Message.SetText(prompt)
	var id core.ResidentID
	w.run(func(ctx context.Context) error {
		var err error
		id, err = w.reader.Read(ctx)
		return err
	}, func(err error) {
		w.ReadGuardian.Enable()
		w.ReadChild.Enable()
		if err != nil {
			w.Message.SetText(lang.L("walkin.readFailed", map[string]any{"Why": errorText(err)}))
			return
		}
		if guardian {
			w.cardGuardian = string(id)
		} else {
			w.cardChild = string(id)
		}
		entry.SetText(id.Masked())
		w.Message.SetText(lang.L("walkin.cardRead"))
		if c := fyne.CurrentApp().Driver().CanvasForObject(w.Child); c != nil && guardian {
			c.Focus(w.Child)
		}
	})
}

// typedOrRead is the number in a field: the card's when the field still
// shows the card's number masked, else what was typed.
func typedOrRead(e *widget.Entry, card string) string {
	if card != "" && e.Text == core.ResidentID(card).Masked() {
		return card
	}
	return normalID(e.Text)
}

// heading is a page's or a section's title (shared by the desk's pages).
func heading(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// Content is the page to frame.
func (w *WalkInScreen) Content() fyne.CanvasObject { return w.content }

// relayout lays the page out again after its parts changed size (rows
// added, wrapped text, buttons shown).
func (w *WalkInScreen) relayout() {
	if w.content != nil {
		w.content.Refresh()
	}
}

// FocusFirst puts the cursor in the guardian's ID number.
func (w *WalkInScreen) FocusFirst(c fyne.Canvas) {
	if c != nil {
		c.Focus(w.Guardian)
	}
}

// Reset clears the form for the next family: nothing of the last one
// stays on screen or in memory.
func (w *WalkInScreen) Reset() {
	w.guardianID, w.childID, w.lookup, w.ranking, w.done = "", "", nil, nil, nil
	w.cardGuardian, w.cardChild = "", ""
	if w.reader != nil {
		w.ReadGuardian.Show()
		w.ReadChild.Show()
	}
	for _, e := range []*widget.Entry{w.Guardian, w.Child, w.Phone} {
		e.SetText("")
		e.Enable()
	}
	w.Stage.Enable()
	w.Lookup.Enable()
	w.Lookup.Show()
	w.Change.Hide()
	w.Consent.SetChecked(false)
	w.Decision.SetText(lang.L("walkin.decisionNone"))
	w.Evidence.Objects = nil
	w.Evidence.Refresh()
	w.Schools.Objects = nil
	w.Schools.Refresh()
	w.Message.SetText("")
	w.Result.SetText("")
	w.Print.Hide()
	w.Next.Hide()
	w.refreshSubmit()
	w.relayout()
}

func (w *WalkInScreen) stage() core.Stage {
	if w.Stage.Selected == lang.L("stage.junior") {
		return core.Junior
	}
	return core.Primary
}

// startLookup masks the typed numbers and asks the engine.
func (w *WalkInScreen) startLookup() {
	if w.lookup != nil || w.done != nil {
		return
	}
	g, c := typedOrRead(w.Guardian, w.cardGuardian), typedOrRead(w.Child, w.cardChild)
	if g == "" || c == "" {
		w.Message.SetText(lang.L("walkin.needIDs"))
		return
	}
	w.guardianID, w.childID = g, c
	w.Guardian.SetText(core.ResidentID(g).Masked())
	w.Child.SetText(core.ResidentID(c).Masked())
	w.Guardian.Disable()
	w.Child.Disable()
	w.Stage.Disable()
	w.Lookup.Disable()
	w.ReadGuardian.Hide()
	w.ReadChild.Hide()
	w.Change.Show()
	w.Message.SetText(lang.L("walkin.looking"))
	w.relayout()
	req := engineapi.WalkInLookupRequest{Guardian: g, Child: c, Stage: w.stage()}
	var res engineapi.WalkInLookupResponse
	w.run(func(ctx context.Context) error {
		var err error
		res, err = w.be.WalkInLookup(ctx, req)
		return err
	}, func(err error) {
		if err != nil {
			w.Message.SetText(errorText(err))
			w.Lookup.Enable()
			return
		}
		w.showDecision(res)
	})
}

func normalID(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "\t", "").Replace(strings.TrimSpace(s)))
}

// showDecision shows the engine's decision, its evidence and the zone's
// schools to rank.
func (w *WalkInScreen) showDecision(res engineapi.WalkInLookupResponse) {
	w.lookup = &res
	d := res.Decision
	names := res.Draft.Child.Name + "（" + res.Draft.Child.ID + "）"
	switch {
	case d.Eligible && d.NeedsReview:
		w.Decision.SetText(lang.L("walkin.eligibleReview", map[string]any{"Child": names, "Category": d.CategoryName}))
	case d.Eligible:
		w.Decision.SetText(lang.L("walkin.eligible", map[string]any{"Child": names, "Category": d.CategoryName}))
	default:
		var why []string
		for _, p := range d.Problems {
			if p.Blocking {
				why = append(why, p.Message)
			}
		}
		w.Decision.SetText(lang.L("walkin.notEligible", map[string]any{"Child": names}) + "\n" + strings.Join(why, "\n"))
	}
	w.Evidence.Objects = nil
	for _, e := range d.Evidence {
		l := widget.NewLabel(e.Plain())
		l.Wrapping = fyne.TextWrapWord
		if e.Status == core.Mismatched {
			l.Importance = widget.DangerImportance
		}
		w.Evidence.Add(l)
	}
	for _, p := range d.Problems {
		if !p.Blocking {
			l := widget.NewLabel("⚠ " + p.Message)
			l.Wrapping = fyne.TextWrapWord
			l.Importance = widget.WarningImportance
			w.Evidence.Add(l)
		}
	}
	w.Evidence.Refresh()
	w.ranking = append([]core.School(nil), d.Schools()...)
	w.showRanking()
	if d.Eligible {
		w.Message.SetText(lang.L("walkin.lookedUp"))
		if c := fyne.CurrentApp().Driver().CanvasForObject(w.Phone); c != nil {
			c.Focus(w.Phone)
		}
	} else {
		w.Message.SetText(lang.L("walkin.cannotSubmit"))
	}
	w.refreshSubmit()
	w.relayout()
}

// showRanking lists the schools in the parent's order with ↑ ↓ to move one.
func (w *WalkInScreen) showRanking() {
	w.Schools.Objects = nil
	if len(w.ranking) == 0 {
		w.Schools.Add(widget.NewLabel(lang.L("walkin.noSchools")))
	}
	for i, s := range w.ranking {
		i := i
		row := container.NewHBox(widget.NewLabel(lang.L("walkin.rank", map[string]any{"N": i + 1})), widget.NewLabel(s.Name))
		if len(w.ranking) > 1 {
			up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { w.Move(i, -1) })
			down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { w.Move(i, +1) })
			if i == 0 {
				up.Disable()
			}
			if i == len(w.ranking)-1 {
				down.Disable()
			}
			row.Add(up)
			row.Add(down)
		}
		w.Schools.Add(row)
	}
	w.Schools.Refresh()
	w.relayout()
}

// Move moves the school at rank i by delta places (−1 up, +1 down).
func (w *WalkInScreen) Move(i, delta int) {
	j := i + delta
	if i < 0 || j < 0 || i >= len(w.ranking) || j >= len(w.ranking) || w.done != nil {
		return
	}
	w.ranking[i], w.ranking[j] = w.ranking[j], w.ranking[i]
	w.showRanking()
}

// Ranking is the schools in the order shown.
func (w *WalkInScreen) Ranking() []core.School { return append([]core.School(nil), w.ranking...) }

func (w *WalkInScreen) refreshSubmit() {
	if w.lookup != nil && w.lookup.Decision.Eligible && w.Consent.Checked && w.done == nil {
		w.Submit.Enable()
	} else {
		w.Submit.Disable()
	}
}

// startSubmit sends the completed application; the engine decides it and
// answers the receipt, which prints at once.
func (w *WalkInScreen) startSubmit() {
	if w.lookup == nil || w.done != nil {
		return
	}
	if !w.Consent.Checked {
		w.Message.SetText(lang.L("walkin.needConsent"))
		return
	}
	req := engineapi.WalkInSubmitRequest{DraftID: w.lookup.DraftID, Guardian: w.guardianID, Child: w.childID, Stage: w.stage(),
		Phone: strings.TrimSpace(w.Phone.Text), ConsentReadOut: true}
	for _, s := range w.ranking {
		req.Choices = append(req.Choices, s.Code)
	}
	w.Submit.Disable()
	w.Message.SetText(lang.L("walkin.submitting"))
	var res engineapi.WalkInSubmitResponse
	w.run(func(ctx context.Context) error {
		var err error
		res, err = w.be.WalkInSubmit(ctx, req)
		return err
	}, func(err error) {
		if err != nil {
			w.Message.SetText(errorText(err))
			w.refreshSubmit()
			return
		}
		w.done = &res
		w.guardianID, w.childID = "", ""
		w.Phone.SetText(core.MaskPhone(strings.TrimSpace(w.Phone.Text)))
		w.Phone.Disable()
		w.Consent.Disable()
		w.Change.Hide()
		w.Result.SetText(lang.L("walkin.done", map[string]any{"RegNo": res.Application.RegNo, "State": res.State.Label(),
			"Operator": engineapi.OperatorName(res.Operator)}))
		w.Next.Show()
		w.relayout()
		w.print()
	})
}

// print prints the receipt the engine signed.
func (w *WalkInScreen) print() {
	if w.done == nil {
		return
	}
	if w.printer == nil {
		w.Message.SetText(lang.L("walkin.noPrinter"))
		w.Print.Show()
		return
	}
	rc := w.done.Receipt
	var out receipt.Outcome
	w.Print.Disable()
	w.run(func(ctx context.Context) error {
		var err error
		out, err = w.printer.PrintReceipt(ctx, rc)
		return err
	}, func(err error) {
		w.Print.Enable()
		w.Print.Show()
		msg := out.Message
		if msg == "" && err != nil {
			msg = lang.L("walkin.printFailed")
		}
		w.Message.SetText(msg)
		w.relayout()
	})
}

// errorText is an error as staff read it: the engine's plain words.
func errorText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return lang.L("walkin.timeout")
	}
	return err.Error()
}
