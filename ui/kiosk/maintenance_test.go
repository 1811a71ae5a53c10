package kiosk_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/ui/kiosk"
)

func TestMaintenance(t *testing.T) {
	r := newRig(t)
	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Staff)
	p := at[*kiosk.StaffPINScreen](r, kiosk.ScreenStaffPIN)

	typeOn(t, p.Pad, "1111")
	if strings.Contains(p.Pad.Display.Text, "1111") {
		t.Errorf("the PIN shows as %q", p.Pad.Display.Text)
	}
	test.Tap(p.Next)
	if r.k.ScreenName() != kiosk.ScreenStaffPIN || p.Status.Kind != "error" || !strings.Contains(p.Status.Message(), "密码不正确") {
		t.Fatalf("wrong PIN: screen %s, %s %q", r.k.ScreenName(), p.Status.Kind, p.Status.Message())
	}
	if p.Pad.Value() != "" {
		t.Error("a wrong PIN stays typed")
	}

	typeOn(t, p.Pad, "2468")
	test.Tap(p.Next)
	s := at[*kiosk.StaffStatusScreen](r, kiosk.ScreenStaffStatus)
	for key, want := range map[string]string{"device": "JN-K-0007", "printer": "仅保存", "spooled": "3",
		"queue": "2", "dead": "1", "sync": "2027年6月15日", "version": "v-test", "engine": "数据已核验 2 · 待人工审核 1"} {
		if got := s.Rows[key].Text; !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}

	test.Tap(s.Reprint)
	if s.Result.Kind != "error" {
		t.Errorf("an empty registration number: %s %q", s.Result.Kind, s.Result.Message())
	}
	test.Type(s.RegNo, "jn27p-abcde-fghjk")
	test.Tap(s.Reprint)
	s = at[*kiosk.StaffStatusScreen](r, kiosk.ScreenStaffStatus)
	if s.Result.Kind != "ok" || !slices.Equal(r.mnt.reprinted, []string{"JN27P-ABCDE-FGHJK"}) ||
		!strings.Contains(s.Result.Message(), "教育局核验状态：待人工审核") {
		t.Errorf("reprint: %s %q, reprinted %v", s.Result.Kind, s.Result.Message(), r.mnt.reprinted)
	}

	test.Tap(s.Back)
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
}

func TestStaffScreenTimesOut(t *testing.T) {
	r := newRig(t)
	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Staff)
	p := at[*kiosk.StaffPINScreen](r, kiosk.ScreenStaffPIN)
	typeOn(t, p.Pad, "2468")
	test.Tap(p.Next)
	at[*kiosk.StaffStatusScreen](r, kiosk.ScreenStaffStatus)
	r.k.Tick(fixedNow.Add(5 * time.Minute))
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
}
