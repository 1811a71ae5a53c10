package kiosk_test

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"enrolldesk/ui/kiosk"
)

func blocked() rigOption {
	return func(s *kiosk.Services, _ *kiosk.Options) { s.Blocked = func() bool { return true } }
}

// An alarmed kiosk sends parents to the counter instead of offering the
// grades, and tells staff what is wrong and what to do, first and in red.
func TestAlarmedKioskSendsParentsToTheCounter(t *testing.T) {
	r := newRig(t, blocked())
	r.mnt.alarm = "本机数据库损坏，已停止报名。请运行 enrolldesk sync recover"
	r.mnt.syncNote = "本机不运行自己的同步：另一个程序（pid 42）正在同步"
	w := at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if w.Blocked == nil || w.Blocked.Text != "本机暂时不能报名，请到人工窗口办理" {
		t.Fatalf("welcome of an alarmed kiosk: %+v", w.Blocked)
	}
	if onScreen(r, w.Primary) || onScreen(r, w.Junior) {
		t.Error("the grade buttons are still offered")
	}
	test.Tap(w.Staff)
	p := at[*kiosk.StaffPINScreen](r, kiosk.ScreenStaffPIN)
	typeOn(t, p.Pad, "2468")
	test.Tap(p.Next)
	s := at[*kiosk.StaffStatusScreen](r, kiosk.ScreenStaffStatus)
	if s.Alarm.Kind != "error" || !strings.Contains(s.Alarm.Message(), "sync\u00a0recover") || !strings.HasPrefix(s.Alarm.Message(), "警报") {
		t.Errorf("staff alarm: %s %q", s.Alarm.Kind, s.Alarm.Message())
	}
	if s.SyncNote.Kind != "warn" || !strings.Contains(s.SyncNote.Message(), "pid\u00a042") {
		t.Errorf("staff sync note: %s %q", s.SyncNote.Kind, s.SyncNote.Message())
	}
}

func TestWelcomeOffersTheGradesWhenAllIsWell(t *testing.T) {
	r := newRig(t)
	w := at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if w.Blocked != nil || !onScreen(r, w.Primary) {
		t.Errorf("welcome of a sound kiosk: blocked %v, grades on screen %v", w.Blocked, onScreen(r, w.Primary))
	}
}

// onScreen reports whether o is in the window's tree and visible.
func onScreen(r *rig, o fyne.CanvasObject) bool {
	var walk func(c fyne.CanvasObject) bool
	walk = func(c fyne.CanvasObject) bool {
		if c == nil || !c.Visible() {
			return false
		}
		if c == o {
			return true
		}
		switch x := c.(type) {
		case *fyne.Container:
			for _, ch := range x.Objects {
				if walk(ch) {
					return true
				}
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(x).Objects() {
				if walk(ch) {
					return true
				}
			}
		}
		return false
	}
	return walk(r.win.Content())
}
