package pgstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"enrolldesk/app/pgstore"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
	"enrolldesk/internal/pgtest"
)

// BenchmarkStoreIngest20Writers is the store alone, without HTTP or
// decisions: 20 devices push batches of 50 at once through two stores (two
// engine processes) on a durable database. It isolates what the audit
// chain costs the commit path (docs/BENCHMARKS.md, section "pgaudit").
func BenchmarkStoreIngest20Writers(b *testing.B) { storeIngest(b, 2) }

// BenchmarkStoreIngest20WritersOneStore is the same through one store (one
// engine process).
func BenchmarkStoreIngest20WritersOneStore(b *testing.B) { storeIngest(b, 1) }

func storeIngest(b *testing.B, n int) {
	const writers, batch = 20, 50
	url := pgtest.DurableDB(b)
	ctx := context.Background()
	stores := make([]*pgstore.Store, n)
	for i := range stores {
		s, err := pgstore.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	devs := make([]string, writers)
	work := make([][][]engineapi.Intake, writers)
	for w := range writers {
		devs[w] = storetest.MustDevice(b, stores[0], w+1)
	}
	for i := 0; i < b.N; i += batch {
		w := (i / batch) % writers
		var apps []core.Application
		for j := i; j < min(i+batch, b.N); j++ {
			apps = append(apps, storetest.App(j))
		}
		work[w] = append(work[w], storetest.Intakes(b, devs[w], storetest.T0, apps...))
	}
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, items := range work[w] {
				if _, err := stores[w%n].Ingest(ctx, devs[w], items, storetest.T0); err != nil {
					failed.Add(1)
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/secs, "apps/s")
}
