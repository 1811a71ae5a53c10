package kiosk_test

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/assets"
	"enrolldesk/ui/kiosk"
)

func TestLargeTextModeEnlargesAndDarkens(t *testing.T) {
	r := newRig(t)
	th := r.app.Settings().Theme()
	normal := th.Size(theme.SizeNameText)
	if normal < 24 {
		t.Errorf("body text %v px; at least 24", normal)
	}
	if th.Size(theme.SizeNameHeadingText) <= normal {
		t.Error("headings are not bigger than body text")
	}
	if f := th.Font(fyne.TextStyle{Bold: true}); f == nil || f.Name() != assets.FontName {
		t.Errorf("font %v, want the bundled %s", f, assets.FontName)
	}
	light := th.Color(theme.ColorNameBackground, theme.VariantDark)
	if luminance(light) < 0.8 {
		t.Error("the normal mode is not light")
	}

	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).LargeText)
	w := at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	th = r.app.Settings().Theme()
	if large := th.Size(theme.SizeNameText); large < 32 || large <= normal {
		t.Errorf("large-text body %v px (normal %v); at least 32", large, normal)
	}
	if !r.k.LargeText() || !shows(r.win, "大字模式：开") {
		t.Error("the switch does not say the mode is on")
	}
	bg, fg := th.Color(theme.ColorNameBackground, theme.VariantLight), th.Color(theme.ColorNameForeground, theme.VariantLight)
	if c := contrast(fg, bg); c < 4.5 || luminance(bg) > 0.1 {
		t.Errorf("high contrast: background luminance %.2f, contrast %.1f", luminance(bg), c)
	}
	for _, n := range []fyne.ThemeColorName{theme.ColorNamePrimary, theme.ColorNameError, theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameDisabled} {
		if c := contrast(th.Color(n, 0), bg); c < 4.5 {
			t.Errorf("%s on the background: contrast %.1f", n, c)
		}
	}
	test.Tap(w.LargeText)
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if got := r.app.Settings().Theme().Size(theme.SizeNameText); got != normal {
		t.Errorf("switching back: %v px", got)
	}
}

func TestNormalModeContrast(t *testing.T) {
	r := newRig(t)
	th := r.app.Settings().Theme()
	bg := th.Color(theme.ColorNameBackground, 0)
	for _, n := range []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNamePrimary, theme.ColorNameError,
		theme.ColorNameSuccess, theme.ColorNameWarning, theme.ColorNameDisabled} {
		if c := contrast(th.Color(n, 0), bg); c < 4.5 {
			t.Errorf("%s: contrast %.1f", n, c)
		}
	}
	if c := contrast(th.Color(theme.ColorNameForegroundOnPrimary, 0), th.Color(theme.ColorNamePrimary, 0)); c < 4.5 {
		t.Errorf("text on primary buttons: contrast %.1f", c)
	}
}

func TestTouchTargetsAreBig(t *testing.T) {
	for _, large := range []bool{false, true} {
		r := newRig(t)
		if large {
			test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).LargeText)
		}
		test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Primary)
		test.Tap(at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent).Agree)
		test.Tap(at[*kiosk.IDCardScreen](r, kiosk.ScreenGuardianCard).Keypad)
		s := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenGuardianKeypad)
		buttons := []*widget.Button{s.Back, s.Restart, s.Next}
		for _, b := range s.Pad.Keys {
			buttons = append(buttons, b)
		}
		for _, b := range buttons {
			if sz := b.Size(); sz.Height < 64 || sz.Width < 64 {
				t.Errorf("large=%v: %q is %v×%v px; at least 64×64", large, b.Text, sz.Width, sz.Height)
			}
		}
		if sz := s.Pad.Display.MinSize(); sz.Width > 1200 {
			t.Errorf("large=%v: the ID display is %v px wide", large, sz.Width)
		}
	}
}

// smallButtons lists the visible buttons under o smaller than 64 × 64 px.
func smallButtons(o fyne.CanvasObject) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		if b, ok := o.(*widget.Button); ok {
			if sz := b.Size(); sz.Height < 64 || sz.Width < 64 {
				out = append(out, fmt.Sprintf("%q %v×%v", b.Text, sz.Width, sz.Height))
			}
			return
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(v.Content)
		case *widget.Card:
			walk(v.Content)
		}
	}
	walk(o)
	return out
}

func TestEveryButtonIsBigEnough(t *testing.T) {
	for _, large := range []bool{false, true} {
		r := newRig(t)
		if large {
			test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).LargeText)
		}
		check := func(name string) {
			at[kiosk.Screen](r, name)
			if small := smallButtons(r.win.Canvas().Content()); len(small) > 0 {
				t.Errorf("large=%v %s: small buttons %v", large, name, small)
			}
		}
		check(kiosk.ScreenWelcome)
		test.Tap(r.k.Screen().(*kiosk.WelcomeScreen).Primary)
		check(kiosk.ScreenConsent)
		test.Tap(r.k.Screen().(*kiosk.ConsentScreen).Agree)
		check(kiosk.ScreenGuardianCard)
		test.Tap(r.k.Screen().(*kiosk.IDCardScreen).DemoToggle)
		test.Tap(r.k.Screen().(*kiosk.IDCardScreen).Demo[famMulti])
		check(kiosk.ScreenChildCard)
		test.Tap(r.k.Screen().(*kiosk.IDCardScreen).Demo[famMulti])
		check(kiosk.ScreenConfirm)
		test.Tap(r.k.Screen().(*kiosk.ConfirmScreen).Next)
		check(kiosk.ScreenSchool)
		sc := r.k.Screen().(*kiosk.SchoolScreen)
		test.Tap(sc.Schools[0])
		test.Tap(sc.Schools[1])
		test.Tap(sc.Next)
		check(kiosk.ScreenPhone)
		ph := r.k.Screen().(*kiosk.PhoneScreen)
		typeOn(t, ph.Pad, "13805371234")
		test.Tap(ph.Next)
		check(kiosk.ScreenReceipt)
		test.Tap(r.k.Screen().(*kiosk.ReceiptScreen).Finish)
		test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Staff)
		check(kiosk.ScreenStaffPIN)
		p := r.k.Screen().(*kiosk.StaffPINScreen)
		typeOn(t, p.Pad, "2468")
		test.Tap(p.Next)
		check(kiosk.ScreenStaffStatus)
	}
}

// luminance is the WCAG relative luminance.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// The review found secondary buttons hard to tell from the background
// (about 1.2:1): every non-primary button has an outline at ≥ 3:1, in both
// modes, seen in the rendered window.
func TestSecondaryButtonsHaveAVisibleOutline(t *testing.T) {
	for _, large := range []bool{false, true} {
		r := newRig(t)
		if large {
			test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).LargeText)
		}
		test.Tap(agreeThrough(r).Keypad)
		at[*kiosk.IDKeypadScreen](r, kiosk.ScreenGuardianKeypad)
		th := r.app.Settings().Theme()
		bg := th.Color(theme.ColorNameBackground, 0)
		if c := contrast(th.Color(theme.ColorNameButton, 0), bg); c >= 3 {
			t.Logf("large=%v: the button fill alone is %.1f:1", large, c)
		}
		img := r.win.Canvas().Capture()
		scale := float32(img.Bounds().Dx()) / r.win.Canvas().Size().Width
		rep := r.k.Layout()
		checked := 0
		for _, b := range rep.Buttons {
			if b.Primary || b.Disabled {
				continue
			}
			// The middle of the left edge: the outline straddles it.
			x, y := int(b.Rect.X*scale+0.5), int((b.Rect.Y+b.Rect.H/2)*scale)
			if c := contrast(img.At(x, y), bg); c < 3 {
				t.Errorf("large=%v: %s (%q): its edge is %.1f:1 against the background; want ≥ 3:1", large, b.Name, b.Text, c)
			}
			checked++
		}
		if checked < 10 {
			t.Errorf("large=%v: only %d secondary buttons checked", large, checked)
		}
	}
}

// Large-text mode is for people who see poorly: text at least 1.5 × and
// the keys taller, not only wider.
func TestLargeTextIsHalfAgainAsBigWithTallerKeys(t *testing.T) {
	r := newRig(t)
	keyHeight := func() float32 {
		test.Tap(agreeThrough(r).Keypad)
		s := at[*kiosk.IDKeypadScreen](r, kiosk.ScreenGuardianKeypad)
		h := s.Pad.Keys["5"].Size().Height
		test.Tap(s.Restart)
		return h
	}
	normal, normalKey := r.app.Settings().Theme().Size(theme.SizeNameText), keyHeight()
	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).LargeText)
	large, largeKey := r.app.Settings().Theme().Size(theme.SizeNameText), keyHeight()
	if large < 1.5*normal {
		t.Errorf("large text %v px, normal %v px: want at least 1.5 ×", large, normal)
	}
	if largeKey <= normalKey {
		t.Errorf("keys %v px high in large-text mode, %v px normally: want taller", largeKey, normalKey)
	}
}
