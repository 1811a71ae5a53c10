package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"enrolldesk/app/demo"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
	"enrolldesk/core/memcity"
)

// auditBenchBatch is a kiosk's push: 50 applications (as the ingest
// benchmarks of app/engine_bench_test.go).
const auditBenchBatch = 50

var auditBenchNow = time.Date(2027, 6, 15, 9, 30, 0, 0, time.UTC)

// auditBenchTemplate is a submitted application with the full decision of
// a real look-up in a small demo city (evidence, zone, schools), so the
// rows are the size kiosks send.
func auditBenchTemplate(tb testing.TB) core.Application {
	tb.Helper()
	ctx := context.Background()
	city := memcity.New()
	if _, err := demo.Generate(ctx, city, demo.Options{Families: 300, Seed: 11}); err != nil {
		tb.Fatal(err)
	}
	ps, err := city.Personas(ctx)
	if err != nil || len(ps) == 0 {
		tb.Fatalf("personas: %v", err)
	}
	policy, err := policyfile.Default()
	if err != nil {
		tb.Fatal(err)
	}
	reg := &core.Registrar{Sources: core.SourcesOf(city), Policy: policy, Now: func() time.Time { return auditBenchNow }}
	res, err := reg.Lookup(ctx, string(ps[0].GuardianID), string(ps[0].ChildID), ps[0].Stage)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := core.Submit(core.Submission{Draft: res.Application, Phone: "13800138000", Consent: true,
		Choices: res.Decision.Schools(), KioskID: "KIOSK-BENCH", At: auditBenchNow})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// auditBenchBatches returns n applications for n children, decided as an
// engine would store them, in pushes of auditBenchBatch.
func auditBenchBatches(tb testing.TB, dev string, n int) [][]engineapi.Intake {
	tmpl := auditBenchTemplate(tb)
	d := &engineapi.Decider{Year: auditBenchNow.Year()}
	first := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	var out [][]engineapi.Intake
	for i := 0; i < n; i += auditBenchBatch {
		var batch []engineapi.Intake
		for j := i; j < min(i+auditBenchBatch, n); j++ {
			a := tmpl
			a.ID = core.NewApplicationID()
			a.RegNo = core.RegNo(a.ID, a.Stage, auditBenchNow)
			a.Child.ID = core.MakeResidentID("370102", first.AddDate(0, 0, j/499), j%499*2+1)
			in, err := d.Decide(context.Background(), dev, a, auditBenchNow)
			if err != nil || in.Refused != nil {
				tb.Fatal(err, in.Refused)
			}
			batch = append(batch, in)
		}
		out = append(out, batch)
	}
	return out
}

// BenchmarkAuditIngestOverhead ingests the same realistic batches into two
// engine stores on SQLite files (synchronous=FULL, as the engine runs),
// one appending an audit entry per application and one with the audit
// hook off, batch by batch in turn so machine load falls on both alike.
// One op is one application. It reports the time per application of each
// and the audit's extra share of wall time (goal ≤ 20 %), and of CPU time
// (process user+system, which machine load skews less): the median over
// the batches of audited ÷ unaudited, so a stall of the shared disk or CPU
// in one batch does not decide the figure.
func BenchmarkAuditIngestOverhead(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	with := MustEngineStore(b, MustOpenDB(b, filepath.Join(dir, "with.db")))
	without := MustEngineStore(b, MustOpenDB(b, filepath.Join(dir, "without.db")))
	without.SetAuditOff(true)
	dev := storetest.MustDevice(b, with, 1)
	if d2 := storetest.MustDevice(b, without, 1); d2 != dev {
		b.Fatal(d2)
	}
	batches := auditBenchBatches(b, dev, b.N)
	var tWith, tWithout time.Duration
	var wallRatios, cpuRatios []float64 // per batch, audited ÷ unaudited
	ingest := func(s *sqlite.EngineStore, batch []engineapi.Intake) (wall, cpu time.Duration) {
		c0, _ := cpuTime()
		start := time.Now()
		res, err := s.Ingest(ctx, dev, batch, auditBenchNow)
		wall = time.Since(start)
		c1, _ := cpuTime()
		cpu = c1 - c0
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Outcome != engineapi.ItemAccepted {
				b.Fatalf("item %+v", r)
			}
		}
		return wall, cpu
	}
	b.ResetTimer()
	for i, batch := range batches {
		var w1, c1, w0, c0 time.Duration
		if i%2 == 0 {
			w1, c1 = ingest(with, batch)
			w0, c0 = ingest(without, batch)
		} else {
			w0, c0 = ingest(without, batch)
			w1, c1 = ingest(with, batch)
		}
		tWith, tWithout = tWith+w1, tWithout+w0
		wallRatios = append(wallRatios, float64(w1)/float64(w0))
		if c0 > 0 {
			cpuRatios = append(cpuRatios, float64(c1)/float64(c0))
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(tWith.Nanoseconds())/n, "ns/app-audited")
	b.ReportMetric(float64(tWithout.Nanoseconds())/n, "ns/app-unaudited")
	b.ReportMetric(100*(median(wallRatios)-1), "%-audit-extra")
	if len(cpuRatios) > 0 {
		b.ReportMetric(100*(median(cpuRatios)-1), "%-audit-extra-cpu")
	}
	if n, _, brk, err := audit.Verify(ctx, with, nil); err != nil || brk != nil || n != int64(b.N)+2 {
		b.Fatalf("the audited store's chain: %d, %v, %v", n, brk, err)
	}
}

// auditMillion is the size of the verify benchmark's log.
const auditMillion = 1_000_000

var auditMillionDB struct {
	once sync.Once
	path string
	err  error
}

// auditMillionPath builds (once a process, and reuses from an earlier run
// when whole) a SQLite file whose audit log holds a million entries like
// an engine's: ingests, state changes, look-ups.
func auditMillionPath(tb testing.TB) string {
	tb.Helper()
	auditMillionDB.once.Do(func() {
		path := filepath.Join(os.TempDir(), "enrolldesk-bench-audit-1m-v1.db")
		auditMillionDB.path = path
		if db, err := sqlite.Open(path); err == nil {
			var n int64
			err = db.SQL().QueryRow(`SELECT coalesce(max(seq), 0) FROM engine_audit`).Scan(&n)
			db.Close()
			if err == nil && n == auditMillion {
				return
			}
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
		auditMillionDB.err = buildAuditMillion(path)
	})
	if auditMillionDB.err != nil {
		tb.Fatalf("build the 1M-entry log: %v", auditMillionDB.err)
	}
	return auditMillionDB.path
}

func buildAuditMillion(path string) error {
	ctx := context.Background()
	db, err := sqlite.Open(path, sqlite.WithSynchronous(sqlite.SyncOff))
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := db.EngineStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	const chunk = 100_000
	first := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]engineapi.AuditEvent, chunk)
	for done := 0; done < auditMillion; done += chunk {
		for i := range evs {
			k := done + i
			child := core.MakeResidentID("370102", first.AddDate(0, 0, k/499), k%499*2+1)
			ev := engineapi.AuditEvent{Actor: fmt.Sprintf("device:KD-BENCH%04d", k%40), At: auditBenchNow.Add(time.Duration(k) * time.Second),
				Action: "ingest", Subject: fmt.Sprintf("app:01JBENCH%017d child:%s", k, child.Masked()),
				After: "verified", Detail: engineapi.ItemAccepted}
			switch k % 10 {
			case 7:
				ev.Actor, ev.Action, ev.Before, ev.After, ev.Reason, ev.Detail = "staff:reviewer-3", "state", "needs_review", "returned", "请补充租赁备案证明", ""
			case 9:
				ev.Action, ev.Subject, ev.After, ev.Detail = "lookup", "child:"+child.Masked(), "", "stage=primary category=A 房户一致"
			}
			evs[i] = ev
		}
		if err := s.Append(ctx, evs); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkAuditVerify1M walks a million-entry log as `enrolldesk audit
// verify` does: read every row, recompute every hash, check every link
// (goal ≤ 5 s a walk). One op is one whole walk; it also reports the
// process's CPU seconds a walk (user+system, all threads), which machine
// load skews less than the wall clock.
func BenchmarkAuditVerify1M(b *testing.B) {
	path := auditMillionPath(b)
	s := MustEngineStore(b, MustOpenDB(b, path))
	ctx := context.Background()
	b.ResetTimer()
	c0, _ := cpuTime()
	for b.Loop() {
		n, _, brk, err := audit.Verify(ctx, s, nil)
		if err != nil || brk != nil || n != auditMillion {
			b.Fatalf("verify: %d, %v, %v", n, brk, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/verify")
	if c1, ok := cpuTime(); ok {
		b.ReportMetric((c1-c0).Seconds()/float64(b.N), "cpu-s/verify")
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
