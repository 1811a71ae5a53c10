package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/sourcetest"
)

// indexes lists the database's named indexes.
func indexes(t *testing.T, db *sqlite.DB) []string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func countRows(t *testing.T, db *sqlite.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWriter(t *testing.T) {
	ctx := context.Background()
	t.Run("IndexesRebuiltAtFlush", func(t *testing.T) {
		db := MustOpenDB(t, filepath.Join(t.TempDir(), "w.db"))
		before := indexes(t, db)
		if len(before) < 10 {
			t.Fatalf("fresh database has %d indexes, want the city's", len(before))
		}
		if err := sourcetest.Fixture().Load(MustWriter(t, db)); err != nil {
			t.Fatal(err)
		}
		if after := indexes(t, db); !slices.Equal(before, after) {
			t.Errorf("indexes after Flush = %v\nwant %v", after, before)
		}
		if n := countRows(t, db, "bulk_deferred_indexes"); n != 0 {
			t.Errorf("%d deferred indexes left after Flush", n)
		}
		if got := pragmas(t, db)["synchronous"]; got != "2" {
			t.Errorf("synchronous after Flush = %s, want 2 (FULL)", got)
		}
	})
	t.Run("SecondLoadKeepsIndexes", func(t *testing.T) {
		db := MustOpenDB(t, filepath.Join(t.TempDir(), "w.db"))
		if err := sourcetest.Fixture().Load(MustWriter(t, db)); err != nil {
			t.Fatal(err)
		}
		before := indexes(t, db)
		w := MustWriter(t, db)
		if err := w.PutSchool(core.School{Code: "P999", Name: "新校", Stage: core.Primary, County: "370811", Capacity: 90}); err != nil {
			t.Fatal(err)
		}
		if during := indexes(t, db); !slices.Equal(before, during) {
			t.Errorf("loading into a city that has records dropped indexes: %v", during)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("CloseAbandonsOpenBatch", func(t *testing.T) {
		db := MustOpenDB(t, filepath.Join(t.TempDir(), "w.db"))
		before := indexes(t, db)
		w := MustWriter(t, db)
		fx := sourcetest.Fixture()
		if err := w.PutHousehold(fx.Households[0]); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if h, err := db.City().HouseholdOf(ctx, sourcetest.Father); err != nil || h != nil {
			t.Errorf("after Close without Flush: HouseholdOf = %v, %v; want nothing", h, err)
		}
		if after := indexes(t, db); !slices.Equal(before, after) {
			t.Errorf("indexes after Close = %v, want %v", after, before)
		}
	})
	t.Run("WriterReusableAfterFlush", func(t *testing.T) {
		db := MustOpenDB(t, sqlite.Memory)
		w := MustWriter(t, db)
		fx := sourcetest.Fixture()
		for _, b := range fx.Births {
			if err := w.PutBirth(b); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		later := fx.Births[0]
		later.CertNo = "R370000999"
		if err := w.PutBirth(later); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		b, err := db.City().BirthOf(ctx, sourcetest.Kid)
		if err != nil || b == nil || b.CertNo != "R370000999" {
			t.Errorf("BirthOf after a second load = %+v, %v; want the later record", b, err)
		}
	})
}

// TestDeferredIndexesRecovered: a load that died after dropping indexes
// leaves them listed; the next Open builds them.
func TestDeferredIndexesRecovered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	want := indexes(t, db)
	for _, stmt := range []string{
		`INSERT INTO bulk_deferred_indexes (name, sql) SELECT name, sql FROM sqlite_master WHERE name = 'births_child'`,
		`DROP INDEX births_child`,
	} {
		if _, err := db.SQL().Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = MustOpenDB(t, path)
	if got := indexes(t, db); !slices.Equal(got, want) {
		t.Errorf("indexes after reopening = %v, want %v", got, want)
	}
	if n := countRows(t, db, "bulk_deferred_indexes"); n != 0 {
		t.Errorf("%d deferred indexes still listed", n)
	}
}

// TestDatesRoundTrip: dates come back identical, including the zero time.
func TestDatesRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, sqlite.Memory)
	w := MustWriter(t, db)
	for _, at := range []time.Time{{}, time.Date(1952, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2027, 8, 31, 0, 0, 0, 0, time.UTC)} {
		r := core.EnterpriseRole{CreditCode: at.Format("20060102"), Person: sourcetest.Father, Since: at}
		if err := w.PutRole(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := db.City().RolesOf(ctx, sourcetest.Father)
	if err != nil || len(got) != 3 {
		t.Fatalf("RolesOf = %v, %v", got, err)
	}
	for _, r := range got {
		if r.Since.Format("20060102") != r.CreditCode || r.Since.Location() != time.UTC {
			t.Errorf("date %v came back as %v", r.CreditCode, r.Since)
		}
	}
	if !got[0].Since.IsZero() || got[0].Since != (time.Time{}) {
		t.Errorf("zero time came back as %#v", got[0].Since)
	}
}

// TestConcurrentReads: the prepared statements serve many goroutines at once.
func TestConcurrentReads(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "c.db"))
	fx := sourcetest.Fixture()
	if err := fx.Load(MustWriter(t, db)); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			for j := 0; j < 50; j++ {
				h, err := db.City().HouseholdOf(ctx, sourcetest.Kid)
				if err == nil && (h == nil || len(h.Members) != 4) {
					err = fmt.Errorf("HouseholdOf = %+v", h)
				}
				if err == nil {
					_, err = db.City().Zone(ctx, "Z-P1")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
