package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"enrolldesk/app/demo"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
)

func newFlags(name string, errw io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errw)
	return fs
}

// fail prints a message for the person at the terminal and returns code.
func fail(w io.Writer, code int, format string, args ...any) int {
	fmt.Fprintf(w, "enrolldesk: "+format+"\n", args...)
	return code
}

func runDemoInit(stdio IO, args []string) int {
	fs := newFlags("demo init", stdio.Err)
	path := fs.String("db", "", "SQLite file to create")
	families := fs.Int("families", 2000, "number of families (≈3.3 residents each; 300000 ≈ 1,000,000 residents)")
	seed := fs.Uint64("seed", 2027, "random seed: the same seed and size give the same city")
	force := fs.Bool("force", false, "replace an existing file")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if *path == "" || *families < 1 {
		return fail(stdio.Err, ExitUsage, "demo init needs --db PATH and --families ≥ 1")
	}
	if _, err := os.Stat(*path); err == nil && !*force {
		return fail(stdio.Err, ExitUsage, "%s already exists; add --force to replace it", *path)
	}
	if err := removeDB(*path); err != nil {
		return fail(stdio.Err, ExitFail, "%v", err)
	}
	start := time.Now()
	stats, err := BuildDemoCity(context.Background(), *path, demo.Options{Families: *families, Seed: *seed,
		Progress: progressPrinter(stdio.Err, *families)})
	if err != nil {
		return fail(stdio.Err, ExitFail, "demo init: %v", err)
	}
	fmt.Fprintf(stdio.Err, "demo city written to %s: %d residents in %d households, %d schools, %d zones (%.1fs)\n",
		*path, stats.Residents, stats.Households, stats.Schools, stats.Zones, time.Since(start).Seconds())
	return ExitOK
}

// BuildDemoCity generates a demo city into a new SQLite file.
func BuildDemoCity(ctx context.Context, path string, o demo.Options) (demo.Stats, error) {
	db, err := sqlite.Open(path)
	if err != nil {
		return demo.Stats{}, err
	}
	defer db.Close()
	w, err := db.Writer()
	if err != nil {
		return demo.Stats{}, err
	}
	stats, err := demo.Generate(ctx, w, o)
	if err != nil {
		return stats, err
	}
	return stats, nil
}

func removeDB(path string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", path+suffix, err)
		}
	}
	return nil
}

// progressPrinter reports every tenth of a long generation on stderr.
func progressPrinter(w io.Writer, total int) func(done, total int) {
	if total < 20000 {
		return nil
	}
	last := -1
	return func(done, total int) {
		if pct := done * 100 / total; pct/10 != last/10 {
			last = pct
			fmt.Fprintf(w, "  %3d%%  %d / %d families\n", pct, done, total)
		}
	}
}

// openCity opens an existing demo-city database; a missing file is a usage
// error with advice, not an empty city.
func openCity(path string) (*sqlite.DB, error) {
	if path == "" {
		return nil, core.Errorf(core.EINVALID, "--db PATH is required")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, core.Errorf(core.EINVALID, "database %s not found: create it with `enrolldesk demo init --db %s`", path, path)
	}
	return sqlite.Open(path)
}

type personaJSON struct {
	Key        string     `json:"key"`
	Title      string     `json:"title"`
	GuardianID string     `json:"guardian_id"`
	ChildID    string     `json:"child_id"`
	SiblingID  string     `json:"sibling_id,omitempty"`
	Stage      core.Stage `json:"stage"`
}

func runDemoPersonas(stdio IO, args []string) int {
	fs := newFlags("demo personas", stdio.Err)
	path := fs.String("db", "", "demo-city SQLite file")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	db, err := openCity(*path)
	if err != nil {
		return fail(stdio.Err, ExitUsage, "%s", core.ErrorMessage(err))
	}
	defer db.Close()
	ps, err := db.City().Personas(context.Background())
	if err != nil {
		return fail(stdio.Err, ExitFail, "read personas: %v", err)
	}
	out := make([]personaJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, personaJSON{Key: p.Key, Title: p.Title, GuardianID: string(p.GuardianID),
			ChildID: string(p.ChildID), SiblingID: string(p.SiblingID), Stage: p.Stage})
	}
	enc := json.NewEncoder(stdio.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fail(stdio.Err, ExitFail, "write: %v", err)
	}
	return ExitOK
}
