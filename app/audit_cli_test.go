package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
)

// auditDB makes an engine database whose audit log holds n entries.
func auditDB(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "engine.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.EngineStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2027, 5, 1, 9, 0, 0, 0, time.UTC)
	child := core.MakeResidentID("370102", time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC), 11)
	var evs []engineapi.AuditEvent
	for i := range n {
		evs = append(evs, engineapi.AuditEvent{Actor: fmt.Sprintf("staff:%d", i%3), At: t0.Add(time.Duration(i) * time.Minute),
			Action: "state", Subject: "app:A" + fmt.Sprint(i) + " child:" + child.Masked(),
			Before: "needs_review", After: "approved", Reason: "材料齐全"})
	}
	if err := s.Append(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// tamper runs SQL on the file as someone with the file would.
func tamper(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func wantBroken(t *testing.T, r run, words string) {
	t.Helper()
	t.Log(r.out)
	if r.code != 1 || !strings.Contains(r.out, words) {
		t.Fatalf("audit verify exit %d, output:\n%s%s\nwant exit 1 naming %q", r.code, r.out, r.err, words)
	}
}

func TestAuditVerifyWhole(t *testing.T) {
	path := auditDB(t, 12)
	r := cli(t, "", "audit", "verify", "--db", path)
	if r.code != 0 || !strings.Contains(r.out, "whole: 12 entries") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.out, r.err)
	}
	r = cli(t, "", "audit", "list", "--db", path, "--limit", "3")
	if r.code != 0 || !strings.Contains(r.out, "needs_review → approved") || strings.Count(r.out, "\n") != 4 {
		t.Fatalf("audit list exit %d:\n%s%s", r.code, r.out, r.err)
	}
}

func TestAuditVerifyNamesTheTamperedEntry(t *testing.T) {
	t.Run("ChangedByte", func(t *testing.T) {
		path := auditDB(t, 12)
		tamper(t, path, `UPDATE engine_audit SET subject = 'app:B' || substr(subject, 6) WHERE seq = 5`)
		wantBroken(t, cli(t, "", "audit", "verify", "--db", path), "entry 5 was changed")
	})
	t.Run("ChangedTime", func(t *testing.T) {
		path := auditDB(t, 12)
		tamper(t, path, `UPDATE engine_audit SET at = at + 1 WHERE seq = 12`)
		wantBroken(t, cli(t, "", "audit", "verify", "--db", path), "entry 12 was changed")
	})
	t.Run("TimeMadeText", func(t *testing.T) {
		path := auditDB(t, 12)
		tamper(t, path, `UPDATE engine_audit SET at = 'yesterday' WHERE seq = 4`)
		wantBroken(t, cli(t, "", "audit", "verify", "--db", path), "entry 4 was changed")
	})
	t.Run("Deleted", func(t *testing.T) {
		path := auditDB(t, 12)
		tamper(t, path, `DELETE FROM engine_audit WHERE seq = 7`)
		wantBroken(t, cli(t, "", "audit", "verify", "--db", path), "entry 7 was deleted")
	})
	t.Run("DeletedAndRenumbered", func(t *testing.T) {
		path := auditDB(t, 12)
		tamper(t, path, `DELETE FROM engine_audit WHERE seq = 7`,
			`UPDATE engine_audit SET seq = -seq WHERE seq > 7`, `UPDATE engine_audit SET seq = -seq - 1 WHERE seq < 0`)
		wantBroken(t, cli(t, "", "audit", "verify", "--db", path), "entry 7 was deleted")
	})
	t.Run("Inserted", func(t *testing.T) {
		path := auditDB(t, 12)
		// A forger who knows the format links the new entry to entry 4
		// and renumbers the rest.
		prev := hashOf(t, path, 4)
		forged, _ := audit.Head{Seq: 4, Hash: prev}.Next(engineapi.AuditEvent{Actor: "staff:9",
			At: time.Date(2027, 5, 1, 9, 4, 30, 0, time.UTC), Action: "state", After: "approved"})
		tamper(t, path, `UPDATE engine_audit SET seq = -seq WHERE seq >= 5`, `UPDATE engine_audit SET seq = -seq + 1 WHERE seq < 0`,
			fmt.Sprintf(`INSERT INTO engine_audit (seq, prev, hash, actor, at, action, after_state) VALUES (5, x'%s', x'%s', '%s', %d, '%s', '%s')`,
				forged.Prev, forged.Hash, forged.Actor, forged.At.UnixNano(), forged.Action, forged.After))
		wantBroken(t, cli(t, "", "audit", "verify", "--db", path), "entry 5 was inserted")
	})
	t.Run("InsertedAtTheEndWithAMadeUpHash", func(t *testing.T) {
		path := auditDB(t, 12)
		tamper(t, path, `INSERT INTO engine_audit (seq, prev, hash, actor, at, action) VALUES (13, randomblob(32), randomblob(32), 'staff:9', 0, 'state')`)
		wantBroken(t, cli(t, "", "audit", "verify", "--db", path), "entry 13")
	})
	t.Run("Swapped", func(t *testing.T) {
		path := auditDB(t, 12)
		tamper(t, path, `UPDATE engine_audit SET seq = -1 WHERE seq = 8`, `UPDATE engine_audit SET seq = 8 WHERE seq = 9`,
			`UPDATE engine_audit SET seq = 9 WHERE seq = -1`)
		wantBroken(t, cli(t, "", "audit", "verify", "--db", path), "entry 8 was moved")
	})
	t.Run("SwappedContents", func(t *testing.T) {
		path := auditDB(t, 12)
		// Every column but seq exchanged between rows 3 and 10.
		tamper(t, path, `CREATE TABLE t AS SELECT * FROM engine_audit WHERE seq IN (3, 10)`,
			`UPDATE engine_audit SET (prev, hash, actor, at, action, subject, before_state, after_state, reason, detail) =
				(SELECT prev, hash, actor, at, action, subject, before_state, after_state, reason, detail FROM t
				 WHERE t.seq = CASE engine_audit.seq WHEN 3 THEN 10 ELSE 3 END) WHERE seq IN (3, 10)`)
		r := cli(t, "", "audit", "verify", "--db", path)
		wantBroken(t, r, "entry 3 was moved")
	})
}

func hashOf(t *testing.T, path string, seq int) audit.Hash {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b []byte
	if err := db.QueryRow(`SELECT hash FROM engine_audit WHERE seq = ?`, seq).Scan(&b); err != nil {
		t.Fatal(err)
	}
	h, _ := audit.HashFromBytes(b)
	return h
}

func TestAuditAnchorCatchesAWholeChainRewrite(t *testing.T) {
	path := auditDB(t, 12)
	anchors := filepath.Join(t.TempDir(), "anchors.txt")
	if r := cli(t, "", "audit", "anchor", "--db", path, "--anchor", anchors); r.code != 0 {
		t.Fatalf("anchor exit %d:\n%s%s", r.code, r.out, r.err)
	}
	if r := cli(t, "", "audit", "verify", "--db", path, "--anchor", anchors); r.code != 0 {
		t.Fatalf("verify against a fresh anchor: exit %d\n%s%s", r.code, r.out, r.err)
	}
	// Change entry 3 and recompute every hash after it: the chain is
	// self-consistent again.
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT seq, prev, hash, actor, at, action, subject, before_state, after_state, reason, detail FROM engine_audit ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var es []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var prev, hash []byte
		var at int64
		if err := rows.Scan(&e.Seq, &prev, &hash, &e.Actor, &at, &e.Action, &e.Subject, &e.Before, &e.After, &e.Reason, &e.Detail); err != nil {
			t.Fatal(err)
		}
		e.At = time.Unix(0, at).UTC()
		es = append(es, e)
	}
	rows.Close()
	es[2].Reason = "材料不全"
	h := audit.Head{Seq: 2, Hash: hashOf(t, path, 2)}
	for i := 2; i < len(es); i++ {
		var e audit.Entry
		e, h = h.Next(es[i].Event())
		if _, err := db.Exec(`UPDATE engine_audit SET prev = ?, hash = ?, reason = ? WHERE seq = ?`, e.Prev[:], e.Hash[:], e.Reason, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if r := cli(t, "", "audit", "verify", "--db", path); r.code != 0 {
		t.Fatalf("a whole-chain rewrite is self-consistent; plain verify exit %d\n%s", r.code, r.out)
	}
	wantBroken(t, cli(t, "", "audit", "verify", "--db", path, "--anchor", anchors), "entry 12 does not match the anchor")
	// The anchor command refuses to vouch for the rewritten chain.
	if r := cli(t, "", "audit", "anchor", "--db", path, "--anchor", anchors); r.code != 1 {
		t.Fatalf("anchoring a chain that fails its anchors: exit %d\n%s", r.code, r.out)
	}
}

func TestAuditAnchorCatchesACutTail(t *testing.T) {
	path := auditDB(t, 12)
	anchors := filepath.Join(t.TempDir(), "anchors.txt")
	if r := cli(t, "", "audit", "anchor", "--db", path, "--anchor", anchors); r.code != 0 {
		t.Fatalf("anchor exit %d:\n%s%s", r.code, r.out, r.err)
	}
	tamper(t, path, `DELETE FROM engine_audit WHERE seq > 10`)
	if r := cli(t, "", "audit", "verify", "--db", path); r.code != 0 {
		t.Fatalf("plain verify cannot see a cut tail; exit %d", r.code)
	}
	wantBroken(t, cli(t, "", "audit", "verify", "--db", path, "--anchor", anchors), "entry 11 was deleted")
}

func TestAuditCommandsRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"audit", "verify"}, 2, "--db ENGINE.db is required"},
		{[]string{"audit", "verify", "--db", filepath.Join(dir, "none.db")}, 2, "cannot read"},
		{[]string{"audit", "anchor", "--db", "x.db"}, 2, "--anchor FILE"},
		{[]string{"audit", "list", "--db", "x.db", "--limit", "0"}, 2, "at least 1"},
	} {
		r := cli(t, "", c.args...)
		if r.code != c.code || !strings.Contains(r.err, c.says) {
			t.Errorf("%v: exit %d %q, want %d saying %q", c.args, r.code, r.err, c.code, c.says)
		}
	}
	path := auditDB(t, 2)
	bad := filepath.Join(dir, "anchors.txt")
	if err := os.WriteFile(bad, []byte("enrolldesk-audit-anchor v1 seq=1 hash=zz at=now\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := cli(t, "", "audit", "verify", "--db", path, "--anchor", bad); r.code != 1 || !strings.Contains(r.err, "line 1") {
		t.Errorf("damaged anchor file: exit %d %q", r.code, r.err)
	}
}
