package app_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	kioskui "enrolldesk/ui/kiosk"
)

// cityPersonas reads the demo personas of a city file.
func cityPersonas(tb testing.TB, path string) []core.Persona {
	tb.Helper()
	city, err := sqlite.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer city.Close()
	ps, err := city.City().Personas(context.Background())
	if err != nil || len(ps) == 0 {
		tb.Fatalf("personas: %d, %v", len(ps), err)
	}
	return ps
}

// A kiosk with a real engine holds no department data. With the engine
// down it takes the application 待核验 from the ID numbers, the grade, the
// phone and the consent; the receipt says the check follows by SMS; when
// the engine is back it decides, and its decision reaches the kiosk.
func TestKioskWithEngineDownTakesApplicationPendingCheck(t *testing.T) {
	eng := newSwitchableEngine(t)
	r := newSyncKioskRig(t, func(c *app.KioskConfig) { c.Engine, c.Enroll = eng.url(), eng.code("hall-1") })
	eng.down()
	noDepartmentData(t, r)

	p := r.ps["consistent"]
	test.Tap(screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome).Primary)
	test.Tap(screen[*kioskui.ConsentScreen](r, kioskui.ScreenConsent).Agree)
	r.typeID(kioskui.ScreenGuardianKeypad, p.GuardianID)
	r.typeID(kioskui.ScreenChildKeypad, p.ChildID)
	ps := screen[*kioskui.PendingScreen](r, kioskui.ScreenPending)
	if !strings.Contains(ps.Explain.Text, "教育局") || !strings.Contains(ps.Explain.Text, "短信") {
		t.Errorf("the pending screen says %q; it must say the bureau checks and the result comes by SMS", ps.Explain.Text)
	}
	for _, l := range ps.IDs {
		if strings.Contains(l.Text, string(p.ChildID)) || strings.Contains(l.Text, string(p.GuardianID)) {
			t.Errorf("a full ID number on screen: %q", l.Text)
		}
	}
	test.Tap(ps.Next)
	ph := screen[*kioskui.PhoneScreen](r, kioskui.ScreenPhone)
	for _, c := range "13905370000" {
		test.Tap(ph.Pad.Keys[string(c)])
	}
	test.Tap(ph.Next) // 提交报名
	rc := screen[*kioskui.ReceiptScreen](r, kioskui.ScreenReceipt)
	text, claims := r.receiptClaims()
	text = strings.ReplaceAll(text, "\n", "") // the status wraps
	if !strings.Contains(text, "待核验") || !strings.Contains(text, "短信") || claims.StatusCode != core.PPendingCheck {
		t.Errorf("printed status code %q, text:\n%s\nwant 待核验 and the SMS / %s", claims.StatusCode, text, core.PPendingCheck)
	}
	if s := strings.ReplaceAll(rc.Status.Text, "\n", ""); !strings.Contains(s, "待核验") {
		t.Errorf("the receipt screen says %q; it must match the paper: 待核验", rc.Status.Text)
	}
	if rc.RegNo.Text != claims.RegNo {
		t.Errorf("screen shows %s, receipt %s", rc.RegNo.Text, claims.RegNo)
	}
	// An enrolled kiosk numbers with the prefix its engine assigned.
	if dev, err := r.k.Store().Device(context.Background()); err != nil || dev.RegPrefix == 0 || core.RegNoPrefix(claims.RegNo) != dev.RegPrefix {
		t.Errorf("registration number %s, device %+v (%v): want the device's prefix first", claims.RegNo, dev, err)
	}
	stored, err := r.k.Store().Application(context.Background(), claims.AppID)
	if err != nil || !stored.Decision.Pending() || stored.Phone != "13905370000" || stored.Child.ID != p.ChildID {
		t.Fatalf("stored %+v, %v; want the pending application with the phone", stored, err)
	}

	eng.up()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.k.DrainOutbox(ctx); err != nil {
		t.Fatalf("sync after the engine came back: %v", err)
	}
	synced(t, r.k.Store(), claims.AppID, engineapi.ItemAccepted)
	maint := r.k.Services(nil).Maintenance
	if st := engineState(t, maint, claims.RegNo); st != core.StateVerified {
		t.Errorf("the kiosk shows %s for the application; want the engine's decision, verified", st)
	}
	got, err := eng.e.Store().Application(ctx, claims.AppID)
	if err != nil || !got.Decision.Eligible || got.Decision.CategoryName == "" || len(got.Choices) == 0 || got.Child.Name == "" {
		t.Errorf("the engine holds %+v, %v; want its own decision, the family's names and the zone's schools", got, err)
	}

	// A later decision (staff return it) arrives by the status pull.
	if _, err := eng.e.Store().Return(ctx, claims.AppID, "staff:test", "请补充房产证明", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.k.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if st := engineState(t, maint, claims.RegNo); st != core.StateReturned {
		t.Errorf("after the pull the kiosk shows %s; want returned", st)
	}
	status, err := maint.Status(ctx)
	if err != nil || status.EngineStates[core.StateReturned] != 1 {
		t.Errorf("staff status = %+v, %v; want one returned application counted", status, err)
	}
	noDepartmentData(t, r)
}

func engineState(t *testing.T, m kioskui.Maintenance, regNo string) core.State {
	t.Helper()
	l, ok := m.(kioskui.EngineStateLookup)
	if !ok {
		t.Fatal("the kiosk's maintenance cannot say the engine's state")
	}
	st, err := l.EngineState(context.Background(), regNo)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// noDepartmentData checks the kiosk's data directory: no database but its
// own, and no department rows in it.
func noDepartmentData(t *testing.T, r *kioskRig) {
	t.Helper()
	if r.k.HasCity() {
		t.Error("a kiosk with an engine opened department data")
	}
	files, err := filepath.Glob(filepath.Join(r.data, "*.db"))
	if err != nil || len(files) != 1 || filepath.Base(files[0]) != "kiosk.db" {
		t.Errorf("databases in the kiosk's data directory: %v, %v; want kiosk.db alone", files, err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(r.data, "kiosk.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"households", "household_members", "properties", "property_owners", "insurance",
		"residence_permits", "births", "students", "zones", "personas"} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("the kiosk's database holds %d rows of %s", n, table)
		}
	}
}

func TestKioskWithEngineRefusesCityAndDropsOldDemoCity(t *testing.T) {
	eng := newSwitchableEngine(t)
	dir := t.TempDir()
	_, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: dir, CityDB: syncCityPath(t), Engine: eng.url(), Enroll: eng.code("x")})
	if !core.IsInvalid(err) || !strings.Contains(core.ErrorMessage(err), "no department data") {
		t.Errorf("a kiosk with an engine and --db = %v; want it refused", err)
	}
	old := filepath.Join(dir, "demo-city-300-s11.db")
	if err := os.WriteFile(old, []byte("a demo city"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: dir, Engine: eng.url(), Enroll: eng.code("y"), PIN: "1357", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the demo city a demo run left is still there: %v", err)
	}
}
