package printing

import (
	"strings"
	"testing"

	"enrolldesk/assets"
)

func TestWrap(t *testing.T) {
	ttf := assets.FontRegular()
	g, err := newGlyphChecker(ttf)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseSFNT(ttf)
	if err != nil {
		t.Fatal(err)
	}
	m := &fontMetrics{glyphs: g, font: f, size: bodySize}
	const width = 40.0
	tests := []struct {
		in   string
		want []string
	}{
		{"文昌小学", []string{"文昌小学"}},
		{"", []string{""}},
		{"济宁市第十五中学附属小学北校区", nil},
		{"济宁市第十五中学附（北校区）", nil},
		{"Jining No. 15 Middle School Affiliated Primary", nil},
	}
	for _, tt := range tests {
		lines := wrap(m, tt.in, width)
		if tt.want != nil && strings.Join(lines, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q) = %q, want %q", tt.in, lines, tt.want)
		}
		for _, l := range lines {
			if w := m.GetStringWidth(l); w > width {
				t.Errorf("wrap(%q): line %q is %.1f mm wide, more than %.0f", tt.in, l, w, width)
			}
			if strings.HasSuffix(l, "（") || strings.HasPrefix(l, "）") {
				t.Errorf("wrap(%q): line %q breaks at a bracket", tt.in, l)
			}
		}
		if got := strings.Join(lines, ""); strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(tt.in, " ", "") {
			t.Errorf("wrap(%q) lost text: %q", tt.in, lines)
		}
		if len(lines) < 2 && m.GetStringWidth(tt.in) > width {
			t.Errorf("wrap(%q) did not wrap", tt.in)
		}
	}
}
