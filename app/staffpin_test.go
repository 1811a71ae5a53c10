package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	kioskui "enrolldesk/ui/kiosk"
)

// staffPINTry types pin on the staff PIN screen and returns what the
// screen says.
func (r *kioskRig) staffPINTry(pin string) (string, *kioskui.StaffPINScreen) {
	r.t.Helper()
	if r.ui.ScreenName() != kioskui.ScreenStaffPIN {
		test.Tap(screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome).Staff)
	}
	p := screen[*kioskui.StaffPINScreen](r, kioskui.ScreenStaffPIN)
	for _, c := range pin {
		test.Tap(p.Pad.Keys[string(c)])
	}
	test.Tap(p.Next)
	return p.Status.Message(), p
}

func TestStaffPINLocksAfterFiveWrongTriesAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	var clock shiftClock
	open := func() *kioskRig {
		return newSyncKioskRig(t, func(c *app.KioskConfig) {
			c.DataDir, c.PIN, c.CityDB = dir, "", syncCityPath(t)
			c.Now = clock.nowAt(kioskNow)
		})
	}
	if err := app.SetStaffPIN(dir, "4826"); err != nil {
		t.Fatal(err)
	}
	stored, err := os.ReadFile(filepath.Join(dir, "staff-pin"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(stored), "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(string(stored), "4826") {
		t.Errorf("staff-pin file = %q; want an argon2id hash without the PIN", stored)
	}
	if fi, err := os.Stat(filepath.Join(dir, "staff-pin")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("staff-pin mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}

	r := open()
	for _, left := range []string{"剩余 4 次", "剩余 3 次"} {
		if msg, _ := r.staffPINTry("1111"); !strings.Contains(msg, "密码不正确") || !strings.Contains(msg, left) {
			t.Errorf("wrong PIN: the screen says %q, want %q", msg, left)
		}
	}
	if err := r.k.Close(); err != nil { // a restart does not buy new tries
		t.Fatal(err)
	}

	r = open()
	if msg, _ := r.staffPINTry("2222"); !strings.Contains(msg, "剩余 2 次") {
		t.Errorf("the first wrong PIN after a restart: %q, want 剩余 2 次", msg)
	}
	r.staffPINTry("3333")
	if msg, _ := r.staffPINTry("4444"); !strings.Contains(msg, "请 5 分钟后再试") {
		t.Errorf("the fifth wrong PIN: %q, want 请 5 分钟后再试", msg)
	}
	if msg, _ := r.staffPINTry("4826"); !strings.Contains(msg, "分钟后再试") || r.ui.ScreenName() != kioskui.ScreenStaffPIN {
		t.Errorf("the right PIN while locked: %q on %s; want the lockout", msg, r.ui.ScreenName())
	}
	if err := r.k.Close(); err != nil {
		t.Fatal(err)
	}

	r = open()
	clock.advance(3 * time.Minute)
	if msg, _ := r.staffPINTry("4826"); !strings.Contains(msg, "请 2 分钟后再试") {
		t.Errorf("the right PIN, locked, after a restart and 3 minutes: %q, want 请 2 分钟后再试", msg)
	}
	clock.advance(2*time.Minute + time.Second)
	r.staffPINTry("4826")
	screen[*kioskui.StaffStatusScreen](r, kioskui.ScreenStaffStatus)
	test.Tap(screen[*kioskui.StaffStatusScreen](r, kioskui.ScreenStaffStatus).Back)
	if msg, _ := r.staffPINTry("1111"); !strings.Contains(msg, "剩余 4 次") {
		t.Errorf("a wrong PIN after the right one: %q, want five tries again (剩余 4 次)", msg)
	}
	for _, name := range []string{"staff-pin", "staff-pin-tries.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || strings.Contains(string(b), "4826") {
			t.Errorf("%s: %q, %v; the PIN must not be stored", name, b, err)
		}
	}
}

func TestKioskOfARealEngineNeedsAStaffPIN(t *testing.T) {
	dir := t.TempDir()
	run := cli(t, "", "kiosk", "--data", dir, "--engine", "https://engine.example.cn:8443")
	if run.code != app.ExitUsage || !strings.Contains(run.err, "no staff PIN") || !strings.Contains(run.err, "enrolldesk kiosk pin set") {
		t.Errorf("kiosk with an engine and no PIN: exit %d\n%s\nwant exit 2 and how to set one", run.code, run.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kiosk.db")); err == nil {
		t.Error("the kiosk opened its store before refusing")
	}

	run = cli(t, "4826\n", "kiosk", "pin", "set", "--data", dir)
	if run.code != app.ExitOK {
		t.Fatalf("pin set: exit %d\n%s", run.code, run.err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "staff-pin")); err != nil || strings.Contains(string(b), "4826") {
		t.Errorf("staff-pin: %q, %v", b, err)
	}
	for _, bad := range []struct{ stdin, want string }{{"12ab\n", "数字"}, {"12\n", "4到8位"}, {"", "no PIN"}} {
		if run := cli(t, bad.stdin, "kiosk", "pin", "set", "--data", dir); run.code != app.ExitUsage || !strings.Contains(run.err, bad.want) {
			t.Errorf("pin set with %q: exit %d\n%s\nwant exit 2 and %q", bad.stdin, run.code, run.err, bad.want)
		}
	}
	if run := cli(t, "", "kiosk", "pin", "set", "--data", dir, "4826"); run.code != app.ExitUsage || !strings.Contains(run.err, "shell history") {
		t.Errorf("pin set with the PIN as an argument: exit %d\n%s", run.code, run.err)
	}

	// A PIN given with --pin at first start is hashed at once.
	k, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: t.TempDir(), CityDB: syncCityPath(t), PIN: "97531"})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if res := k.Services(nil).Maintenance.CheckPIN("97531"); !res.OK {
		t.Errorf("the first-start PIN does not open the staff screen: %+v", res)
	}
}

func TestDemoKioskOpensWithTheDefaultPIN(t *testing.T) {
	dir := t.TempDir()
	k, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: dir, CityDB: syncCityPath(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	m := k.Services(nil).Maintenance
	if res := m.CheckPIN("1111"); res.OK || res.Remaining != app.MaxPINTries-1 {
		t.Errorf("a wrong PIN on a demo kiosk: %+v", res)
	}
	if res := m.CheckPIN(app.DefaultPIN); !res.OK {
		t.Errorf("the demo PIN %s: %+v", app.DefaultPIN, res)
	}
	if _, err := os.Stat(filepath.Join(dir, "staff-pin")); err == nil {
		t.Error("the demo PIN was stored: a later real start would inherit it")
	}
}
