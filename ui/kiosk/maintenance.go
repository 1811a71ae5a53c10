package kiosk

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// EngineStateLookup is implemented by a Maintenance that can say what the
// engine decided for an application: the reprint shows it to staff.
type EngineStateLookup interface {
	EngineState(ctx context.Context, regNo string) (core.State, error)
}

// engineStateOrder is the order states are counted on the staff screen.
var engineStateOrder = []core.State{core.StateSubmitted, core.StateReceived, core.StateVerified, core.StateNeedsReview,
	core.StateRejected, core.StateReturned, core.StateApproved, core.StateAdmitted, core.StateWaitlisted,
	core.StatePlaced, core.StateRegistered}

// staffTimeout bounds the staff screen's calls.
const staffTimeout = 30 * time.Second

// StaffPINScreen is the door to maintenance: a PIN on the keypad.
type StaffPINScreen struct {
	Pad    *Keypad
	Status *Notice
	Nav

	k       *Kiosk
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *StaffPINScreen) Name() string { return ScreenStaffPIN }

// Content implements Screen.
func (s *StaffPINScreen) Content() fyne.CanvasObject { return s.content }

func newStaffPINScreen(k *Kiosk) *StaffPINScreen {
	s := &StaffPINScreen{k: k}
	s.Pad = newKeypad(k, pinKeypad, "")
	s.Status = s.Pad.Message
	s.Pad.onChange = s.Status.clear
	s.Pad.onHint = func(h string) { s.Status.set(noticeWarn, h) }
	s.Nav = Nav{Back: k.button(lang.L("nav.back"), theme.NavigateBackIcon(), k.restart),
		Next: k.primary(lang.L("nav.ok"), theme.ConfirmIcon(), s.check)}
	s.content = k.frame(0, lang.L("staff.pinTitle"), k.scroll(s.Pad.object(k.text(lang.L("staff.pinHint")))), s.Nav)
	return s
}

// check tries the PIN. It runs on the UI goroutine: the hash takes tens
// of milliseconds, and a result that came back later could open the staff
// screen over a parent who has since walked up.
func (s *StaffPINScreen) check() {
	res := s.k.svc.Maintenance.CheckPIN(s.Pad.Value())
	if res.OK {
		s.k.showStaffStatus()
		return
	}
	s.Pad.clear()
	switch {
	case !res.LockedUntil.IsZero():
		mins := int(math.Ceil(res.LockedUntil.Sub(s.k.now()).Minutes()))
		s.Status.set(noticeError, lang.L("staff.pinLocked", map[string]any{"M": max(mins, 1)}))
	case res.Err != nil:
		fyne.LogError("enrolldesk: staff PIN", res.Err)
		s.Status.set(noticeError, lang.L("staff.pinUnrecorded"))
	default:
		s.Status.set(noticeError, lang.L("staff.wrongPIN", map[string]any{"N": res.Remaining}))
	}
}

// StaffStatusScreen is what hall staff see behind the PIN: the device's
// state and a reprint by registration number.
type StaffStatusScreen struct {
	Rows     map[string]*widget.Label // "device", "printer", "spooled", "queue", "dead", "sync", "engine", "version"
	Alarm    *Notice                  // damage that stops registrations, first and in red
	SyncNote *Notice                  // why the kiosk runs no sync worker of its own
	Status   *Notice                  // loading the status
	RegNo    *widget.Entry
	Reprint  *widget.Button
	Result   *Notice // the reprint's outcome
	Refresh  *widget.Button
	Nav

	k       *Kiosk
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *StaffStatusScreen) Name() string { return ScreenStaffStatus }

// Content implements Screen.
func (s *StaffStatusScreen) Content() fyne.CanvasObject { return s.content }

func newStaffStatusScreen(k *Kiosk) *StaffStatusScreen {
	s := &StaffStatusScreen{k: k, Rows: map[string]*widget.Label{}, Status: k.notice(), Result: k.notice(),
		Alarm: k.notice(), SyncNote: k.notice()}
	form := k.form()
	for _, r := range []struct{ key, label string }{
		{"device", lang.L("staff.device")}, {"printer", lang.L("staff.printer")},
		{"spooled", lang.L("staff.spooled")}, {"queue", lang.L("staff.queue")},
		{"dead", lang.L("staff.dead")}, {"sync", lang.L("staff.sync")}, {"engine", lang.L("staff.engine")},
		{"version", lang.L("staff.version")},
	} {
		v := k.text("")
		s.Rows[r.key] = v
		form.Add(k.fieldLabel(r.label))
		form.Add(v)
	}
	rows := container.NewVBox(s.Alarm.object(), s.SyncNote.object(), k.panel(lang.L("staff.statusTitle"), form))
	rows.Add(s.Status.object())
	s.Refresh = k.button(lang.L("staff.refresh"), theme.ViewRefreshIcon(), s.load)
	rows.Add(container.NewHBox(k.touchSized(s.Refresh, 2)))

	s.RegNo = widget.NewEntry()
	s.RegNo.SetPlaceHolder(lang.L("staff.regNoPlaceholder"))
	s.RegNo.OnChanged = func(string) { k.touch() }
	s.Reprint = k.primary(lang.L("staff.reprint"), theme.DocumentPrintIcon(), s.reprint)
	reprint := k.panel(lang.L("staff.reprintTitle"),
		s.RegNo, container.NewHBox(k.touchSized(s.Reprint, 2)), s.Result.object())

	s.Nav = Nav{Back: k.button(lang.L("nav.back"), theme.NavigateBackIcon(), k.restart)}
	// Side by side, so the reprint field is on screen without scrolling.
	s.content = k.frame(0, lang.L("staff.title"), k.scroll(container.NewGridWithColumns(2, rows, container.NewVBox(reprint))), s.Nav)
	return s
}

// load fetches the status off the UI goroutine.
func (s *StaffStatusScreen) load() {
	k := s.k
	s.Status.set(noticeInfo, lang.L("staff.loading"))
	var st KioskStatus
	var err error
	k.later(s, func() {
		ctx, cancel := context.WithTimeout(context.Background(), staffTimeout)
		defer cancel()
		st, err = k.svc.Maintenance.Status(ctx)
	}, func() {
		if err != nil {
			fyne.LogError("enrolldesk: kiosk status", err)
			s.Status.set(noticeError, lang.L("staff.statusFailed"))
			return
		}
		s.Status.clear()
		s.show(st)
	})
}

func (s *StaffStatusScreen) show(st KioskStatus) {
	printer := st.Printer
	if printer == "" {
		printer = lang.L("staff.spoolOnly")
	}
	set := map[string]string{
		"device": st.DeviceID, "printer": printer, "spooled": fmt.Sprint(st.Spooled),
		"queue": fmt.Sprint(st.QueueLength), "dead": fmt.Sprint(st.DeadLetters),
		"sync": s.k.words().dateTime(st.LastSync), "version": st.Version, "engine": s.engineStates(st.EngineStates),
	}
	for key, v := range set {
		s.Rows[key].SetText(v)
	}
	s.showAlarm(st)
	if st.DeadLetters > 0 {
		s.Rows["dead"].Importance = widget.DangerImportance
		s.Rows["dead"].SetText(lang.L("staff.deadWarn", map[string]any{"N": st.DeadLetters}))
	}
}

// engineStates is e.g. "数据已核验 3 · 待人工审核 1": the engine's
// decisions as the kiosk has pulled them.
func (s *StaffStatusScreen) engineStates(counts map[core.State]int) string {
	var parts []string
	for _, st := range engineStateOrder {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s.k.words().state(st), n))
		}
	}
	if len(parts) == 0 {
		return lang.L("staff.engineNone")
	}
	return strings.Join(parts, " · ")
}

func (s *StaffStatusScreen) reprint() {
	k := s.k
	regNo := strings.ToUpper(strings.TrimSpace(s.RegNo.Text))
	if regNo == "" {
		s.Result.set(noticeError, lang.L("staff.regNoEmpty"))
		return
	}
	s.Reprint.Disable()
	s.Result.set(noticeInfo, lang.L("receipt.printing"))
	var out receipt.Outcome
	var err error
	var state core.State
	k.later(s, func() {
		ctx, cancel := context.WithTimeout(context.Background(), printTimeout)
		defer cancel()
		out, err = k.svc.Maintenance.Reprint(ctx, regNo)
		if l, ok := k.svc.Maintenance.(EngineStateLookup); ok && err == nil {
			state, _ = l.EngineState(ctx, regNo) // the reprint stands without it
		}
	}, func() {
		s.Reprint.Enable()
		defer func() {
			if state != "" {
				s.Result.set(s.Result.Kind, s.Result.Message()+" "+lang.L("staff.engineState", map[string]any{"State": k.words().state(state)}))
			}
		}()
		switch {
		case err != nil:
			fyne.LogError("enrolldesk: reprint "+regNo, err)
			msg := lang.L("staff.reprintFailed")
			if !k.words().english && out.Message != "" {
				msg = out.Message
			}
			s.Result.set(noticeError, msg)
		case out.Printed:
			s.Result.set(noticeOK, lang.L("staff.reprinted", map[string]any{"RegNo": regNo}))
		default:
			s.Result.set(noticeWarn, lang.L("staff.reprintSpooled"))
		}
	})
}

func (k *Kiosk) showStaffPIN() {
	if k.svc.Maintenance == nil {
		return
	}
	k.show(newStaffPINScreen(k))
}

func (k *Kiosk) showStaffStatus() {
	s := newStaffStatusScreen(k)
	k.show(s)
	s.load()
}
