package kiosk_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"enrolldesk/ui/kiosk"
)

// The keypad review: X only as the 18th character, 确定 only when the
// number is whole, the count always in view and saying what to do.
func TestIDKeypadTakesXLastAndConfirmsOnlyAWholeNumber(t *testing.T) {
	r := newRig(t)
	test.Tap(agreeThrough(r).Keypad)
	s := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenGuardianKeypad)
	good := string(r.fams[famConsistent].guardian)

	if !s.Pad.Keys["X"].Disabled() || !s.Next.Disabled() {
		t.Fatal("X or 确定 can be pressed before anything is typed")
	}
	typeOn(t, s.Pad, good[:14])
	if got := plain(s.Pad.Count); !strings.Contains(got, "还差 4 位") || !strings.Contains(got, "请接着按") {
		t.Errorf("after 14 digits the count says %q; want how many are left and what to do", got)
	}
	if !s.Pad.Keys["X"].Disabled() || !s.Next.Disabled() {
		t.Error("X or 确定 can be pressed after 14 digits")
	}
	test.Tap(s.Next) // a disabled 确定 does nothing
	if r.k.ScreenName() != kiosk.ScreenGuardianKeypad {
		t.Fatal("an incomplete number moved on")
	}
	typeOn(t, s.Pad, good[14:17])
	if s.Pad.Keys["X"].Disabled() {
		t.Error("X cannot be pressed as the 18th character")
	}
	if !s.Next.Disabled() {
		t.Error("确定 can be pressed with 17 characters")
	}
	typeOn(t, s.Pad, wrongCheck(good[17]))
	if s.Next.Disabled() || !s.Pad.Keys["X"].Disabled() {
		t.Error("with 18 characters 确定 should be on and X off")
	}
	if got := plain(s.Pad.Count); !strings.Contains(got, "“确定”") {
		t.Errorf("whole number: the count says %q; it must name the button on screen, 确定", got)
	}
	test.Tap(s.Next)
	if s.Status.Message() == "" || !s.Pad.Count.Visible() || plain(s.Pad.Count) == "" {
		t.Errorf("a wrong number: message %q, count visible %v %q; want both", s.Status.Message(), s.Pad.Count.Visible(), plain(s.Pad.Count))
	}
	test.Tap(s.Pad.Keys[kiosk.KeyDelete])
	if !s.Next.Disabled() {
		t.Error("确定 stays on after a delete")
	}
	typeOn(t, s.Pad, good[17:])
	test.Tap(s.Next)
	at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
}

func TestPhoneKeypadConfirmsElevenDigits(t *testing.T) {
	r := newRig(t)
	cardsThrough(r, famConsistent)
	test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Next) // one school: no ranking
	ph := at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	typeOn(t, ph.Pad, "1380537")
	if !ph.Next.Disabled() || !strings.Contains(plain(ph.Pad.Count), "还差 4 位") {
		t.Errorf("7 digits: 确定 disabled %v, count %q", ph.Next.Disabled(), plain(ph.Pad.Count))
	}
	typeOn(t, ph.Pad, "1234")
	if ph.Next.Disabled() {
		t.Fatal("11 digits and 提交报名 is off")
	}
	// The phone's button is 提交报名: the words must not send a parent
	// looking for a 确定 that is not there.
	if got := plain(ph.Pad.Count); !strings.Contains(got, "“提交报名”") {
		t.Errorf("11 digits: the count says %q; want it to name 提交报名", got)
	}
	test.Tap(ph.Next) // 提交报名
	at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
}
