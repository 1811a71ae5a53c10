package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/heat"
)

const heatBenchApps = 100_000

// heatBenchSchools is a city of 528 schools (48 in each of the 11
// counties, as the 1M-resident demo city has).
func heatBenchSchools() []core.School {
	var out []core.School
	for _, c := range core.Counties {
		for i := range 48 {
			st, code := core.Primary, fmt.Sprintf("%sP%03d", c.Code, i+1)
			if i >= 36 {
				st, code = core.Junior, fmt.Sprintf("%sJ%03d", c.Code, i-35)
			}
			out = append(out, core.School{Code: code, Name: c.Name + "第" + fmt.Sprint(i+1) + "学校", Stage: st, County: c.Code, Capacity: 225})
		}
	}
	return out
}

type fixedSchools []core.School

func (f fixedSchools) Schools(_ context.Context, stage core.Stage) ([]core.School, error) {
	var out []core.School
	for _, s := range f {
		if stage == "" || s.Stage == stage {
			out = append(out, s)
		}
	}
	return out, nil
}

// heatBenchStore fills an engine file with n applications of realistic
// size (≈ 2.3 KB of JSON each, evidence included) spread over the schools,
// the categories and the states.
func heatBenchStore(b *testing.B, n int) *sqlite.EngineStore {
	db := MustOpenDB(b, filepath.Join(b.TempDir(), "engine.db"))
	s := MustEngineStore(b, db)
	rows := heatBenchRows(n)
	now := time.Date(2027, 6, 10, 9, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += 1000 {
		if err := s.RawIngest(context.Background(), "KD-BENCH", rows[i:min(i+1000, n)], now); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func heatBenchRows(n int) []sqlite.RawApplication {
	schools := heatBenchSchools()
	cats := []string{"房户一致", "有房无户", "有户无房", "随迁子女", ""}
	states := []core.State{core.StateVerified, core.StateVerified, core.StateVerified, core.StateNeedsReview, core.StateRejected, core.StateApproved}
	rng := rand.New(rand.NewPCG(1, 2))
	ev := make([]core.Evidence, 8)
	for i := range ev {
		ev[i] = core.Evidence{Source: core.SrcHukou, Ref: fmt.Sprintf("HK-%08d", i), Detail: strings.Repeat("户籍地址与房产地址一致，", 6)}
	}
	rows := make([]sqlite.RawApplication, 0, n)
	for i := range n {
		sc := schools[rng.IntN(len(schools))]
		a := core.Application{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), RegNo: fmt.Sprintf("%012d", i), Stage: sc.Stage,
			Child:    core.Child{ID: core.MakeResidentID("370811", time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/400), i%400*2+1), Name: "张小明"},
			Decision: core.Decision{Eligible: true, CategoryName: cats[rng.IntN(len(cats))], Evidence: ev},
			Choices:  []core.School{sc, schools[rng.IntN(len(schools))]}, State: states[rng.IntN(len(states))]}
		body, err := json.Marshal(a)
		if err != nil {
			panic(err)
		}
		rows = append(rows, sqlite.RawApplication{ID: a.ID, RegNo: a.RegNo, Stage: string(a.Stage), ChildID: string(a.Child.ID),
			State: string(a.State), Body: string(body), Claim: "{}", Year: 2027, Category: a.Decision.CategoryName})
	}
	return rows
}

// BenchmarkHeatMap100k recomputes the heat map — the count over the
// covering index and the table of 528 schools — over 100,000
// applications (goal ≤ 50 ms).
func BenchmarkHeatMap100k(b *testing.B) {
	s := heatBenchStore(b, heatBenchApps)
	src := &heat.Source{Counts: s, Schools: fixedSchools(heatBenchSchools()), Policy: &core.Policy{Year: 2027,
		Categories: []core.Category{{Name: "房户一致"}, {Name: "有房无户"}, {Name: "有户无房"}, {Name: "随迁子女"}}}}
	ctx := context.Background()
	var m engineapi.HeatMap
	for b.Loop() {
		var err error
		if m, err = src.HeatMap(ctx, ""); err != nil {
			b.Fatal(err)
		}
	}
	if m.Total == 0 || len(m.Schools) != 528 {
		b.Fatalf("heat map of %d schools, %d applications", len(m.Schools), m.Total)
	}
	b.ReportMetric(float64(m.Total), "apps-counted")
}

// BenchmarkHeatTotalsIngestCost measures what the running totals' triggers
// add to writing applications: the same 2,000 rows (≈ 3 KB bodies) in
// batches of 500 with RawIngest, with the triggers and without them, in
// turn; each side's fastest pass is reported, so a busy machine skews the
// share less.
func BenchmarkHeatTotalsIngestCost(b *testing.B) {
	const n = 2000
	rows := heatBenchRows(n)
	best := [2]time.Duration{time.Hour, time.Hour}
	for b.Loop() {
		for i, drop := range []bool{false, true} {
			db := MustOpenDB(b, filepath.Join(b.TempDir(), fmt.Sprintf("engine-%d.db", i)))
			s := MustEngineStore(b, db)
			if drop {
				for _, t := range []string{"engine_heat_insert", "engine_heat_update", "engine_heat_delete"} {
					if _, err := db.SQL().Exec(`DROP TRIGGER ` + t); err != nil {
						b.Fatal(err)
					}
				}
			}
			start := time.Now()
			for j := 0; j < n; j += 500 {
				if err := s.RawIngest(context.Background(), "KD-BENCH", rows[j:j+500], time.Now()); err != nil {
					b.Fatal(err)
				}
			}
			best[i] = min(best[i], time.Since(start))
			s.Close()
			db.Close()
		}
	}
	b.ReportMetric(float64(best[0].Microseconds())/n, "µs/app-with-totals")
	b.ReportMetric(float64(best[1].Microseconds())/n, "µs/app-without")
	b.ReportMetric(100*(float64(best[0])/float64(best[1])-1), "%-added")
}
