package app_test

import (
	"context"
	"strings"
	"testing"

	"enrolldesk/app"
	"enrolldesk/app/cardreader"
)

// --reader picks the kiosk's ID-card reader: the demo's simulated one by
// default, a real one on a serial port, or none (the keypad only).
func TestKioskReaderFlag(t *testing.T) {
	dir := t.TempDir()
	city := testCity(t)
	for _, tc := range []struct {
		reader string
		want   string // the reader's type; "" for none
	}{
		{"", "*cardreader.Sim"},
		{"sim", "*cardreader.Sim"},
		{"none", ""},
		{"serial:/dev/ttyUSB7", "*cardreader.Serial"},
		{"serial:COM3", "*cardreader.Serial"},
	} {
		k, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: dir, CityDB: city, Reader: tc.reader})
		if err != nil {
			t.Fatalf("--reader %q: %v", tc.reader, err)
		}
		r := k.CardReader()
		got := ""
		if r != nil {
			got = typeName(r)
		}
		svc := k.Services(r)
		if got != tc.want || (svc.Reader == nil) != (tc.want == "") {
			t.Errorf("--reader %q gives %q (services hold %v), want %q", tc.reader, got, svc.Reader, tc.want)
		}
		if s, ok := r.(*cardreader.Serial); ok {
			if want := strings.TrimPrefix(tc.reader, "serial:"); s.Path != want {
				t.Errorf("--reader %q opens %q", tc.reader, s.Path)
			}
			if err := s.Close(); err != nil { // never opened: nothing to close
				t.Error(err)
			}
		}
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
	}
	r := cli(t, "", "kiosk", "--data", dir, "--engine", "off", "--reader", "serial")
	if r.code == 0 || !strings.Contains(r.err, "serial:DEVICE") {
		t.Errorf("a bad --reader must stop the kiosk with the forms it takes: exit %d, %s", r.code, r.err)
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *cardreader.Sim:
		return "*cardreader.Sim"
	case *cardreader.Serial:
		return "*cardreader.Serial"
	}
	return "other"
}
