package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
)

// A transaction that appended and then failed leaves the chain's head
// where it was: the next entry follows the last committed one.
func TestAuditHeadNotAdvancedByAFailedTransaction(t *testing.T) {
	ctx := context.Background()
	db, err := Open(Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := db.EngineStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2027, 5, 1, 9, 0, 0, 0, time.UTC)
	ev := func(action string) engineapi.AuditEvent {
		return engineapi.AuditEvent{Actor: "staff:1", At: at, Action: action}
	}
	if err := s.Append(ctx, []engineapi.AuditEvent{ev("first")}); err != nil {
		t.Fatal(err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.auditTx(ctx, tx, ev("rolled back")); err != nil {
			return err
		}
		return errors.New("a later step of the change failed")
	})
	if err == nil {
		t.Fatal("the failing transaction committed")
	}
	if err := s.Append(ctx, []engineapi.AuditEvent{ev("second")}); err != nil {
		t.Fatal(err)
	}
	var actions []string
	n, _, brk, err := audit.Verify(ctx, s, nil)
	if err != nil || brk != nil || n != 2 {
		t.Fatalf("verify: %d entries, %v, %v; want 2 whole", n, brk, err)
	}
	s.WalkAudit(ctx, func(e audit.Entry) error { actions = append(actions, e.Action); return nil }) //nolint:errcheck
	if len(actions) != 2 || actions[0] != "first" || actions[1] != "second" {
		t.Fatalf("entries %v", actions)
	}
}
