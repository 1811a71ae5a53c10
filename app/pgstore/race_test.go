package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"enrolldesk/app/pgstore"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

// Two stores on one database are two engine processes as far as the
// database can tell: each has its own connections and nothing in memory
// they share.
func twoStores(t *testing.T) (*pgstore.Store, *pgstore.Store) {
	a, url := MustOpen(t)
	b, err := pgstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// Both processes receive every push at once (a kiosk retrying on the other
// process, and a second application for every child from another kiosk):
// each application is kept once, each second one is one conflict.
func TestIngestRacesAcrossProcesses(t *testing.T) {
	a, b := twoStores(t)
	ctx := context.Background()
	devA, devB := storetest.MustDevice(t, a, 1), storetest.MustDevice(t, a, 2)
	const n = 60
	var firsts, seconds []core.Application
	for i := range n {
		firsts = append(firsts, storetest.App(100+i))
		seconds = append(seconds, storetest.App(100+i)) // same child, another ID
	}
	var wg sync.WaitGroup
	results := make([][]engineapi.ItemResult, 4)
	push := func(k int, s engineapi.Store, dev string, apps []core.Application) {
		defer wg.Done()
		for i := 0; i < len(apps); i += 5 {
			res, err := s.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, apps[i:i+5]...), storetest.T0)
			if err != nil {
				t.Errorf("ingest: %v", err)
				return
			}
			results[k] = append(results[k], res...)
		}
	}
	wg.Add(4)
	go push(0, a, devA, firsts)
	go push(1, b, devA, firsts)
	go push(2, a, devB, seconds)
	go push(3, b, devB, seconds)
	wg.Wait()
	list, err := a.Applications(ctx, engineapi.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Fatalf("%d applications kept for %d children, want one each", len(list), n)
	}
	cs, err := b.Conflicts(ctx)
	if err != nil || len(cs) != n {
		t.Fatalf("conflicts = %d, %v; want %d, one per child", len(cs), err, n)
	}
	accepted := 0
	for _, rs := range results {
		for _, r := range rs {
			if r.Outcome == engineapi.ItemAccepted {
				accepted++
			}
		}
	}
	if accepted != n {
		t.Errorf("%d items answered accepted, want %d (one per child)", accepted, n)
	}
	changes := 0
	for _, dev := range []string{devA, devB} {
		ch, err := b.Changes(ctx, dev, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		changes += len(ch)
	}
	if changes != n {
		t.Errorf("%d status changes logged, want %d", changes, n)
	}
}

// A nonce used on one process is refused on the other, and on the same.
func TestNonceAcrossProcesses(t *testing.T) {
	a, b := twoStores(t)
	ctx := context.Background()
	exp := storetest.T0.Add(10 * 60e9)
	for i := range 20 {
		nonce := fmt.Sprintf("n%d", i)
		var wg sync.WaitGroup
		fresh := make([]bool, 2)
		for k, s := range []*pgstore.Store{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.UseNonce(ctx, "KD-A", nonce, exp, storetest.T0)
				if err != nil {
					t.Error(err)
				}
				fresh[k] = ok
			}()
		}
		wg.Wait()
		if fresh[0] == fresh[1] {
			t.Fatalf("nonce %s used at once on two processes: fresh = %v, want exactly one", nonce, fresh)
		}
	}
}

// Staff on one process and the kiosk's pushes on the other append to one
// device's log: a kiosk pulling with its cursor while they run sees every
// change, none skipped.
func TestChangesCursorAcrossProcesses(t *testing.T) {
	a, b := twoStores(t)
	ctx := context.Background()
	dev := storetest.MustDevice(t, a, 1)
	var apps []core.Application
	for i := range 30 {
		apps = append(apps, storetest.App(300+i))
	}
	if _, err := a.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, apps[:15]...), storetest.T0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for _, x := range apps[:15] {
			if _, err := b.SetState(ctx, x.ID, core.StateApproved, "staff", "", storetest.T0); err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for _, x := range apps[15:] {
			if _, err := a.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, x), storetest.T0); err != nil {
				t.Error(err)
			}
		}
	}()
	seen := map[int64]bool{}
	var cursor int64
	pull := func() {
		ch, err := a.Changes(ctx, dev, cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			seen[c.Seq] = true
			cursor = c.Seq
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		pull()
	}
	for range 10 {
		pull()
	}
	all, err := b.Changes(ctx, dev, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 45 {
		t.Fatalf("%d changes logged, want 45", len(all))
	}
	for _, c := range all {
		if !seen[c.Seq] {
			t.Errorf("the kiosk's cursor skipped change %d (%s %s)", c.Seq, c.AppID, c.State)
		}
	}
}

// Devices added at once on two processes each get a prefix of their own.
func TestPrefixesAcrossProcesses(t *testing.T) {
	a, b := twoStores(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			d := engineapi.Device{ID: fmt.Sprintf("KD-P%02d", i), CreatedAt: storetest.T0, CodeExpires: storetest.T0.Add(time.Hour)}
			if err := s.AddDevice(ctx, d, engineapi.HashCode(fmt.Sprintf("P%02d", i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	list, err := a.Devices(ctx)
	if err != nil || len(list) != 20 {
		t.Fatalf("devices = %d, %v", len(list), err)
	}
	seen := map[int]string{}
	for _, d := range list {
		if other, dup := seen[d.RegPrefix]; dup || d.RegPrefix < engineapi.RegPrefixMin {
			t.Errorf("%s has prefix %d (also %s)", d.ID, d.RegPrefix, other)
		}
		seen[d.RegPrefix] = d.ID
	}
}
