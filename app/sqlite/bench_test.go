package sqlite_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"enrolldesk/app/demo"
	"enrolldesk/app/sqlite"
	"enrolldesk/assets"
	"enrolldesk/core"
)

// BenchmarkGenerate1M generates the million-resident demo city into a
// fresh SQLite file: the time `enrolldesk demo init --families 300000`
// takes. Run it once: -bench Generate1M -benchtime 1x.
func BenchmarkGenerate1M(b *testing.B) {
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "city.db")
		start := time.Now()
		st := buildCity(b, path, 300_000)
		secs := time.Since(start).Seconds()
		b.ReportMetric(float64(st.Residents), "residents")
		b.ReportMetric(float64(st.Residents)/secs, "residents/s")
		b.ReportMetric(float64(fileSize(b, path))/(1<<20), "MiB")
	}
}

// BenchmarkLookup measures one registration look-up (every source queried
// and classified) against a city of 30,000 families on disk.
func BenchmarkLookup(b *testing.B) {
	path := filepath.Join(b.TempDir(), "city.db")
	buildCity(b, path, 30_000)
	db := MustOpenDB(b, path)
	ctx := context.Background()
	ps, err := db.City().Personas(ctx)
	if err != nil {
		b.Fatal(err)
	}
	reg := &core.Registrar{Sources: core.SourcesOf(db.City()), Policy: benchPolicy(b),
		Now: func() time.Time { return time.Date(2027, 6, 15, 9, 0, 0, 0, time.UTC) }}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		p := ps[i%len(ps)]
		i++
		if _, err := reg.Lookup(ctx, string(p.GuardianID), string(p.ChildID), p.Stage); err != nil {
			b.Fatal(err)
		}
	}
}

func buildCity(tb testing.TB, path string, families int) demo.Stats {
	tb.Helper()
	db, err := sqlite.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	w, err := db.Writer()
	if err != nil {
		tb.Fatal(err)
	}
	st, err := demo.Generate(context.Background(), w, demo.Options{Families: families, Seed: 2027})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func fileSize(tb testing.TB, path string) int64 {
	var total int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			total += fi.Size()
		}
	}
	return total
}

func benchPolicy(tb testing.TB) *core.Policy {
	data, err := fs.ReadFile(assets.Policies(), assets.DefaultPolicy)
	if err != nil {
		tb.Fatal(err)
	}
	var p core.Policy
	if _, err := toml.Decode(string(data), &p); err != nil {
		tb.Fatal(err)
	}
	return &p
}
