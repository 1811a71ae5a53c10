package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// One public key belongs to one live device: registering a key bound to
// another device that is not revoked is ECONFLICT, and the second device
// stays unregistered; once the first is revoked, the admin's new code
// takes the kiosk back.
func testKeyOneDevice(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	first := MustDevice(t, s, 1)
	if err := s.AddDevice(ctx, engineapi.Device{ID: "KD-SECOND", CreatedAt: T0, CodeExpires: T0.Add(time.Hour)}, engineapi.HashCode("SECOND")); err != nil {
		t.Fatal(err)
	}
	_, err := s.RegisterDevice(ctx, engineapi.HashCode("SECOND"), pub(Key(1)), "", T0)
	wantCode(t, err, core.ECONFLICT)
	if d, err := s.Device(ctx, "KD-SECOND"); err != nil || d.Registered() {
		t.Errorf("the second device = %+v, %v; want it unregistered", d, err)
	}
	if err := s.RevokeDevice(ctx, first, T0); err != nil {
		t.Fatal(err)
	}
	if d, err := s.RegisterDevice(ctx, engineapi.HashCode("SECOND"), pub(Key(1)), "", T0); err != nil || d.ID != "KD-SECOND" {
		t.Errorf("the same kiosk after its old device was revoked: %+v, %v", d, err)
	}
	if err := s.AddDevice(ctx, engineapi.Device{ID: "KD-THIRD", CreatedAt: T0, CodeExpires: T0.Add(time.Hour)}, engineapi.HashCode("THIRD")); err != nil {
		t.Fatal(err)
	}
	_, err = s.RegisterDevice(ctx, engineapi.HashCode("THIRD"), pub(Key(1)), "", T0)
	wantCode(t, err, core.ECONFLICT)
}

// Every device gets its own registration-number prefix in range.
func testPrefixesUnique(t *testing.T, s engineapi.Store) {
	seen := map[int]bool{}
	for n := range 5 {
		id := MustDevice(t, s, n+1)
		d, err := s.Device(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.RegPrefix < engineapi.RegPrefixMin || d.RegPrefix > engineapi.RegPrefixMax || seen[d.RegPrefix] {
			t.Fatalf("device %d has prefix %d (seen: %v)", n, d.RegPrefix, seen)
		}
		seen[d.RegPrefix] = true
	}
}

// A registration number the engine holds is not taken twice: the second
// application carrying it is rejected (ReasonBadRegNo), the rest stored.
func testRegNoUnique(t *testing.T, s engineapi.Store) {
	dev := MustDevice(t, s, 1)
	a, b, c := App(1), App(2), App(3)
	b.RegNo = a.RegNo
	res := ingest(t, s, dev, T0, a, b, c)
	if res[0].Outcome != engineapi.ItemAccepted || res[2].Outcome != engineapi.ItemAccepted {
		t.Fatalf("results %+v", res)
	}
	if res[1].Outcome != engineapi.ItemRejected || res[1].Code != engineapi.ReasonBadRegNo || res[1].Reason == "" {
		t.Errorf("a second application with %s = %+v, want rejected %s with words", a.RegNo, res[1], engineapi.ReasonBadRegNo)
	}
	if _, err := s.Application(context.Background(), b.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Errorf("the refused application was stored: %v", err)
	}
	if got := fmt.Sprint(ingest(t, s, dev, T0, a)[0].Outcome); got != engineapi.ItemDuplicate {
		t.Errorf("the first again = %s, want duplicate", got)
	}
}
