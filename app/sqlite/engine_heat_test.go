package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

var heatNow = time.Date(2027, 6, 10, 9, 0, 0, 0, time.UTC)

// heatApp is an application in a state, in a category, ranking schools.
func heatApp(i int, stage core.Stage, state core.State, category string, schools ...string) engineapi.Intake {
	a := core.Application{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), RegNo: fmt.Sprintf("0000-0000-%04d", i),
		Stage: stage, State: state, CreatedAt: heatNow,
		Child:    core.Child{ID: core.MakeResidentID("370811", time.Date(2020, 10, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/400), i%400*2+1)},
		Decision: core.Decision{Eligible: category != "", CategoryName: category}}
	for _, s := range schools {
		a.Choices = append(a.Choices, core.School{Code: s, Name: s, Stage: stage})
	}
	return engineapi.Intake{App: a, Claim: a, Year: 2027}
}

// TestHeatCountsByFirstChoiceAndTier: live applications are counted at
// their first choice by category; rejected and returned ones are not, and
// those without a school come under "".
func TestHeatCountsByFirstChoiceAndTier(t *testing.T) {
	ctx := context.Background()
	s := MustEngineStore(t, MustOpenDB(t, filepath.Join(t.TempDir(), "engine.db")))
	items := []engineapi.Intake{
		heatApp(1, core.Primary, core.StateVerified, "房户一致", "P1"),
		heatApp(2, core.Primary, core.StateVerified, "房户一致", "P1", "P2"),
		heatApp(3, core.Primary, core.StateNeedsReview, "随迁子女", "P1"),
		heatApp(4, core.Primary, core.StateVerified, "有户无房", "P2", "P1"),
		heatApp(5, core.Primary, core.StateRejected, "", ""),
		heatApp(6, core.Primary, core.StateRejected, "房户一致", "P1"), // rejected: not demand
		heatApp(7, core.Primary, core.StateVerified, "房户一致", "P1"), // returned below
		heatApp(8, core.Primary, core.StateNeedsReview, ""),        // no zone, no school
		heatApp(9, core.Junior, core.StateVerified, "房户一致", "J1"),
	}
	items[4].App.Choices = nil
	if _, err := s.Ingest(ctx, "KD-1", items, heatNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Return(ctx, items[6].App.ID, "staff:r1", "缺少租赁备案", heatNow); err != nil {
		t.Fatal(err)
	}
	got, err := s.HeatCounts(ctx, 2027, core.Primary)
	if err != nil {
		t.Fatal(err)
	}
	want := []engineapi.HeatCount{
		{School: "", Stage: core.Primary, Tier: "", N: 1},
		{School: "P1", Stage: core.Primary, Tier: "房户一致", N: 2},
		{School: "P1", Stage: core.Primary, Tier: "随迁子女", N: 1},
		{School: "P2", Stage: core.Primary, Tier: "有户无房", N: 1},
	}
	sortCounts(got)
	if !slices.Equal(got, want) {
		t.Errorf("primary counts:\n got %+v\nwant %+v", got, want)
	}

	// The family of the returned application applies again, ranking P2
	// first: the new application replaces the row and counts at P2.
	again := heatApp(7, core.Primary, core.StateVerified, "房户一致", "P2", "P1")
	again.App.ID, again.App.RegNo = "00000000-0000-4000-8000-000000000077", "0000-0000-0077"
	again.Claim = again.App
	if res, err := s.Ingest(ctx, "KD-1", []engineapi.Intake{again}, heatNow); err != nil || res[0].Outcome != engineapi.ItemAccepted {
		t.Fatalf("resubmission: %+v, %v", res, err)
	}
	if _, err := s.SetState(ctx, items[2].App.ID, core.StateRejected, "staff:r1", "材料不实", heatNow); err != nil {
		t.Fatal(err)
	}
	got, err = s.HeatCounts(ctx, 2027, core.Primary)
	if err != nil {
		t.Fatal(err)
	}
	want = []engineapi.HeatCount{
		{School: "", Stage: core.Primary, Tier: "", N: 1},
		{School: "P1", Stage: core.Primary, Tier: "房户一致", N: 2},
		{School: "P2", Stage: core.Primary, Tier: "房户一致", N: 1},
		{School: "P2", Stage: core.Primary, Tier: "有户无房", N: 1},
	}
	sortCounts(got)
	if !slices.Equal(got, want) {
		t.Errorf("after a resubmission and a rejection:\n got %+v\nwant %+v", got, want)
	}
	recount, err := s.HeatRecount(ctx, 2027, core.Primary)
	if err != nil {
		t.Fatal(err)
	}
	sortCounts(recount)
	if !slices.Equal(got, recount) {
		t.Errorf("running totals differ from a recount of the applications:\n totals  %+v\n recount %+v", got, recount)
	}
	both, err := s.HeatCounts(ctx, 2027, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(both); n != len(want)+1 || !slices.Contains(both, engineapi.HeatCount{School: "J1", Stage: core.Junior, Tier: "房户一致", N: 1}) {
		t.Errorf("both stages: %+v", both)
	}
	if other, err := s.HeatCounts(ctx, 2028, ""); err != nil || len(other) != 0 {
		t.Errorf("another year counts %+v, %v; want nothing", other, err)
	}
}

func sortCounts(cs []engineapi.HeatCount) {
	slices.SortFunc(cs, func(a, b engineapi.HeatCount) int {
		if a.School != b.School {
			if a.School < b.School {
				return -1
			}
			return 1
		}
		if a.Tier < b.Tier {
			return -1
		}
		if a.Tier > b.Tier {
			return 1
		}
		return 0
	})
}

// TestHeatCountUsesItsIndex: the count reads the running totals of one
// year and stage by their key, not the applications.
func TestHeatCountUsesItsIndex(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "engine.db"))
	plan, err := sqlite.ExplainHeatCount(db)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(plan, func(l string) bool { return strings.Contains(l, "engine_heat USING PRIMARY KEY (year=? AND stage=?)") }) {
		t.Errorf("query plan does not read the totals by key: %q", plan)
	}
}

// TestCitySchools lists the city's schools by stage with their seats.
func TestCitySchools(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, sqlite.Memory)
	w, err := db.Writer()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []core.School{
		{Code: "370811P001", Name: "任城区实验小学", Stage: core.Primary, County: "370811", Capacity: 270},
		{Code: "370811J001", Name: "任城区第一中学", Stage: core.Junior, County: "370811", Capacity: 400},
		{Code: "370812P001", Name: "兖州区实验小学", Stage: core.Primary, County: "370812", Capacity: 90},
	} {
		if err := w.PutSchool(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	all, err := db.Schools(ctx, "")
	if err != nil || len(all) != 3 || all[0].Code != "370811P001" || all[1].Code != "370811J001" || all[0].Capacity != 270 {
		t.Errorf("all schools: %+v, %v", all, err)
	}
	junior, err := db.Schools(ctx, core.Junior)
	if err != nil || len(junior) != 1 || junior[0].Name != "任城区第一中学" || junior[0].County != "370811" {
		t.Errorf("junior schools: %+v, %v", junior, err)
	}
}
