package app_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enrolldesk/app"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

const backlogApps = 100_000

// backlog returns n submitted applications shaped like a real one — a
// persona's look-up with its evidence, decision and schools — each for
// its own child.
func backlog(b *testing.B, n int) []core.Application {
	b.Helper()
	city, err := sqlite.Open(syncCityPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer city.Close()
	ctx := context.Background()
	ps, err := city.City().Personas(ctx)
	if err != nil {
		b.Fatal(err)
	}
	policy, err := policyfile.Default()
	if err != nil {
		b.Fatal(err)
	}
	reg := &core.Registrar{Sources: core.SourcesOf(city.City()), Policy: policy, Now: func() time.Time { return kioskNow }}
	var tpl core.Application
	for _, p := range ps {
		if p.Key == "consistent" {
			res, err := reg.Lookup(ctx, string(p.GuardianID), string(p.ChildID), p.Stage)
			if err != nil {
				b.Fatal(err)
			}
			if tpl, err = core.Submit(core.Submission{Draft: res.Application, Phone: "13905370000", Consent: true,
				KioskID: "JN-BENCH-01", At: kioskNow}); err != nil {
				b.Fatal(err)
			}
		}
	}
	out := syntheticApps(n, 0, "JN-BENCH-01")
	for i, a := range out {
		c := tpl
		c.ID, c.RegNo, c.Child = a.ID, a.RegNo, a.Child
		out[i] = c
	}
	return out
}

// BenchmarkBacklogDrain100k times a kiosk draining a backlog of 100,000
// applications (goal ≤ 60 s) into an in-process engine over loopback
// HTTP: the headless `enrolldesk sync --once`, batches of 500, each item
// marked on the engine's answer, the kiosk store at synchronous=FULL.
func BenchmarkBacklogDrain100k(b *testing.B) {
	apps := backlog(b, backlogApps)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		ctx := context.Background()
		setup := time.Now()
		seedKiosk(b, dir, apps)
		seeded := time.Since(setup)
		e, err := app.OpenEngine(ctx, app.EngineConfig{DB: filepath.Join(dir, "engine.db"), CityDB: syncCityPath(b), DataDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(e.Handler())
		_, code, err := e.AddDevice(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}

		b.StartTimer()
		start := time.Now()
		var out, errw strings.Builder
		exit := app.Main([]string{"sync", "--data", dir, "--engine", srv.URL, "--enroll", code + engineapi.EnrollmentSeparator + e.Fingerprint(), "--once"}, nil, &out, &errw)
		secs := time.Since(start).Seconds()
		b.StopTimer()

		srv.Close()
		if err := e.Close(); err != nil {
			b.Fatal(err)
		}
		if exit != app.ExitOK || !strings.Contains(out.String(), "queued 0\ndead letters 0") {
			b.Fatalf("sync: exit %d\n%s\n%s", exit, out.String(), errw.String())
		}
		b.ReportMetric(secs, "s/drain")
		b.ReportMetric(backlogApps/secs, "apps/s")
		b.ReportMetric(seeded.Seconds(), "s/seed")
	}
}
