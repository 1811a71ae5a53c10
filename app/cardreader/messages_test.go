package cardreader

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"enrolldesk/core"
)

// Every code Read returns is worded for the screens in both languages, the
// Chinese words being the message itself, and every message offers the
// keypad as the way on.
func TestEveryCodeIsTranslatedAndOffersTheKeypad(t *testing.T) {
	tr := map[string]map[string]string{}
	for _, name := range []string{"zh-Hans", "en"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "assets", "translations", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		tr[name] = m
	}
	for _, code := range Codes {
		err := cardError(code)
		if !core.IsInvalid(err) || core.ErrorCode(err) != code {
			t.Errorf("%s: code %q must refine %s", code, core.ErrorCode(err), core.EINVALID)
		}
		msg := core.ErrorMessage(err)
		if !strings.Contains(msg, "数字键盘") {
			t.Errorf("%s: %q does not offer the keypad", code, msg)
		}
		if got := tr["zh-Hans"]["error."+code]; got != msg {
			t.Errorf("zh-Hans error.%s = %q, want the message %q", code, got, msg)
		}
		if got := tr["en"]["error."+code]; !strings.Contains(got, "keypad") {
			t.Errorf("en error.%s = %q: missing, or not offering the keypad", code, got)
		}
	}
}

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct{ in, kind, path string }{
		{"", KindSim, ""},
		{"sim", KindSim, ""},
		{"none", KindNone, ""},
		{"serial:/dev/ttyUSB0", KindSerial, "/dev/ttyUSB0"},
		{"serial:/dev/serial/by-id/usb-CVR-100U-if00", KindSerial, "/dev/serial/by-id/usb-CVR-100U-if00"},
		{"serial:COM3", KindSerial, "COM3"},
		{" serial: COM12 ", KindSerial, "COM12"},
	} {
		kind, path, err := ParseSpec(tc.in)
		if err != nil || kind != tc.kind || path != tc.path {
			t.Errorf("ParseSpec(%q) = %q, %q, %v; want %q, %q", tc.in, kind, path, err, tc.kind, tc.path)
		}
	}
	for _, bad := range []string{"serial", "serial:", "usb", "Sim", "/dev/ttyUSB0"} {
		if _, _, err := ParseSpec(bad); err == nil || !strings.Contains(err.Error(), "serial:DEVICE") {
			t.Errorf("ParseSpec(%q) = %v, want an error naming the forms", bad, err)
		}
	}
}
