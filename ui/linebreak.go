package ui

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne breaks Chinese text anywhere, so a line may start with "。" or end
// with "“". breakLines re-wraps the screen's long Chinese labels by the
// usual rules (禁则): no line starts with closing punctuation, none ends
// with an opening bracket, and numbers and Latin words stay whole. It runs
// after each layout of a screen; the labels keep Fyne's wrapping as the
// fallback for anything wider than a line.

// noLineStart are characters a line must not begin with.
const noLineStart = "，。、；：？！）》」』”’〉】…—%,.;:?!)]}·"

// noLineEnd are characters a line must not end with.
const noLineEnd = "（《「『“‘〈【([{"

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
	wrapped := wrapChinese(strings.ReplaceAll(l.Text, "\n", ""), width, measure)
	if wrapped == l.Text {
		return false
	}
	l.Text = wrapped
	l.Refresh()
	return true
}

// wrapChinese breaks text into lines no wider than width, inserting "\n".
func wrapChinese(text string, width float32, measure func(string) float32) string {
	if text == "" || width <= 0 || measure(text) <= width {
		return text
	}
	var lines []string
	var line []string // units on the current line
	for _, u := range units(text) {
		if len(line) == 0 && u == " " {
			continue
		}
		if len(line) == 0 || measure(strings.Join(line, "")+u) <= width {
			line = append(line, u)
			continue
		}
		// u does not fit: break before it, keeping the rules.
		next := []string{u}
		for len(line) > 1 && (startsWithAny(next[0], noLineStart) || endsWithAny(line[len(line)-1], noLineEnd)) {
			next = append([]string{line[len(line)-1]}, next...)
			line = line[:len(line)-1]
		}
		lines = append(lines, strings.TrimRight(strings.Join(line, ""), " "))
		line = next
		if line[0] == " " {
			line = line[1:]
		}
	}
	if len(line) > 0 {
		lines = append(lines, strings.Join(line, ""))
	}
	return strings.Join(lines, "\n")
}

// units splits text into what may not be broken: one Han character or
// punctuation mark, a space, or a run of letters and digits.
func units(text string) []string {
	var out []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			out = append(out, run.String())
			run.Reset()
		}
	}
	for _, r := range text {
		switch {
		case r == ' ':
			flush()
			out = append(out, " ")
		case r < 0x2E80 && !strings.ContainsRune(noLineStart+noLineEnd, r) && !unicode.IsSpace(r):
			run.WriteRune(r) // Latin letters, digits, "*", "-": one word
		default:
			flush()
			out = append(out, string(r))
		}
	}
	flush()
	return out
}

func startsWithAny(s, set string) bool {
	for _, r := range s {
		return strings.ContainsRune(set, r)
	}
	return false
}

func endsWithAny(s, set string) bool {
	rs := []rune(s)
	return len(rs) > 0 && strings.ContainsRune(set, rs[len(rs)-1])
}
