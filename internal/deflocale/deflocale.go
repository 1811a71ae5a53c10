// Package deflocale makes Simplified Chinese the language of a process
// started with no usable locale (LANG=C, POSIX or unset, as on a kiosk or
// CI box). It must be imported by main before anything that reads the
// locale at init: Fyne's lang package parses it in its own init, and a "C"
// locale makes it log an error on every start.
package deflocale

import (
	"os"
	"strings"
)

func init() {
	for _, v := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if usable(os.Getenv(v)) {
			return
		}
	}
	os.Setenv("LANGUAGE", "zh_CN") //nolint:errcheck // cannot fail for a valid name
}

func usable(l string) bool {
	l = strings.SplitN(l, ".", 2)[0]
	return l != "" && l != "C" && l != "POSIX"
}
