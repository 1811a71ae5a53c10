package kiosk_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/ui/kiosk"
)

// TestScreenshots walks the consistent, multi-school and too-young flows
// (and the staff screens) in Chinese and English, normal and large-text,
// and captures every distinct screen. With ENROLLDESK_SCREENS set the PNGs
// go there (zh-welcome.png, zh-large-confirm.png, en-receipt.png …), for
// `make screenshots`; otherwise to a temporary directory. It always runs.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("ENROLLDESK_SCREENS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{kiosk.LangChinese, kiosk.LangEnglish} {
		for _, large := range []bool{false, true} {
			prefix := "zh"
			if tag == kiosk.LangEnglish {
				prefix = "en"
			}
			if large {
				prefix += "-large"
			}
			t.Run(prefix, func(t *testing.T) {
				s := &shooter{t: t, dir: dir, prefix: prefix, tag: tag, large: large}
				s.consistent()
				s.multiSchool()
				s.tooYoung()
				s.staff()
			})
		}
	}
}

type shooter struct {
	t      *testing.T
	dir    string
	prefix string
	tag    string
	large  bool
}

// kiosk starts a kiosk in the shooter's language and text size.
func (s *shooter) kiosk(gated bool) (*rig, *gatedRegistrar) {
	r := newRig(s.t, withLanguage(s.tag))
	var g *gatedRegistrar
	if gated {
		g = r.gateLookups()
	}
	if s.large {
		test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).LargeText)
	}
	return r, g
}

// shot captures the window, checks it is not blank and writes it.
func (s *shooter) shot(r *rig, name string) {
	s.t.Helper()
	img := r.win.Canvas().Capture()
	if n := colours(img); n < 40 {
		s.t.Errorf("%s-%s: only %d colours: blank?", s.prefix, name, n)
	}
	f, err := os.Create(filepath.Join(s.dir, s.prefix+"-"+name+".png"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		s.t.Fatal(err)
	}
}

func (s *shooter) consistent() {
	r, gate := s.kiosk(true)
	s.shot(r, "welcome")
	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Primary)
	cs := at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent)
	s.shot(r, "consent")
	test.Tap(cs.Agree)
	g := at[*kiosk.IDCardScreen](r, kiosk.ScreenGuardianCard)
	s.shot(r, "guardian-card")
	test.Tap(g.DemoToggle)
	s.shot(r, "guardian-card-demo")
	test.Tap(g.DemoToggle)

	test.Tap(g.Keypad)
	kp := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenGuardianKeypad)
	good := string(r.fams[famConsistent].guardian)
	typeOn(s.t, kp.Pad, good[:10])
	s.shot(r, "guardian-keypad")
	typeOn(s.t, kp.Pad, good[10:17]+wrongCheck(good[17]))
	test.Tap(kp.Next)
	s.shot(r, "guardian-keypad-error")
	test.Tap(kp.Back)

	r.rdr.Place(r.fams[famConsistent].guardian)
	c := at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
	s.shot(r, "child-card")
	test.Tap(c.Keypad)
	ck := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenChildKeypad)
	typeOn(s.t, ck.Pad, "37081120211")
	test.Tap(ck.Pad.Keys["X"])
	s.shot(r, "child-keypad")
	test.Tap(ck.Back)
	at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
	r.rdr.Place(r.fams[famConsistent].child)
	<-gate.entered
	s.shot(r, "looking")
	close(gate.gate)

	cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	s.shot(r, "confirm")
	test.Tap(cf.ShowEvidence)
	test.Tap(cf.WrongInfo)
	s.shot(r, "confirm-evidence")
	test.Tap(cf.ShowEvidence)
	test.Tap(cf.WrongInfo)
	r.k.Tick(fixedNow.Add(kiosk.DefaultIdle + kiosk.ReadingWait + 15*time.Second))
	s.shot(r, "idle")
	test.Tap(r.k.Idle().Continue)

	test.Tap(cf.Next)
	ph := at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	typeOn(s.t, ph.Pad, "1380537")
	test.Tap(ph.Next)
	s.shot(r, "phone-error")
	typeOn(s.t, ph.Pad, "1234")
	test.Tap(ph.Next)
	at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
	s.shot(r, "receipt")
}

func (s *shooter) multiSchool() {
	r, _ := s.kiosk(false)
	r.prn.fail = true
	cardsThrough(r, famMulti)
	test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Next)
	sc := at[*kiosk.SchoolScreen](r, kiosk.ScreenSchool)
	s.shot(r, "school")
	test.Tap(sc.Schools[1])
	s.shot(r, "school-multi")
	test.Tap(sc.Schools[0])
	s.shot(r, "school-multi-done")
	test.Tap(sc.Next)
	ph := at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	typeOn(s.t, ph.Pad, "18605370001")
	s.shot(r, "phone")
	test.Tap(ph.Next)
	at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
	s.shot(r, "receipt-printfail")
}

func (s *shooter) tooYoung() {
	r, _ := s.kiosk(false)
	cardsThrough(r, famTooYoung)
	at[*kiosk.NotEligibleScreen](r, kiosk.ScreenNotEligible)
	s.shot(r, "not-eligible")

	r2, _ := s.kiosk(false)
	cardsThrough(r2, famNoRecords)
	at[*kiosk.NotEligibleScreen](r2, kiosk.ScreenNotEligible)
	s.shot(r2, "no-records")
}

func (s *shooter) staff() {
	r, _ := s.kiosk(false)
	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Staff)
	p := at[*kiosk.StaffPINScreen](r, kiosk.ScreenStaffPIN)
	typeOn(s.t, p.Pad, "24")
	s.shot(r, "staff-pin")
	typeOn(s.t, p.Pad, "68")
	test.Tap(p.Next)
	st := at[*kiosk.StaffStatusScreen](r, kiosk.ScreenStaffStatus)
	test.Type(st.RegNo, "JN27P-ABCDE-FGHJK")
	test.Tap(st.Reprint)
	at[*kiosk.StaffStatusScreen](r, kiosk.ScreenStaffStatus)
	s.shot(r, "staff-status")
}

// colours counts the distinct colours of an image, up to a limit.
func colours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			if len(seen) > 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
