package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"enrolldesk/app/pgstore"
	"enrolldesk/internal/pgtest"
)

// On PostgreSQL `audit verify` first chains the entries an engine
// committed but did not chain (here: one killed right after its commits),
// then verifies: they are counted, and the chain is whole.
func TestPGAuditVerifyChainsPendingEntries(t *testing.T) {
	url := pgtest.DB(t)
	ctx := context.Background()
	s, err := pgstore.Open(ctx, url) // migrates
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO engine_audit_journal (actor, at, action, subject)
		SELECT 'engine', 1800000000000000000 + g, 'lookup', 'n' || g FROM generate_series(1, 3) g`); err != nil {
		t.Fatal(err)
	}
	r := cli(t, "", "audit", "verify", "--db", url)
	if r.code != 0 || !strings.Contains(r.out, "audit log whole: 3 entries") {
		t.Fatalf("audit verify = %d %q %q; want the 3 journalled entries chained and whole", r.code, r.out, r.err)
	}
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM engine_audit_journal`).Scan(&left); err != nil || left != 0 {
		t.Errorf("journal holds %d rows (%v) after verify, want none", left, err)
	}
	if _, err := conn.Exec(ctx, `UPDATE engine_audit SET subject = 'forged' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	if r := cli(t, "", "audit", "verify", "--db", url); r.code == 0 || !strings.Contains(r.out, "entry 2 was changed") {
		t.Errorf("audit verify after a change = %d %q; want entry 2 named", r.code, r.out)
	}
}
