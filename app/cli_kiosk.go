package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"enrolldesk/app/keys"
	"enrolldesk/app/verify"
	"enrolldesk/assets"
	kioskui "enrolldesk/ui/kiosk"
)

func kioskFlags(stdio IO, args []string) (KioskConfig, bool, bool) {
	fs := newFlags("kiosk", stdio.Err)
	var c KioskConfig
	fs.StringVar(&c.DataDir, "data", "", "data directory (key, applications, spool, demo city); default $ENROLLDESK_DATA or ~/.local/share/enrolldesk")
	fs.StringVar(&c.CityDB, "db", "", "department data (SQLite); default: the embedded demo city")
	fs.StringVar(&c.Printer, "printer", os.Getenv("ENROLLDESK_PRINTER"), "CUPS printer queue; empty keeps receipts for the staff desk")
	fs.StringVar(&c.KioskID, "kiosk-id", "", "device ID printed on receipts (default: from the device key)")
	fs.StringVar(&c.PIN, "pin", os.Getenv("ENROLLDESK_PIN"), "first start only: the staff PIN, hashed into the data directory at once and ignored once one is stored (prefer `enrolldesk kiosk pin set`); a demo kiosk without one uses "+DefaultPIN)
	fs.DurationVar(&c.EraseAfter, "erase-after", DefaultEraseAfter, "erase names, ID numbers and phone numbers this long after the engine acknowledged the application")
	fs.DurationVar(&c.Idle, "idle", 0, "idle time before the countdown (default 90s)")
	fs.DurationVar(&c.Countdown, "countdown", 0, "countdown before the session is wiped (default 60s)")
	fs.DurationVar(&c.TapGuard, "tap-guard", 0, "drop taps this soon after a screen appears (default 300ms; negative: off)")
	fs.StringVar(&c.Language, "lang", "zh-Hans", "zh-Hans or en")
	fs.StringVar(&c.Reader, "reader", "sim", "ID-card reader: sim (demo cards), none (keypad only), or serial:DEVICE for a real reader (serial:/dev/ttyUSB0, serial:COM3)")
	fs.StringVar(&c.Engine, "engine", os.Getenv("ENROLLDESK_ENGINE"), "engine URL to sync to; empty: an in-process engine on the demo city; \"off\": keep applications for `enrolldesk sync`")
	fs.StringVar(&c.Enroll, "enroll", "", "CODE/FINGERPRINT from `enrolldesk engine device add`: the one-time code and the engine key's fingerprint (first start with --engine)")
	fs.StringVar(&c.EngineCA, "engine-ca", os.Getenv("ENROLLDESK_ENGINE_CA"), "PEM certificate the engine's TLS certificate is checked against (a pilot's, from `enrolldesk engine cert`)")
	window := fs.Bool("window", false, "run in a window instead of full screen")
	fs.StringVar(&c.LayoutReport, "layout-report", os.Getenv("ENROLLDESK_LAYOUT_REPORT"), "write each screen's layout (JSON) to this file, for the real-window check")
	if err := fs.Parse(args); err != nil {
		return c, false, false
	}
	if c.EraseAfter <= 0 {
		fmt.Fprintln(stdio.Err, "enrolldesk: --erase-after must be a positive duration, e.g. 24h")
		return c, false, false
	}
	switch c.Engine {
	case "":
		c.LocalEngine = true
	case "off":
		c.Engine = ""
	}
	c.Logf = func(format string, args ...any) { fmt.Fprintf(stdio.Err, "enrolldesk: "+format+"\n", args...) }
	return c, *window, true
}

// FirstFrameEnv, when set, makes the kiosk print FirstFrameLine on stdout
// once its first screen has been painted: the start-up benchmark waits for it.
const (
	FirstFrameEnv  = "ENROLLDESK_REPORT_FIRST_FRAME"
	FirstFrameLine = "enrolldesk: first frame"
)

// runKiosk opens the Fyne kiosk on the configured data (the demo city by
// default). It needs a display.
func runKiosk(stdio IO, args []string) int {
	cfg, windowed, ok := kioskFlags(stdio, args)
	if !ok {
		return ExitUsage
	}
	k, err := OpenKiosk(context.Background(), cfg)
	if errors.Is(err, errNoPIN) {
		return fail(stdio.Err, ExitUsage, "kiosk: %v", err)
	}
	if err != nil {
		return fail(stdio.Err, ExitFail, "kiosk: %v", err)
	}
	defer k.Close()
	if url := k.EngineURL(); url != "" {
		fmt.Fprintf(stdio.Err, "enrolldesk: syncing to the engine at %s\n", url)
	}
	if k.staff.usesDefault() {
		fmt.Fprintf(stdio.Err, "enrolldesk: the maintenance PIN is the demo default %s; set one with `enrolldesk kiosk pin set` on a real kiosk\n", DefaultPIN)
	}
	a := fyneapp.NewWithID("cn.enrolldesk.kiosk") // the ID in FyneApp.toml
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	w := a.NewWindow("义务教育入学报名")
	w.Resize(fyne.NewSize(1280, 1024))
	if !windowed {
		w.SetFullScreen(true)
	}
	reader := k.CardReader()
	if c, ok := reader.(io.Closer); ok {
		defer c.Close()
	}
	opt := k.Options()
	opt.LayoutReport = cfg.LayoutReport
	kiosk := kioskui.NewKiosk(a, w, k.Services(reader), opt)
	defer kiosk.Close()
	if os.Getenv(FirstFrameEnv) != "" {
		// Show paints the welcome screen before the run loop starts; a
		// function queued from OnStarted runs after that paint.
		a.Lifecycle().SetOnStarted(func() { fyne.Do(func() { fmt.Fprintln(stdio.Out, FirstFrameLine) }) })
	}
	w.ShowAndRun()
	return ExitOK
}

func runVerify(stdio IO, args []string) int {
	dir := os.Getenv("ENROLLDESK_DATA")
	if dir == "" {
		c := KioskConfig{}
		if err := c.defaults(); err == nil {
			dir = c.DataDir
		}
	}
	return verify.RunVerifyWith(args, dir, keys.LoadKeyRing, openVerifyRegistry, stdio.Out, stdio.Err)
}
