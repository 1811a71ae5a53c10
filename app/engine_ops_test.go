package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"enrolldesk/app"
	"enrolldesk/core/engineapi"
	"enrolldesk/internal/pgtest"
)

// The staff commands work on a PostgreSQL engine as on a SQLite one, and
// migrating twice changes nothing.
func TestEngineCommandsOnPostgreSQL(t *testing.T) {
	url := pgtest.DB(t)
	for range 2 {
		if r := cli(t, "", "engine", "migrate", "--db", url); r.code != 0 || !strings.Contains(r.err, "latest schema") {
			t.Fatalf("engine migrate: %d %q", r.code, r.err)
		}
	}
	keyDir := t.TempDir()
	if r := cli(t, "", "engine", "device", "add", "--db", url, "--name", "x"); r.code != 2 || !strings.Contains(r.err, "--key-dir") {
		t.Errorf("device add on PostgreSQL without --key-dir: %d %q; want 2 naming --key-dir", r.code, r.err)
	}
	r := cli(t, "", "engine", "device", "add", "--db", url, "--key-dir", keyDir, "--name", "市民中心 1号机", "--json")
	var added deviceOut
	if r.code != 0 || json.Unmarshal([]byte(r.out), &added) != nil || added.Code == "" {
		t.Fatalf("device add: %d %q %q", r.code, r.out, r.err)
	}
	if r = cli(t, "", "engine", "device", "revoke", "--db", url, added.ID); r.code != 0 {
		t.Fatalf("device revoke: %d %q", r.code, r.err)
	}
	r = cli(t, "", "engine", "device", "list", "--db", url, "--json")
	var list []deviceOut
	if r.code != 0 || json.Unmarshal([]byte(r.out), &list) != nil || len(list) != 1 || list[0].Status != "revoked" {
		t.Fatalf("device list: %d %q", r.code, r.out)
	}
	if r = cli(t, "", "engine", "applications", "--db", url, "--json"); r.code != 0 || strings.TrimSpace(r.out) != "[]" {
		t.Fatalf("applications: %d %q %q", r.code, r.out, r.err)
	}
	// The audit log on PostgreSQL: the device's issue and revocation, chained.
	if r = cli(t, "", "audit", "verify", "--db", url); r.code != 0 {
		t.Errorf("audit verify: %d %q %q", r.code, r.out, r.err)
	}
	if r = cli(t, "", "audit", "list", "--db", url); r.code != 0 || !strings.Contains(r.out, "device.add") || !strings.Contains(r.out, "device.revoke") {
		t.Errorf("audit list: %d %q %q", r.code, r.out, r.err)
	}
}

func TestEngineMigrateRefusals(t *testing.T) {
	if r := cli(t, "", "engine", "migrate"); r.code != 2 || !strings.Contains(r.err, "--db") {
		t.Errorf("migrate without --db: %d %q", r.code, r.err)
	}
	r := cli(t, "", "engine", "migrate", "--db", "postgres://enrolldesk@127.0.0.1:1/none?sslmode=disable&connect_timeout=5")
	if r.code != 1 || !strings.Contains(r.err, "connect to PostgreSQL at 127.0.0.1:1/none") {
		t.Errorf("migrate with no server: %d %q; want exit 1 naming the address", r.code, r.err)
	}
}

// A SQLite engine is backed up while it runs and the copy opens as the
// engine's database; a backup never overwrites, and a PostgreSQL URL is
// pointed at pg_dump.
func TestEngineBackupSQLite(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "engine.db")
	if r := cli(t, "", "engine", "migrate", "--db", db); r.code != 0 {
		t.Fatalf("migrate: %d %q", r.code, r.err)
	}
	r := cli(t, "", "engine", "device", "add", "--db", db, "--name", "backup-me", "--json")
	var added deviceOut
	if r.code != 0 || json.Unmarshal([]byte(r.out), &added) != nil {
		t.Fatalf("device add: %d %q", r.code, r.err)
	}
	e, err := app.OpenEngine(context.Background(), app.EngineConfig{DB: db, DataDir: dir, TrustKioskDecisions: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close() // the engine is running while the backup is taken
	copyPath := filepath.Join(dir, "engine-backup.db")
	if r = cli(t, "", "engine", "backup", "--db", db, "--to", copyPath); r.code != 0 {
		t.Fatalf("backup: %d %q", r.code, r.err)
	}
	if r = cli(t, "", "engine", "device", "list", "--db", copyPath); r.code != 0 || !strings.Contains(r.out, added.ID) {
		t.Fatalf("the backup's devices: %d %q %q", r.code, r.out, r.err)
	}
	if r = cli(t, "", "engine", "backup", "--db", db, "--to", copyPath); r.code != 2 || !strings.Contains(r.err, "exists already") {
		t.Errorf("backup over an existing file: %d %q", r.code, r.err)
	}
	if r = cli(t, "", "engine", "backup", "--db", "postgres://x@127.0.0.1/y", "--to", filepath.Join(dir, "x")); r.code != 2 || !strings.Contains(r.err, "pg_dump") {
		t.Errorf("backup of a PostgreSQL URL: %d %q", r.code, r.err)
	}
}

// On PostgreSQL the staff desk (SQLite-only for now) is refused in plain
// words — 503 no_staff for a staff path this build has, 404 for one it
// has not — while the engine itself works.
func TestPGEngineHasNoStaffDesk(t *testing.T) {
	dir := t.TempDir()
	url := pgtest.DB(t)
	if _, err := app.OpenEngine(context.Background(), app.EngineConfig{DB: url, DataDir: dir, TrustKioskDecisions: true}); err == nil ||
		!strings.Contains(err.Error(), "--key-dir") {
		t.Errorf("an engine on PostgreSQL without a key directory: %v; want a refusal naming --key-dir", err)
	}
	e, err := app.OpenEngine(context.Background(), app.EngineConfig{DB: url, DataDir: dir, KeyDir: dir, TrustKioskDecisions: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+engineapi.PathStaffMe, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body engineapi.Error
	err = json.NewDecoder(resp.Body).Decode(&body)
	refused := (resp.StatusCode == http.StatusServiceUnavailable && body.Reason == engineapi.ReasonNoStaffDesk) ||
		(resp.StatusCode == http.StatusNotFound && body.Reason == engineapi.ReasonNotFound)
	if err != nil || !refused || body.Message == "" {
		t.Errorf("staff request on PostgreSQL = %d %+v, %v; want 503 %s with a message", resp.StatusCode, body, err, engineapi.ReasonNoStaffDesk)
	}
	if _, code, err := e.AddDevice(context.Background(), "hall"); err != nil || code == "" {
		t.Fatalf("add device on PostgreSQL: %v", err)
	}
}
