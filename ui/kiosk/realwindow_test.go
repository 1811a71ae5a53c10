package kiosk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"enrolldesk/ui/kiosk"
)

// The real-window check: the kiosk binary under an X server of its own
// (Xvfb, no window manager, full screen as in the hall), driven with
// xdotool clicks and photographed with ImageMagick. The test canvas cannot
// show what a real window does when a screen asks for more than the panel
// (the window grows past it and stays so); this can. The kiosk tells where
// it put things through --layout-report.

// realKiosk is one kiosk process on one Xvfb screen.
type realKiosk struct {
	t       *testing.T
	display string
	size    image.Point
	report  string
	last    kiosk.LayoutReport
}

// buildKiosk builds the enrolldesk command into a directory of the test,
// with a data directory its kiosks share, so that the demo city is built
// once per test.
func buildKiosk(t *testing.T) (bin, data string) {
	t.Helper()
	dir := t.TempDir()
	bin, data = filepath.Join(dir, "enrolldesk"), filepath.Join(dir, "data")
	cmd := exec.Command("go", "build", "-o", bin, "enrolldesk")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin, data
}

// startReal starts Xvfb at the size on a display it picks itself, and the
// kiosk on it, full screen, in a language and text size.
func startReal(t *testing.T, bin, data string, w, h int) *realKiosk {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/deps.sh test", tool)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	// -displayfd: Xvfb takes the first free display and writes its number.
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.CommandContext(ctx, "Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h),
		"-nolisten", "tcp", "-noreset")
	x.ExtraFiles = []*os.File{wr}
	if err := x.Start(); err != nil {
		t.Fatalf("Xvfb: %v", err)
	}
	wr.Close()
	t.Cleanup(func() { _ = x.Process.Kill(); _ = x.Wait() })
	num := make(chan string, 1)
	go func() {
		buf := make([]byte, 16)
		n, _ := r.Read(buf)
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
	rk := &realKiosk{t: t, display: ":" + display, size: image.Pt(w, h), report: filepath.Join(dir, "layout.json")}
	// Each kiosk keeps its own applications (a family applies once per
	// kiosk), on the demo city the first one built.
	args := []string{"kiosk", "--engine", "off", "--layout-report", rk.report, "--tap-guard", "-1ms"}
	if city, _ := filepath.Glob(filepath.Join(data, "demo-city-*.db")); len(city) == 1 {
		args = append(args, "--data", filepath.Join(dir, "data"), "--db", city[0])
	} else {
		args = append(args, "--data", data)
	}
	k := exec.CommandContext(ctx, bin, args...)
	var logs bytes.Buffer
	k.Stdout, k.Stderr = &logs, &logs
	k.Env = append(os.Environ(), "DISPLAY="+rk.display, "HOME="+dir, "FYNE_SCALE=1", "LANG=zh_CN.UTF-8",
		"ENROLLDESK_PIN=2468")
	if err := k.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = k.Process.Kill()
		_ = k.Wait()
		if t.Failed() {
			t.Logf("kiosk output:\n%s", logs.String())
		}
	})
	return rk
}

// wait waits for the kiosk to report the named screen, laid out.
func (rk *realKiosk) wait(screen string) kiosk.LayoutReport {
	rk.t.Helper()
	deadline := time.Now().Add(3 * time.Minute) // the first start builds the demo city
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(rk.report)
		if err == nil && json.Unmarshal(data, &rk.last) == nil && rk.last.Screen == screen && rk.last.Canvas.W > 0 {
			// A window that just went full screen reports again within a
			// second of the idle clock's tick: take the settled layout.
			time.Sleep(1500 * time.Millisecond)
			if data, err := os.ReadFile(rk.report); err == nil {
				var settled kiosk.LayoutReport
				if json.Unmarshal(data, &settled) == nil && settled.Screen == screen {
					rk.last = settled
				}
			}
			return rk.last
		}
		time.Sleep(100 * time.Millisecond)
	}
	rk.t.Fatalf("at %v: the kiosk never showed %s (last report: %+v)", rk.size, screen, rk.last)
	return rk.last
}

// button finds a button of the screen on show by its handle.
func (rk *realKiosk) button(name string) kiosk.LaidButton {
	rk.t.Helper()
	for _, b := range rk.last.Buttons {
		if b.Name == name {
			return b
		}
	}
	var names []string
	for _, b := range rk.last.Buttons {
		names = append(names, b.Name)
	}
	rk.t.Fatalf("%s has no button %s (it has %v)", rk.last.Screen, name, names)
	return kiosk.LaidButton{}
}

// click clicks the middle of a button, as a finger would.
func (rk *realKiosk) click(name string) {
	rk.t.Helper()
	b := rk.button(name)
	if b.Viewport != nil && !b.Rect.Inside(*b.Viewport) {
		// A click there would land on whatever covers it, not on b.
		rk.t.Fatalf("%s: %s at %+v is scrolled out of its list %+v", rk.last.Screen, name, b.Rect, *b.Viewport)
	}
	s := rk.last.Scale
	x, y := int((b.Rect.X+b.Rect.W/2)*s), int((b.Rect.Y+b.Rect.H/2)*s)
	cmd := exec.Command("xdotool", "mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
	cmd.Env = append(os.Environ(), "DISPLAY="+rk.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		rk.t.Fatalf("xdotool: %v %s", err, out)
	}
	time.Sleep(150 * time.Millisecond) // the next click is a new touch, not a double tap
}

// shot photographs the whole X screen.
func (rk *realKiosk) shot(path string) image.Image {
	rk.t.Helper()
	cmd := exec.Command("import", "-window", "root", path)
	cmd.Env = append(os.Environ(), "DISPLAY="+rk.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		rk.t.Fatalf("import: %v %s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		rk.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		rk.t.Fatal(err)
	}
	return img
}

// checkInside asserts, from the kiosk's own report, that its canvas is no
// bigger than the screen and that the step indicator and every button lie
// inside the screen (a list's buttons inside the list's width).
func (rk *realKiosk) checkInside(rep kiosk.LayoutReport) {
	t := rk.t
	t.Helper()
	s := rep.Scale
	screen := kiosk.Rect{W: float32(rk.size.X) / s, H: float32(rk.size.Y) / s}
	at := fmt.Sprintf("%s at %dx%d", rep.Screen, rk.size.X, rk.size.Y)
	if rep.Canvas.W > screen.W+0.5 || rep.Canvas.H > screen.H+0.5 {
		t.Errorf("%s: the window is %v×%v, wider or taller than the screen", at, rep.Canvas.W, rep.Canvas.H)
	}
	if rep.Steps == nil || !rep.Steps.Inside(screen) {
		t.Errorf("%s: the step indicator is at %+v, not inside the screen", at, rep.Steps)
	}
	if len(rep.Buttons) == 0 {
		t.Errorf("%s: no buttons reported", at)
	}
	for _, b := range rep.Buttons {
		r := b.Rect
		if b.Viewport != nil {
			r = kiosk.Rect{X: b.Rect.X, Y: b.Viewport.Y, W: b.Rect.W, H: b.Viewport.H}
		}
		if !r.Inside(screen) {
			t.Errorf("%s: %s (%q) at %+v is not inside the screen", at, b.Name, b.Text, b.Rect)
		}
	}
}

// primaryDrawn checks the screenshot shows the primary colour where the
// report puts the screen's primary button: what the report says is what
// the person sees.
func (rk *realKiosk) primaryDrawn(img image.Image, rep kiosk.LayoutReport) {
	t := rk.t
	t.Helper()
	if n := colours(img); n < 40 {
		t.Errorf("%s at %v: the screenshot has only %d colours: blank?", rep.Screen, rk.size, n)
	}
	for _, b := range rep.Buttons {
		if !b.Primary || b.Disabled {
			continue
		}
		s := rep.Scale
		x, y := int((b.Rect.X+10)*s), int((b.Rect.Y+b.Rect.H/2)*s)
		got := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
		want := color.NRGBA{R: 0x1d, G: 0x5a, B: 0xa8, A: 0xff} // the theme's primary
		if d := absDiff(got.R, want.R) + absDiff(got.G, want.G) + absDiff(got.B, want.B); d > 60 {
			t.Errorf("%s at %v: %s should be drawn in the primary colour at (%d,%d); the screen shows %v",
				rep.Screen, rk.size, b.Name, x, y, got)
		}
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestRealWindowFitsTheScreen starts the kiosk as a process on a 1024×768
// and a portrait 1080×1920 X screen, walks to the guardian's ID-card screen
// and proves, from the kiosk's layout report and a screenshot, that the
// step indicator and every button are on the screen.
func TestRealWindowFitsTheScreen(t *testing.T) {
	bin, data := buildKiosk(t)
	for _, size := range []image.Point{{1024, 768}, {1080, 1920}} {
		t.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(t *testing.T) {
			rk := startReal(t, bin, data, size.X, size.Y)
			welcome := rk.wait(kiosk.ScreenWelcome)
			if welcome.Canvas.W*welcome.Scale > float32(size.X)+0.5 {
				t.Errorf("the welcome window is %v wide on a %d screen", welcome.Canvas.W, size.X)
			}
			rk.click("Primary")
			rk.wait(kiosk.ScreenConsent)
			rk.click("Agree")
			rep := rk.wait(kiosk.ScreenGuardianCard)
			rk.checkInside(rep)
			img := rk.shot(filepath.Join(t.TempDir(), "guardian-card.png"))
			rk.primaryDrawn(img, rep)
			if b := img.Bounds(); b.Dx() != size.X || b.Dy() != size.Y {
				t.Errorf("the screenshot is %v, not the screen", b)
			}
		})
	}
}

// TestRealWindowScreenshots writes docs/screens/real-<w>x<h>-<screen>.png
// at every kiosk display size for `make screenshots`, walking a whole
// registration with clicks; it checks every screen on the way as
// TestRealWindowFitsTheScreen does. Without ENROLLDESK_SCREENS it walks at
// one size into a temporary directory.
func TestRealWindowScreenshots(t *testing.T) {
	dir := os.Getenv("ENROLLDESK_SCREENS")
	sizes := []image.Point{{1024, 768}, {1280, 1024}, {1366, 768}, {1920, 1080}, {1080, 1920}}
	if dir == "" {
		dir, sizes = t.TempDir(), sizes[:1]
	}
	bin, data := buildKiosk(t)
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(t *testing.T) {
			rk := startReal(t, bin, data, size.X, size.Y)
			shoot := func(screen string) {
				t.Helper()
				rep := rk.wait(screen)
				img := rk.shot(filepath.Join(dir, fmt.Sprintf("real-%dx%d-%s.png", size.X, size.Y, screen)))
				if screen != kiosk.ScreenWelcome {
					rk.checkInside(rep)
				}
				rk.primaryDrawn(img, rep)
			}
			shoot(kiosk.ScreenWelcome)
			rk.click("Primary")
			shoot(kiosk.ScreenConsent)
			rk.click("Agree")
			shoot(kiosk.ScreenGuardianCard)
			rk.click("Keypad")
			rk.wait(kiosk.ScreenGuardianKeypad)
			for _, d := range "3708111985" {
				rk.click(fmt.Sprintf("Pad.Keys[%c]", d))
			}
			shoot(kiosk.ScreenGuardianKeypad)
			rk.click("Back")
			rk.wait(kiosk.ScreenGuardianCard)
			rk.click("DemoToggle")            // staff open the demo cards
			rk.wait(kiosk.ScreenGuardianCard) // laid out again with the cards
			// The first card of the list: one a click reaches without
			// scrolling on every panel (a single-school zone, so no ranking).
			rk.click("Demo[consistent]")
			rk.wait(kiosk.ScreenChildCard)
			rk.click("Demo[consistent]")
			shoot(kiosk.ScreenConfirm)
			rk.click("Next")
			rk.wait(kiosk.ScreenPhone)
			for _, d := range "13805371234" {
				rk.click(fmt.Sprintf("Pad.Keys[%c]", d))
			}
			shoot(kiosk.ScreenPhone)
			rk.click("Next") // 提交报名
			shoot(kiosk.ScreenReceipt)
		})
	}
}
