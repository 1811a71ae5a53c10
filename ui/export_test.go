package ui

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
