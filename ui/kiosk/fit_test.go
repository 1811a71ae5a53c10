package kiosk_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/memcity"
	"enrolldesk/ui/kiosk"
)

// kioskDisplays are the panels the kiosk must fit: the common landscape
// service-hall sizes and the portrait free-standing kiosk.
var kioskDisplays = []fyne.Size{
	{Width: 1024, Height: 768}, {Width: 1280, Height: 1024}, {Width: 1366, Height: 768},
	{Width: 1920, Height: 1080}, {Width: 1080, Height: 1920},
}

// Persona keys of the long-data families.
const (
	famLong      = "long_names"
	famLongMulti = "long_multi"
)

// longTown is the test town plus two families with the longest data the
// demo city makes and more: compound surnames (欧阳, 司马), a rare
// character, both parents on the household, the longest school, street and
// compound names, a two-digit building and unit, so that the address takes
// four lines on a narrow screen.
func longTown(t *testing.T) (*memcity.City, map[string]family) {
	t.Helper()
	c, fams := town(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []core.School{
		{Code: "L1", Name: "任城区古槐第二十三小学", Stage: core.Primary, Capacity: 90},
		{Code: "L2", Name: "梁山县龙岭第十二小学", Stage: core.Primary, Capacity: 90},
		{Code: "L3", Name: "梁山县实验小学", Stage: core.Primary, Capacity: 45},
	} {
		must(c.PutSchool(s))
	}
	must(c.PutZone(core.Zone{Code: "ZL1", Name: "古槐学区", Stage: core.Primary, Schools: []core.School{{Code: "L1"}}},
		[]core.ZoneRule{{CompoundKey: "C9", FromBuilding: 1, ToBuilding: 20}}))
	must(c.PutZone(core.Zone{Code: "ZL2", Name: "龙岭学区", Stage: core.Primary, Schools: []core.School{{Code: "L1"}, {Code: "L2"}, {Code: "L3"}}},
		[]core.ZoneRule{{CompoundKey: "C9", FromBuilding: 21, ToBuilding: 40}}))
	addr := func(building int) core.Address {
		return core.Address{County: "370832", Street: "龙岭街道", Compound: "学府新城", CompoundKey: "C9",
			Building: building, Unit: 12, Room: "2803"}
	}
	for i, f := range []struct {
		key      string
		building int
		seq      int
	}{{famLong, 18, 41}, {famLongMulti, 28, 61}} {
		dad := core.MakeResidentID("370832", day(1983, 11, 28), f.seq)
		mum := core.MakeResidentID("370832", day(1985, 12, 30), f.seq+2)
		kid := core.MakeResidentID("370832", day(2020, 10, 31), f.seq+4)
		fam := family{f.key, dad, kid, "欧阳建国", "欧阳䶮堃"}
		fams[f.key] = fam
		number := fmt.Sprintf("HL%02d", i)
		must(c.PutHousehold(core.Household{Number: number, Kind: core.FamilyHousehold, Address: addr(f.building), Members: []core.Member{
			{Person: core.Person{ID: dad, Name: fam.guardianName}, Relation: core.RelHead},
			{Person: core.Person{ID: mum, Name: "司马淑䶮"}, Relation: core.RelSpouse},
			{Person: core.Person{ID: kid, Name: fam.childName}, Relation: childRelation(kid)},
		}}))
		must(c.PutProperty(core.Property{CertNo: "鲁(2016)梁山县不动产权第00" + number + "号", Usage: core.UsageResidential,
			Address: addr(f.building), Registered: day(2016, 1, 1),
			Owners: []core.Owner{{ID: dad, Name: fam.guardianName, Share: 50}, {ID: mum, Name: "司马淑䶮", Share: 50}}}))
	}
	must(c.PutPersona(core.Persona{Key: famLong, Title: "复姓生僻字，父母同在一本户口簿，最长的学校、街道和小区名称",
		GuardianID: fams[famLong].guardian, ChildID: fams[famLong].child, Stage: core.Primary}))
	must(c.PutPersona(core.Persona{Key: famLongMulti, Title: "多校划片，三所名称最长的学校，复姓生僻字",
		GuardianID: fams[famLongMulti].guardian, ChildID: fams[famLongMulti].child, Stage: core.Primary}))
	return c, fams
}

// newLongRig is a kiosk on longTown, in a language and text size.
func newLongRig(t *testing.T, tag string, large bool) *rig {
	t.Helper()
	city, fams := longTown(t)
	personas, err := city.Personas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rdr := newFakeReader(personas)
	r := newRig(t, withLanguage(tag), func(s *kiosk.Services, _ *kiosk.Options) {
		s.Registrar = &core.Registrar{Sources: core.SourcesOf(city), Policy: testPolicy(), Now: s.Now}
		s.Reader = rdr
	})
	r.rdr, r.fams = rdr, fams
	if large {
		test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).LargeText)
	}
	return r
}

// checkFits resizes the window to every kiosk display and checks what a
// person would notice on a real panel: the screen asks for no more than
// the window (else a real window grows past the panel and never shrinks),
// and the step indicator and every button lie inside the window; a button
// in a scrolling list lies inside the list's width.
func checkFits(t *testing.T, r *rig, what string) {
	t.Helper()
	pad := r.app.Settings().Theme().Size(theme.SizeNamePadding)
	for _, size := range kioskDisplays {
		r.win.Resize(size)
		r.k.Relayout()
		rep := r.k.Layout()
		at := fmt.Sprintf("%s %s at %v×%v", what, rep.Screen, size.Width, size.Height)
		if need := rep.MinSize.AddWidthHeight(2*pad, 2*pad); need.Width > size.Width || need.Height > size.Height {
			t.Errorf("%s: the screen needs %v×%v", at, need.Width, need.Height)
			for _, c := range culprits(r.win.Canvas().Content(), size.Width-2*pad, 0) {
				t.Log("   ", c)
			}
		}
		win := kiosk.Rect{W: size.Width, H: size.Height}
		if st := r.k.StepIndicator(); st != nil && (rep.Steps == nil || !rep.Steps.Inside(win)) {
			t.Errorf("%s: the step indicator %q is at %+v, outside the window", at, st.Label.Text, rep.Steps)
		}
		if len(rep.Buttons) == 0 {
			t.Errorf("%s: no buttons found", at)
		}
		for _, b := range rep.Buttons {
			if why, ok := notYetFitting(rep.Screen, b.Name); ok && (b.Viewport == nil || !b.Rect.Inside(*b.Viewport) || !b.Viewport.Inside(win)) {
				t.Logf("%s: %s needs scrolling: known, %s", at, b.Name, why)
				continue
			}
			switch {
			case b.Viewport != nil && !b.Viewport.Inside(win):
				t.Errorf("%s: the list holding %s is at %+v, outside the window", at, b.Name, *b.Viewport)
			case b.Viewport != nil && (b.Rect.X < b.Viewport.X-0.5 || b.Rect.X+b.Rect.W > b.Viewport.X+b.Viewport.W+0.5):
				t.Errorf("%s: %s (%q) at %+v is wider than its list %+v", at, b.Name, b.Text, b.Rect, *b.Viewport)
			case b.Viewport != nil && !listItem(b.Name) && !b.Rect.Inside(*b.Viewport):
				t.Errorf("%s: %s (%q) at %+v needs scrolling to be seen (only lists scroll)", at, b.Name, b.Text, b.Rect)
			case b.Viewport == nil && !b.Rect.Inside(win):
				t.Errorf("%s: %s (%q) at %+v is outside the window", at, b.Name, b.Text, b.Rect)
			}
		}
	}
	r.win.Resize(kioskDisplays[1])
	r.k.Relayout()
}

func TestEveryScreenFitsEveryDisplay(t *testing.T) {
	for _, tag := range []string{kiosk.LangChinese, kiosk.LangEnglish} {
		for _, large := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s-large=%v", tag, large), func(t *testing.T) {
				// The long family to the receipt, then every screen again
				// from what its session holds.
				r := newLongRig(t, tag, large)
				g := agreeThrough(r)
				test.Tap(g.DemoToggle)
				test.Tap(g.Demo[famLong])
				test.Tap(at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard).Demo[famLong])
				test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Next)
				if sc, ok := r.k.Screen().(*kiosk.SchoolScreen); ok {
					for _, b := range sc.Schools {
						test.Tap(b)
					}
					test.Tap(sc.Next)
				}
				ph := at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
				typeOn(t, ph.Pad, "13805371234")
				test.Tap(ph.Next) // 提交报名
				at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
				kiosk.EveryScreen(r.k, func(name string) {
					waitFor(t, name, func() bool { return !r.k.Busy() })
					checkFits(t, r, "long family")
				})

				// The three long school names of a multi-school zone, ranked.
				r = newLongRig(t, tag, large)
				demoCardsThrough(r, famLongMulti)
				checkFits(t, r, "multi")
				test.Tap(at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm).Next)
				sc := at[*kiosk.SchoolScreen](r, kiosk.ScreenSchool)
				test.Tap(sc.Schools[2])
				checkFits(t, r, "multi")

				// The dead ends.
				for _, key := range []string{famTooYoung, famNoRecords} {
					r = newLongRig(t, tag, large)
					demoCardsThrough(r, key)
					at[*kiosk.NotEligibleScreen](r, kiosk.ScreenNotEligible)
					checkFits(t, r, key)
				}
			})
		}
	}
}

// listItem reports whether a button is one of a list (a demo card, a
// school), which may scroll; a keypad key or a screen's own button may not.
func listItem(handle string) bool {
	return strings.Contains(handle, "[") && !strings.HasPrefix(handle, "Pad.")
}

// notYetFitting names the buttons that still need scrolling on a 768 px
// high panel, in screens being reworked on another branch (ui-flow) or
// outside this change: they are logged, not failed. Delete an entry once
// its screen fits; the rest of the check (no screen wider or taller than
// the window, nothing cut off sideways) holds for them already.
func notYetFitting(screen, handle string) (string, bool) {
	switch {
	case screen == kiosk.ScreenReceipt && handle == "PrintAgain":
		return "receipt.go (reworked on ui-flow: what happens next, a short number)", true
	case screen == kiosk.ScreenSchool && handle == "Reset":
		return "school.go (reworked on ui-flow: the rank inside each button)", true
	case screen == kiosk.ScreenStaffStatus && handle == "Refresh":
		return "maintenance.go (the staff screen, not reworked yet)", true
	case (screen == kiosk.ScreenGuardianCard || screen == kiosk.ScreenChildCard) && (handle == "Keypad" || handle == "DemoToggle" || strings.HasPrefix(handle, "Demo[")):
		return "idcard.go (reworked on ui-flow: the demo cards behind a staff toggle)", true
	}
	return "", false
}

// culprits lists the deepest objects under o asking for more width than
// limit: what to fix when a screen is too wide.
func culprits(o fyne.CanvasObject, limit float32, depth int) []string {
	if o == nil || !o.Visible() || o.MinSize().Width <= limit {
		return nil
	}
	var kids []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		kids = v.Objects
	case *container.Scroll:
		kids = []fyne.CanvasObject{v.Content}
	case *widget.Card:
		kids = []fyne.CanvasObject{v.Content}
	}
	var out []string
	for _, c := range kids {
		out = append(out, culprits(c, limit, depth+1)...)
	}
	if len(out) == 0 {
		desc := fmt.Sprintf("%T", o)
		switch v := o.(type) {
		case *widget.Label:
			desc += " " + v.Text
		case *widget.Button:
			desc += " " + v.Text
		case *fyne.Container:
			desc += fmt.Sprintf(" %T n=%d", v.Layout, len(v.Objects))
			for _, c := range v.Objects {
				desc += fmt.Sprintf(" [%T %v]", c, c.MinSize().Width)
			}
		}
		out = append(out, fmt.Sprintf("%v: %s", o.MinSize().Width, desc))
	}
	return out
}

// On a portrait panel the confirmation uses the height: everything on it,
// the evidence too, is in view without scrolling, where it fits: in
// large text the long family's evidence still takes more than the panel
// (confirm.go is reworked on ui-flow, the evidence behind 查看依据), so
// that case is logged.
func TestConfirmNeedsNoScrollingOnAPortraitPanel(t *testing.T) {
	for _, large := range []bool{false, true} {
		r := newLongRig(t, kiosk.LangChinese, large)
		r.win.Resize(fyne.NewSize(1080, 1920))
		g := agreeThrough(r)
		test.Tap(g.DemoToggle)
		test.Tap(g.Demo[famLong])
		test.Tap(at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard).Demo[famLong])
		cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
		if !cf.EvidenceShown() {
			t.Errorf("large=%v: on a portrait panel the evidence is not open from the start", large)
		}
		r.k.Relayout()
		if len(cf.Evidence) == 0 {
			t.Fatal("fixture: no evidence on the confirmation")
		}
		switch {
		case r.k.BodyScrolls() && large:
			t.Log("large text: the confirmation still scrolls on a 1080×1920 panel")
		case r.k.BodyScrolls():
			t.Error("the confirmation scrolls on a 1080×1920 panel")
		}
	}
}
