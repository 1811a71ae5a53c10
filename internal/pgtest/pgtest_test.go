package pgtest_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"enrolldesk/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Two tests get two databases of one cluster, each empty, reachable over
// TCP and the unix socket.
func TestDatabasesAreSeparate(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.DB(t), pgtest.DB(t)
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE x (n int)`); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'x'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the second database sees the first's table: %d, %v", n, err)
	}
	c := pgtest.Shared(t)
	var name string
	cs, err := pgx.Connect(ctx, c.SocketURL("postgres"))
	if err != nil {
		t.Fatalf("unix socket: %v", err)
	}
	defer cs.Close(ctx)
	if err := cs.QueryRow(ctx, `SELECT current_user`).Scan(&name); err != nil || name != "enrolldesk" {
		t.Fatalf("over the socket: %q, %v", name, err)
	}
}

// Stopping the cluster removes its directory.
func TestClusterRemovedOnClose(t *testing.T) {
	c, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	dir := c.Dir
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the cluster's directory %s is still there: %v", dir, err)
	}
}
