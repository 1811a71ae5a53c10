package ui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestWrapChinese measures each character as one unit wide.
func TestWrapChinese(t *testing.T) {
	measure := func(s string) float32 { return float32(utf8.RuneCountInString(s)) }
	for _, tc := range []struct {
		text  string
		width float32
		want  string
	}{
		{"短句。", 10, "短句。"},
		{"一二三四五。六七", 5, "一二三四\n五。六七"},                              // 。 does not start a line
		{"一二三“四五六", 4, "一二三\n“四五六"},                                // “ does not end a line
		{"号码370811********0333对", 10, "号码\n370811********0333\n对"}, // numbers stay whole
		{"一二 三四", 3, "一二\n三四"},
	} {
		got := WrapChinese(tc.text, tc.width, measure)
		if got != tc.want {
			t.Errorf("WrapChinese(%q, %v) = %q, want %q", tc.text, tc.width, got, tc.want)
		}
		if strings.ReplaceAll(strings.ReplaceAll(got, "\n", ""), " ", "") != strings.ReplaceAll(tc.text, " ", "") {
			t.Errorf("wrapping lost characters: %q", got)
		}
	}
}
