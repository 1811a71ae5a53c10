package pgstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"enrolldesk/app/pgstore"
	"enrolldesk/core"
	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
	"enrolldesk/internal/pgtest"
)

// openQuiet opens a store without its background chainer on a new
// database, so a test decides when chaining happens.
func openQuiet(t *testing.T) (*pgstore.Store, string) {
	t.Helper()
	url := pgtest.DB(t)
	s, err := pgstore.OpenQuiet(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// mustWhole verifies the chain and returns its entries in order.
func mustWhole(t *testing.T, s *pgstore.Store) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	count, _, brk, err := audit.Verify(ctx, s, nil)
	if err != nil || brk != nil {
		t.Fatalf("verify: %v, %+v; want a whole chain", err, brk)
	}
	var out []audit.Entry
	if err := s.WalkAudit(ctx, func(e audit.Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if int64(len(out)) != count {
		t.Fatalf("walked %d entries, verified %d", len(out), count)
	}
	return out
}

// Two engine processes ingest at once, each with its background chainer:
// the journal empties without anyone asking, and the chain holds exactly
// one entry per event — every application's ingest entry once.
func TestAuditJournalChainsConcurrentIngest(t *testing.T) {
	a, b := twoStores(t)
	ctx := context.Background()
	devA, devB := storetest.MustDevice(t, a, 1), storetest.MustDevice(t, b, 2)
	const perWriter, batch = 40, 5
	var wg sync.WaitGroup
	for k, w := range []struct {
		s   *pgstore.Store
		dev string
	}{{a, devA}, {a, devA}, {b, devB}, {b, devB}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWriter; i += batch {
				var apps []core.Application
				for j := range batch {
					apps = append(apps, storetest.App(1000*k+i+j))
				}
				if _, err := w.s.Ingest(ctx, w.dev, storetest.Intakes(t, w.dev, storetest.T0, apps...), storetest.T0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// The background chainers (every 200 ms) empty the journal.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := a.AuditPending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still in the journal: the background chainers did not chain them", n)
		}
	}
	entries := mustWhole(t, b)
	const total = 4 * perWriter
	if want := 4 + total; len(entries) != want { // 2 device.add + 2 device.register
		t.Fatalf("%d entries, want %d: one per event", len(entries), want)
	}
	seen := map[string]int{}
	for _, e := range entries {
		if e.Action == "ingest" {
			seen[e.Subject]++
		}
	}
	if len(seen) != total {
		t.Errorf("%d applications have an ingest entry, want %d", len(seen), total)
	}
	for subj, n := range seen {
		if n != 1 {
			t.Errorf("%s has %d ingest entries, want 1", subj, n)
		}
	}
}

// journalRow journals one entry in tx as a store's transaction would.
func journalRow(t *testing.T, tx pgx.Tx, subject string) {
	t.Helper()
	if _, err := tx.Exec(context.Background(), `INSERT INTO engine_audit_journal (actor, at, action, subject) VALUES ('engine', $1, 'test', $2)`,
		storetest.T0.UnixNano(), subject); err != nil {
		t.Fatal(err)
	}
}

// A transaction that drew the lower journal id commits after one with a
// higher id was chained: its entry is still chained, once, after it. A
// transaction still running holds nothing back; a rolled-back row is
// never chained.
func TestAuditJournalOutOfIDOrder(t *testing.T) {
	s, _ := openQuiet(t)
	ctx := context.Background()
	pool := s.Pool()
	chain := func(want int) {
		t.Helper()
		n, err := s.ChainOnce(ctx)
		if err != nil || n != want {
			t.Fatalf("chained %d entries (%v), want %d", n, err, want)
		}
	}

	older, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer older.Rollback(ctx) //nolint:errcheck // committed below
	late, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Rollback(ctx)      //nolint:errcheck // committed below
	journalRow(t, late, "late")   // journal id 1, committed last
	journalRow(t, older, "early") // journal id 2, committed first
	if err := older.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	chain(1) // id 2; id 1 is not committed yet
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	chain(1) // id 1, committed after id 2 was chained
	chain(0) // nothing twice

	running, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Rollback(ctx) //nolint:errcheck // rolled back below
	journalRow(t, running, "rolled back")
	if err := s.Append(ctx, []engineapi.AuditEvent{{Actor: "engine", At: storetest.T0, Action: "test", Subject: "after"}}); err != nil {
		t.Fatal(err)
	}
	chain(1) // "after", though a transaction with a lower id still runs
	if err := running.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	chain(0)

	var got []string
	for _, e := range mustWhole(t, s) {
		got = append(got, e.Subject)
	}
	if want := []string{"early", "late", "after"}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("chained %q, want %q", got, want)
	}
	if n, err := s.AuditPending(ctx); err != nil || n != 0 {
		t.Errorf("journal holds %d rows (%v), want none", n, err)
	}
}

// An engine process killed before its entries were chained loses none:
// they are in the journal, committed with its changes, and the next
// process chains them.
func TestAuditJournalSurvivesAKilledProcess(t *testing.T) {
	killed, url := openQuiet(t)
	ctx := context.Background()
	dev := storetest.MustDevice(t, killed, 1)
	for i := 0; i < 15; i += 5 {
		apps := []core.Application{storetest.App(i), storetest.App(i + 1), storetest.App(i + 2), storetest.App(i + 3), storetest.App(i + 4)}
		if _, err := killed.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, apps...), storetest.T0); err != nil {
			t.Fatal(err)
		}
		if _, err := killed.SetState(ctx, apps[0].ID, core.StateApproved, "staff:王老师", "", storetest.T0); err != nil {
			t.Fatal(err)
		}
	}
	const want = 2 + 15 + 3 // device.add, device.register, ingests, state changes
	if n, err := killed.AuditPending(ctx); err != nil || n != want {
		t.Fatalf("journal holds %d entries (%v) before the kill, want %d", n, err, want)
	}
	killed.Abandon()

	next, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if pending, err := next.FlushAudit(ctx); err != nil || pending != 0 {
		t.Fatalf("flush: %d left, %v", pending, err)
	}
	if got := mustWhole(t, next); len(got) != want {
		t.Errorf("%d entries after the kill, want %d", len(got), want)
	}
	h, err := next.AuditHead(ctx)
	if err != nil || h.Seq != want {
		t.Errorf("head %+v (%v), want entry %d", h, err, want)
	}
}

// A process that stops (Close, as at the engine's shutdown) chains what it
// committed before it goes: nothing waits in the journal for another one.
func TestAuditJournalChainedAtClose(t *testing.T) {
	s, url := openQuiet(t)
	ctx := context.Background()
	storetest.MustDevice(t, s, 1)
	if err := s.Append(ctx, []engineapi.AuditEvent{{Actor: "device:KD-TEST001", At: storetest.T0, Action: "lookup", Subject: "n1"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.AuditPending(ctx); err != nil || n != 3 {
		t.Fatalf("journal holds %d entries (%v) before the stop, want 3", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var journal, chained int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM engine_audit_journal), (SELECT count(*) FROM engine_audit)`).Scan(&journal, &chained); err != nil {
		t.Fatal(err)
	}
	if journal != 0 || chained != 3 {
		t.Errorf("after Close: %d in the journal, %d chained; want 0 and 3", journal, chained)
	}
}
