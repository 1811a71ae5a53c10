package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	"enrolldesk/app/demo"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	kioskui "enrolldesk/ui/kiosk"
)

// The million-resident demo city: 300,000 families ≈ 1,000,000 residents.
const (
	benchFamilies = 300_000
	benchSeed     = 2027
)

// benchCityPath is where the 1M city is kept between benchmark runs.
func benchCityPath() string {
	return filepath.Join("..", "bin", "bench", fmt.Sprintf("city-%d-s%d.db", benchFamilies, benchSeed))
}

// BenchmarkDemoCityGenerate1M times `demo init --families 300000` into a new
// SQLite file (goal ≤ 60 s) and leaves the city for the look-up benchmarks.
func BenchmarkDemoCityGenerate1M(b *testing.B) {
	for b.Loop() {
		tmp := benchCityPath() + ".tmp"
		if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
			b.Fatal(err)
		}
		removeAll(b, tmp)
		start := time.Now()
		st, err := app.BuildDemoCity(context.Background(), tmp, demo.Options{Families: benchFamilies, Seed: benchSeed})
		if err != nil {
			b.Fatal(err)
		}
		secs := time.Since(start).Seconds()
		b.ReportMetric(secs, "s/city")
		b.ReportMetric(float64(st.Residents), "residents")
		b.ReportMetric(float64(st.Residents)/secs, "residents/s")
		removeAll(b, benchCityPath())
		if err := os.Rename(tmp, benchCityPath()); err != nil {
			b.Fatal(err)
		}
	}
}

func removeAll(tb testing.TB, path string) {
	for _, s := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + s); err != nil && !os.IsNotExist(err) {
			tb.Fatal(err)
		}
	}
}

// benchCity opens the cached 1M city, building it first if needed.
func benchCity(b *testing.B) *sqlite.DB {
	b.Helper()
	path := benchCityPath()
	if _, err := os.Stat(path); err != nil {
		b.Logf("building the 1M-resident city at %s (once)", path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if _, err := app.BuildDemoCity(context.Background(), path, demo.Options{Families: benchFamilies, Seed: benchSeed}); err != nil {
			b.Fatal(err)
		}
	}
	db, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

type applicant struct {
	guardian, child core.ResidentID
	stage           core.Stage
}

// sampleApplicants picks entry-age children across the city with a parent
// from their household, plus every persona.
func sampleApplicants(b *testing.B, db *sqlite.DB, n int) []applicant {
	b.Helper()
	raw, err := sql.Open("sqlite3", "file:"+db.Path()+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT g.resident_id, c.resident_id FROM household_members c
		JOIN household_members g ON g.household_id = c.household_id AND g.relation IN ('户主', '配偶')
		WHERE c.relation IN ('子', '女') AND substr(c.resident_id, 7, 8) BETWEEN '20200901' AND '20210831'
		GROUP BY c.resident_id ORDER BY (c.household_id * 7919) % 1000003 LIMIT ?`, n)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []applicant
	for rows.Next() {
		var g, c string
		if err := rows.Scan(&g, &c); err != nil {
			b.Fatal(err)
		}
		out = append(out, applicant{core.ResidentID(g), core.ResidentID(c), core.Primary})
	}
	ps, err := db.City().Personas(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range ps {
		out = append(out, applicant{p.GuardianID, p.ChildID, p.Stage})
	}
	if len(out) < n/2 {
		b.Fatalf("only %d applicants sampled", len(out))
	}
	return out
}

func benchRegistrar(b *testing.B, c core.City) *core.Registrar {
	p, err := policyfile.Default()
	if err != nil {
		b.Fatal(err)
	}
	return &core.Registrar{Sources: core.SourcesOf(c), Policy: p,
		Now: func() time.Time { return time.Date(2027, 6, 15, 9, 0, 0, 0, time.UTC) }}
}

// BenchmarkLookup1M is the registration look-up on one core: every source
// queried, cross-checked, classified and mapped to a school, over 2,000
// applicants of the 1M-resident city (goals: p99 ≤ 1 ms, ≥ 2,000/s).
func BenchmarkLookup1M(b *testing.B) {
	db := benchCity(b)
	apps := sampleApplicants(b, db, 2000)
	reg := benchRegistrar(b, db.City())
	ctx := context.Background()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	warm(b, apps, func(a applicant) error {
		_, err := reg.Lookup(ctx, string(a.guardian), string(a.child), a.stage)
		return err
	})
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		a := apps[i%len(apps)]
		i++
		t0 := time.Now()
		if _, err := reg.Lookup(ctx, string(a.guardian), string(a.child), a.stage); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportLatency(b, lat)
}

// BenchmarkRawRead1M is the baseline: the very statements and keys a
// look-up of the same applicants executes (recorded once), run raw — rows
// scanned as bytes, no domain work — on one core.
func BenchmarkRawRead1M(b *testing.B) {
	db := benchCity(b)
	apps := sampleApplicants(b, db, 2000)
	rec := &recorder{City: db.City()}
	reg := benchRegistrar(b, rec)
	ctx := context.Background()
	var plans [][]rawCall
	for _, a := range apps {
		rec.calls = nil
		if _, err := reg.Lookup(ctx, string(a.guardian), string(a.child), a.stage); err != nil {
			b.Fatal(err)
		}
		plans = append(plans, rec.calls)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	lat := make([]time.Duration, 0, 1<<16)
	i, queries := 0, 0
	for b.Loop() {
		plan := plans[i%len(plans)]
		i++
		t0 := time.Now()
		for _, c := range plan {
			if _, err := db.City().RawRead(ctx, c.name, c.args...); err != nil {
				b.Fatal(err)
			}
		}
		lat = append(lat, time.Since(t0))
		queries += len(plan)
	}
	b.ReportMetric(float64(queries)/float64(len(lat)), "queries/op")
	reportLatency(b, lat)
}

func warm(b *testing.B, apps []applicant, f func(applicant) error) {
	for _, a := range apps {
		if err := f(a); err != nil {
			b.Fatal(err)
		}
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	var total time.Duration
	for _, l := range lat {
		total += l
	}
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(p(0.50), "p50-µs")
	b.ReportMetric(p(0.99), "p99-µs")
	b.ReportMetric(float64(len(lat))/total.Seconds(), "lookups/s")
}

type rawCall struct {
	name string
	args []any
}

// recorder is a core.City that notes which statement and key each source
// call uses, so the raw baseline replays exactly the same reads.
type recorder struct {
	*sqlite.City
	calls []rawCall
}

func (r *recorder) note(name string, args ...any) { r.calls = append(r.calls, rawCall{name, args}) }

func (r *recorder) HouseholdOf(ctx context.Context, id core.ResidentID) (*core.Household, error) {
	r.note("household", string(id))
	return r.City.HouseholdOf(ctx, id)
}

func (r *recorder) PropertiesOf(ctx context.Context, id core.ResidentID) ([]core.Property, error) {
	r.note("properties", string(id))
	return r.City.PropertiesOf(ctx, id)
}

func (r *recorder) ContractsOf(ctx context.Context, id core.ResidentID) ([]core.SaleContract, error) {
	r.note("contracts", string(id))
	return r.City.ContractsOf(ctx, id)
}

func (r *recorder) RentalsOf(ctx context.Context, id core.ResidentID) ([]core.RentalFiling, error) {
	r.note("rentals", string(id))
	return r.City.RentalsOf(ctx, id)
}

func (r *recorder) InsuranceOf(ctx context.Context, id core.ResidentID) ([]core.InsurancePeriod, error) {
	r.note("insurance", string(id))
	return r.City.InsuranceOf(ctx, id)
}

func (r *recorder) BusinessesOf(ctx context.Context, id core.ResidentID) ([]core.Business, error) {
	r.note("businesses", string(id))
	return r.City.BusinessesOf(ctx, id)
}

func (r *recorder) RolesOf(ctx context.Context, id core.ResidentID) ([]core.EnterpriseRole, error) {
	r.note("roles", string(id))
	return r.City.RolesOf(ctx, id)
}

func (r *recorder) PermitsOf(ctx context.Context, id core.ResidentID) ([]core.ResidencePermit, error) {
	r.note("permits", string(id))
	return r.City.PermitsOf(ctx, id)
}

func (r *recorder) BirthOf(ctx context.Context, id core.ResidentID) (*core.BirthRecord, error) {
	r.note("birth", string(id))
	return r.City.BirthOf(ctx, id)
}

func (r *recorder) StudentOf(ctx context.Context, id core.ResidentID) (*core.StudentRecord, error) {
	r.note("student", string(id))
	return r.City.StudentOf(ctx, id)
}

func (r *recorder) SeatUsesOf(ctx context.Context, key string) ([]core.SeatUse, error) {
	r.note("seats", key)
	return r.City.SeatUsesOf(ctx, key)
}

func (r *recorder) ZoneRulesFor(ctx context.Context, compound string, stage core.Stage) ([]core.ZoneRule, error) {
	r.note("rules", compound, string(stage))
	return r.City.ZoneRulesFor(ctx, compound, stage)
}

func (r *recorder) Zone(ctx context.Context, code string) (*core.Zone, error) {
	r.note("zone", code)
	return r.City.Zone(ctx, code)
}

// BenchmarkKioskStart is kiosk start to first frame, headless: open the
// data directory (key, kiosk store, demo city already built on an earlier
// start, renderer), build every service and the welcome screen, and paint
// one frame with Fyne's software painter (goal ≤ 1 s). A real window adds
// the GL context, which the test driver has not.
func BenchmarkKioskStart(b *testing.B) {
	dir := b.TempDir()
	cfg := app.KioskConfig{DataDir: dir, Families: 2000, Seed: 2027}
	k, err := app.OpenKiosk(context.Background(), cfg) // first start builds the demo city
	if err != nil {
		b.Fatal(err)
	}
	k.Close()
	a := test.NewApp()
	for b.Loop() {
		k, err := app.OpenKiosk(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		w := a.NewWindow("")
		kiosk := kioskui.NewKiosk(a, w, k.Services(k.DemoReader()), k.Options())
		if img := w.Canvas().Capture(); img.Bounds().Dx() < 1000 {
			b.Fatalf("first frame is %v", img.Bounds())
		}
		kiosk.Close()
		w.Close()
		k.Close()
	}
}
