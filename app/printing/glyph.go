package printing

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/font/opentype/tables"

	"enrolldesk/assets"
)

// pdfRuneLimit is the first rune that cannot go into a receipt PDF:
// gofpdf's UTF-8 font code handles only the Basic Multilingual Plane (a
// rune above it makes gofpdf fail or panic even when the font has the
// glyph), and U+FFFF itself closes a format 4 cmap.
const pdfRuneLimit = 0xFFFF

// placeholder stands in for a character the receipt cannot print, so the
// reader sees that something is there; fallbackPlaceholder is used when the
// font has no □.
const (
	placeholder         = '□'
	fallbackPlaceholder = '?'
)

// GlyphChecker knows which characters the bundled font can print in a PDF.
// Rare name characters (生僻字) outside the font, or outside what gofpdf can
// encode, are found before printing instead of crashing a print or leaving
// a blank. It is safe for concurrent use.
type GlyphChecker struct {
	cmap font.Cmap
	box  rune
}

// NewGlyphChecker reads the bundled font's character map. Create it once
// and keep it.
func NewGlyphChecker() (*GlyphChecker, error) {
	return newGlyphChecker(assets.FontRegular())
}

// newGlyphChecker reads only the cmap table with go-text: font.ParseTTF
// would also decode all 30 000 glyph outlines, 45 ms and 35 MB of heap
// that a character check does not need.
func newGlyphChecker(ttf []byte) (*GlyphChecker, error) {
	cmap, err := readCmap(ttf)
	if err != nil {
		return nil, fmt.Errorf("printing: read font %s: %w", assets.FontName, err)
	}
	g := &GlyphChecker{cmap: cmap, box: fallbackPlaceholder}
	if _, ok := g.glyph(placeholder); ok {
		g.box = placeholder
	}
	if _, ok := g.glyph(g.box); !ok {
		return nil, fmt.Errorf("printing: font %s has neither %q nor %q", assets.FontName, placeholder, fallbackPlaceholder)
	}
	return g, nil
}

// glyph returns the font's glyph for r when a PDF can show it: a printable
// rune in the Basic Multilingual Plane that the font maps to a real glyph.
func (g *GlyphChecker) glyph(r rune) (font.GID, bool) {
	if r >= pdfRuneLimit || r == unicode.ReplacementChar || unicode.IsControl(r) {
		return 0, false
	}
	gid, ok := g.cmap.Lookup(r)
	return gid, ok && gid != 0
}

func readCmap(ttf []byte) (font.Cmap, error) {
	ld, err := ot.NewLoader(bytes.NewReader(ttf))
	if err != nil {
		return nil, err
	}
	raw, err := ld.RawTable(ot.MustNewTag("cmap"))
	if err != nil {
		return nil, err
	}
	tb, _, err := tables.ParseCmap(raw)
	if err != nil {
		return nil, err
	}
	cmap, _, err := font.ProcessCmap(tb, 0) // the font page matters only to legacy Arabic fonts
	return cmap, err
}

// Missing returns the runes of s that cannot be printed, each once, in the
// order they first appear; nil when everything prints.
func (g *GlyphChecker) Missing(s string) []rune {
	var out []rune
	for _, r := range s {
		if _, ok := g.glyph(r); !ok && !containsRune(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// Printable returns s with every rune that cannot be printed replaced by □
// (or "?" when the font lacks □), so that a name like 𠮷田 prints as □田
// instead of failing.
func (g *GlyphChecker) Printable(s string) string {
	if g.Missing(s) == nil {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if _, ok := g.glyph(r); !ok {
			r = g.box
		}
		b.WriteRune(r)
	}
	return b.String()
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
