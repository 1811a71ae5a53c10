package app_test

import (
	"strings"
	"testing"

	"enrolldesk/app"
)

// make package runs `enrolldesk version` from the Linux bundle and under
// wine on a machine with no display: it must answer without a window.
func TestVersionAnswersWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	var out, errw strings.Builder
	if code := app.Main([]string{"version"}, nil, &out, &errw); code != app.ExitOK || out.String() != "enrolldesk "+app.Version+"\n" {
		t.Errorf("enrolldesk version: exit %d, %q %q", code, out.String(), errw.String())
	}
}
