package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"enrolldesk/assets"
	"enrolldesk/ui/staff"
)

// StaffSizeEnv sets the staff window's size as WxH (for screenshots and
// tests); default 1366x768.
const StaffSizeEnv = "ENROLLDESK_STAFF_SIZE"

// StaffReportEnv names a file the staff window writes its screen and the
// positions of its main controls to (staff.Report as JSON), for the
// real-window screenshots.
const StaffReportEnv = "ENROLLDESK_STAFF_REPORT"

// runStaffDesk is `enrolldesk staff [--engine URL]`: the staff desktop
// window. It needs a display.
func runStaffDesk(stdio IO, args []string) int {
	fs := newFlags("staff", stdio.Err)
	var cfg StaffConfig
	fs.StringVar(&cfg.Engine, "engine", "", "the engine's URL (https://…); without it an in-process demo engine runs on the demo city")
	fs.StringVar(&cfg.CityDB, "city", "", "the demo engine's city (default: the demo city, built on first start)")
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (default $ENROLLDESK_DATA or ~/.local/share/enrolldesk)")
	fs.StringVar(&cfg.Printer, "printer", "", "CUPS queue for walk-in receipts (default: kept in the desk spool)")
	fs.StringVar(&cfg.Reader, "reader", "none", "ID-card reader for walk-ins: none (numbers typed) or serial:DEVICE (serial:/dev/ttyUSB0, serial:COM3)")
	fs.StringVar(&cfg.Language, "lang", "zh-Hans", "zh-Hans or en")
	fs.IntVar(&cfg.DemoApps, "demo-apps", DefaultDemoApps, "applications the demo engine is filled with on its first start")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 {
		return fail(stdio.Err, ExitUsage, "staff: unexpected %q (did you mean `enrolldesk staff user …`?)", strings.Join(fs.Args(), " "))
	}
	cfg.Logf = func(format string, a ...any) { fmt.Fprintf(stdio.Err, "enrolldesk: "+format+"\n", a...) }
	if cfg.Engine == "" {
		fmt.Fprintln(stdio.Err, "enrolldesk: starting the demo engine (the first start builds the demo city and loads demo applications)")
	}
	d, err := OpenStaffDesk(context.Background(), cfg)
	if err != nil {
		return fail(stdio.Err, ExitFail, "staff: %v", err)
	}
	defer d.Close()
	fmt.Fprintf(stdio.Err, "enrolldesk: staff desk on the engine at %s\n", d.URL)
	a := fyneapp.NewWithID("cn.enrolldesk.staff")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	w := a.NewWindow("招生报名 · 工作人员桌面")
	size := fyne.NewSize(1366, 768)
	var sw, sh int
	if _, err := fmt.Sscanf(os.Getenv(StaffSizeEnv), "%dx%d", &sw, &sh); err == nil && sw > 0 && sh > 0 {
		size = fyne.NewSize(float32(sw), float32(sh))
	}
	w.Resize(size)
	opt := d.Options
	if path := os.Getenv(StaffReportEnv); path != "" {
		opt.Report = func(r staff.Report) {
			if data, err := json.Marshal(r); err == nil {
				_ = os.WriteFile(path+".tmp", data, 0o600)
				_ = os.Rename(path+".tmp", path)
			}
		}
	}
	desk := staff.NewDesk(a, w, d.Client, opt)
	defer desk.Close()
	w.ShowAndRun()
	return ExitOK
}
