//go:build linux

package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	"enrolldesk/app/cardreader"
	"enrolldesk/app/cardreader/samfake"
	"enrolldesk/core"
	kioskui "enrolldesk/ui/kiosk"
)

// newSerialKioskRig is the kiosk rig with --reader serial: on a fake reader
// behind a pty, speaking the SAM protocol.
func newSerialKioskRig(t *testing.T, act samfake.Behaviour) (*kioskRig, *samfake.Reader) {
	t.Helper()
	fake, err := samfake.Start(act)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })
	r := &kioskRig{t: t, data: t.TempDir(), out: t.TempDir()}
	k, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: r.data, CityDB: testCity(t),
		Reader: "serial:" + fake.Path, Now: func() time.Time { return kioskNow }, Logf: t.Logf, TapGuard: -1})
	if err != nil {
		t.Fatal(err)
	}
	r.k = k
	reader := k.CardReader()
	if _, ok := reader.(*cardreader.Serial); !ok {
		t.Fatalf("--reader serial: gives %T", reader)
	}
	a := test.NewApp()
	r.win = a.NewWindow("")
	r.ui = kioskui.NewKiosk(a, r.win, k.Services(reader), k.Options())
	t.Cleanup(func() {
		r.ui.Close()
		r.win.Close()
		_ = reader.(*cardreader.Serial).Close()
		if err := k.Close(); err != nil {
			t.Errorf("close kiosk: %v", err)
		}
	})
	return r, fake
}

// The guardian's and the child's real cards, read one after the other off
// a reader on a serial line, take the parent to the confirmation.
func TestKioskReadsCardsFromASerialReader(t *testing.T) {
	p := personas(t, testCity(t))["consistent"]
	blocks := [][]byte{samfake.TextBlock(p.GuardianID, "长期"), samfake.TextBlock(p.ChildID, "20300101")}
	r, fake := newSerialKioskRig(t, func(cmd [2]byte, n int) samfake.Reply {
		if cmd == samfake.Read {
			return samfake.Reply{Raw: samfake.ReadAnswer(blocks[min(n, 2)-1])}
		}
		return samfake.Card(nil)(cmd, n)
	})
	w := screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome)
	if p.Stage == string(core.Junior) {
		test.Tap(w.Junior)
	} else {
		test.Tap(w.Primary)
	}
	test.Tap(screen[*kioskui.ConsentScreen](r, kioskui.ScreenConsent).Agree)
	// No tap on the card screens: a card on the reader is read as it lies there.
	screen[*kioskui.ConfirmScreen](r, kioskui.ScreenConfirm)
	if fake.Count(samfake.Read) != 2 {
		t.Errorf("%d reads on the line, want 2", fake.Count(samfake.Read))
	}
}

// A reader pulled out mid-read leaves the parent on the card screen with
// the reader's plain message and the keypad.
func TestKioskSerialReaderUnplugged(t *testing.T) {
	r, _ := newSerialKioskRig(t, samfake.Override(samfake.Card(samfake.TextBlock("11010519491231002X", "长期")),
		samfake.Read, samfake.Always, samfake.Reply{Unplug: true}))
	test.Tap(screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome).Primary)
	test.Tap(screen[*kioskui.ConsentScreen](r, kioskui.ScreenConsent).Agree)
	s := screen[*kioskui.IDCardScreen](r, kioskui.ScreenGuardianCard)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.Status.Message(), "读卡器没有连接好") {
		if time.Now().After(deadline) {
			t.Fatalf("the screen says %q", s.Status.Message())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r.ui.ScreenName() != kioskui.ScreenGuardianCard || s.Keypad.Disabled() {
		t.Errorf("on %s, keypad disabled %v: the keypad must stay the way on", r.ui.ScreenName(), s.Keypad.Disabled())
	}
}
