package ui

import (
	"strings"
	"unicode"
)

// noLineStart are characters a line must not begin with.
const noLineStart = "，。、；：？！）》」』”’〉】…—%,.;:?!)]}·"

// noLineEnd are characters a line must not end with.
const noLineEnd = "（《「『“‘〈【([{"

// WrapChinese breaks text (Chinese line-breaking rules: no 。 at a line start,
// no “ at a line end, numbers kept whole) into lines no wider than width, inserting "\n".
func WrapChinese(text string, width float32, measure func(string) float32) string {
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
