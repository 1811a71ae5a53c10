package kiosk

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// blocked reports whether the kiosk must not take registrations now: its
// store is damaged and staff have been alarmed.
func (k *Kiosk) blocked() bool { return k.svc.Blocked != nil && k.svc.Blocked() }

// blockedNotice stands where the welcome screen's grade buttons would: a
// parent is sent to the counter rather than into a registration the kiosk
// could not keep. The question and the hints about cards (hide) go, so the
// screen does not ask for what it cannot take. The label is returned for
// tests.
func (k *Kiosk) blockedNotice(hide ...fyne.CanvasObject) (*widget.Label, fyne.CanvasObject) {
	for _, o := range hide {
		o.Hide()
	}
	l := k.heading(lang.L("welcome.blocked"))
	l.Importance = widget.DangerImportance
	l.Alignment = fyne.TextAlignCenter
	l.Wrapping = fyne.TextWrapWord
	icon := widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon()))
	return l, container.NewVBox(container.NewCenter(icon), l)
}

// alarmNotices are the staff screen's notices above the status: the alarm
// (registrations stopped) and why the kiosk runs no sync worker.
func (s *StaffStatusScreen) showAlarm(st KioskStatus) {
	// The words name a command staff type: no-break spaces, because the
	// line breaker drops a space it once broke a line at when it wraps
	// the label again at another width ("enrolldesksync").
	keep := strings.NewReplacer(" ", "\u00a0")
	if st.Alarm != "" {
		s.Alarm.set(noticeError, lang.L("staff.alarm", map[string]any{"Reason": keep.Replace(st.Alarm)}))
	} else {
		s.Alarm.clear()
	}
	if st.SyncNote != "" {
		s.SyncNote.set(noticeWarn, keep.Replace(st.SyncNote))
	} else {
		s.SyncNote.clear()
	}
}
