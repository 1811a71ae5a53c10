package ui

import (
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
	return container.New(&minLayout{min: fyne.NewSize(k.size(sizeKeyWidth)*widthInKeys, k.size(sizeTouch))}, o)
}

// frame lays a screen out: the step and title on top, the question in the
// middle, the navigation at the foot. step 0 hides the step indicator.
func (k *Kiosk) frame(step int, title string, body fyne.CanvasObject, nav Nav) fyne.CanvasObject {
	h := k.heading(title)
	h.Importance = widget.HighImportance
	var steps fyne.CanvasObject
	if step > 0 {
		steps = k.stepIndicator(step)
	}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, steps, h), widget.NewSeparator())
	return k.pad(container.NewBorder(top, nav.object(k), nil, nil, body))
}

// stepIndicator says "第 2 步，共 7 步" and shows it as a row of marks.
func (k *Kiosk) stepIndicator(step int) fyne.CanvasObject {
	l := widget.NewLabel(lang.L("step.indicator", map[string]any{"N": step, "Total": totalSteps}))
	l.Alignment = fyne.TextAlignTrailing
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
	width := k.size(sizeKeyWidth) * 2.4
	return container.NewVBox(layout.NewSpacer(), l,
		container.New(&minLayout{min: fyne.NewSize(width, 0)}, container.NewPadded(marks)), layout.NewSpacer())
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

// pad keeps content off the screen's edges.
func (k *Kiosk) pad(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewPadded(container.NewPadded(o))
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

	onShow func(shown bool) // the keypad hides its count under a message
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
	if n.onShow != nil {
		n.onShow(true)
	}
	n.k.relayout() // the message may take more or fewer lines than before
}

func (n *Notice) clear() {
	n.Kind, n.msg = "", ""
	n.Text.SetText("")
	if n.box.Visible() {
		n.box.Hide()
		if n.onShow != nil {
			n.onShow(false)
		}
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
