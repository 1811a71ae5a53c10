package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// The ingest benchmarks' shape: 20 kiosks pushing batches of 50.
const (
	benchKiosks = 20
	benchBatch  = 50
)

// engineBenchApps returns n submitted applications for n different children,
// each carrying the full decision of a real look-up in the demo city
// (evidence, zone, schools), so bodies are the size kiosks send.
func engineBenchApps(tb testing.TB, n int) []core.Application {
	tb.Helper()
	city, err := sqlite.Open(engineCityPath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	defer city.Close()
	ps, err := city.City().Personas(context.Background())
	if err != nil || len(ps) == 0 {
		tb.Fatalf("personas: %v", err)
	}
	policy, err := policyfile.Default()
	if err != nil {
		tb.Fatal(err)
	}
	reg := &core.Registrar{Sources: core.SourcesOf(city.City()), Policy: policy, Now: func() time.Time { return engineNow }}
	res, err := reg.Lookup(context.Background(), string(ps[0].GuardianID), string(ps[0].ChildID), ps[0].Stage)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl, err := core.Submit(core.Submission{Draft: res.Application, Phone: "13800138000", Consent: true,
		Choices: res.Decision.Schools(), KioskID: "KIOSK-BENCH", At: engineNow})
	if err != nil {
		tb.Fatal(err)
	}
	apps := make([]core.Application, n)
	first := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range apps {
		a := tmpl
		a.ID = core.NewApplicationID()
		a.RegNo = core.RegNo(a.ID, a.Stage, engineNow)
		a.Child.ID = core.MakeResidentID("370102", first.AddDate(0, 0, i/499), i%499*2+1)
		apps[i] = a
	}
	return apps
}

// batches splits apps into push bodies of benchBatch, dealt to the kiosks
// in turn.
func pushBodies(tb testing.TB, apps []core.Application, kiosks int) [][][]byte {
	out := make([][][]byte, kiosks)
	for i, k := 0, 0; i < len(apps); i, k = i+benchBatch, (k+1)%kiosks {
		body, err := json.Marshal(engineapi.PushRequest{Applications: apps[i:min(i+benchBatch, len(apps))]})
		if err != nil {
			tb.Fatal(err)
		}
		out[k] = append(out[k], body)
	}
	return out
}

// BenchmarkIngest20Kiosks: 20 registered kiosks push batches of 50 at once
// over loopback HTTP to a real server on a SQLite file (synchronous=FULL)
// that decides every application on its own city data (a look-up per
// item). One op is one application; every item must come back accepted.
// In the same run it pushes the same applications to an engine trusting
// the kiosks' decisions (--trust-kiosk-decisions), and writes the same
// rows raw (see BenchmarkIngestRawSQLite): it reports both rates, what
// re-deciding costs (trust ÷ decide) and the share of raw, so machine load
// does not skew the ratios.
func BenchmarkIngest20Kiosks(b *testing.B) {
	apps := engineBenchApps(b, b.N)
	work := pushBodies(b, apps, benchKiosks)
	decide := newEngineRig(b)
	trust := newEngineRigWith(b, true)
	b.ResetTimer()
	rate := ingestRate(b, decide, work, b.N)
	b.StopTimer()
	trusted := ingestRate(b, trust, work, b.N)
	b.ReportMetric(rate, "apps/s")
	b.ReportMetric(trusted, "trust-apps/s")
	b.ReportMetric(trusted/rate, "decide-cost-x")
	raw := rawIngestRate(b, rawRows(b, apps))
	b.ReportMetric(raw, "raw-apps/s")
	b.ReportMetric(100*rate/raw, "%-of-raw")
}

// ingestRate registers benchKiosks kiosks with r, pushes each its bodies
// at once and returns the applications accepted per second; all n must be.
func ingestRate(b *testing.B, r *engineRig, work [][][]byte, n int) float64 {
	kiosks := make([]*testKiosk, benchKiosks)
	for i := range kiosks {
		kiosks[i] = r.kiosk(fmt.Sprintf("bench-%02d", i))
	}
	var accepted, failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for i, k := range kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 5 * time.Minute}
			defer client.CloseIdleConnections()
			for _, body := range work[i] {
				got, err := k.push(client, body)
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
	if int(accepted.Load()) != n || failed.Load() > 0 {
		b.Fatalf("%d of %d accepted, %d pushes failed", accepted.Load(), n, failed.Load())
	}
	return float64(n) / secs
}

// push sends one signed batch and counts the accepted items.
func (k *testKiosk) push(client *http.Client, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, k.rig.srv.URL+engineapi.PathPush, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	k.signer(engineapi.PathPush, body, engineNow)(req)
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

// BenchmarkIngestRawSQLite is the ceiling for BenchmarkIngest20Kiosks: the
// same rows (encoded beforehand) written to the same tables of a SQLite
// file with the same statements, one transaction per batch of 50, from
// one goroutine, with no HTTP, JSON, signatures or checks.
func BenchmarkIngestRawSQLite(b *testing.B) {
	rows := rawRows(b, engineBenchApps(b, b.N))
	b.ResetTimer()
	rate := rawIngestRate(b, rows)
	b.StopTimer()
	b.ReportMetric(rate, "apps/s")
}

// rawRows encodes applications as the engine stores them.
func rawRows(tb testing.TB, apps []core.Application) []sqlite.RawApplication {
	rows := make([]sqlite.RawApplication, len(apps))
	for i, a := range apps {
		in, err := (&engineapi.Decider{Year: engineNow.Year()}).Decide(context.Background(), "KD-RAW", a, engineNow)
		if err != nil || in.Refused != nil {
			tb.Fatal(err, in.Refused)
		}
		got := in.App
		body, err := json.Marshal(got)
		if err != nil {
			tb.Fatal(err)
		}
		claim, err := json.Marshal(in.Claim)
		if err != nil {
			tb.Fatal(err)
		}
		rows[i] = sqlite.RawApplication{ID: got.ID, RegNo: got.RegNo, Stage: string(got.Stage), ChildID: string(got.Child.ID),
			State: string(got.State), Body: string(body), Claim: string(claim), Year: in.Year,
			Category: got.Decision.CategoryName, KioskCategory: in.Claim.Decision.CategoryName}
	}
	return rows
}

// rawIngestRate writes rows in batches into a new SQLite file and returns
// the rows per second.
func rawIngestRate(tb testing.TB, rows []sqlite.RawApplication) float64 {
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "raw.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	store, err := db.EngineStore(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < len(rows); i += benchBatch {
		if err := store.RawIngest(ctx, "KD-RAW", rows[i:min(i+benchBatch, len(rows))], engineNow); err != nil {
			tb.Fatal(err)
		}
	}
	return float64(len(rows)) / time.Since(start).Seconds()
}
