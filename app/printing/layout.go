package printing

import (
	"strings"
	"unicode"

	"github.com/jung-kurt/gofpdf"
)

// A block is one vertical piece of the receipt. Layout happens in two
// passes so the page can be exactly as tall as its content: measure every
// block, open a page of the summed height, then draw.
type block interface {
	texts() []string                           // every string the block prints, for the font subset
	measure(m measurer, width float64) float64 // wraps text and returns the height in mm
	draw(p *gofpdf.Fpdf, x, y, width float64)
}

// measurer gives text widths in mm at a font size; *gofpdf.Fpdf is one,
// fontMetrics another that needs no PDF document.
type measurer interface {
	SetFontSize(size float64)
	GetStringWidth(s string) float64
}

// ptToMM converts a font size in points to millimetres.
const ptToMM = 25.4 / 72

// lineHeight is the distance between baselines for a font size, 1.4× as the
// elderly-friendly spec asks of screens (≥ 1.3×).
func lineHeight(size float64) float64 { return size * ptToMM * 1.4 }

// centered is text centred on the receipt's width, wrapped as needed.
type centered struct {
	size  float64
	text  string
	lines []string
}

func (b *centered) texts() []string { return []string{b.text} }

func (b *centered) measure(p measurer, width float64) float64 {
	p.SetFontSize(b.size)
	b.lines = wrap(p, b.text, width)
	return float64(len(b.lines)) * lineHeight(b.size)
}

func (b *centered) draw(p *gofpdf.Fpdf, x, y, width float64) {
	p.SetFontSize(b.size)
	for i, l := range b.lines {
		p.SetXY(x, y+float64(i)*lineHeight(b.size))
		p.CellFormat(width, lineHeight(b.size), l, "", 0, "C", false, 0, "")
	}
}

// fitted is one line of text centred and shrunk (down to minSize) until it
// fits the width: the registration number must never wrap.
type fitted struct {
	size, minSize float64
	text          string
}

func (b *fitted) texts() []string { return []string{b.text} }

func (b *fitted) measure(p measurer, width float64) float64 {
	for ; b.size > b.minSize; b.size-- {
		p.SetFontSize(b.size)
		if p.GetStringWidth(b.text) <= width {
			break
		}
	}
	return lineHeight(b.size)
}

func (b *fitted) draw(p *gofpdf.Fpdf, x, y, width float64) {
	p.SetFontSize(b.size)
	p.SetXY(x, y)
	p.CellFormat(width, lineHeight(b.size), b.text, "", 0, "C", false, 0, "")
}

// row is a label in the left column and one or more values beside it, each
// value starting on its own line and wrapping within the right column. A
// value "1. name" wraps with a hanging indent so the number stands out.
type row struct {
	size       float64
	labelWidth float64
	label      string
	values     []string
	lines      []indented
}

// indented is one line of a row's value column.
type indented struct {
	indent float64
	text   string
}

func (b *row) texts() []string { return append([]string{b.label}, b.values...) }

func (b *row) measure(p measurer, width float64) float64 {
	p.SetFontSize(b.size)
	b.lines = b.lines[:0]
	for _, v := range b.values {
		prefix, rest := numbered(v)
		indent := p.GetStringWidth(prefix)
		for i, l := range wrap(p, rest, width-b.labelWidth-indent) {
			if i == 0 {
				b.lines = append(b.lines, indented{0, prefix + l})
				continue
			}
			b.lines = append(b.lines, indented{indent, l})
		}
	}
	return float64(len(b.lines)) * lineHeight(b.size)
}

func (b *row) draw(p *gofpdf.Fpdf, x, y, width float64) {
	p.SetFontSize(b.size)
	lh := lineHeight(b.size)
	p.SetXY(x, y)
	p.CellFormat(b.labelWidth, lh, b.label, "", 0, "L", false, 0, "")
	for i, l := range b.lines {
		p.SetXY(x+b.labelWidth+l.indent, y+float64(i)*lh)
		p.CellFormat(width-b.labelWidth-l.indent, lh, l.text, "", 0, "L", false, 0, "")
	}
}

// numbered splits a list item "12. text" into "12. " and "text"; other
// values have no prefix.
func numbered(v string) (prefix, rest string) {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 || !strings.HasPrefix(v[i:], ". ") {
		return "", v
	}
	return v[:i+2], v[i+2:]
}

// rule is a thin dashed line with space above and below, the way a till
// receipt separates its parts.
type rule struct{ space float64 }

func (rule) texts() []string { return nil }

func (b rule) measure(measurer, float64) float64 { return 2 * b.space }

func (b rule) draw(p *gofpdf.Fpdf, x, y, width float64) {
	p.SetLineWidth(0.25)
	p.SetDashPattern([]float64{1, 0.8}, 0)
	p.Line(x, y+b.space, x+width, y+b.space)
	p.SetDashPattern(nil, 0)
}

// gap is empty vertical space.
type gap float64

func (gap) texts() []string { return nil }

func (g gap) measure(measurer, float64) float64 { return float64(g) }

func (gap) draw(*gofpdf.Fpdf, float64, float64, float64) {}

// wrap breaks s into lines no wider than width: between any two Chinese
// characters, and in Latin text at the last space when there is one.
func wrap(p measurer, s string, width float64) []string {
	var lines []string
	var line []rune
	for _, r := range s {
		if r == '\n' {
			lines, line = append(lines, string(line)), line[:0]
			continue
		}
		if len(line) > 0 && p.GetStringWidth(string(append(line, r))) > width {
			head, tail := breakLine(line, r)
			lines = append(lines, strings.TrimRight(string(head), " "))
			line = append([]rune(nil), tail...)
		}
		if len(line) > 0 || r != ' ' {
			line = append(line, r)
		}
	}
	if len(line) > 0 || len(lines) == 0 {
		lines = append(lines, string(line))
	}
	return lines
}

// breakLine splits a full line before the rune next that does not fit:
// after the last space when both sides of the break are Latin; otherwise
// right before next, moving one more character down when the break would
// start a line with closing punctuation or end one with an opening bracket
// (the usual Chinese line-breaking rule, 避头尾).
func breakLine(line []rune, next rune) (head, tail []rune) {
	if isLatin(next) && isLatin(line[len(line)-1]) {
		if i := lastIndex(line, ' '); i > 0 {
			return line[:i], line[i+1:]
		}
	}
	cut := len(line)
	if strings.ContainsRune(noLineStart, next) && cut > 1 {
		cut--
	}
	if strings.ContainsRune(noLineEnd, line[cut-1]) && cut > 1 {
		cut--
	}
	return line[:cut], line[cut:]
}

// Punctuation that may not start or end a line.
const (
	noLineStart = "，。、；：！？）》」』】〕,.;:!?)]"
	noLineEnd   = "（《「『【〔([“‘"
)

func isLatin(r rune) bool { return r < 0x2E80 && !unicode.IsSpace(r) }

func lastIndex(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}
