package pgstore_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"enrolldesk/app/pgstore"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
	"enrolldesk/internal/pgtest"
)

// The backup and restore of docs/operations.md: pg_dump -Fc of a live
// engine database, pg_restore into an empty one, and the engine opens the
// copy with every application, device and change; a push already stored
// is a duplicate there too.
func TestPgDumpRestore(t *testing.T) {
	ctx := context.Background()
	s, url := MustOpen(t)
	dev := storetest.MustDevice(t, s, 1)
	a, b := storetest.App(1), storetest.App(2)
	if _, err := s.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, a, b), storetest.T0); err != nil {
		t.Fatal(err)
	}
	bin, err := pgtest.FindBin()
	if err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(t.TempDir(), "engine.dump")
	if out, err := exec.Command(filepath.Join(bin, "pg_dump"), "--format=custom", "--file", dump, url).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	target := pgtest.DB(t)
	if out, err := exec.Command(filepath.Join(bin, "pg_restore"), "--no-owner", "--dbname", target, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	r, err := pgstore.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	list, err := r.Applications(ctx, engineapi.Filter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("restored applications = %d, %v; want 2", len(list), err)
	}
	if d, err := r.Device(ctx, dev); err != nil || !d.Registered() {
		t.Fatalf("restored device = %+v, %v", d, err)
	}
	if ch, err := r.Changes(ctx, dev, 0, 10); err != nil || len(ch) != 2 {
		t.Fatalf("restored changes = %d, %v; want 2", len(ch), err)
	}
	res, err := r.Ingest(ctx, dev, storetest.Intakes(t, dev, storetest.T0, a, storetest.App(3)), storetest.T0)
	if err != nil || res[0].Outcome != engineapi.ItemDuplicate || res[1].Outcome != engineapi.ItemAccepted {
		t.Fatalf("pushing after the restore = %+v, %v; want duplicate, accepted", res, err)
	}
	ch, err := r.Changes(ctx, dev, 0, 10)
	if err != nil || len(ch) != 3 || ch[2].Seq <= ch[1].Seq {
		t.Fatalf("changes after the restore = %+v, %v; the sequence must go on after the restored ones", ch, err)
	}
}
