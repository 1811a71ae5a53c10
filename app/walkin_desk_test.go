package app_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	"enrolldesk/app/staffclient"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
	"enrolldesk/internal/passhash"
	"enrolldesk/internal/pdftest"
	"enrolldesk/ui"
	"enrolldesk/ui/staff"
)

// The whole desk, headless: a hall staff account signs in to a real
// engine over HTTP (staffclient), registers a walk-in on the walk-in page,
// the receipt prints through the desk printer, its QR code is read from
// the PDF, and the find page — a scanner typing the token and Enter —
// shows it genuine with the operator; a forged receipt is refused.
func TestStaffDeskWalkInEndToEnd(t *testing.T) {
	dir := t.TempDir()
	e, err := app.OpenEngine(context.Background(), app.EngineConfig{DB: filepath.Join(dir, "engine.db"), DataDir: dir,
		Now: func() time.Time { return engineNow }, CityDB: engineCityPath(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(func() { srv.Close(); e.Close() })
	h, err := passhash.New("hall-password-1")
	if err != nil {
		t.Fatal(err)
	}
	store := e.Store().(interface {
		AddUser(context.Context, engineapi.User, string) (engineapi.User, error)
	})
	if _, err := store.AddUser(context.Background(), engineapi.User{Name: "王芳", Role: engineapi.RoleHall}, h.String()); err != nil {
		t.Fatal(err)
	}
	client, err := staffclient.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Login(context.Background(), engineapi.LoginRequest{Name: "王芳", Password: "hall-password-1"}); err != nil {
		t.Fatal(err)
	}
	printer, err := app.DeskPrinter(dir, "")
	if err != nil {
		t.Fatal(err)
	}

	a := test.NewTempApp(t)
	if err := ui.SetLanguage(ui.LangChinese); err != nil {
		t.Fatal(err)
	}
	a.Settings().SetTheme(ui.NewTheme(ui.BundledFont(), false, nil))
	win := test.NewTempWindow(t, nil)
	win.Resize(fyne.NewSize(1366, 768))
	run := func(work func(context.Context) error, done func(error)) { done(work(context.Background())) }

	p := cityPersonas(t, engineCityPath(t))
	var fam = p[0]
	for _, x := range p {
		if x.Key == "multi-school" {
			fam = x
		}
	}
	w := staff.NewWalkInScreen(client, printer, run)
	win.SetContent(w.Content())
	w.FocusFirst(win.Canvas())
	test.Type(win.Canvas().Focused(), string(fam.GuardianID))
	test.Type(w.Child, string(fam.ChildID))
	test.Tap(w.Lookup)
	if len(w.Ranking()) != 2 || w.Evidence.Objects == nil {
		t.Fatalf("after the look-up: %q / %q", w.Decision.Text, w.Message.Text)
	}
	test.Type(w.Phone, "13800138000")
	test.Tap(w.Consent)
	test.Tap(w.Submit)
	if !strings.Contains(w.Result.Text, "王芳") {
		t.Fatalf("result %q, message %q", w.Result.Text, w.Message.Text)
	}
	spooled, _ := filepath.Glob(filepath.Join(dir, "desk-spool", "*.pdf"))
	if len(spooled) != 1 {
		t.Fatalf("desk spool: %v (%s)", spooled, w.Message.Text)
	}
	text := strings.ReplaceAll(pdftest.Text(t, spooled[0]), " ", "")
	if !strings.Contains(text, "办理人") || !strings.Contains(text, "王芳") || strings.Contains(text, string(fam.ChildID)) {
		t.Errorf("the printed receipt:\n%s", text)
	}
	token := zbarQR(t, spooled[0])

	f := staff.NewFindScreen(client, printer, run)
	win.SetContent(f.Content())
	f.FocusQuery(win.Canvas())
	scan := func(tok string) *engineapi.FindResponse {
		test.Type(win.Canvas().Focused(), tok)
		win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		return f.Last()
	}
	got := scan(token)
	if got == nil || !got.Token.Valid || !engineapi.IsDesk(got.Token.SignerID) || len(got.Records) != 1 ||
		got.Records[0].Operator == "" || got.Records[0].Differs {
		t.Fatalf("scan of the walk-in receipt: %+v (%s)", got, f.Message.Text)
	}
	if !strings.Contains(f.Verdict.Text, "回执真实有效") {
		t.Errorf("verdict %q", f.Verdict.Text)
	}

	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	c := *got.Token.Claims
	forged, err := receipt.Sign(stranger, receipt.Receipt{RegNo: c.RegNo, AppID: c.AppID, Stage: c.Stage, ChildMasked: c.ChildMasked,
		StatusCode: "verified", SchoolCodes: c.SchoolCodes, KioskID: c.KioskID, Time: c.Issued})
	if err != nil {
		t.Fatal(err)
	}
	got = scan(forged)
	if got == nil || got.Token.Valid || got.Token.Reason != receipt.ETokenUnknownKey || len(got.Records) != 0 ||
		!strings.Contains(f.Verdict.Text, "回执无效") {
		t.Fatalf("scan of a forged receipt: %+v, verdict %q", got, f.Verdict.Text)
	}
}

// The desk's --reader: none by default, a serial ID-card reader when
// named, anything else refused with what to give.
func TestStaffDeskReaderFlag(t *testing.T) {
	open := func(reader string) (*app.StaffDesk, error) {
		return app.OpenStaffDesk(context.Background(), app.StaffConfig{Engine: "http://127.0.0.1:1", DataDir: t.TempDir(), Reader: reader})
	}
	for _, spec := range []string{"", "none"} {
		d, err := open(spec)
		if err != nil || d.Options.Reader != nil {
			t.Errorf("--reader %q: %v, reader %v", spec, err, d.Options.Reader)
		}
		d.Close()
	}
	d, err := open("serial:/dev/null-enrolldesk-test")
	if err != nil || d.Options.Reader == nil {
		t.Fatalf("--reader serial: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	for _, spec := range []string{"sim", "usb:1"} {
		if _, err := open(spec); err == nil || !strings.Contains(err.Error(), "serial:DEVICE") {
			t.Errorf("--reader %q: %v", spec, err)
		}
	}
}
