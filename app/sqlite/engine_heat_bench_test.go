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
	schools := heatBenchSchools()
	cats := []string{"房户一致", "有房无户", "有户无房", "随迁子女", ""}
	states := []core.State{core.StateVerified, core.StateVerified, core.StateVerified, core.StateNeedsReview, core.StateRejected, core.StateApproved}
	rng := rand.New(rand.NewPCG(1, 2))
	ev := make([]core.Evidence, 8)
	for i := range ev {
		ev[i] = core.Evidence{Source: core.SrcHukou, Ref: fmt.Sprintf("HK-%08d", i), Detail: strings.Repeat("户籍地址与房产地址一致，", 6)}
	}
	now := time.Date(2027, 6, 10, 9, 0, 0, 0, time.UTC)
	var rows []sqlite.RawApplication
	for i := range n {
		sc := schools[rng.IntN(len(schools))]
		a := core.Application{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), RegNo: fmt.Sprintf("%012d", i), Stage: sc.Stage,
			Child:    core.Child{ID: core.MakeResidentID("370811", time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/400), i%400*2+1), Name: "张小明"},
			Decision: core.Decision{Eligible: true, CategoryName: cats[rng.IntN(len(cats))], Evidence: ev},
			Choices:  []core.School{sc, schools[rng.IntN(len(schools))]}, State: states[rng.IntN(len(states))]}
		body, err := json.Marshal(a)
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, sqlite.RawApplication{ID: a.ID, RegNo: a.RegNo, Stage: string(a.Stage), ChildID: string(a.Child.ID),
			State: string(a.State), Body: string(body), Claim: "{}", Year: 2027, Category: a.Decision.CategoryName})
		if len(rows) == 1000 || i == n-1 {
			if err := s.RawIngest(context.Background(), "KD-BENCH", rows, now); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	return s
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
