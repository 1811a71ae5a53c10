package sqlite_test

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi/storetest"
)

// BenchmarkUseNonce prices a durable nonce: one UseNonce (one commit on
// the nonce connection) at synchronous=FULL, which the engine now uses,
// against NORMAL, which it used before (a power cut could lose the last
// nonces and reopen their replay window).
//
// Serial is one request at a time: every nonce pays its own fsync. Crowd
// is 64 requests at once: concurrent nonces share one commit (group
// commit), so FULL costs little more than NORMAL per request.
func BenchmarkUseNonce(b *testing.B) {
	for _, c := range []struct {
		name  string
		level sqlite.Synchronous
		par   int
	}{{"Serial/FULL", sqlite.SyncFull, 0}, {"Serial/NORMAL", sqlite.SyncNormal, 0},
		{"Crowd64/FULL", sqlite.SyncFull, 64}, {"Crowd64/NORMAL", sqlite.SyncNormal, 64}} {
		level := c.level
		b.Run(c.name, func(b *testing.B) {
			db := MustOpenDB(b, filepath.Join(b.TempDir(), "engine.db"))
			ctx := context.Background()
			s, err := db.EngineStore(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.SetNonceSync(ctx, level); err != nil {
				b.Fatal(err)
			}
			dev := storetest.MustDevice(b, s, 1)
			now := time.Now()
			if c.par > 0 {
				var n atomic.Int64
				b.SetParallelism(c.par)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if fresh, err := s.UseNonce(ctx, dev, "nonce-"+strconv.FormatInt(n.Add(1), 10), now.Add(10*time.Minute), now); err != nil || !fresh {
							b.Error(fresh, err)
							return
						}
					}
				})
				return
			}
			i := 0
			for b.Loop() {
				i++
				if fresh, err := s.UseNonce(ctx, dev, "nonce-"+strconv.Itoa(i), now.Add(10*time.Minute), now); err != nil || !fresh {
					b.Fatal(fresh, err)
				}
			}
		})
	}
}

// Many requests at once, each nonce sent by 4 of them (a replay racing
// the original): every nonce is fresh exactly once, whatever batch each
// copy lands in.
func TestUseNonceGroupCommitOncePerNonce(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "engine.db"))
	ctx := context.Background()
	s, err := db.EngineStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dev := storetest.MustDevice(t, s, 1)
	now := time.Now()
	var fresh [50]atomic.Int32
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.UseNonce(ctx, dev, "nonce-"+strconv.Itoa(i%50), now.Add(time.Minute), now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				fresh[i%50].Add(1)
			}
		}()
	}
	wg.Wait()
	for i := range fresh {
		if n := fresh[i].Load(); n != 1 {
			t.Errorf("nonce %d fresh %d times", i, n)
		}
	}
}

// The kiosk's next sequence number follows the highest it holds under its
// prefix, whatever order the scrambled numbers sort in; other prefixes and
// unprefixed numbers do not count.
func TestNextRegSeq(t *testing.T) {
	db := MustOpenDB(t, sqlite.Memory)
	ctx := context.Background()
	if n, err := db.NextRegSeq(ctx, 4711); err != nil || n != 1 {
		t.Fatalf("empty store: %d, %v", n, err)
	}
	born := time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)
	for i, reg := range []struct {
		prefix int
		seq    int64
	}{{4711, 1}, {4711, 7}, {4711, 3}, {4712, 40}, {0, 0}} {
		a := submitted(t, core.MakeResidentID("370811", born, 100+i))
		if reg.prefix > 0 {
			a.RegNo, _ = core.PrefixedRegNo(reg.prefix, reg.seq)
		}
		if _, err := db.SaveSubmitted(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.NextRegSeq(ctx, 4711); err != nil || n != 8 {
		t.Errorf("next under 4711 = %d, %v; want 8", n, err)
	}
}
