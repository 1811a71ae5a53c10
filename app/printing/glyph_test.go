package printing_test

import (
	"testing"
	"unicode"

	"enrolldesk/app/printing"
)

func TestGlyphChecker(t *testing.T) {
	g, err := printing.NewGlyphChecker()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in        string
		missing   []rune
		printable string
	}{
		{"王小明", nil, "王小明"},
		{"JN27P-4F7K-9Q2M", nil, "JN27P-4F7K-9Q2M"},
		{"王䶮", nil, "王䶮"}, // CJK Extension A, in Noto Sans SC
		{"李喆 张堃", nil, "李喆 张堃"},
		{"𠮷田", []rune{'𠮷'}, "□田"}, // above U+FFFF: gofpdf cannot print it
		{"𠮷𠮷田", []rune{'𠮷'}, "□□田"},
		{"笑😀", []rune{'😀'}, "笑□"},
		{"a\tb", []rune{'\t'}, "a□b"},
		{"坏\xff", []rune{unicode.ReplacementChar}, "坏□"},
		{"", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := g.Missing(tt.in); string(got) != string(tt.missing) {
				t.Errorf("Missing(%q) = %q, want %q", tt.in, string(got), string(tt.missing))
			}
			if got := g.Printable(tt.in); got != tt.printable {
				t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.printable)
			}
		})
	}
	if m := g.Missing("□"); m != nil {
		t.Errorf("the font lacks the placeholder □ (%q)", string(m))
	}
}

func BenchmarkGlyphCheckerMissing(b *testing.B) {
	g, err := printing.NewGlyphChecker()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = g.Missing("王小明 370811********123X 济宁市任城区文昌第二实验小学 𠮷")
	}
}
