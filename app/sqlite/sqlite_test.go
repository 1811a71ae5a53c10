package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/sourcetest"
)

// MustOpenDB opens a database at path (":memory:" for a private one) and
// closes it when the test ends.
func MustOpenDB(tb testing.TB, path string, opts ...sqlite.Option) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(path, opts...)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return db
}

// MustWriter starts a bulk load or fails the test.
func MustWriter(tb testing.TB, db *sqlite.DB) *sqlite.Writer {
	tb.Helper()
	w, err := db.Writer()
	if err != nil {
		tb.Fatalf("writer: %v", err)
	}
	return w
}

func TestContract(t *testing.T) {
	t.Run("Memory", func(t *testing.T) {
		sourcetest.Run(t, func(t *testing.T) (core.City, core.CityWriter) {
			db := MustOpenDB(t, sqlite.Memory)
			return db.City(), MustWriter(t, db)
		})
	})
	t.Run("FileReopened", func(t *testing.T) {
		// Load, close, and read from a second Open: the records persist.
		path := filepath.Join(t.TempDir(), "city.db")
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := sourcetest.Fixture().Load(MustWriter(t, db)); err != nil {
			t.Fatalf("load: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		sourcetest.Run(t, func(t *testing.T) (core.City, core.CityWriter) {
			db := MustOpenDB(t, path)
			return db.City(), discard{}
		})
	})
	t.Run("SmallBatches", func(t *testing.T) {
		// A commit between every row must not change what is read.
		sourcetest.Run(t, func(t *testing.T) (core.City, core.CityWriter) {
			db := MustOpenDB(t, filepath.Join(t.TempDir(), "city.db"))
			w := MustWriter(t, db)
			w.BatchRows = 1
			return db.City(), w
		})
	})
}

// discard is a writer for a city that is already loaded.
type discard struct{}

func (discard) PutSchool(core.School) error              { return nil }
func (discard) PutZone(core.Zone, []core.ZoneRule) error { return nil }
func (discard) PutHousehold(core.Household) error        { return nil }
func (discard) PutProperty(core.Property) error          { return nil }
func (discard) PutContract(core.SaleContract) error      { return nil }
func (discard) PutRental(core.RentalFiling) error        { return nil }
func (discard) PutInsurance(core.InsurancePeriod) error  { return nil }
func (discard) PutBusiness(core.Business) error          { return nil }
func (discard) PutRole(core.EnterpriseRole) error        { return nil }
func (discard) PutPermit(core.ResidencePermit) error     { return nil }
func (discard) PutBirth(core.BirthRecord) error          { return nil }
func (discard) PutStudent(core.StudentRecord) error      { return nil }
func (discard) PutSeatUse(core.SeatUse) error            { return nil }
func (discard) PutPersona(core.Persona) error            { return nil }
func (discard) Flush() error                             { return nil }

func TestOpen(t *testing.T) {
	t.Run("ErrBadPath", func(t *testing.T) {
		if _, err := sqlite.Open("a?b.db"); err == nil {
			t.Error("Open with '?' in the path succeeded")
		}
	})
	t.Run("ErrBadSynchronous", func(t *testing.T) {
		if _, err := sqlite.Open(sqlite.Memory, sqlite.WithSynchronous("SOMETIMES")); err == nil {
			t.Error("Open with an unknown synchronous level succeeded")
		}
	})
	t.Run("Pragmas", func(t *testing.T) {
		db := MustOpenDB(t, filepath.Join(t.TempDir(), "p.db"), sqlite.WithSynchronous(sqlite.SyncNormal))
		got := pragmas(t, db)
		want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "5000"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("PRAGMA %s = %q, want %q", k, got[k], v)
			}
		}
	})
}

func pragmas(t *testing.T, db *sqlite.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range []string{"journal_mode", "foreign_keys", "synchronous", "busy_timeout", "cache_size"} {
		var v string
		if err := db.SQL().QueryRow("PRAGMA " + p).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", p, err)
		}
		out[p] = v
	}
	return out
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	t.Run("OpenTwiceRunsOnce", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			db, err := sqlite.Open(path)
			if err != nil {
				t.Fatalf("open #%d: %v", i+1, err)
			}
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = 1`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("open #%d: migration 1 recorded %d times, want 1", i+1, n)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("FailingStepRollsBack", func(t *testing.T) {
		db := MustOpenDB(t, path)
		bad := fstest.MapFS{
			"migrations/0900_half.sql": {Data: []byte("CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);")},
		}
		err := db.Migrate(ctx, bad)
		if err == nil || !strings.Contains(err.Error(), "0900_half.sql") {
			t.Fatalf("Migrate = %v, want an error naming 0900_half.sql", err)
		}
		var tables, recorded int
		db.SQL().QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'`).Scan(&tables)
		db.SQL().QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = 900`).Scan(&recorded)
		if tables != 0 || recorded != 0 {
			t.Errorf("after a failed step: half_done tables = %d, recorded = %d; want 0, 0", tables, recorded)
		}
	})
	t.Run("LaterStepApplied", func(t *testing.T) {
		db := MustOpenDB(t, path)
		db.Now = func() time.Time { return time.Date(2027, 5, 1, 8, 0, 0, 0, time.UTC) }
		next := fstest.MapFS{"migrations/0901_extra.sql": {Data: []byte("CREATE TABLE extra (x INTEGER);")}}
		if err := db.Migrate(ctx, next); err != nil {
			t.Fatal(err)
		}
		var at int64
		if err := db.SQL().QueryRow(`SELECT applied_at FROM schema_migrations WHERE version = 901`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		if want := db.Now().Unix(); at != want {
			t.Errorf("applied_at = %d, want %d (the injected clock)", at, want)
		}
	})
	t.Run("ErrBadName", func(t *testing.T) {
		db := MustOpenDB(t, sqlite.Memory)
		err := db.Migrate(ctx, fstest.MapFS{"migrations/extra.sql": {Data: []byte("SELECT 1;")}})
		if err == nil {
			t.Error("a migration without a number was accepted")
		}
	})
}

func TestRawReadCountsRows(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	w, err := db.Writer()
	if err != nil {
		t.Fatal(err)
	}
	if err := sourcetest.Fixture().Load(w); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		args []any
		want int
	}{
		{"household", []any{string(sourcetest.Kid)}, 4},
		{"properties", []any{string(sourcetest.Father)}, 3}, // two properties, three owner rows
		{"zone", []any{"Z-P1"}, 2},
		{"rules", []any{sourcetest.Home.CompoundKey, "primary"}, 2},
		{"household", []any{string(sourcetest.Nobody)}, 0},
	} {
		n, err := db.City().RawRead(ctx, tc.name, tc.args...)
		if err != nil || n != tc.want {
			t.Errorf("RawRead(%s) = %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}
	if _, err := db.City().RawRead(ctx, "nope"); err == nil {
		t.Error("an unknown statement name must fail")
	}
}
