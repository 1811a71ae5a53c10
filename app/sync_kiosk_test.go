package app_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	"enrolldesk/app/keys"
	"enrolldesk/app/sqlite"
	"enrolldesk/app/syncer"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
	"enrolldesk/internal/pdftest"
	kioskui "enrolldesk/ui/kiosk"
)

// newSyncKioskRig is the kiosk rig with edit applied to its configuration
// (newKioskRig takes the defaults: the in-process engine).
func newSyncKioskRig(t testing.TB, edit func(*app.KioskConfig)) *kioskRig {
	t.Helper()
	r := &kioskRig{t: t, data: t.TempDir(), out: t.TempDir()}
	lp := filepath.Join(t.TempDir(), "lp")
	script := "#!/bin/sh\nfor f; do :; done\ncp \"$f\" '" + r.out + "'/\n"
	if err := os.WriteFile(lp, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := app.KioskConfig{DataDir: r.data, Families: 300, Seed: 11, PIN: "1357", Printer: "TEST", LP: lp,
		KioskID: "JN-RC-07", Now: func() time.Time { return kioskNow }, Logf: t.Logf,
		TapGuard: -1} // the tests tap faster than any person; kioskui.TestTapGuard… covers the guard
	edit(&cfg)
	k, err := app.OpenKiosk(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.k = k
	r.ps = map[string]core.Persona{}
	personas := k.Personas()
	if !k.HasCity() { // a kiosk with an engine holds no data: the test knows the city's families
		personas = cityPersonas(t, syncCityPath(t))
	}
	for _, p := range personas {
		r.ps[p.Key] = p
	}
	a := test.NewApp()
	r.win = a.NewWindow("")
	r.ui = kioskui.NewKiosk(a, r.win, k.Services(k.DemoReader()), k.Options())
	t.Cleanup(func() {
		r.ui.Close()
		r.win.Close()
		if err := k.Close(); err != nil {
			t.Errorf("close kiosk: %v", err)
		}
	})
	return r
}

// receiptClaims reads the printed receipt: its text and its QR token.
func (r *kioskRig) receiptClaims() (string, receipt.Claims) {
	r.t.Helper()
	pdf := r.printed()
	ring, err := keys.LoadKeyRing(r.data)
	if err != nil {
		r.t.Fatal(err)
	}
	claims, err := receipt.Verify(pdftest.DecodeQR(r.t, pdf), ring)
	if err != nil {
		r.t.Fatal(err)
	}
	return strings.ReplaceAll(pdftest.Text(r.t, pdf), " ", ""), claims
}

// synced checks the kiosk store has the application, answered, and
// nothing waiting.
func synced(t *testing.T, db *sqlite.DB, appID, outcome string) {
	t.Helper()
	ctx := context.Background()
	st, err := db.SyncStatus(ctx, appID)
	if err != nil || st.Queued || st.Dead || st.Outcome != outcome {
		t.Errorf("application %s: sync status %+v, %v; want %s", appID, st, err, outcome)
	}
}

func TestKioskWithInProcessEngineReceiptSaysReceived(t *testing.T) {
	r := newSyncKioskRig(t, func(c *app.KioskConfig) { c.LocalEngine = true })
	if !strings.HasPrefix(r.k.EngineURL(), "http://127.0.0.1:") {
		t.Fatalf("engine URL = %q, want the in-process engine on loopback", r.k.EngineURL())
	}
	r.cards("consistent") // looked up at the engine
	rc := r.submit()
	if s := strings.ReplaceAll(rc.Status.Text, "\n", ""); !strings.Contains(s, "已送到教育局") || strings.Contains(s, "正在送") {
		t.Errorf("receipt screen says %q, want 已收到，已送到教育局", rc.Status.Text)
	}
	text, claims := r.receiptClaims()
	if !strings.Contains(text, "已送到教育局") || strings.Contains(text, "正在送") || claims.StatusCode != "received" {
		t.Errorf("printed status code %q, text:\n%s\nwant 已收到，已送到教育局 / received", claims.StatusCode, text)
	}
	synced(t, r.k.Store(), claims.AppID, engineapi.ItemAccepted)
	st, err := r.k.Services(nil).Maintenance.Status(context.Background())
	if err != nil || st.QueueLength != 0 || st.DeadLetters != 0 || st.LastSync.IsZero() {
		t.Errorf("maintenance status = %+v, %v; want an empty queue and a last sync", st, err)
	}

	dataDir := r.data
	test.Tap(rc.Finish)
	screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome)
	if err := r.k.Close(); err != nil { // stops the in-process engine: its file can be read
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(dataDir, "engine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es, err := db.EngineStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	got, err := es.Application(context.Background(), claims.AppID)
	if err != nil || got.RegNo != claims.RegNo || got.Child.ID != r.ps["consistent"].ChildID {
		t.Errorf("the engine holds %q, %v; want the kiosk's application", got.RegNo, err)
	}
}

func TestRevokedKioskKeepsItsOutbox(t *testing.T) {
	eng := newSwitchableEngine(t)
	dir := t.TempDir()
	k, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: dir, Families: 300, Seed: 11,
		Engine: eng.url(), Enroll: eng.code("hall-2"), PIN: "1357", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	dev, err := k.Store().Device(ctx)
	if err != nil || dev.ID == "" || dev.EngineURL != eng.url() {
		t.Fatalf("registration = %+v, %v", dev, err)
	}
	if err := eng.e.Store().RevokeDevice(ctx, dev.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	apps := syntheticApps(5, 0, k.KioskID())
	if n, err := k.Store().ImportSubmitted(ctx, apps); err != nil || n != 5 {
		t.Fatal(n, err)
	}

	_, err = k.SyncOnce(ctx)
	var api *syncer.APIError
	if !errors.As(err, &api) || api.Status != http.StatusForbidden || api.Reason != engineapi.ReasonRevoked {
		t.Fatalf("sync of a revoked kiosk: %v, want 403 revoked", err)
	}
	if q, d := kioskCounts(t, dir); q != 5 || d != 0 {
		t.Errorf("queued %d, dead letters %d: a refused kiosk must lose nothing", q, d)
	}
	st, err := k.Services(nil).Maintenance.Status(ctx)
	if err != nil || !strings.Contains(st.DeviceID, "引擎拒绝本机") || st.QueueLength != 5 {
		t.Errorf("maintenance status = %+v, %v; want the refusal in words for staff", st, err)
	}
	// The kiosk's worker holds the directory's sync lock: stop the kiosk
	// and sync headless, as staff would.
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	run := cli(t, "", "sync", "--data", dir, "--engine", eng.url(), "--once", "--timeout", "20s")
	if run.code != app.ExitFail || !strings.Contains(run.err, "refuses this kiosk") || !strings.Contains(run.err, "Nothing is lost") {
		t.Errorf("enrolldesk sync of a revoked kiosk: exit %d\n%s", run.code, run.err)
	}

	// An admin enrolls the kiosk again: the queue goes through.
	run = cli(t, "", "sync", "--data", dir, "--engine", eng.url(), "--enroll", eng.code("hall-2b"), "--once", "--timeout", "20s")
	if run.code != app.ExitOK || !strings.Contains(run.out, "queued 0") {
		t.Fatalf("sync after re-enrolling: exit %d\n%s\n%s", run.code, run.out, run.err)
	}
	db, err := sqlite.Open(filepath.Join(dir, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, a := range apps {
		synced(t, db, a.ID, engineapi.ItemAccepted)
	}
}

func TestSecondKioskApplicationForChildIsAConflict(t *testing.T) {
	eng := newSwitchableEngine(t)
	first, second := t.TempDir(), t.TempDir()
	a := syntheticApps(1, 7, "K-A")[0]
	b := syntheticApps(1, 7, "K-B")[0] // the same child, another application
	seedKiosk(t, first, []core.Application{a})
	seedKiosk(t, second, []core.Application{b})
	for _, dir := range []string{first, second} {
		run := cli(t, "", "sync", "--data", dir, "--engine", eng.url(), "--enroll", eng.code(dir), "--once", "--timeout", "20s")
		if run.code != app.ExitOK {
			t.Fatalf("sync %s: exit %d\n%s", dir, run.code, run.err)
		}
	}
	db, err := sqlite.Open(filepath.Join(second, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.SyncStatus(context.Background(), b.ID)
	if err != nil || st.Outcome != engineapi.ItemConflict || !strings.Contains(st.Reason, a.RegNo) || st.Queued || st.Dead {
		t.Errorf("second kiosk's application: %+v, %v; want a conflict naming %s", st, err, a.RegNo)
	}
	run := cli(t, "", "sync", "status", "--data", second, "--json")
	if run.code != app.ExitOK || !strings.Contains(run.out, `"queued": 0`) {
		t.Errorf("sync status: exit %d\n%s%s", run.code, run.out, run.err)
	}
}

func TestInProcessEngineEnrollsOnceAndAfterAReset(t *testing.T) {
	dir := t.TempDir()
	open := func() (*app.Kiosk, string) {
		t.Helper()
		k, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: dir, Families: 300, Seed: 11, LocalEngine: true})
		if err != nil {
			t.Fatal(err)
		}
		dev, err := k.Store().Device(context.Background())
		if err != nil || dev.ID == "" {
			t.Fatalf("device = %+v, %v", dev, err)
		}
		return k, dev.ID
	}
	k, first := open()
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	k, again := open()
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Errorf("a restart enrolled again: %s, then %s", first, again)
	}
	for _, f := range []string{"engine.db", "engine.db-wal", "engine.db-shm"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	k, fresh := open() // the engine forgot the kiosk: it enrolls anew
	defer k.Close()
	if fresh == first {
		t.Errorf("device %s kept with a new engine database", fresh)
	}
	if err := k.DrainOutbox(context.Background()); err != nil {
		t.Errorf("sync with the new engine: %v", err)
	}
}
