package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"enrolldesk/app"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

// The staff window for real: the enrolldesk binary under an X server of
// its own (Xvfb, no window manager) at 1366×768 and 1920×1080, driven
// with xdotool (keys and clicks where the window reports its controls)
// and photographed with ImageMagick. With ENROLLDESK_SCREENS set the PNGs
// go there as real-staff-<w>x<h>-<screen>.png (make screenshots).
func TestStaffRealWindowScreenshots(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/deps.sh test", tool)
		}
	}
	dir := os.Getenv("ENROLLDESK_SCREENS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "enrolldesk")
	build := exec.Command("go", "build", "-o", bin, "enrolldesk")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	city := staffDemoCityPath(t) // the run-staff demo city: its heat map shows pressure
	for _, size := range [][2]int{{1366, 768}, {1920, 1080}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w := startStaffWindow(t, bin, city, size[0], size[1])
			shot := func(name string) {
				t.Helper()
				time.Sleep(700 * time.Millisecond) // the last frame painted
				path := filepath.Join(dir, fmt.Sprintf("real-staff-%dx%d-%s.png", size[0], size[1], name))
				if out, err := w.x("import", "-window", "root", path); err != nil {
					t.Fatalf("import: %v %s", err, out)
				}
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				img, err := png.Decode(f)
				if err != nil {
					t.Fatal(err)
				}
				if b := img.Bounds(); b.Dx() != size[0] || b.Dy() != size[1] {
					t.Errorf("%s is %v, want %dx%d", name, b.Size(), size[0], size[1])
				}
			}
			w.wait("the sign-in screen", func(r staff.Report) bool { return r.Screen == staff.ScreenSignIn })
			shot("signin")
			w.signInAs(engineapi.RoleReviewer)
			r := w.wait("the queue", func(r staff.Report) bool { _, ok := r.Targets["row0"]; return r.Screen == staff.ScreenQueue && ok })
			shot("queue")
			w.click(r, "row0")
			w.wait("an application", func(r staff.Report) bool { _, ok := r.Targets["return"]; return r.Screen == staff.ScreenDetail && ok })
			shot("detail")
			w.x("xdotool", "key", "r")
			r = w.wait("the return panel", func(r staff.Report) bool { _, ok := r.Targets["confirm"]; return ok })
			w.click(r, "reason0")
			shot("detail-return")
			w.x("xdotool", "key", "Escape")
			w.click(r, "nav.heat")
			w.wait("the heat map", func(r staff.Report) bool { return r.Screen == staff.ScreenHeat && !r.Busy })
			time.Sleep(time.Second)
			shot("heat")
			w.click(r, "nav.conflicts")
			w.wait("the conflicts", func(r staff.Report) bool { return r.Screen == staff.ScreenConflicts && !r.Busy })
			shot("conflicts")
			w.click(r, "nav.find")
			w.wait("find", func(r staff.Report) bool { return r.Screen == staff.ScreenFind })
			shot("find")
			w.click(r, "signout")
			w.wait("signed out", func(r staff.Report) bool { return r.Screen == staff.ScreenSignIn })
			w.signInAs(engineapi.RoleHall)
			w.wait("the walk-in desk", func(r staff.Report) bool { return r.Screen == staff.ScreenWalkIn })
			shot("walkin")
		})
	}
}

// signInAs clicks the demo account of role on the sign-in screen (it
// fills the name — a person's name in Chinese, which xdotool cannot type
// — and the password) and presses Enter.
func (w *staffWindow) signInAs(role engineapi.Role) {
	w.t.Helper()
	target := "demo." + string(role)
	// Not the report made before the window was laid out (every button at the top left).
	r := w.wait("the demo account "+string(role), func(r staff.Report) bool {
		p, ok := r.Targets[target]
		return r.Screen == staff.ScreenSignIn && ok && p[1] > 60
	})
	w.click(r, target)
	time.Sleep(300 * time.Millisecond)
	w.x("xdotool", "key", "Return")
}

type staffWindow struct {
	t       *testing.T
	display string
	report  string
}

// startStaffWindow starts Xvfb at w×h and the staff window on it, on a
// demo engine of its own over the shared small city.
func startStaffWindow(t *testing.T, bin, city string, w, h int) *staffWindow {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.CommandContext(ctx, "Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-noreset")
	x.ExtraFiles = []*os.File{wr}
	if err := x.Start(); err != nil {
		t.Fatalf("Xvfb: %v", err)
	}
	wr.Close()
	t.Cleanup(func() { _ = x.Process.Kill(); _ = x.Wait() })
	num := make(chan string, 1)
	go func() {
		buf := make([]byte, 16)
		n, _ := rd.Read(buf)
		num <- strings.TrimSpace(string(buf[:n]))
	}()
	var display string
	select {
	case display = <-num:
	case <-time.After(60 * time.Second):
		t.Fatal("Xvfb did not start")
	}
	if _, err := strconv.Atoi(display); err != nil {
		t.Fatalf("Xvfb display %q", display)
	}
	dir := t.TempDir()
	sw := &staffWindow{t: t, display: ":" + display, report: filepath.Join(dir, "report.json")}
	cmd := exec.CommandContext(ctx, bin, "staff", "--data", filepath.Join(dir, "data"), "--city", city, "--demo-apps", strconv.Itoa(app.DefaultDemoApps))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = append(os.Environ(), "DISPLAY="+sw.display, "HOME="+dir, "FYNE_SCALE=1", "LANG=zh_CN.UTF-8",
		app.StaffSizeEnv+"="+fmt.Sprintf("%dx%d", w, h), app.StaffReportEnv+"="+sw.report)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("staff window output:\n%s", logs.String())
		}
	})
	return sw
}

// x runs a tool on the window's display.
func (w *staffWindow) x(tool string, args ...string) (string, error) {
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+w.display)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// wait reads the window's report until cond holds.
func (w *staffWindow) wait(what string, cond func(staff.Report) bool) staff.Report {
	w.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	var r staff.Report
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(w.report); err == nil && json.Unmarshal(data, &r) == nil && cond(r) {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.t.Fatalf("timed out waiting for %s (last report %+v)", what, r)
	return r
}

// click clicks the named control where the window last reported it.
func (w *staffWindow) click(r staff.Report, target string) {
	w.t.Helper()
	p, ok := r.Targets[target]
	if !ok {
		w.t.Fatalf("the window reports no %s (%+v)", target, r)
	}
	if out, err := w.x("xdotool", "mousemove", fmt.Sprint(int(p[0])), fmt.Sprint(int(p[1])), "click", "1"); err != nil {
		w.t.Fatalf("xdotool: %v %s", err, out)
	}
}
