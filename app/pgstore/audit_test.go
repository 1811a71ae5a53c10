package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"enrolldesk/core"
	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

// Two engine processes append to one chain at once — pushes, staff state
// changes and look-up entries — and the chain stays one: every entry
// chained after the one before, none lost, the head where the walk ends.
// A changed row is then named by the verifier.
func TestAuditChainAcrossProcesses(t *testing.T) {
	a, b := twoStores(t)
	ctx := context.Background()
	devA, devB := storetest.MustDevice(t, a, 1), storetest.MustDevice(t, b, 2)
	var wg sync.WaitGroup
	const pushes, lookups = 10, 20
	for k, s := range []struct {
		store interface {
			engineapi.Store
			engineapi.AuditLog
		}
		dev string
	}{{a, devA}, {b, devB}} {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range pushes {
				app := storetest.App(1000*k + i)
				if _, err := s.store.Ingest(ctx, s.dev, storetest.Intakes(t, s.dev, storetest.T0, app), storetest.T0); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.store.SetState(ctx, app.ID, core.StateApproved, "staff:王老师", "", storetest.T0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range lookups {
				ev := engineapi.AuditEvent{Actor: "device:" + s.dev, At: storetest.T0, Action: "lookup", Subject: fmt.Sprintf("n%d", i)}
				if err := s.store.Append(ctx, []engineapi.AuditEvent{ev}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if pending, err := b.FlushAudit(ctx); err != nil || pending != 0 {
		t.Fatalf("flush: %d entries left, %v; want every committed entry chained", pending, err)
	}
	count, head, brk, err := audit.Verify(ctx, a, nil)
	if err != nil || brk != nil {
		t.Fatalf("verify: %v, %+v; want a whole chain", err, brk)
	}
	// 2 device.add + 2 device.register, then per process pushes × (ingest + state) + look-ups.
	if want := int64(4 + 2*(2*pushes+lookups)); count != want {
		t.Errorf("%d entries, want %d", count, want)
	}
	if h, err := b.AuditHead(ctx); err != nil || h != head {
		t.Errorf("the stored head %+v (%v) is not where the walk ends (%+v)", h, err, head)
	}
	if _, err := a.Pool().Exec(ctx, `UPDATE engine_audit SET reason = 'forged' WHERE seq = 7`); err != nil {
		t.Fatal(err)
	}
	if _, _, brk, err := audit.Verify(ctx, b, nil); err != nil || brk == nil || brk.Seq != 7 {
		t.Errorf("after changing entry 7: %+v, %v; want entry 7 named", brk, err)
	}
}
