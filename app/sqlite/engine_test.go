package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

// MustEngineStore opens the engine store on db and closes it when the test ends.
func MustEngineStore(tb testing.TB, db *sqlite.DB) *sqlite.EngineStore {
	tb.Helper()
	s, err := db.EngineStore(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close engine store: %v", err)
		}
	})
	return s
}

func TestEngineStoreContract(t *testing.T) {
	t.Run("Memory", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) engineapi.Store { return MustEngineStore(t, MustOpenDB(t, sqlite.Memory)) })
	})
	t.Run("File", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) engineapi.Store {
			return MustEngineStore(t, MustOpenDB(t, filepath.Join(t.TempDir(), "engine.db")))
		})
	})
}

func TestEngineStoreNoncesPruned(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	s := MustEngineStore(t, db)
	ctx := context.Background()
	t0 := storetest.T0
	for _, n := range []string{"a", "b", "c"} {
		if _, err := s.UseNonce(ctx, "KD-A", n, t0.Add(time.Minute), t0); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := s.UseNonce(ctx, "KD-A", "d", t0.Add(20*time.Minute), t0.Add(10*time.Minute))
	if err != nil || !fresh {
		t.Fatal(fresh, err)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM engine_nonces`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("nonces kept after expiry: %d rows, want 1", n)
	}
}

func TestEngineStoreSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "engine.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.EngineStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dev := storetest.MustDevice(t, s, 1)
	a := storetest.App(1)
	if _, err := s.Ingest(context.Background(), dev, storetest.Intakes(t, dev, storetest.T0, a), storetest.T0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := MustEngineStore(t, MustOpenDB(t, path))
	res, err := s2.Ingest(context.Background(), dev, storetest.Intakes(t, dev, storetest.T0, a), storetest.T0)
	if err != nil || res[0].Outcome != engineapi.ItemDuplicate {
		t.Fatalf("after reopening: %+v, %v; want duplicate", res, err)
	}
}
