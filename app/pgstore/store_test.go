package pgstore_test

import (
	"context"
	"os"
	"testing"

	"enrolldesk/app/pgstore"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
	"enrolldesk/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// MustOpen opens the store on a new database of the test cluster.
func MustOpen(tb testing.TB) (*pgstore.Store, string) {
	tb.Helper()
	url := pgtest.DB(tb)
	s, err := pgstore.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, url
}

// The whole store contract, on a real PostgreSQL.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) engineapi.Store { s, _ := MustOpen(t); return s })
}
