package app_test

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/app"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

// TestStaffScreenshots photographs every staff screen in the test canvas
// at 1366×768 and 1920×1080, on the real in-process demo engine: sign-in
// (demo accounts shown), the queue, an application, its return panel, the
// sign-in after a session ended, conflicts, the heat map, walk-in and
// find. With ENROLLDESK_SCREENS set the PNGs go there as
// staff-<w>x<h>-<screen>.png (make screenshots); otherwise to a temporary
// directory. It always runs.
func TestStaffScreenshots(t *testing.T) {
	dir := os.Getenv("ENROLLDESK_SCREENS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, size := range []fyne.Size{{Width: 1366, Height: 768}, {Width: 1920, Height: 1080}} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			r := newStaffRigOn(t, staffDemoCityPath(t), app.DefaultDemoApps) // the run-staff demo: schools under pressure
			r.win.Resize(size)
			shot := func(name string) {
				t.Helper()
				img := r.win.Canvas().Capture()
				if b := img.Bounds(); b.Dx() < int(size.Width) || b.Dy() < int(size.Height) {
					t.Errorf("%s: captured %v, want at least %v", name, b.Size(), size)
				}
				path := filepath.Join(dir, fmt.Sprintf("staff-%.0fx%.0f-%s.png", size.Width, size.Height, name))
				f, err := os.Create(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
			}
			r.wait(staff.ScreenSignIn)
			shot("signin")
			name, pw := demoPassword(t, engineapi.RoleHall)
			r.signIn(name, "wrong password")
			shot("signin-refused")
			r.signIn(name, pw)
			r.wait(staff.ScreenWalkIn)
			shot("walkin")
			test.Tap(r.d.Shell().Nav[staff.ScreenFind])
			r.wait(staff.ScreenFind)
			shot("find")
			test.Tap(r.d.Shell().SignOut)

			name, pw = demoPassword(t, engineapi.RoleReviewer)
			r.signIn(name, pw)
			r.wait(staff.ScreenQueue)
			shot("queue")
			d := r.openUndecided()
			shot("detail")
			test.TypeOnCanvas(r.win.Canvas(), "r")
			if len(d.Reasons.Options) > 0 {
				d.Reasons.SetSelected(d.Reasons.Options[0])
			}
			test.Type(d.Text, "房产证第2页复印件")
			shot("detail-return")
			r.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
			test.TypeOnCanvas(r.win.Canvas(), "j")
			test.Type(d.Text, "提供的房产为商铺")
			shot("detail-reject")
			r.clock.advance(engineapi.SessionIdle + 1e9*60)
			test.Tap(d.Confirm)
			r.wait(staff.ScreenSignIn)
			shot("session-ended")
			r.signIn(name, pw)
			r.wait(staff.ScreenDetail)
			test.Tap(r.d.Shell().Nav[staff.ScreenConflicts])
			r.wait(staff.ScreenConflicts)
			shot("conflicts")
			if c := r.d.Conflicts(); len(c.Sets()) > 0 { // the twins: a duplicate set to resolve
				c.Duplicates.Select(widget.TableCellID{Row: 0, Col: 0})
				r.wait(staff.ScreenDetail)
				shot("detail-duplicate")
			} else {
				t.Errorf("the demo engine has no open duplicate set (%q)", c.DupMessage.Text)
			}
			test.Tap(r.d.Shell().Nav[staff.ScreenHeat])
			r.wait(staff.ScreenHeat)
			shot("heat")
		})
	}
}
