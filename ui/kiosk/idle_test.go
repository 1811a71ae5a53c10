package kiosk_test

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/ui/kiosk"
)

func TestIdleCountdownThenContinueKeepsTheSession(t *testing.T) {
	r := newRig(t)
	cardsThrough(r, famMulti)
	test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Next)
	ranking := at[*kiosk.SchoolScreen](r, kiosk.ScreenSchool) // not a reading screen: the plain idle time
	test.Tap(ranking.Schools[0])
	test.Tap(ranking.Schools[1])

	r.k.Tick(fixedNow.Add(89 * time.Second))
	if r.k.Idle().Visible() {
		t.Fatal("countdown before the idle time")
	}
	r.k.Tick(fixedNow.Add(91 * time.Second))
	o := r.k.Idle()
	if !o.Visible() || !strings.HasPrefix(o.Seconds.Text, "59") {
		t.Fatalf("countdown visible %v, seconds %q; want a calm 60 s", o.Visible(), o.Seconds.Text)
	}
	if !shows(r.win, "继续使用") {
		t.Error("继续使用 is not on screen")
	}
	r.k.Tick(fixedNow.Add(140 * time.Second))
	if !strings.HasPrefix(o.Seconds.Text, "10") {
		t.Errorf("seconds %q after 140 s", o.Seconds.Text)
	}
	test.Tap(o.Continue)
	if o.Visible() {
		t.Error("the countdown stayed after 继续使用")
	}
	sc := at[*kiosk.SchoolScreen](r, kiosk.ScreenSchool)
	if sc.Next == nil || len(sc.Choices()) == 0 {
		t.Error("the session changed")
	}
	// The continue touch restarts the idle time.
	r.k.Tick(fixedNow.Add(200 * time.Second))
	if o.Visible() {
		t.Error("countdown 60 s after the last touch")
	}
	// A clock going backwards (the real ticker in a test) changes nothing.
	r.k.Tick(fixedNow)
	if o.Visible() || r.k.ScreenName() != kiosk.ScreenSchool {
		t.Error("an earlier time changed the screen")
	}
}

// A person reading the confirmation gets longer, and the countdown, when
// it comes, is a banner below the screen: what they read stays in view and
// a tap anywhere on it carries on.
func TestIdleOnAReadingScreenWaitsLongerAndCoversNothing(t *testing.T) {
	r := newRig(t)
	cardsThrough(r, famConsistent)
	cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	r.k.Tick(fixedNow.Add(150 * time.Second))
	if r.k.Idle().Visible() {
		t.Fatal("a countdown 150 s into reading the confirmation")
	}
	r.k.Tick(fixedNow.Add(kiosk.DefaultIdle + kiosk.ReadingWait + time.Second))
	o := r.k.Idle()
	if !o.Visible() {
		t.Fatal("no countdown after the reading wait")
	}
	rep := r.k.Layout()
	banner := kiosk.Rect{Y: rep.Canvas.H}
	for _, b := range rep.Buttons {
		if b.Name == "Idle.Continue" {
			banner = b.Rect
		}
	}
	for _, b := range rep.Buttons {
		if b.Name != "Idle.Continue" && b.Rect.Y+b.Rect.H > banner.Y {
			t.Errorf("%s (%q) at %+v is under the countdown banner at %+v", b.Name, b.Text, b.Rect, banner)
		}
	}
	if rep.Steps == nil || rep.Steps.Y+rep.Steps.H > banner.Y {
		t.Errorf("the step indicator %+v is under the banner %+v", rep.Steps, banner)
	}
	if !shows(r.win, cf.Child["name"].Text) {
		t.Error("the child's name is no longer on screen")
	}
	test.Tap(o.Anywhere) // a tap on the text being read, not on a button
	if o.Visible() {
		t.Error("a tap on the screen did not end the countdown")
	}
	if at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm) != cf {
		t.Error("the tap changed the screen")
	}
}

func TestIdleWipesEverythingPersonal(t *testing.T) {
	r := newRig(t)
	f := r.fams[famConsistent]
	cardsThrough(r, famConsistent)
	test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Next)
	ph := at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	typeOn(t, ph.Pad, "1380537")
	if !shows(r.win, "0537") {
		t.Fatal("fixture: the typed digits are not on screen")
	}
	r.k.Tick(fixedNow.Add(95 * time.Second))
	if !r.k.Idle().Visible() {
		t.Fatal("no countdown")
	}
	r.k.Tick(fixedNow.Add(151 * time.Second))
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if r.k.Idle().Visible() {
		t.Error("the countdown outlived the wipe")
	}
	if ph.Pad.Value() != "" {
		t.Errorf("the phone keypad still holds %q", ph.Pad.Value())
	}
	for _, s := range texts(r.win) {
		s = strings.ReplaceAll(s, "\n", "")
		for _, personal := range []string{f.childName, f.guardianName, string(f.child), string(f.guardian),
			f.child.Masked(), f.guardian.Masked(), "0537"} {
			if strings.Contains(s, personal) {
				t.Errorf("after the wipe the window still shows %q", s)
			}
		}
	}
	// Nothing runs on the welcome screen.
	r.k.Tick(fixedNow.Add(500 * time.Second))
	if r.k.Idle().Visible() {
		t.Error("a countdown on the welcome screen")
	}
}

func TestIdleRestoresDefaultsForTheNextPerson(t *testing.T) {
	r := newRig(t)
	w := at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	test.Tap(w.English)
	w = at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	test.Tap(w.LargeText)
	w = at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	test.Tap(w.Primary)
	at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent) // a reading screen: the longer wait
	past := kiosk.DefaultIdle + kiosk.ReadingWait + kiosk.DefaultCountdown + 10*time.Second
	r.k.Tick(fixedNow.Add(past)) // one tick past both: straight to the wipe
	r.k.Tick(fixedNow.Add(past + time.Second))
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if r.k.Language() != kiosk.LangChinese || r.k.LargeText() {
		t.Errorf("language %s, large %v after the wipe", r.k.Language(), r.k.LargeText())
	}
}
