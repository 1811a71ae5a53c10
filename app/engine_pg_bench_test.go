package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"enrolldesk/app"
	"enrolldesk/app/engine"
	"enrolldesk/app/pgstore"
	"enrolldesk/app/sqlite"
	"enrolldesk/core/engineapi"
	"enrolldesk/internal/pgtest"
)

// The PostgreSQL benchmarks run on a throwaway cluster that commits
// durably (fsync and synchronous_commit on), like a production server.

// newPGEngineRig is newEngineRigWith on PostgreSQL at url.
func newPGEngineRig(tb testing.TB, url string, trust bool) *engineRig {
	tb.Helper()
	cfg := app.EngineConfig{DB: url, DataDir: tb.TempDir(), KeyDir: pgKeyDir(tb, url), Now: func() time.Time { return engineNow }, CityDB: engineCityPath(tb),
		TrustKioskDecisions: trust,
		LookupPerMinute:     -1} // the rigs measure and test the engine, not the look-up limit (tested in app/engine)
	if trust {
		cfg.CityDB = ""
	}
	e, err := app.OpenEngine(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	tb.Cleanup(func() {
		srv.Close()
		if err := e.Close(); err != nil {
			tb.Errorf("close engine: %v", err)
		}
	})
	return &engineRig{tb: tb, e: e, srv: srv}
}

// BenchmarkIngest20KiosksPostgreSQL is BenchmarkIngest20Kiosks on
// PostgreSQL: 20 kiosks push batches of 50 at once over loopback HTTP to
// an engine deciding every item on its city data. In the same run it
// pushes the same applications to an engine trusting the kiosks, and
// writes the same rows raw into the same cluster (pgstore.RawIngest: one
// transaction per batch of 50, plain INSERTs pipelined) from 20 writers at
// once and from one; %-of-raw is the engine's share of the 20-writer raw
// rate.
func BenchmarkIngest20KiosksPostgreSQL(b *testing.B) {
	apps := engineBenchApps(b, b.N)
	work := pushBodies(b, apps, benchKiosks)
	decide := newPGEngineRig(b, pgtest.DurableDB(b), false)
	trust := newPGEngineRig(b, pgtest.DurableDB(b), true)
	b.ResetTimer()
	rate := ingestRate(b, decide, work, b.N)
	b.StopTimer()
	trusted := ingestRate(b, trust, work, b.N)
	rows := rawRows(b, apps)
	raw := pgRawIngestRate(b, pgtest.DurableDB(b), rows, benchKiosks)
	raw1 := pgRawIngestRate(b, pgtest.DurableDB(b), rows, 1)
	b.ReportMetric(rate, "apps/s")
	b.ReportMetric(trusted, "trust-apps/s")
	b.ReportMetric(raw, "raw-apps/s")
	b.ReportMetric(raw1, "raw1-apps/s")
	b.ReportMetric(100*rate/raw, "%-of-raw")
	b.ReportMetric(100*trusted/raw, "trust-%-of-raw")
}

// pgRawIngestRate writes rows in batches of benchBatch into the database
// at url from writers goroutines at once and returns rows per second.
func pgRawIngestRate(tb testing.TB, url string, rows []sqlite.RawApplication, writers int) float64 {
	tb.Helper()
	ctx := context.Background()
	s, err := pgstore.Open(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	var batches [][]pgstore.RawApplication
	for i := 0; i < len(rows); i += benchBatch {
		var batch []pgstore.RawApplication
		for _, r := range rows[i:min(i+benchBatch, len(rows))] {
			batch = append(batch, pgstore.RawApplication(r))
		}
		batches = append(batches, batch)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(batches) {
					return
				}
				if err := s.RawIngest(ctx, fmt.Sprintf("KD-RAW%02d", w), batches[i], engineNow); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(len(rows)) / time.Since(start).Seconds()
}

// BenchmarkIngest20KiosksEnginesPostgreSQL: the real binary as one and
// then as two engine processes sharing one address (--reuseport) and one
// PostgreSQL database, 20 kiosks (one connection each, spread by the
// kernel) pushing batches of 50 at once, each engine deciding on the city
// data; and, in the same run, the 20-writer raw INSERT of the same rows.
// The processes sign and decide on the real clock.
func BenchmarkIngest20KiosksEnginesPostgreSQL(b *testing.B) {
	apps := engineBenchApps(b, b.N)
	// Taken an hour ago by kiosks enrolled since: numbers without a device
	// prefix are accepted from them (app/engine checkRegNo).
	for i := range apps {
		apps[i].CreatedAt = time.Now().Add(-time.Hour)
	}
	work := pushBodies(b, apps, benchKiosks)
	rates := map[int]float64{}
	for _, n := range []int{1, 2} {
		if n == 2 {
			b.ResetTimer()
		}
		rates[n] = enginesIngestRate(b, n, work, b.N)
		if n == 2 {
			b.StopTimer()
		}
	}
	raw := pgRawIngestRate(b, pgtest.DurableDB(b), rawRows(b, apps), benchKiosks)
	b.ReportMetric(rates[2], "apps/s")
	b.ReportMetric(rates[1], "one-engine-apps/s")
	b.ReportMetric(raw, "raw-apps/s")
	b.ReportMetric(100*rates[2]/raw, "%-of-raw")
	b.ReportMetric(100*rates[1]/raw, "one-engine-%-of-raw")
}

// enginesIngestRate starts n engine processes on a new database behind one
// address, registers benchKiosks devices and pushes work; every item must
// be accepted.
func enginesIngestRate(b *testing.B, n int, work [][][]byte, total int) float64 {
	b.Helper()
	url := pgtest.DurableDB(b)
	ctx := context.Background()
	s, err := pgstore.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	addr := freeLoopbackAddr(b)
	var procs []*engineProc
	for i := range n {
		procs = append(procs, startPGEngineBench(b, fmt.Sprintf("engine-%d", i+1), url, addr))
	}
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	keys := make([]replayKey, benchKiosks)
	for i := range keys {
		_, code, err := engine.AddDevice(ctx, s, fmt.Sprintf("bench-%02d", i), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		keys[i] = registerTestDevice(b, "http://"+addr, code)
	}
	var accepted, failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 5 * time.Minute}
			defer client.CloseIdleConnections()
			for _, body := range work[i] {
				got, err := pushSigned(client, "http://"+addr, k, body)
				accepted.Add(int64(got))
				if err != nil {
					failed.Add(1)
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	if int(accepted.Load()) != total || failed.Load() > 0 {
		b.Fatalf("%d engines: %d of %d accepted, %d pushes failed", n, accepted.Load(), total, failed.Load())
	}
	return float64(total) / secs
}

// startPGEngineBench starts a quiet engine process (no -v) with --reuseport.
func startPGEngineBench(tb testing.TB, name, url, listen string) *engineProc {
	tb.Helper()
	addr := make(chan string, 1)
	p := start(tb, name, func(line string) {
		if _, u, ok := cutListening(line); ok {
			select {
			case addr <- u:
			default:
			}
		}
	}, "engine", "--listen", listen, "--reuseport", "--db", url, "--key-dir", pgKeyDir(tb, url), "--city", engineCityPath(tb),
		"--data", tb.TempDir(), "--metrics-addr", "127.0.0.1:0")
	select {
	case a := <-addr:
		return &engineProc{proc: p, addr: a}
	case <-p.done:
		tb.Fatalf("%s exited: %v\n%s", name, p.err, p.log())
	case <-time.After(60 * time.Second):
		tb.Fatalf("%s printed no address:\n%s", name, p.log())
	}
	return nil
}

func cutListening(line string) (string, string, bool) {
	const mark = "listening on http://"
	i := bytes.Index([]byte(line), []byte(mark))
	if i < 0 {
		return "", "", false
	}
	return line[:i], line[i+len(mark):], true
}

// pushSigned sends one batch signed now by k and counts the accepted items.
func pushSigned(client *http.Client, base string, k replayKey, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, base+engineapi.PathPush, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	nonce, ts := engineNonce(), time.Now().Unix()
	req.Header.Set(engineapi.HeaderDevice, k.id)
	req.Header.Set(engineapi.HeaderTimestamp, fmt.Sprint(ts))
	req.Header.Set(engineapi.HeaderNonce, nonce)
	req.Header.Set(engineapi.HeaderSignature, engineapi.Sign(k.key, http.MethodPost, engineapi.PathPush, k.id, body, ts, nonce))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("push: %d %s", resp.StatusCode, raw)
	}
	var out engineapi.PushResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return 0, err
	}
	n := 0
	for _, res := range out.Results {
		if res.Outcome == engineapi.ItemAccepted {
			n++
		}
	}
	return n, nil
}

// BenchmarkEngineLookupPostgreSQL is the latency of one signed look-up
// through the engine's HTTP API on PostgreSQL (device read, the nonce
// committed durably, the look-up on the city data), one request at a
// time; in the same run the same requests through an engine on SQLite, for
// comparison (sqlite-p50-µs, sqlite-p99-µs).
func BenchmarkEngineLookupPostgreSQL(b *testing.B) {
	pg := newPGEngineRig(b, pgtest.DurableDB(b), false)
	lite := newEngineRig(b)
	city, err := sqlite.Open(engineCityPath(b))
	if err != nil {
		b.Fatal(err)
	}
	ps, err := city.City().Personas(context.Background())
	city.Close()
	if err != nil || len(ps) == 0 {
		b.Fatalf("personas: %v", err)
	}
	bodies := make([][]byte, len(ps))
	for i, p := range ps {
		bodies[i], _ = json.Marshal(engineapi.LookupRequest{Guardian: string(p.GuardianID), Child: string(p.ChildID), Stage: p.Stage})
	}
	run := func(r *engineRig, n int) []time.Duration {
		k := r.kiosk("lookup")
		lat := make([]time.Duration, 0, n)
		for i := range n {
			body := bodies[i%len(bodies)]
			t0 := time.Now()
			st, out := r.post(engineapi.PathLookup, body, k.signer(engineapi.PathLookup, body, engineNow))
			if st != http.StatusOK {
				b.Fatalf("look-up: %d %s", st, out)
			}
			lat = append(lat, time.Since(t0))
		}
		return lat
	}
	b.ResetTimer()
	lat := run(pg, b.N)
	b.StopTimer()
	reportLatency(b, lat)
	lite2 := run(lite, b.N)
	reportLatencyAs(b, "sqlite-", lite2)
}

// reportLatencyAs reports p50 and p99 of lat with a prefix.
func reportLatencyAs(b *testing.B, prefix string, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	p := func(q float64) float64 { return float64(sorted[int(q*float64(len(sorted)-1))].Microseconds()) }
	b.ReportMetric(p(0.50), prefix+"p50-µs")
	b.ReportMetric(p(0.99), prefix+"p99-µs")
}
