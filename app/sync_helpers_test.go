package app_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"enrolldesk/app"
	"enrolldesk/app/demo"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// syncCity is the kiosk rig's demo city (300 families, seed 11) built once,
// so an engine on it knows the kiosk's personas.
var syncCity struct {
	once sync.Once
	path string
	err  error
}

func syncCityPath(tb testing.TB) string {
	tb.Helper()
	syncCity.once.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			syncCity.err = err
			return
		}
		syncCity.path = filepath.Join(dir, "city.db")
		_, syncCity.err = app.BuildDemoCity(context.Background(), syncCity.path, demo.Options{Families: 300, Seed: 11})
	})
	if syncCity.err != nil {
		tb.Fatalf("demo city: %v", syncCity.err)
	}
	return syncCity.path
}

// switchableEngine is a real engine in process, served on a loopback
// address that can go down and come back on the same port.
type switchableEngine struct {
	tb   testing.TB
	e    *app.Engine
	addr string

	mu  sync.Mutex
	srv *http.Server
}

func newSwitchableEngine(tb testing.TB) *switchableEngine {
	tb.Helper()
	dir := tb.TempDir()
	e, err := app.OpenEngine(context.Background(), app.EngineConfig{DB: filepath.Join(dir, "engine.db"),
		CityDB: syncCityPath(tb), DataDir: dir})
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &switchableEngine{tb: tb, e: e, addr: ln.Addr().String()}
	s.serve(ln)
	tb.Cleanup(func() {
		s.down()
		if err := e.Close(); err != nil {
			tb.Errorf("close engine: %v", err)
		}
	})
	return s
}

func (s *switchableEngine) serve(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv = &http.Server{Handler: s.e.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed at down
}

// up serves again on the same address.
func (s *switchableEngine) up() {
	s.tb.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.tb.Fatal(err)
	}
	s.serve(ln)
}

// down closes the listener and every connection: the engine is unreachable.
func (s *switchableEngine) down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		if err := s.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.tb.Errorf("engine down: %v", err)
		}
		s.srv = nil
	}
}

func (s *switchableEngine) url() string { return "http://" + s.addr }

// code adds a device and returns what an admin gives the kiosk: its
// enrollment code and the engine key's fingerprint, CODE/FINGERPRINT.
func (s *switchableEngine) code(name string) string {
	s.tb.Helper()
	_, code, err := s.e.AddDevice(context.Background(), name)
	if err != nil {
		s.tb.Fatal(err)
	}
	return code + engineapi.EnrollmentSeparator + s.e.Fingerprint()
}

// syntheticApps returns n submitted applications for n different children
// (valid ID numbers), first .. first+n-1 of an endless series.
//
// They were taken an hour ago by a kiosk not yet enrolled: their numbers
// carry no device prefix, which the engine takes only from applications
// older than the device's enrolment.
func syntheticApps(n, first int, kioskID string) []core.Application {
	at := time.Now().Add(-time.Hour).Truncate(time.Second).UTC()
	born := time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)
	out := make([]core.Application, n)
	for i := range out {
		k := first + i
		id := core.NewApplicationID()
		child := core.MakeResidentID("370811", born.AddDate(0, 0, k/999), k%999+1)
		out[i] = core.Application{ID: id, RegNo: core.RegNo(id, core.Primary, at), Stage: core.Primary,
			State: core.StateSubmitted, KioskID: kioskID, CreatedAt: at, Phone: "13905370000",
			Child: core.Child{ID: child, Name: "测试儿童", Sex: child.Sex(), BirthDate: child.BirthDate()},
			Guardians: []core.Guardian{{ID: core.MakeResidentID("370811", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 11),
				Name: "测试家长", Relation: "母亲", Applicant: true}},
			Choices: []core.School{{Code: "P001", Name: "测试小学"}},
			History: []core.Transition{{From: core.StateDraft, To: core.StateSubmitted, At: at, Actor: "kiosk:" + kioskID}}}
	}
	return out
}

// seedKiosk stores apps in the kiosk data directory's store, as submitted
// applications waiting in the outbox.
func seedKiosk(tb testing.TB, dataDir string, apps []core.Application) {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(dataDir, "kiosk.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if n, err := db.ImportSubmitted(context.Background(), apps); err != nil || n != len(apps) {
		tb.Fatalf("seed kiosk: %d of %d stored, %v", n, len(apps), err)
	}
}

// kioskCounts opens a kiosk data directory's store and counts what waits
// and what was refused.
func kioskCounts(tb testing.TB, dataDir string) (queued, dead int) {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(dataDir, "kiosk.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	queued, err1 := db.CountOutbox(ctx)
	dead, err2 := db.CountDeadLetters(ctx)
	if err := errors.Join(err1, err2); err != nil {
		tb.Fatal(err)
	}
	return queued, dead
}
