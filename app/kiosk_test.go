package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	"enrolldesk/app/keys"
	"enrolldesk/core"
	"enrolldesk/core/receipt"
	"enrolldesk/internal/pdftest"
	kioskui "enrolldesk/ui/kiosk"
)

// kioskRig is a kiosk on real adapters — a demo city in SQLite, the kiosk
// store, the key, the PDF renderer and the spooler — with a stand-in for
// CUPS' lp that "prints" by copying the file into out.
type kioskRig struct {
	t    testing.TB
	k    *app.Kiosk
	ui   *kioskui.Kiosk
	win  fyne.Window
	data string
	out  string
	ps   map[string]core.Persona
}

var kioskNow = time.Date(2027, 6, 15, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

func newKioskRig(t *testing.T) *kioskRig {
	t.Helper()
	return newSyncKioskRig(t, func(*app.KioskConfig) {})
}

func screen[S kioskui.Screen](r *kioskRig, name string) S {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.ui.ScreenName() != name || r.ui.Busy() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for screen %s (on %s)", name, r.ui.ScreenName())
		}
		time.Sleep(2 * time.Millisecond)
	}
	s, ok := r.ui.Screen().(S)
	if !ok {
		r.t.Fatalf("screen %s is a %T", name, r.ui.Screen())
	}
	return s
}

func (r *kioskRig) cards(key string) {
	r.t.Helper()
	w := screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome)
	if r.ps[key].Stage == core.Junior {
		test.Tap(w.Junior)
	} else {
		test.Tap(w.Primary)
	}
	test.Tap(screen[*kioskui.ConsentScreen](r, kioskui.ScreenConsent).Agree)
	g := screen[*kioskui.IDCardScreen](r, kioskui.ScreenGuardianCard)
	test.Tap(g.DemoToggle) // staff open the demo cards once a visit
	test.Tap(g.Demo[key])
	test.Tap(screen[*kioskui.IDCardScreen](r, kioskui.ScreenChildCard).Demo[key])
}

func (r *kioskRig) typeID(name string, id core.ResidentID) {
	r.t.Helper()
	card := screen[*kioskui.IDCardScreen](r, map[string]string{kioskui.ScreenGuardianKeypad: kioskui.ScreenGuardianCard, kioskui.ScreenChildKeypad: kioskui.ScreenChildCard}[name])
	test.Tap(card.Keypad)
	pad := screen[*kioskui.IDKeypadScreen](r, name)
	for _, c := range string(id) {
		test.Tap(pad.Pad.Keys[string(c)])
	}
	test.Tap(pad.Next)
}

// submit walks from the confirmation to the receipt; ranking, when given,
// lists the zone's school indexes in the parent's order (a multi-school
// zone; a single-school zone has no ranking screen).
func (r *kioskRig) submit(ranking ...int) *kioskui.ReceiptScreen {
	r.t.Helper()
	ph := r.phone(ranking...)
	test.Tap(ph.Next)
	test.Tap(ph.Next) // a double tap on 提交报名
	return screen[*kioskui.ReceiptScreen](r, kioskui.ScreenReceipt)
}

// phone goes on from the confirmation (ranking the schools when given) and
// types the phone number, leaving 提交报名 to the caller.
func (r *kioskRig) phone(ranking ...int) *kioskui.PhoneScreen {
	r.t.Helper()
	test.Tap(screen[*kioskui.ConfirmScreen](r, kioskui.ScreenConfirm).Next)
	if len(ranking) > 0 {
		sc := screen[*kioskui.SchoolScreen](r, kioskui.ScreenSchool)
		for _, i := range ranking {
			test.Tap(sc.Schools[i])
		}
		test.Tap(sc.Next)
	}
	ph := screen[*kioskui.PhoneScreen](r, kioskui.ScreenPhone)
	for _, c := range "13905370000" {
		test.Tap(ph.Pad.Keys[string(c)])
	}
	return ph
}

func (r *kioskRig) stored() []core.Application {
	r.t.Helper()
	ctx := context.Background()
	rows, err := r.k.Store().Outbox(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	n, err := r.k.Store().CountApplications(ctx)
	if err != nil || n != len(rows) {
		r.t.Fatalf("%d applications but %d outbox rows (%v): every application needs its outbox row", n, len(rows), err)
	}
	var out []core.Application
	for _, row := range rows {
		a, err := r.k.Store().Application(ctx, row.AppID)
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// printed returns the one receipt the stand-in printer received.
func (r *kioskRig) printed() string {
	r.t.Helper()
	files, err := filepath.Glob(filepath.Join(r.out, "*.pdf"))
	if err != nil || len(files) != 1 {
		r.t.Fatalf("printed receipts = %v (%v), want exactly one", files, err)
	}
	return files[0]
}

func TestKioskConsistentFamilyEndToEnd(t *testing.T) {
	r := newKioskRig(t)
	p := r.ps["consistent"]
	r.cards("consistent")
	rc := r.submit()

	apps := r.stored()
	if len(apps) != 1 {
		t.Fatalf("stored %d applications, want 1 (double tap on 提交)", len(apps))
	}
	a := apps[0]
	if a.Child.ID != p.ChildID || a.State != core.StateSubmitted || a.Phone != "13905370000" || a.KioskID != "JN-RC-07" ||
		a.Decision.Category != "hukou_property" || len(a.Choices) != 1 {
		t.Errorf("stored application = %+v", a)
	}
	if rc.RegNo.Text != a.RegNo {
		t.Errorf("screen shows %q, store has %q", rc.RegNo.Text, a.RegNo)
	}
	// Before consent moved and cards were read by themselves: 20 touches and
	// 8 screens. On the demo cards now: grade, 同意并继续, 演示, two cards,
	// 信息无误, 11 digits, 提交报名 (the double tap's second is dropped).
	if st := r.ui.Stats(); st.Touches > 18 || st.Screens > 7 {
		t.Errorf("the consistent family needed %d touches and %d screens; at most 18 and 7", st.Touches, st.Screens)
	}

	pdf := r.printed()
	if dir := os.Getenv("ENROLLDESK_SCREENS"); dir != "" { // make screenshots keeps a sample
		data, err := os.ReadFile(pdf)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "receipt.pdf"), data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	text := pdftest.Text(t, pdf)
	for _, want := range []string{"义务教育入学报名回执", a.RegNo, a.Child.Name, p.ChildID.Masked(), a.Choices[0].Name, "JN-RC-07",
		"已收到，正在送教育局", "接下来", "2027年7月20日左右发短信通知", "市民中心一楼教育局12号窗口", "0537-2968123"} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("receipt text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, string(p.ChildID)) || strings.Contains(text, string(p.GuardianID)) {
		t.Error("the receipt prints a full ID number")
	}

	token := pdftest.DecodeQR(t, pdf)
	ring, err := keys.LoadKeyRing(r.data)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := receipt.Verify(token, ring)
	if err != nil {
		t.Fatalf("the receipt's QR token does not verify: %v", err)
	}
	if claims.RegNo != a.RegNo || claims.AppID != a.ID || claims.ChildMasked != p.ChildID.Masked() || claims.KioskID != "JN-RC-07" {
		t.Errorf("claims = %+v", claims)
	}
	tampered := []byte(token)
	tampered[len("EDR1.")+10] ^= 1
	if _, err := receipt.Verify(string(tampered), ring); err == nil {
		t.Error("a token with one changed byte verified")
	}
	var out, errw strings.Builder
	if code := app.Main([]string{"verify", "--keys", r.data, token}, nil, &out, &errw); code != 0 || !strings.Contains(out.String(), a.RegNo) {
		t.Errorf("enrolldesk verify: exit %d, %s %s", code, out.String(), errw.String())
	}

	if dir := os.Getenv("ENROLLDESK_SCREENS"); dir != "" {
		// A newcomer checks the sample: its public key and its token beside
		// it, verified here exactly as the README shows.
		pub, err := os.ReadFile(filepath.Join(r.data, "kiosk.pub"))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "kiosk.pub"), pub, 0o644)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "receipt-token.txt"), []byte(token+"\n"), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		out.Reset()
		if code := app.Main([]string{"verify", "--keys", dir, token}, nil, &out, &errw); code != 0 {
			t.Errorf("enrolldesk verify --keys %s: exit %d, %s", dir, code, errw.String())
		}
	}

	test.Tap(rc.Finish)
	screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome)
	if left, _ := filepath.Glob(filepath.Join(r.data, "spool", "*")); len(left) != 0 {
		t.Errorf("the spool keeps %v after a printed session", left)
	}
	// At the counter, staff type the number as the parent reads it out:
	// digits in groups, spaces instead of dashes.
	spoken := strings.ReplaceAll(a.RegNo, "-", " ")
	if out, err := r.k.Services(nil).Maintenance.Reprint(context.Background(), spoken); err != nil || !out.Printed {
		t.Errorf("reprint of %q: %+v, %v", spoken, out, err)
	}
}

func TestKioskMultiSchoolRanking(t *testing.T) {
	r := newKioskRig(t)
	r.cards("multi-school")
	r.submit(1, 0)
	a := r.stored()[0]
	zone := a.Decision.Schools()
	if len(a.Choices) != 2 || a.Choices[0].Code != zone[1].Code || a.Choices[1].Code != zone[0].Code {
		t.Errorf("choices = %+v, want the zone's schools in the tapped order (2nd, 1st)", a.Choices)
	}
	text := pdftest.Text(t, r.printed())
	if i, j := strings.Index(text, zone[1].Name), strings.Index(text, zone[0].Name); i < 0 || j < 0 || i > j {
		t.Errorf("the receipt lists the schools out of the parent's order:\n%s", text)
	}
}

func TestKioskIDWithXTypedOnKeypad(t *testing.T) {
	r := newKioskRig(t)
	p := r.ps["id-with-x"]
	test.Tap(screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome).Primary)
	test.Tap(screen[*kioskui.ConsentScreen](r, kioskui.ScreenConsent).Agree)
	r.typeID(kioskui.ScreenGuardianKeypad, p.GuardianID)
	r.typeID(kioskui.ScreenChildKeypad, p.ChildID)
	cf := screen[*kioskui.ConfirmScreen](r, kioskui.ScreenConfirm)
	if got := cf.Child["id"].Text; got != p.ChildID.Masked() || !strings.HasSuffix(got, "X") {
		t.Errorf("child ID shown as %q", got)
	}
	r.submit()
	if a := r.stored()[0]; a.Child.ID != p.ChildID {
		t.Errorf("stored child %v, want %v", a.Child.ID, p.ChildID)
	}
}

func TestKioskRefusalsStoreNothing(t *testing.T) {
	for _, tc := range []struct{ key, says string }{
		{"too-young", "不满6周岁"},
		{"migrant-short-insurance", "不足12个月"},
		{"no-records", "人工窗口"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			r := newKioskRig(t)
			r.cards(tc.key)
			ne := screen[*kioskui.NotEligibleScreen](r, kioskui.ScreenNotEligible)
			var said []string
			for _, n := range ne.Reasons {
				said = append(said, n.Message())
			}
			all := strings.Join(said, " ") + ne.Advice.Text
			if !strings.Contains(strings.ReplaceAll(all, "\n", ""), tc.says) {
				t.Errorf("the screen says %q, want it to mention %q", all, tc.says)
			}
			if n := len(r.stored()); n != 0 {
				t.Errorf("stored %d applications for a refused family", n)
			}
			test.Tap(ne.Finish)
			screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome)
		})
	}
}

func TestKioskSecondApplicationForChildRefused(t *testing.T) {
	r := newKioskRig(t)
	r.cards("twins")
	test.Tap(r.submit().Finish)
	r.cards("twins")
	cs := r.phone()
	test.Tap(cs.Next)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(cs.Status.Message(), "不需要再报一次") {
		if time.Now().After(deadline) {
			t.Fatalf("phone screen says %q, want the earlier registration named", cs.Status.Message())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(r.stored()); n != 1 {
		t.Errorf("stored %d applications, want 1", n)
	}
}
