package kiosk

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Nav is the bar at the foot of every screen after the welcome: big 返回
// and 重新开始 on the left, the screen's main action on the right.
type Nav struct {
	Back    *widget.Button // nil where there is no way back
	Restart *widget.Button
	Next    *widget.Button // nil where the screen has no main action
}

// nav builds the bar; back may be nil.
func (k *Kiosk) nav(back func(), next *widget.Button) Nav {
	n := Nav{Next: next}
	if back != nil {
		n.Back = k.button(lang.L("nav.back"), theme.NavigateBackIcon(), back)
	}
	n.Restart = k.button(lang.L("nav.restart"), theme.HomeIcon(), k.restart)
	return n
}

func (n Nav) object(k *Kiosk) fyne.CanvasObject {
	left := container.NewHBox()
	if n.Back != nil {
		left.Add(k.touchSized(n.Back, 1.6))
	}
	if n.Restart != nil {
		left.Add(k.touchSized(n.Restart, 1.6))
	}
	var right fyne.CanvasObject
	if n.Next != nil {
		right = k.touchSized(n.Next, 2.2)
	}
	return container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, left, right))
}

// touchSized gives a button at least the touch height and width times
// the key width, so it is easy to hit.
func (k *Kiosk) touchSized(o fyne.CanvasObject, widthInKeys float32) fyne.CanvasObject {
	return container.New(&minLayout{min: fyne.NewSize(k.size(sizeKeyWidth)*widthInKeys, k.size(sizeTouch))}, k.outlined(o))
}

// outlined rings a button with the theme's outline colour: a light button
// on a light background is otherwise hard to tell from it (about 1.2:1).
// The ring is drawn over the button's edge and takes no taps.
func (k *Kiosk) outlined(o fyne.CanvasObject) fyne.CanvasObject {
	if b, ok := o.(*widget.Button); ok && b.Importance == widget.HighImportance {
		return o // the primary colour stands out on its own
	}
	ring := canvas.NewRectangle(color.Transparent)
	ring.StrokeColor = k.theme.Color(colorOutline, 0)
	ring.StrokeWidth = k.size(theme.SizeNameInputBorder)
	ring.CornerRadius = k.size(theme.SizeNameInputRadius)
	return container.NewStack(o, ring)
}

// frame lays a screen out: the step and title on top, the question in the
// middle, the navigation at the foot. step 0 hides the step indicator (the
// staff screens, and dead ends such as 不符合条件 where no step follows).
// The body takes what height is left and never widens the screen: long
// words wrap, and only lists scroll.
func (k *Kiosk) frame(step int, title string, body fyne.CanvasObject, nav Nav) fyne.CanvasObject {
	h := k.heading(title)
	h.Importance = widget.HighImportance
	var head fyne.CanvasObject = h
	if _, ok := body.(*container.Scroll); !ok {
		// A body that does not fit the panel's height scrolls rather
		// than push the window past the panel's edge; where it fits, the
		// scroll gives it the whole height and nothing moves.
		body = container.NewVScroll(body)
	}
	if step > 0 {
		steps := k.stepIndicator(step)
		head = container.NewBorder(nil, nil, nil, steps.box, h)
		out := k.pad(container.NewBorder(container.NewVBox(head, widget.NewSeparator()), nav.object(k), nil, nil, body))
		k.fit.framed(out, steps)
		return out
	}
	return k.pad(container.NewBorder(container.NewVBox(head, widget.NewSeparator()), nav.object(k), nil, nil, body))
}

// StepIndicator says "第 2 步，共 7 步" and shows it as a row of marks.
type StepIndicator struct {
	Label *widget.Label
	Step  int

	box fyne.CanvasObject
}

// stepIndicator builds the indicator of a step.
func (k *Kiosk) stepIndicator(step int) *StepIndicator {
	l := widget.NewLabel(lang.L("step.indicator", map[string]any{"N": step, "Total": totalSteps}))
	l.Alignment = fyne.TextAlignTrailing
	l.SizeName = theme.SizeNameCaptionText // beside the title: no taller than it
	l.TextStyle = fyne.TextStyle{Bold: true}
	marks := container.NewGridWithColumns(totalSteps)
	for i := 1; i <= totalSteps; i++ {
		c := k.theme.Color(theme.ColorNameSeparator, 0)
		if i <= step {
			c = k.theme.Color(theme.ColorNamePrimary, 0)
		}
		r := canvas.NewRectangle(c)
		r.CornerRadius = k.size(theme.SizeNamePadding)
		r.SetMinSize(fyne.NewSize(k.size(theme.SizeNamePadding), k.size(theme.SizeNamePadding)*2))
		marks.Add(r)
	}
	width := k.size(sizeKeyWidth) * 1.8 // leaves the title a line of its own on a 1024 px panel
	side := k.size(theme.SizeNameInnerPadding)
	box := container.NewVBox(layout.NewSpacer(), l,
		container.New(layout.NewCustomPaddedLayout(0, 0, side, side), container.New(&minLayout{min: fyne.NewSize(width, 0)}, marks)),
		layout.NewSpacer())
	return &StepIndicator{Label: l, Step: step, box: box}
}

// StepIndicator returns the step indicator of the screen on show, or nil
// where it has none.
func (k *Kiosk) StepIndicator() *StepIndicator { return k.fit.steps }

// fitState ties a screen's content to its step indicator, so that the
// indicator can be found (Kiosk.StepIndicator, Kiosk.Layout) once the
// screen is on show.
type fitState struct {
	built map[fyne.CanvasObject]*StepIndicator // frames built, not yet shown
	shown Screen                               // the screen steps belongs to
	steps *StepIndicator

	laidFor fyne.Size // the canvas size the screen was last laid out for (refit)
}

func (f *fitState) framed(content fyne.CanvasObject, s *StepIndicator) {
	if f.built == nil {
		f.built = map[fyne.CanvasObject]*StepIndicator{}
	}
	f.built[content] = s
}

// onShow notes the screen now on show.
func (f *fitState) onShow(s Screen) {
	if s == f.shown {
		return
	}
	f.shown = s
	f.steps = nil
	if s != nil {
		f.steps = f.built[s.Content()]
	}
	f.built = nil
}

// wrapped lays a button's words out as a wrapping label over it, so that
// a long text takes more lines rather than more width than the screen has.
// The button stays the handle a test taps; its text moves to the label.
func (k *Kiosk) wrapped(b *widget.Button) fyne.CanvasObject {
	words := k.text(b.Text)
	if b.Alignment == widget.ButtonAlignCenter {
		words.Alignment = fyne.TextAlignCenter
	}
	var face fyne.CanvasObject = words
	if b.Icon != nil {
		face = container.NewBorder(nil, nil, container.NewCenter(widget.NewIcon(b.Icon)), nil, words)
	}
	b.SetText("")
	b.SetIcon(nil)
	return k.outlined(container.NewStack(b, container.NewPadded(face)))
}

// panel frames a group of fields on a quiet background.
func (k *Kiosk) panel(title string, content ...fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(k.theme.Color(colorPanel, 0))
	bg.StrokeColor = k.theme.Color(theme.ColorNameSeparator, 0)
	bg.StrokeWidth = 2
	bg.CornerRadius = k.size(theme.SizeNameInputRadius)
	box := container.NewVBox()
	if title != "" {
		t := k.subheading(title)
		t.TextStyle = fyne.TextStyle{Bold: true}
		box.Add(t)
	}
	for _, c := range content {
		box.Add(c)
	}
	return container.NewStack(bg, container.NewPadded(box))
}

// form lays out label and value pairs in two aligned columns.
func (k *Kiosk) form(pairs ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewFormLayout(), pairs...)
}

// fieldLabel is the name of a field in a form.
func (k *Kiosk) fieldLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

// scroll lets a long screen scroll; the padding keeps framed panels whole.
func (k *Kiosk) scroll(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVScroll(container.NewPadded(o))
}

// pad keeps content off the screen's edges: one padding, as the window
// adds its own, so that a landscape panel's height goes to the content.
func (k *Kiosk) pad(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewPadded(o)
}

func (k *Kiosk) text(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = k.wrap()
	return l
}

func (k *Kiosk) heading(s string) *widget.Label {
	l := k.text(s)
	l.SizeName = theme.SizeNameHeadingText
	return l
}

func (k *Kiosk) subheading(s string) *widget.Label {
	l := k.text(s)
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// Notice is a message on a screen: an icon and words, coloured by kind,
// so that colour is never the only signal. No pop-ups: it sits in the screen.
type Notice struct {
	Icon *widget.Icon
	Text *widget.Label
	Kind string // "", "info", "ok", "warn", "error"
	box  *fyne.Container
	k    *Kiosk
	msg  string
}

// Message returns the words shown, without the line breaks of the layout.
func (n *Notice) Message() string { return n.msg }

// Notice kinds.
const (
	noticeInfo  = "info"
	noticeOK    = "ok"
	noticeWarn  = "warn"
	noticeError = "error"
)

func (k *Kiosk) notice() *Notice {
	n := &Notice{Icon: widget.NewIcon(nil), Text: k.text(""), k: k}
	n.box = container.NewBorder(nil, nil, container.NewCenter(n.Icon), nil, n.Text)
	n.box.Hide()
	return n
}

func (n *Notice) object() fyne.CanvasObject { return n.box }

func (n *Notice) set(kind, text string) {
	n.Kind = kind
	switch kind {
	case noticeError:
		n.Icon.SetResource(theme.NewErrorThemedResource(theme.ErrorIcon()))
		n.Text.Importance = widget.DangerImportance
	case noticeWarn:
		n.Icon.SetResource(theme.NewWarningThemedResource(theme.WarningIcon()))
		n.Text.Importance = widget.WarningImportance
	case noticeOK:
		n.Icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		n.Text.Importance = widget.SuccessImportance
	default:
		n.Icon.SetResource(theme.NewPrimaryThemedResource(theme.InfoIcon()))
		n.Text.Importance = widget.MediumImportance
	}
	n.msg = text
	n.Text.SetText(text)
	n.box.Show()
	n.k.relayout() // the message may take more or fewer lines than before
}

func (n *Notice) clear() {
	n.Kind, n.msg = "", ""
	n.Text.SetText("")
	if n.box.Visible() {
		n.box.Hide()
		n.k.relayout()
	}
}

// relayout lays the screen out again after something in it was shown or
// hidden, then re-breaks its Chinese lines for their widths.
func (k *Kiosk) relayout() {
	k.body.Refresh()
	if k.breakLines(k.body) {
		k.body.Refresh()
	}
	k.fit.onShow(k.current)
	k.reportLayout()
}

// minLayout stretches its objects over its area and asks for at least min.
type minLayout struct{ min fyne.Size }

func (l *minLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l *minLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := l.min
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

var _ fyne.Layout = (*minLayout)(nil)

// capLayout centres its objects in no more than max width, so that on a
// wide panel what belongs together stays together.
type capLayout struct{ max float32 }

func (l *capLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, l.max)
	for _, o := range objs {
		o.Move(fyne.NewPos((size.Width-w)/2, 0))
		o.Resize(fyne.NewSize(w, size.Height))
	}
}

func (l *capLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

var _ fyne.Layout = (*capLayout)(nil)
