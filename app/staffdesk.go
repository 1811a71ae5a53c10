package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"enrolldesk/app/cardreader"
	"enrolldesk/app/demo"
	"enrolldesk/app/heatpng"
	"enrolldesk/app/staffclient"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/internal/passhash"
	"enrolldesk/ui/staff"
)

// StaffConfig configures the staff desktop.
type StaffConfig struct {
	// Engine is the engine's base URL; "" runs an in-process demo engine
	// on the demo city, with demo applications and one account per role.
	Engine   string
	CityDB   string // the demo engine's city; default the demo city, built in DataDir on first start
	DataDir  string // default as KioskConfig
	Printer  string // CUPS queue for walk-in receipts; "" keeps them in the spool
	Reader   string // the walk-in desk's ID-card reader: "none" (default: numbers typed) or "serial:DEVICE"
	Language string
	// DemoApps is how many demo applications the demo engine is filled
	// with on its first start (default DefaultDemoApps; fewer when the
	// demo city has fewer children).
	DemoApps int
	Now      func() time.Time
	Logf     func(format string, args ...any)
}

// DefaultDemoApps is the demo engine's load on first start, and
// DemoStaffFamilies the size of its demo city: a city big enough for
// some of its schools to be oversubscribed (docs/heatmap.md "City
// size": 30,000 families and 12,000 applications give about 9 schools
// past capacity), built once in DataDir — about 2 s for the city and
// 10 – 30 s for the load on two cores (docs/BENCHMARKS.md, polish).
const (
	DefaultDemoApps   = 12000
	DemoStaffFamilies = 30000
)

// DemoStaff are the demo engine's accounts, one per role; the sign-in
// screen shows them in demo mode only (a click fills them in). An
// account's name is the person's name, as `enrolldesk staff user add
// --name` takes it: screens, notes and the assignee column show it.
var DemoStaff = []staff.DemoAccount{
	{Name: "王晓燕", Password: "demo-hall-2027", Role: engineapi.RoleHall},
	{Name: "李明", Password: "demo-review-2027", Role: engineapi.RoleReviewer},
	{Name: "赵建国", Password: "demo-school-2027", Role: engineapi.RoleSchoolAdmin}, // School: the city's busiest primary school
	{Name: "陈静", Password: "demo-bureau-2027", Role: engineapi.RoleBureauAdmin},
}

// StaffDesk is what the staff window runs on: a client of an engine (the
// in-process demo engine, or one given by URL) and the window's options.
type StaffDesk struct {
	Client  *staffclient.Client
	Options staff.Options
	URL     string
	local   *localEngine
	reader  *cardreader.Serial // the desk's ID-card reader, nil for none
}

// OpenStaffDesk connects to cfg.Engine, or starts and fills the demo engine.
func OpenStaffDesk(ctx context.Context, cfg StaffConfig) (*StaffDesk, error) {
	kc := KioskConfig{DataDir: cfg.DataDir, Now: cfg.Now}
	if err := kc.defaults(); err != nil {
		return nil, err
	}
	cfg.DataDir, cfg.Now = kc.DataDir, kc.Now
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	d := &StaffDesk{URL: cfg.Engine}
	d.Options = staff.Options{Language: cfg.Language, EngineName: cfg.Engine, HeatImage: HeatImage}
	printer, err := DeskPrinter(cfg.DataDir, cfg.Printer)
	if err != nil {
		return nil, err
	}
	d.Options.Printer = printer
	if d.reader, err = deskReader(cfg); err != nil {
		return nil, err
	}
	if d.reader != nil {
		d.Options.Reader = d.reader
	}
	if cfg.Engine == "" {
		if d.local, err = startStaffDemo(ctx, cfg); err != nil {
			return nil, err
		}
		d.URL = d.local.url
		d.Options.EngineName = "本机演示引擎 " + d.local.url
		d.Options.Demo = demoAccounts(ctx, d.local.engine)
	}
	if d.Client, err = staffclient.New(d.URL, nil); err != nil {
		return nil, errors.Join(err, d.Close())
	}
	return d, nil
}

// Close stops the demo engine, if one runs.
func (d *StaffDesk) Close() error {
	var errs []error
	if d.reader != nil {
		errs = append(errs, d.reader.Close())
		d.reader = nil
	}
	if d.local != nil {
		if d.Client != nil {
			// A connection dialled but never used counts as busy for
			// 5 s in the engine's shutdown: close it from this side.
			d.Client.CloseIdleConnections()
		}
		errs = append(errs, d.local.close())
		d.local = nil
	}
	return errors.Join(errs...)
}

// deskReader is the walk-in desk's ID-card reader: none unless
// --reader serial:DEVICE (the kiosk's simulated reader has no cards to
// offer a desk).
func deskReader(cfg StaffConfig) (*cardreader.Serial, error) {
	kind, path, err := cardreader.ParseSpec(cfg.Reader)
	switch {
	case strings.TrimSpace(cfg.Reader) == "" || kind == cardreader.KindNone:
		return nil, nil
	case err != nil:
		return nil, core.Errorf(core.EINVALID, "%v", err)
	case kind != cardreader.KindSerial:
		return nil, core.Errorf(core.EINVALID, "--reader %q: the staff desk takes none or serial:DEVICE", cfg.Reader)
	}
	r := cardreader.NewSerial(path)
	r.Now, r.Logf = cfg.Now, cfg.Logf
	return r, nil
}

// HeatImage draws a heat map with app/heatpng at the size it has on
// screen (heatpng drops the labels that no longer fit; colours stay).
func HeatImage(m engineapi.HeatMap, w, h int) (image.Image, error) {
	img, err := heatpng.Render(m, max(w, 200), max(h, 150))
	if err != nil {
		return nil, err
	}
	return img, nil
}

// startStaffDemo opens the demo engine (DataDir/staff-demo-engine.db on
// the demo city), adds the demo accounts and fills it on its first start,
// and serves it on 127.0.0.1.
func startStaffDemo(ctx context.Context, cfg StaffConfig) (*localEngine, error) {
	city := cfg.CityDB
	if city == "" {
		city = filepath.Join(cfg.DataDir, fmt.Sprintf("demo-city-%d-s%d.db", DemoStaffFamilies, 2027))
	}
	engineDB := filepath.Join(cfg.DataDir, "staff-demo-engine.db")
	if cfg.CityDB == "" { // an engine of the earlier, smaller demo city stays aside
		engineDB = filepath.Join(cfg.DataDir, fmt.Sprintf("staff-demo-engine-%d.db", DemoStaffFamilies))
	}
	if _, err := os.Stat(city); cfg.CityDB == "" && errors.Is(err, os.ErrNotExist) {
		cfg.Logf("building the demo city %s (%d families, once; a few seconds)", city, DemoStaffFamilies)
		tmp := city + ".building"
		if err := removeDB(tmp); err != nil {
			return nil, err
		}
		if _, err := BuildDemoCity(ctx, tmp, demo.Options{Families: DemoStaffFamilies, Seed: 2027}); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, city); err != nil {
			return nil, fmt.Errorf("keep demo city: %w", err)
		}
	}
	e, err := OpenEngine(ctx, EngineConfig{DataDir: cfg.DataDir, DB: engineDB, CityDB: city, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	if err := seedStaffDemo(ctx, e, cfg); err != nil {
		return nil, errors.Join(err, e.Close())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("in-process engine: %w", err), e.Close())
	}
	l := &localEngine{engine: e, url: "http://" + ln.Addr().String(), served: make(chan error, 1),
		srv: engineServer(e.Handler(), slog.New(slog.DiscardHandler))}
	go func() { l.served <- l.srv.Serve(ln) }()
	return l, nil
}

// seedStaffDemo adds what the demo engine lacks: the demo accounts (the
// school admin of the busiest primary school), the reviewers' roster and,
// when it holds no application yet, the demo load.
func seedStaffDemo(ctx context.Context, e *Engine, cfg StaffConfig) error {
	m, err := e.Heat().HeatMap(ctx, "")
	if err != nil {
		return fmt.Errorf("demo engine: %w", err)
	}
	if m.Total+m.Unplaced == 0 {
		n := cfg.DemoApps
		if n <= 0 {
			n = DefaultDemoApps
		}
		for ; n >= 25; n /= 2 { // a small demo city has fewer children
			cfg.Logf("filling the demo engine with %d applications (once; 10 – 30 s)", n)
			shown := 0
			st, err := e.DemoLoad(ctx, DemoLoadOptions{Applications: n, Seed: 2027, Now: cfg.Now(), Personas: true,
				Progress: func(stored, total int) {
					if n >= 2000 && stored*10/total > shown {
						shown = stored * 10 / total
						cfg.Logf("demo engine: %d / %d applications", stored, total)
					}
				}})
			if errors.Is(err, ErrDemoCityTooSmall) {
				continue
			}
			if err != nil {
				return fmt.Errorf("demo load: %w", err)
			}
			cfg.Logf("demo engine: %d applications loaded", st.Stored)
			break
		}
		if m, err = e.Heat().HeatMap(ctx, ""); err != nil {
			return fmt.Errorf("demo engine: %w", err)
		}
	}
	school := ""
	for _, s := range m.Schools {
		if s.Stage == core.Primary && (school == "" || s.Total > 0) {
			school = s.Code
			break
		}
	}
	store := e.store
	var roster []engineapi.Reviewer
	for _, a := range DemoStaff {
		u := engineapi.User{Name: a.Name, Role: a.Role}
		if a.Role == engineapi.RoleSchoolAdmin {
			u.School = school
		}
		have, _, err := store.UserByName(ctx, a.Name)
		if core.ErrorCode(err) == core.ENOTFOUND {
			h, herr := passhash.New(a.Password)
			if herr != nil {
				return herr
			}
			if have, err = store.AddUser(ctx, u, h.String()); err != nil {
				return fmt.Errorf("demo account %s: %w", a.Name, err)
			}
		} else if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Name, err)
		}
		if have.Role == engineapi.RoleReviewer || have.Role == engineapi.RoleSchoolAdmin {
			roster = append(roster, engineapi.Reviewer{ID: have.ID, Name: have.Name, Role: have.Role, School: have.School})
		}
	}
	return store.SetReviewers(ctx, roster, cfg.Now())
}

// demoAccounts are DemoStaff as the demo engine has them (the school
// admin's school filled in).
func demoAccounts(ctx context.Context, e *Engine) []staff.DemoAccount {
	out := make([]staff.DemoAccount, 0, len(DemoStaff))
	for _, a := range DemoStaff {
		if u, _, err := e.store.UserByName(ctx, a.Name); err == nil {
			a.School = u.School
		}
		out = append(out, a)
	}
	return out
}
