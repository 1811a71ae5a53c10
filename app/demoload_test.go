package app_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"enrolldesk/app"
	"enrolldesk/app/demo"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/heat"
)

var loadNow = time.Date(2027, 6, 10, 18, 0, 0, 0, time.UTC)

func openEngineDB(t *testing.T, path string) *sqlite.EngineStore {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.EngineStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); db.Close() })
	return s
}

func openCityDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestDemoLoadIsDeterministic: the same seed, city and clock give the
// same applications, to the ID and state; another seed gives others.
func TestDemoLoadIsDeterministic(t *testing.T) {
	ctx := context.Background()
	city := openCityDB(t, testCity(t))
	load := func(seed uint64) []engineapi.Summary {
		s := openEngineDB(t, filepath.Join(t.TempDir(), "engine.db"))
		st, err := app.DemoLoad(ctx, s, city, app.DemoLoadOptions{Applications: 150, Seed: seed, Now: loadNow})
		if err != nil || st.Stored != 150 {
			t.Fatalf("load: stored %d, %v", st.Stored, err)
		}
		apps, err := s.Applications(ctx, engineapi.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(apps, func(a, b engineapi.Summary) int { return strings.Compare(a.AppID, b.AppID) })
		return apps
	}
	a, b, c := load(11), load(11), load(12)
	if len(a) != 150 || !slices.Equal(a, b) {
		t.Errorf("two loads with seed 11 differ (%d and %d applications)", len(a), len(b))
	}
	if slices.Equal(a, c) {
		t.Error("seeds 11 and 12 gave the same applications")
	}
}

// TestDemoLoadSpreadAndHeat: a load into a city of 20,000 families has
// every category, both stages, applications needing review and rejected
// ones, was pushed by the demo kiosks, and leaves some schools
// oversubscribed on the heat map.
func TestDemoLoadSpreadAndHeat(t *testing.T) {
	ctx := context.Background()
	cityPath := filepath.Join(t.TempDir(), "city.db")
	if _, err := app.BuildDemoCity(ctx, cityPath, demo.Options{Families: 20000, Seed: 2027}); err != nil {
		t.Fatal(err)
	}
	city := openCityDB(t, cityPath)
	s := openEngineDB(t, filepath.Join(t.TempDir(), "engine.db"))
	var progress []int
	st, err := app.DemoLoad(ctx, s, city, app.DemoLoadOptions{Applications: 8000, Seed: 7, Now: loadNow,
		Progress: func(done, _ int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != 8000 || len(progress) < 10 || progress[len(progress)-1] != 8000 {
		t.Fatalf("stored %d, progress %v", st.Stored, progress)
	}
	policy, err := policyfile.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range policy.Categories {
		if st.ByCategory[c.Name] < 100 {
			t.Errorf("category %s: %d applications; want every category well represented (%v)", c.Name, st.ByCategory[c.Name], st.ByCategory)
		}
	}
	if st.ByState[core.StateNeedsReview] == 0 || st.ByState[core.StateRejected] == 0 || st.ByState[core.StateVerified] < 6000 {
		t.Errorf("states %v: want mostly verified, some needing review and some rejected", st.ByState)
	}
	if st.ByStage[core.Primary] == 0 || st.ByStage[core.Junior] == 0 || st.KioskOffline == 0 {
		t.Errorf("stages %v, offline %d", st.ByStage, st.KioskOffline)
	}
	devs, err := s.Devices(ctx)
	if err != nil || len(devs) != len(st.Devices) || !devs[0].Registered() {
		t.Errorf("demo kiosks: %+v, %v", devs, err)
	}

	src := &heat.Source{Counts: s, Schools: city, Policy: policy, Now: func() time.Time { return loadNow }}
	m, err := src.HeatMap(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	levels := map[engineapi.Level]int{}
	for _, sd := range m.Schools {
		levels[sd.Level]++
	}
	if levels[engineapi.LevelOversubscribed] == 0 || levels[engineapi.LevelCalm] == 0 {
		t.Errorf("levels %v: want some oversubscribed schools and some calm ones", levels)
	}
	if want := 8000 - st.ByState[core.StateRejected]; m.Total+m.Unplaced != want || m.Elsewhere != 0 {
		t.Errorf("heat map counts %d at schools + %d unplaced (%d elsewhere); want the %d live applications", m.Total, m.Unplaced, m.Elsewhere, want)
	}

	// A second load into the same engine adds new families, none twice.
	st2, err := app.DemoLoad(ctx, s, city, app.DemoLoadOptions{Applications: 500, Seed: 8, Now: loadNow})
	if err != nil || st2.Stored != 500 {
		t.Errorf("second load: stored %d (%d conflicts), %v", st2.Stored, st2.Conflict, err)
	}
}

func TestDemoLoadCityTooSmall(t *testing.T) {
	city := openCityDB(t, testCity(t))
	s := openEngineDB(t, filepath.Join(t.TempDir(), "engine.db"))
	st, err := app.DemoLoad(context.Background(), s, city, app.DemoLoadOptions{Applications: 100000, Seed: 1, Now: loadNow})
	if !errors.Is(err, app.ErrDemoCityTooSmall) || st.Stored != 0 || !strings.Contains(err.Error(), "demo init --db BIG.db --families") {
		t.Errorf("got stored %d, %v; want nothing stored and advice to build a bigger city", st.Stored, err)
	}
}

func TestHeatmapAndDemoLoadCommandLine(t *testing.T) {
	dir := t.TempDir()
	cityDB, engineDB := testCity(t), filepath.Join(dir, "engine.db")
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"heatmap"}, app.ExitUsage, "--db ENGINE.db"},
		{[]string{"heatmap", "--db", engineDB}, app.ExitUsage, "--png FILE and/or --csv FILE"},
		{[]string{"heatmap", "--db", filepath.Join(dir, "none.db"), "--csv", "x.csv"}, app.ExitUsage, "not found"},
		{[]string{"heatmap", "--db", engineDB, "--csv", "x.csv", "--stage", "kindergarten"}, app.ExitUsage, "primary or junior"},
		{[]string{"heatmap", "--db", engineDB, "--png", "x.png", "--width", "50"}, app.ExitUsage, "at least 200"},
		{[]string{"demo", "load"}, app.ExitUsage, "--city CITY.db"},
		{[]string{"demo", "load", "--city", cityDB, "--engine-db", engineDB}, app.ExitUsage, "--applications N"},
		{[]string{"demo", "load", "--city", filepath.Join(dir, "none.db"), "--engine-db", engineDB, "--applications", "5"}, app.ExitUsage, "demo init"},
		{[]string{"demo", "load", "--city", cityDB, "--engine-db", engineDB, "--applications", "100000"}, app.ExitFail, "--families"},
	} {
		r := cli(t, "", c.args...)
		if r.code != c.code || !strings.Contains(r.err, c.says) {
			t.Errorf("%v: exit %d %q; want %d saying %q", c.args, r.code, r.err, c.code, c.says)
		}
	}

	if r := cli(t, "", "demo", "load", "--city", cityDB, "--engine-db", engineDB, "--applications", "120", "--seed", "3"); r.code != 0 ||
		!strings.Contains(r.err, "stored 120 applications") || !strings.Contains(r.err, "needs review") {
		t.Fatalf("demo load: %d %s", r.code, r.err)
	}
	csvPath, pngPath := filepath.Join(dir, "heat.csv"), filepath.Join(dir, "heat.png")
	r := cli(t, "", "heatmap", "--db", engineDB, "--city", cityDB, "--csv", csvPath, "--png", pngPath)
	if r.code != 0 || !strings.Contains(r.err, "heat map of") {
		t.Fatalf("heatmap: %d %s", r.code, r.err)
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\r\n")
	schools, err := openCityDB(t, cityDB).Schools(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(lines[0], "\ufeff学校代码,学校名称") || len(lines) != len(schools)+1 {
		t.Errorf("CSV: %d lines for %d schools; header %q", len(lines), len(schools), lines[0])
	}
	total := 0
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		total += atoi(t, f[len(f)-3])
	}
	if total == 0 || total > 120 {
		t.Errorf("CSV totals add up to %d; want the live ones of the 120 loaded", total)
	}
	// Without --city: the demo city of the data directory, built there
	// as the kiosk builds it.
	dataDir := filepath.Join(dir, "data")
	if r := cli(t, "", "heatmap", "--db", engineDB, "--data", dataDir, "--csv", csvPath); r.code != 0 {
		t.Fatalf("heatmap on the default demo city: %d %s", r.code, r.err)
	}
	if found, _ := filepath.Glob(filepath.Join(dataDir, "demo-city-2000-s2027.db")); len(found) != 1 {
		t.Errorf("no demo city built in %s", dataDir)
	}
	raw, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("PNG: %v", err)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("not a count: %q", s)
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// TestEngineHeatAfterDemoLoad: an open engine with its city computes the
// heat map of what a demo load put into it.
func TestEngineHeatAfterDemoLoad(t *testing.T) {
	ctx := context.Background()
	e, err := app.OpenEngine(ctx, app.EngineConfig{DB: filepath.Join(t.TempDir(), "engine.db"), CityDB: testCity(t), DataDir: t.TempDir(),
		Now: func() time.Time { return loadNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	st, err := e.DemoLoad(ctx, app.DemoLoadOptions{Applications: 100, Seed: 5, Now: loadNow})
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.Heat().HeatMap(ctx, core.Primary)
	if err != nil {
		t.Fatal(err)
	}
	if m.Total == 0 || m.Total > st.ByStage[core.Primary] || m.Year != 2027 || !m.At.Equal(loadNow) || len(m.Tiers) != 5 {
		t.Errorf("heat map: total %d (primary stored %d), year %d, at %v, tiers %v", m.Total, st.ByStage[core.Primary], m.Year, m.At, m.Tiers)
	}
	trusting, err := app.OpenEngine(ctx, app.EngineConfig{DB: filepath.Join(t.TempDir(), "engine2.db"), DataDir: t.TempDir(), TrustKioskDecisions: true})
	if err != nil {
		t.Fatal(err)
	}
	defer trusting.Close()
	if trusting.Heat() != nil {
		t.Error("an engine without department data offers a heat map")
	}
}
