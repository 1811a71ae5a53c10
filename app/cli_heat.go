package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"enrolldesk/app/demo"
	"enrolldesk/app/heatpng"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/heat"
)

// runHeatMap writes the demand heat map of an engine database without a
// window: a PNG and/or a CSV.
func runHeatMap(stdio IO, args []string) int {
	fs := newFlags("heatmap", stdio.Err)
	dbPath := fs.String("db", "", "the engine's SQLite file")
	cityPath := fs.String("city", "", "department data the engine decides on (default: the demo city in --data)")
	dataDir := fs.String("data", "", "data directory holding the demo city (default $ENROLLDESK_DATA or ~/.local/share/enrolldesk)")
	stageFlag := fs.String("stage", "", "primary or junior; both when empty")
	pngPath := fs.String("png", "", "write the picture here (PNG)")
	csvPath := fs.String("csv", "", "write one row per school here (CSV, UTF-8 with BOM)")
	width := fs.Int("width", 0, "picture width in pixels (default: large enough for every school's name)")
	height := fs.Int("height", 0, "picture height in pixels (default: as for --width)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	stage := core.Stage(*stageFlag)
	switch {
	case fs.NArg() > 0:
		return fail(stdio.Err, ExitUsage, "heatmap takes no arguments (got %q): use --db, --png and --csv", fs.Arg(0))
	case *dbPath == "":
		return fail(stdio.Err, ExitUsage, "heatmap needs --db ENGINE.db (the engine's database) and --png FILE and/or --csv FILE")
	case *pngPath == "" && *csvPath == "":
		return fail(stdio.Err, ExitUsage, "heatmap needs --png FILE and/or --csv FILE: say where to write it")
	case stage != "" && !stage.Valid():
		return fail(stdio.Err, ExitUsage, "--stage must be primary or junior (or left out for both), not %q", *stageFlag)
	case (*width != 0 || *height != 0) && (*width < 200 || *height < 150):
		return fail(stdio.Err, ExitUsage, "--width and --height go together and must be at least 200 and 150")
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fail(stdio.Err, ExitUsage, "engine database %s not found: give the --db the engine runs on", *dbPath)
	}
	ctx := context.Background()
	m, err := heatMapOf(ctx, *dbPath, *cityPath, *dataDir, stage)
	if err != nil {
		if _, domain := err.(*core.Error); domain {
			return fail(stdio.Err, ExitUsage, "%s", core.ErrorMessage(err))
		}
		return fail(stdio.Err, ExitFail, "heatmap: %v", err)
	}
	if *csvPath != "" {
		if err := writeFileAtomic(*csvPath, func(f *os.File) error { return heat.WriteCSV(f, m) }); err != nil {
			return fail(stdio.Err, ExitFail, "heatmap: %v", err)
		}
	}
	if *pngPath != "" {
		if err := writeFileAtomic(*pngPath, func(f *os.File) error { return heatpng.Encode(f, m, *width, *height) }); err != nil {
			return fail(stdio.Err, ExitFail, "heatmap: %v", err)
		}
	}
	levels := map[engineapi.Level]int{}
	for _, s := range m.Schools {
		levels[s.Level]++
	}
	fmt.Fprintf(stdio.Err, "heat map of %d schools, %d applications: %d calm, %d busy, %d full, %d oversubscribed\n",
		len(m.Schools), m.Total, levels[engineapi.LevelCalm], levels[engineapi.LevelBusy], levels[engineapi.LevelFull], levels[engineapi.LevelOversubscribed])
	if m.Elsewhere > 0 {
		fmt.Fprintf(stdio.Err, "warning: %d applications name schools this city's data do not list: give the --city the engine decides on\n", m.Elsewhere)
	}
	return ExitOK
}

// heatMapOf computes the heat map of an engine database on a city.
func heatMapOf(ctx context.Context, dbPath, cityPath, dataDir string, stage core.Stage) (engineapi.HeatMap, error) {
	if cityPath == "" {
		var err error
		if cityPath, err = defaultDemoCity(ctx, dataDir); err != nil {
			return engineapi.HeatMap{}, err
		}
	}
	city, err := openCity(cityPath)
	if err != nil {
		return engineapi.HeatMap{}, err
	}
	defer city.Close()
	db, err := sqlite.Open(dbPath)
	if err != nil {
		return engineapi.HeatMap{}, err
	}
	defer db.Close()
	store, err := db.EngineStore(ctx)
	if err != nil {
		return engineapi.HeatMap{}, err
	}
	defer store.Close()
	policy, err := policyfile.Default()
	if err != nil {
		return engineapi.HeatMap{}, err
	}
	src := &heat.Source{Counts: store, Schools: city, Policy: policy}
	return src.HeatMap(ctx, stage)
}

// defaultDemoCity is the demo city a kiosk in demo mode uses (2000
// families, seed 2027) in the data directory, built there if missing.
func defaultDemoCity(ctx context.Context, dataDir string) (string, error) {
	kc := KioskConfig{DataDir: dataDir}
	if err := kc.defaults(); err != nil {
		return "", err
	}
	path := filepath.Join(kc.DataDir, fmt.Sprintf("demo-city-%d-s%d.db", kc.Families, kc.Seed))
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		tmp := path + ".building"
		if err := removeDB(tmp); err != nil {
			return "", err
		}
		if _, err := BuildDemoCity(ctx, tmp, demo.Options{Families: kc.Families, Seed: kc.Seed}); err != nil {
			return "", err
		}
		if err := os.Rename(tmp, path); err != nil {
			return "", fmt.Errorf("keep demo city: %w", err)
		}
	}
	return path, nil
}

// writeFileAtomic writes path through a temporary file renamed into place,
// so a failed write leaves no half file.
func writeFileAtomic(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// runDemoLoad fills an engine database with demo applications.
func runDemoLoad(stdio IO, args []string) int {
	fs := newFlags("demo load", stdio.Err)
	cityPath := fs.String("city", "", "the demo city (demo init --db CITY.db); the engine decides on it")
	enginePath := fs.String("engine-db", "", "the engine's SQLite file (created if missing)")
	n := fs.Int("applications", 0, "how many applications to store")
	seed := fs.Uint64("seed", 2027, "random seed: the same seed, city and engine give the same applications")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	switch {
	case fs.NArg() > 0:
		return fail(stdio.Err, ExitUsage, "demo load takes no arguments (got %q)", fs.Arg(0))
	case *cityPath == "" || *enginePath == "":
		return fail(stdio.Err, ExitUsage, "demo load needs --city CITY.db (build one with `enrolldesk demo init --db CITY.db`) and --engine-db ENGINE.db")
	case *n < 1:
		return fail(stdio.Err, ExitUsage, "demo load needs --applications N with N ≥ 1")
	}
	city, err := openCity(*cityPath)
	if err != nil {
		return fail(stdio.Err, ExitUsage, "%s", core.ErrorMessage(err))
	}
	defer city.Close()
	db, err := sqlite.Open(*enginePath)
	if err != nil {
		return fail(stdio.Err, ExitFail, "open engine database: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	store, err := db.EngineStore(ctx)
	if err != nil {
		return fail(stdio.Err, ExitFail, "open engine database: %v", err)
	}
	defer store.Close()
	last := -1
	st, err := DemoLoad(ctx, store, city, DemoLoadOptions{Applications: *n, Seed: *seed,
		Progress: func(done, total int) {
			if pct := done * 100 / total; total >= 2000 && pct/10 != last/10 {
				last = pct
				fmt.Fprintf(stdio.Err, "  %3d%%  %d / %d applications\n", pct, done, total)
			}
		}})
	if err != nil {
		if errors.Is(err, ErrDemoCityTooSmall) {
			if st.Stored > 0 {
				printDemoLoad(stdio, st, *enginePath)
			}
			return fail(stdio.Err, ExitFail, "demo load: %v", err)
		}
		if _, domain := err.(*core.Error); domain {
			return fail(stdio.Err, ExitUsage, "demo load: %s", core.ErrorMessage(err))
		}
		return fail(stdio.Err, ExitFail, "demo load: %v", err)
	}
	printDemoLoad(stdio, st, *enginePath)
	return ExitOK
}

func printDemoLoad(stdio IO, st DemoLoadStats, path string) {
	fmt.Fprintf(stdio.Err, "stored %d applications in %s (%.1fs; %d entry-age children in the city, %d not eligible and not applying, %d taken 待核验 offline)\n",
		st.Stored, path, st.Elapsed.Seconds(), st.Candidates, st.Skipped, st.KioskOffline)
	fmt.Fprintf(stdio.Err, "  states: %d verified, %d needs review, %d rejected · stages: %d primary, %d junior\n",
		st.ByState[core.StateVerified], st.ByState[core.StateNeedsReview], st.ByState[core.StateRejected],
		st.ByStage[core.Primary], st.ByStage[core.Junior])
	fmt.Fprintf(stdio.Err, "  categories:")
	policy, _ := policyfile.Default()
	if policy != nil {
		for _, c := range policy.Categories {
			fmt.Fprintf(stdio.Err, " %s %d ·", c.Name, st.ByCategory[c.Name])
		}
	}
	fmt.Fprintf(stdio.Err, " none %d\n", st.ByCategory[""])
	if st.Duplicate+st.Conflict+st.Refused > 0 {
		fmt.Fprintf(stdio.Err, "  also answered: %d duplicate, %d conflict, %d refused (already on this engine)\n", st.Duplicate, st.Conflict, st.Refused)
	}
}
