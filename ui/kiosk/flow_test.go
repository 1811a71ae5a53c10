package kiosk_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/ui/kiosk"
)

// agreeThrough taps the grade and agrees to the privacy notice, leaving
// the kiosk on the guardian's card screen.
func agreeThrough(r *rig) *kiosk.IDCardScreen {
	r.t.Helper()
	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Primary)
	test.Tap(at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent).Agree)
	return at[*kiosk.IDCardScreen](r, kiosk.ScreenGuardianCard)
}

// cardsThrough taps the grade and agrees, then lays the family's cards on
// the reader — no tap: a laid card is read by itself.
func cardsThrough(r *rig, key string) {
	r.t.Helper()
	f := r.fams[key]
	agreeThrough(r)
	r.rdr.Place(f.guardian)
	at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
	r.rdr.Place(f.child)
}

// demoCardsThrough is cardsThrough as a demo visitor does it: 演示 opens
// the simulated cards once, and a tap on a card lays it on the reader.
func demoCardsThrough(r *rig, key string) {
	r.t.Helper()
	g := agreeThrough(r)
	test.Tap(g.DemoToggle)
	test.Tap(g.Demo[key])
	c := at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
	test.Tap(c.Demo[key])
}

// phoneFromConfirm walks from the confirmation to the phone screen with
// the number typed, 提交报名 not yet tapped (single-school zone: no ranking).
func phoneFromConfirm(r *rig, phone string) *kiosk.PhoneScreen {
	r.t.Helper()
	test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Next)
	ph := at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	typeOn(r.t, ph.Pad, phone)
	return ph
}

// finishFromConfirm walks from the confirmation to the receipt with a
// single-school zone.
func finishFromConfirm(r *rig, phone string) *kiosk.ReceiptScreen {
	r.t.Helper()
	test.Tap(phoneFromConfirm(r, phone).Next)
	return at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
}

func TestConsistentFamilyByCardReader(t *testing.T) {
	r := newRig(t)
	f := r.fams[famConsistent]
	cardsThrough(r, famConsistent)

	cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	if got := plain(cf.Sentence); got != "您家住址对应文昌小学；孩子的户口就在您家自己的房子里；孩子和爸爸在同一本户口簿上。" {
		t.Errorf("first sentence = %q", got)
	}
	if got := cf.Child["name"].Text; got != f.childName {
		t.Errorf("child name = %q, want %q", got, f.childName)
	}
	if got := cf.Child["id"].Text; got != f.child.Masked() {
		t.Errorf("child ID shown as %q, want the masked %q", got, f.child.Masked())
	}
	if len(cf.Guardians) == 0 || !strings.Contains(plain(cf.Guardians[0]), f.guardianName) ||
		!strings.Contains(plain(cf.Guardians[0]), f.guardian.Masked()) {
		t.Errorf("guardians = %v", labelTexts(cf.Guardians))
	}
	if !strings.Contains(plain(cf.Category), "房户一致") || !strings.Contains(plain(cf.Schools), "文昌小学") {
		t.Errorf("category %q, schools %q", plain(cf.Category), plain(cf.Schools))
	}
	if !cf.CategoryMeaning.Visible() || !strings.Contains(plain(cf.CategoryMeaning), "户口") {
		t.Errorf("the category is not explained: %q", plain(cf.CategoryMeaning))
	}
	if len(cf.Evidence) == 0 || !strings.HasPrefix(cf.Evidence[0].Message(), "户籍：济宁市公安局 已核验") {
		t.Errorf("evidence = %+v", cf.Evidence)
	}
	for _, e := range cf.Evidence {
		if e.Icon.Resource == nil || e.Kind == "" {
			t.Errorf("evidence %q has no icon or kind", e.Message())
		}
	}
	for _, s := range texts(r.win) {
		if strings.Contains(s, string(f.child)) || strings.Contains(s, string(f.guardian)) {
			t.Errorf("a full ID number is on screen: %q", s)
		}
	}

	rc := finishFromConfirm(r, "13805371234")
	apps := r.sub.stored()
	if len(apps) != 1 {
		t.Fatalf("stored %d applications, want 1", len(apps))
	}
	a := apps[0]
	if a.Child.ID != f.child || a.Guardians[0].ID != f.guardian || a.Phone != "13805371234" ||
		a.KioskID != "JN-K-0007" || a.State != core.StateSubmitted || len(a.Choices) != 1 || a.Choices[0].Code != "P1" {
		t.Errorf("submitted application = %+v", a)
	}
	if rc.RegNo.Text != a.RegNo || !regexp.MustCompile(`^\d{4}-\d{4}-\d{4}$`).MatchString(a.RegNo) {
		t.Errorf("receipt shows %q, stored %q; want twelve digits in groups of four", rc.RegNo.Text, a.RegNo)
	}
	if !strings.Contains(plain(rc.Status), "已收到，正在送教育局") || strings.Contains(plain(rc.Status), "待人工审核") { // the fake store does not sync
		t.Errorf("status = %q", plain(rc.Status))
	}
	if !strings.Contains(plain(rc.SMS), "2027年7月20日") || !strings.Contains(plain(rc.SMS), "短信") || !strings.Contains(plain(rc.SMS), "138****1234") {
		t.Errorf("when the results come: %q", plain(rc.SMS))
	}
	if !strings.Contains(plain(rc.Help), "市民中心一楼教育局12号窗口") || !strings.Contains(plain(rc.Help), "0537-2968123") {
		t.Errorf("where to ask: %q", plain(rc.Help))
	}
	if rc.Print.Kind != "ok" || !strings.Contains(rc.Print.Message(), "回执已打印") {
		t.Errorf("print notice = %s %q", rc.Print.Kind, rc.Print.Message())
	}

	test.Tap(rc.Finish)
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if _, discarded := r.prn.counts(); !slices.Equal(discarded, []string{a.RegNo}) {
		t.Errorf("discarded %v, want the printed receipt %s", discarded, a.RegNo)
	}
	st := r.k.Stats()
	want := []string{kiosk.ScreenConsent, kiosk.ScreenGuardianCard, kiosk.ScreenChildCard, kiosk.ScreenLooking, kiosk.ScreenConfirm,
		kiosk.ScreenPhone, kiosk.ScreenReceipt}
	if !slices.Equal(st.Shown, want) {
		t.Errorf("screens = %v, want %v", st.Shown, want)
	}
	// Before consent moved and cards were read by themselves: 20 touches, 8
	// screens. Now: grade, 同意并继续, 信息无误, 11 digits, 提交报名, 完成.
	if st.Touches > 16 || st.Screens > 7 {
		t.Errorf("the consistent family needed %d touches and %d screens; at most 16 and 7", st.Touches, st.Screens)
	}
	t.Logf("consistent family, card reader: %d touches, %d screens", st.Touches, st.Screens)
}

func TestChildIDWithXTypedOnKeypad(t *testing.T) {
	r := newRig(t)
	f := r.fams[famIDX]
	test.Tap(agreeThrough(r).Keypad)
	g := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenGuardianKeypad)
	typeOn(t, g.Pad, string(f.guardian))
	test.Tap(g.Next)
	test.Tap(at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard).Keypad)
	c := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenChildKeypad)
	if !strings.HasSuffix(string(f.child), "X") {
		t.Fatalf("fixture: %s does not end in X", f.child.Masked())
	}
	typeOn(t, c.Pad, string(f.child))
	if got := strings.ReplaceAll(c.Pad.Display.Text, " ", ""); got != string(f.child) {
		t.Errorf("display %q", c.Pad.Display.Text)
	}
	if parts := strings.Fields(c.Pad.Display.Text); len(parts) != 3 || len(parts[0]) != 6 || len(parts[1]) != 8 || len(parts[2]) != 4 {
		t.Errorf("display %q is not grouped 6-8-4", c.Pad.Display.Text)
	}
	test.Tap(c.Next)
	cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	if cf.Child["id"].Text != f.child.Masked() || !strings.HasSuffix(cf.Child["id"].Text, "X") {
		t.Errorf("child ID shown as %q", cf.Child["id"].Text)
	}
	finishFromConfirm(r, "13905370000")
	if apps := r.sub.stored(); len(apps) != 1 || apps[0].Child.ID != f.child {
		t.Errorf("stored %+v", apps)
	}
}

func TestInvalidIDKeepsWhatWasTyped(t *testing.T) {
	r := newRig(t, withoutReader())
	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Primary)
	test.Tap(at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent).Agree)
	g := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenGuardianKeypad)
	good := string(r.fams[famConsistent].guardian)
	bad := good[:17] + wrongCheck(good[17])
	typeOn(t, g.Pad, bad)
	test.Tap(g.Next)
	if r.k.ScreenName() != kiosk.ScreenGuardianKeypad {
		t.Fatalf("a wrong number moved on to %s", r.k.ScreenName())
	}
	if g.Status.Kind != "error" || !strings.Contains(g.Status.Message(), "校验位") || g.Status.Icon.Resource == nil {
		t.Errorf("message = %s %q", g.Status.Kind, g.Status.Message())
	}
	if g.Pad.Value() != bad {
		t.Errorf("typed %q, kept %q", bad, g.Pad.Value())
	}
	// X where it cannot be: the key is off, nothing typed; a short number
	// cannot be confirmed, and the count says what to do.
	test.Tap(g.Pad.Keys[kiosk.KeyClear])
	typeOn(t, g.Pad, "3708")
	test.Tap(g.Pad.Keys["X"])
	if g.Pad.Value() != "3708" || !g.Pad.Keys["X"].Disabled() {
		t.Errorf("X in the middle: value %q, X disabled %v", g.Pad.Value(), g.Pad.Keys["X"].Disabled())
	}
	test.Tap(g.Next)
	if !g.Next.Disabled() || !strings.Contains(plain(g.Pad.Count), "还差 14 位") || g.Pad.Value() != "3708" {
		t.Errorf("short number: 确定 disabled %v, count %q, kept %q", g.Next.Disabled(), plain(g.Pad.Count), g.Pad.Value())
	}
}

func wrongCheck(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestMultiSchoolRanking(t *testing.T) {
	r := newRig(t)
	cardsThrough(r, famMulti)
	test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Next)
	s := at[*kiosk.SchoolScreen](r, kiosk.ScreenSchool)
	if len(s.Schools) != 2 || !s.Next.Disabled() {
		t.Fatalf("schools %d, next disabled %v", len(s.Schools), s.Next.Disabled())
	}
	if !strings.Contains(plain(s.Meaning), "第一所满了，再排第二所") {
		t.Errorf("what the order means: %q", plain(s.Meaning))
	}
	// 西城小学 (P3) first, then 东城小学 (P2): the zone lists P2 first.
	test.Tap(s.Schools[1])
	if s.Ranks[1].Text == "" || s.Ranks[0].Text != "" || !s.Next.Disabled() {
		t.Errorf("after one tap: ranks %q %q", s.Ranks[0].Text, s.Ranks[1].Text)
	}
	test.Tap(s.Reset)
	if s.Ranks[1].Text != "" {
		t.Errorf("重选 left rank %q", s.Ranks[1].Text)
	}
	test.Tap(s.Schools[1])
	test.Tap(s.Schools[1]) // a second tap keeps the rank
	test.Tap(s.Schools[0])
	if !strings.Contains(s.Ranks[1].Text, "1") || !strings.Contains(s.Ranks[0].Text, "2") || s.Next.Disabled() {
		t.Fatalf("ranks %q %q, next disabled %v", s.Ranks[0].Text, s.Ranks[1].Text, s.Next.Disabled())
	}
	// Read top down: the first choice on top, whatever the zone's order.
	if got := s.Shown(); !slices.Equal(got, []string{"西城小学", "东城小学"}) {
		t.Errorf("the list reads %v top down, want the ranking 西城小学, 东城小学", got)
	}
	test.Tap(s.Next)
	ph := at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	typeOn(t, ph.Pad, "18605370001")
	test.Tap(ph.Back)
	s = at[*kiosk.SchoolScreen](r, kiosk.ScreenSchool)
	if got := s.Shown(); !slices.Equal(got, []string{"西城小学", "东城小学"}) || s.Next.Disabled() {
		t.Errorf("coming back, the ranking reads %v", got)
	}
	test.Tap(s.Next)
	ph = at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	typeOn(t, ph.Pad, "18605370001")
	test.Tap(ph.Next)
	at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
	apps := r.sub.stored()
	if len(apps) != 1 || len(apps[0].Choices) != 2 || apps[0].Choices[0].Code != "P3" || apps[0].Choices[1].Code != "P2" {
		t.Fatalf("choices = %+v", apps)
	}
}

func TestNotEligible(t *testing.T) {
	for _, tc := range []struct {
		family string
		title  string
		reason string
		advice string
	}{
		{famTooYoung, "暂时不能", "2021年9月1日", "人工窗口"},
		{famNoRecords, "没有查到您家的登记信息", "没有查到", "户口簿"},
		{famMigrant, "暂时不能", "社会保险", "人工窗口"},
	} {
		t.Run(tc.family, func(t *testing.T) {
			r := newRig(t)
			cardsThrough(r, tc.family)
			s := at[*kiosk.NotEligibleScreen](r, kiosk.ScreenNotEligible)
			if !shows(r.win, tc.title) {
				t.Errorf("title %q not on screen", tc.title)
			}
			found := false
			for _, n := range s.Reasons {
				found = found || strings.Contains(n.Message(), tc.reason)
				if n.Kind != "error" || n.Icon.Resource == nil {
					t.Errorf("reason %q without error icon", n.Message())
				}
			}
			if !found {
				t.Errorf("no reason mentions %q: %v", tc.reason, noticeTexts(s.Reasons))
			}
			if !strings.Contains(plain(s.Advice), tc.advice) {
				t.Errorf("advice %q, want %q", plain(s.Advice), tc.advice)
			}
			if s.Back != nil || s.Restart == nil || s.Finish == nil {
				t.Errorf("only 重新开始 and 结束 belong here")
			}
			if showsVisibly(r.win, "共 6 步") {
				t.Error("a screen that ends the visit shows a step indicator")
			}
			if (s.Question != nil) != (tc.family == famNoRecords) {
				t.Errorf("asks whether a parent's card was used: %v", s.Question != nil)
			}
			test.Tap(s.Finish)
			at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
			if n := r.sub.callCount(); n != 0 {
				t.Errorf("%d submissions for an ineligible family", n)
			}
		})
	}
}

func TestDoubleTapSubmitsOnce(t *testing.T) {
	r := newRig(t)
	r.sub.gate = make(chan struct{})
	cardsThrough(r, famConsistent)
	cs := phoneFromConfirm(r, "13805371234")
	test.Tap(cs.Next)
	if !cs.Next.Disabled() {
		t.Error("提交报名 still enabled while submitting")
	}
	test.Tap(cs.Next)
	test.Tap(cs.Next)
	close(r.sub.gate)
	at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
	if n, apps := r.sub.callCount(), r.sub.stored(); n != 1 || len(apps) != 1 {
		t.Errorf("%d Submit calls, %d applications; want 1 and 1", n, len(apps))
	}
}

func TestSubmitFailureKeepsTheSameApplicationID(t *testing.T) {
	r := newRig(t)
	r.sub.fail = core.Errorf(core.EINTERNAL, "disk full")
	cardsThrough(r, famConsistent)
	cs := phoneFromConfirm(r, "13805371234")
	test.Tap(cs.Next)
	cs = at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	if cs.Status.Kind != "error" || !strings.Contains(cs.Status.Message(), "提交") || cs.Next.Disabled() {
		t.Fatalf("after a failed submit: %s %q, disabled %v", cs.Status.Kind, cs.Status.Message(), cs.Next.Disabled())
	}
	r.sub.mu.Lock()
	r.sub.fail = nil
	r.sub.mu.Unlock()
	test.Tap(cs.Next)
	at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
	if apps := r.sub.stored(); len(apps) != 1 {
		t.Errorf("stored %d", len(apps))
	}
}

func TestPrinterFailureAdvisesReprintAtCounter(t *testing.T) {
	r := newRig(t)
	r.prn.fail = true
	cardsThrough(r, famConsistent)
	rc := finishFromConfirm(r, "13805371234")
	if rc.Print.Kind != "error" || !strings.Contains(rc.Print.Message(), "补打") || rc.Print.Icon.Resource == nil {
		t.Errorf("print notice = %s %q", rc.Print.Kind, rc.Print.Message())
	}
	if rc.RegNo.Text == "" {
		t.Error("no registration number after a failed print")
	}
	r.prn.mu.Lock()
	r.prn.fail = false
	r.prn.mu.Unlock()
	test.Tap(rc.PrintAgain)
	rc = at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
	if rc.Print.Kind != "ok" {
		t.Errorf("after 再打印一次: %s %q", rc.Print.Kind, rc.Print.Message())
	}
}

func TestGuardianMismatchIsANoteNotARefusal(t *testing.T) {
	r := newRig(t, withoutReader())
	f := r.fams[famConsistent]
	stranger := r.fams[famMulti].guardian // on another household: no relation to this child
	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Primary)
	test.Tap(at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent).Agree)
	g := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenGuardianKeypad)
	typeOn(t, g.Pad, string(stranger))
	test.Tap(g.Next)
	c := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenChildKeypad)
	typeOn(t, c.Pad, string(f.child))
	test.Tap(c.Next)
	cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	if len(cf.Notes) == 0 || !strings.Contains(noticeTexts(cf.Notes), "人工审核") {
		t.Fatalf("notes = %v", noticeTexts(cf.Notes))
	}
	rc := finishFromConfirm(r, "13805371234")
	if !strings.Contains(plain(rc.Status), "待人工审核") || !rc.Review.Visible() {
		t.Errorf("status = %q", plain(rc.Status))
	}
}

func TestBackAndRestart(t *testing.T) {
	r := newRig(t)
	cardsThrough(r, famConsistent)
	cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	test.Tap(cf.Back)
	c := at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
	if c.Status.Kind != "ok" || !strings.Contains(c.Status.Message(), r.fams[famConsistent].child.Masked()) {
		t.Errorf("coming back shows %q", c.Status.Message())
	}
	test.Tap(c.Next)
	test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Restart)
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if shows(r.win, r.fams[famConsistent].childName) {
		t.Error("the child's name is still on screen after 重新开始")
	}
}

func TestSameCardTwiceIsRefused(t *testing.T) {
	r := newRig(t)
	agreeThrough(r)
	r.rdr.Place(r.fams[famConsistent].guardian)
	c := at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
	r.rdr.Place(r.fams[famConsistent].guardian)
	waitFor(t, "the refusal", func() bool { return c.Status.Kind == "error" })
	if !strings.Contains(c.Status.Message(), "相同") || r.k.ScreenName() != kiosk.ScreenChildCard {
		t.Errorf("status = %s %q on %s", c.Status.Kind, c.Status.Message(), r.k.ScreenName())
	}
	r.rdr.Place(r.fams[famConsistent].child) // the screen listens again
	at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
}

func TestLookingScreenWhileTheLookupRuns(t *testing.T) {
	r := newRig(t)
	gate := r.gateLookups()
	cardsThrough(r, famConsistent)
	<-gate.entered
	s, ok := r.k.Screen().(*kiosk.LookingScreen)
	if !ok || !s.Progress.Visible() || !strings.Contains(plain(s.Message), "请稍候") || s.Back == nil || s.Restart == nil {
		t.Fatalf("while looking up: %T", r.k.Screen())
	}
	close(gate.gate)
	at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
}

func labelTexts(ls []*widget.Label) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Text)
	}
	return out
}

func noticeTexts(ns []*kiosk.Notice) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.Message())
		b.WriteString(" | ")
	}
	return b.String()
}

// flakyRegistrar fails its first look-ups as a broken data exchange would.
type flakyRegistrar struct {
	kiosk.Registrar
	mu       sync.Mutex
	failures int
}

func (f *flakyRegistrar) Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	f.mu.Lock()
	fail := f.failures > 0
	f.failures--
	f.mu.Unlock()
	if fail {
		return nil, fmt.Errorf("query household: %w", errors.New("connection refused"))
	}
	return f.Registrar.Lookup(ctx, guardian, child, stage)
}

func TestLookupFailureOffersRetry(t *testing.T) {
	r := newRig(t)
	r.svc.Registrar = &flakyRegistrar{Registrar: r.svc.Registrar, failures: 1}
	r.k.Close()
	r.k = kiosk.NewKiosk(r.app, r.win, r.svc, r.opt)
	t.Cleanup(r.k.Close)
	cardsThrough(r, famConsistent)
	s := at[*kiosk.LookingScreen](r, kiosk.ScreenLooking)
	// The look-up runs after the screen shows: on a loaded machine the
	// screen can be reached before it has begun, so wait for its answer.
	waitFor(t, "the failed look-up's message", func() bool { return r.k.ScreenName() == kiosk.ScreenLooking && s.Status.Kind == "error" })
	if s.Status.Kind != "error" || !strings.Contains(s.Status.Message(), "重试") || !s.Retry.Visible() || s.Progress.Visible() {
		t.Fatalf("after a failed look-up: %s %q, retry %v", s.Status.Kind, s.Status.Message(), s.Retry.Visible())
	}
	if s.Restart == nil {
		t.Error("no 重新开始 on the failed look-up")
	}
	test.Tap(s.Retry)
	at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
}

func TestTapGuardDropsTheSecondTapOfADoubleTap(t *testing.T) {
	// A guard of a whole second, so that a loaded machine cannot take longer
	// than the guard between showing the screen and the test's tap.
	r := newRig(t, func(_ *kiosk.Services, o *kiosk.Options) { o.TapGuard = time.Second })
	w := at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	time.Sleep(1200 * time.Millisecond) // a person reads the screen first
	test.Tap(w.Primary)
	cs := at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent)
	test.Tap(cs.Agree) // the second tap of the double tap, on the new screen
	if got := r.k.ScreenName(); got != kiosk.ScreenConsent {
		t.Fatalf("a tap right after the screen changed went through: now on %s", got)
	}
	time.Sleep(1200 * time.Millisecond)
	test.Tap(cs.Agree)
	at[*kiosk.IDCardScreen](r, kiosk.ScreenGuardianCard)
}
