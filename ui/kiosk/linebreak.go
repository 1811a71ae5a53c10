package kiosk

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/ui"
)

// Fyne breaks Chinese text anywhere, so a line may start with "。" or end
// with "“". breakLines re-wraps the screen's long Chinese labels by the
// usual rules (禁则): no line starts with closing punctuation, none ends
// with an opening bracket, and numbers and Latin words stay whole. It runs
// after each layout of a screen; the labels keep Fyne's wrapping as the
// fallback for anything wider than a line.

// breakLines re-wraps the Chinese labels under o for their current widths
// and reports whether any changed.
func (k *Kiosk) breakLines(o fyne.CanvasObject) bool {
	if k.language == LangEnglish {
		return false
	}
	changed := false
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			changed = k.rewrap(v) || changed
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(v.Content)
		case *widget.Card:
			walk(v.Content)
		}
	}
	walk(o)
	return changed
}

func (k *Kiosk) rewrap(l *widget.Label) bool {
	if l.Wrapping != fyne.TextWrapBreak || !l.Visible() || l.Size().Width <= 0 {
		return false
	}
	size := k.theme.Size(theme.SizeNameText)
	if l.SizeName != "" {
		size = k.theme.Size(l.SizeName)
	}
	width := l.Size().Width - 2*k.theme.Size(theme.SizeNameInnerPadding) - 2
	measure := func(s string) float32 { return fyne.MeasureText(s, size, l.TextStyle).Width }
	wrapped := ui.WrapChinese(strings.ReplaceAll(l.Text, "\n", ""), width, measure)
	if wrapped == l.Text {
		return false
	}
	l.Text = wrapped
	l.Refresh()
	return true
}
