package heat_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/heat"
)

var at = time.Date(2027, 6, 10, 9, 0, 0, 0, time.UTC)

var tiers = []string{"房户一致", "有房无户", "有户无房", "随迁子女", engineapi.TierNone}

func schools() []core.School {
	return []core.School{
		{Code: "370811P001", Name: "任城区实验小学", Stage: core.Primary, County: "370811", Capacity: 100},
		{Code: "370811P002", Name: "任城区观河小学", Stage: core.Primary, County: "370811", Capacity: 100},
		{Code: "370811J001", Name: "任城区第一中学", Stage: core.Junior, County: "370811", Capacity: 50},
		{Code: "370883P001", Name: "邹城市实验小学", Stage: core.Primary, County: "370883", Capacity: 0},
	}
}

func counts() []engineapi.HeatCount {
	return []engineapi.HeatCount{
		{School: "370811P001", Stage: core.Primary, Tier: "房户一致", N: 90},
		{School: "370811P001", Stage: core.Primary, Tier: "随迁子女", N: 31},
		{School: "370811P002", Stage: core.Primary, Tier: "有户无房", N: 80},
		{School: "370811J001", Stage: core.Junior, Tier: "有房无户", N: 50},
		{School: "370811J001", Stage: core.Junior, Tier: "", N: 5},
		{School: "", Stage: core.Primary, Tier: "", N: 7},
		{School: "999999P001", Stage: core.Primary, Tier: "房户一致", N: 3},
	}
}

func TestBuildCountsTiersRatiosAndLevels(t *testing.T) {
	m := heat.Build(2027, "", tiers, schools(), counts(), at)
	if m.Total != 256 || m.Unplaced != 7 || m.Elsewhere != 3 || len(m.Schools) != 4 {
		t.Fatalf("total %d unplaced %d elsewhere %d schools %d; want 256, 7, 3, 4", m.Total, m.Unplaced, m.Elsewhere, len(m.Schools))
	}
	want := []struct {
		code    string
		perTier []int
		total   int
		ratio   float64
		level   engineapi.Level
		slot    int
	}{
		{"370811P001", []int{90, 0, 0, 31, 0}, 121, 1.21, engineapi.LevelOversubscribed, 0},
		{"370811P002", []int{0, 0, 80, 0, 0}, 80, 0.80, engineapi.LevelBusy, 1},
		{"370811J001", []int{0, 50, 0, 0, 5}, 55, 1.10, engineapi.LevelFull, 2}, // primary before junior
		{"370883P001", []int{0, 0, 0, 0, 0}, 0, 0, engineapi.LevelNoSeats, 0},
	}
	for i, w := range want {
		s := m.Schools[i]
		if s.Code != w.code || s.Total != w.total || s.Level != w.level || s.Slot != w.slot || !near(s.Ratio, w.ratio) {
			t.Errorf("row %d: %s total %d ratio %.3f level %s slot %d; want %s %d %.2f %s %d", i, s.Code, s.Total, s.Ratio, s.Level, s.Slot,
				w.code, w.total, w.ratio, w.level, w.slot)
		}
		for j := range w.perTier {
			if s.PerTier[j] != w.perTier[j] {
				t.Errorf("%s per tier %v; want %v", s.Code, s.PerTier, w.perTier)
				break
			}
		}
	}
	if d := m.Districts; len(d) != 11 || d[0].Name != "任城区" || d[0].GridX != 1 || d[0].GridY != 1 {
		t.Errorf("districts: %+v", d)
	}
	primary := heat.Build(2027, core.Primary, tiers, schools(), counts(), at)
	if len(primary.Schools) != 3 || primary.Total != 201 {
		t.Errorf("primary only: %d schools, %d applications; want 3, 201", len(primary.Schools), primary.Total)
	}
}

func near(a, b float64) bool { return a-b < 0.005 && b-a < 0.005 }

func TestLevelThresholds(t *testing.T) {
	for _, c := range []struct {
		total, capacity int
		want            engineapi.Level
	}{
		{0, 100, engineapi.LevelCalm}, {79, 100, engineapi.LevelCalm}, {80, 100, engineapi.LevelBusy},
		{99, 100, engineapi.LevelBusy}, {100, 100, engineapi.LevelFull}, {120, 100, engineapi.LevelFull},
		{121, 100, engineapi.LevelOversubscribed}, {5, 0, engineapi.LevelNoSeats},
	} {
		if _, got := heat.LevelOf(c.total, c.capacity); got != c.want {
			t.Errorf("%d of %d seats: %s, want %s", c.total, c.capacity, got, c.want)
		}
	}
}

func TestSortByAnyColumn(t *testing.T) {
	m := heat.Build(2027, "", tiers, schools(), counts(), at)
	rows := m.Schools
	heat.Sort(rows, heat.ByRatio, true)
	if rows[0].Code != "370811P001" || rows[3].Code != "370883P001" {
		t.Errorf("by ratio, descending: %s … %s", rows[0].Code, rows[3].Code)
	}
	heat.Sort(rows, "tier:1", true)
	if rows[0].Code != "370811J001" {
		t.Errorf("by 有房无户, descending: first %s", rows[0].Code)
	}
	heat.Sort(rows, heat.ByCapacity, false)
	if rows[0].Capacity != 0 || rows[3].Capacity != 100 {
		t.Errorf("by capacity: %d … %d", rows[0].Capacity, rows[3].Capacity)
	}
	heat.Sort(rows, heat.ByDistrict, false)
	if rows[0].Code != "370811P001" || rows[2].Code != "370811J001" {
		t.Errorf("map order: %s, %s", rows[0].Code, rows[2].Code)
	}
}

func TestCSV(t *testing.T) {
	m := heat.Build(2027, "", tiers, schools(), counts(), at)
	var buf bytes.Buffer
	if err := heat.WriteCSV(&buf, m); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "\ufeff") {
		t.Fatal("the CSV does not start with a UTF-8 BOM: Excel would garble the Chinese")
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records; want a header and 4 schools", len(recs))
	}
	wantHead := "学校代码,学校名称,区县,学段,学位数,房户一致,有房无户,有户无房,随迁子女,未定类别,报名合计,报名/学位,热度"
	if h := strings.Join(recs[0], ","); h != wantHead {
		t.Errorf("header %s\nwant   %s", h, wantHead)
	}
	if r := strings.Join(recs[1], ","); r != "370811P001,任城区实验小学,任城区,小学一年级,100,90,0,0,31,0,121,1.21,超额" {
		t.Errorf("first row %s", r)
	}
}

type stubCounts []engineapi.HeatCount

func (s stubCounts) HeatCounts(context.Context, int, core.Stage) ([]engineapi.HeatCount, error) {
	return s, nil
}

type stubSchools []core.School

func (s stubSchools) Schools(context.Context, core.Stage) ([]core.School, error) { return s, nil }

func TestSourceUsesThePolicysTiersAndYear(t *testing.T) {
	p := &core.Policy{Year: 2027, Categories: []core.Category{
		{Name: "房户一致", Stages: []core.Stage{core.Primary, core.Junior}},
		{Name: "只招小学", Stages: []core.Stage{core.Primary}},
	}}
	src := &heat.Source{Counts: stubCounts(counts()), Schools: stubSchools(schools()), Policy: p, Now: func() time.Time { return at }}
	m, err := src.HeatMap(context.Background(), core.Junior)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Tiers, ",") != "房户一致,"+engineapi.TierNone || m.Year != 2027 || !m.At.Equal(at) {
		t.Errorf("junior heat map: tiers %v year %d at %v", m.Tiers, m.Year, m.At)
	}
	if _, err := src.HeatMap(context.Background(), "kindergarten"); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("unknown stage: %v, want EINVALID", err)
	}
}
