package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// EveryScreen shows, one after the other, every screen the kiosk has,
// built from what the session holds, and calls check after each: the fit
// tests walk a family to the receipt and then look at every screen at
// every display size. A new screen belongs in this list.
func EveryScreen(k *Kiosk, check func(name string)) {
	for _, show := range []func(){
		k.showWelcome,
		k.showGuardianID,
		k.showChildID,
		func() { k.showIDKeypad(roleGuardian) },
		func() { k.showIDKeypad(roleChild) },
		func() { k.show(newLookingScreen(k)) },
		k.showConfirm,
		k.showNotEligible,
		k.showSchool,
		k.showPending,
		k.showPhone,
		k.showConsent,
		k.showReceipt,
		k.showStaffPIN,
		k.showStaffStatus,
	} {
		show()
		check(k.ScreenName())
	}
}

// Relayout lays the screen on show out again for the window's size, as a
// real window does when it is resized.
func (k *Kiosk) Relayout() { k.relayout() }

// BodyScrolls reports whether the screen on show has content hidden in a
// scrolling area: whether the person must scroll to see all of it.
func (k *Kiosk) BodyScrolls() bool {
	var scrolls func(o fyne.CanvasObject) bool
	scrolls = func(o fyne.CanvasObject) bool {
		switch v := o.(type) {
		case *container.Scroll:
			if v.Content.MinSize().Height > v.Size().Height+0.5 {
				return true
			}
			return scrolls(v.Content)
		case *fyne.Container:
			for _, c := range v.Objects {
				if c.Visible() && scrolls(c) {
					return true
				}
			}
		}
		return false
	}
	return scrolls(k.body)
}
