package dirlock_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"enrolldesk/app/dirlock"
)

func TestSecondHolderIsRefusedAndTold(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.lock")
	l, err := dirlock.Acquire(path, "enrolldesk sync")
	if err != nil {
		t.Fatal(err)
	}
	_, err = dirlock.Acquire(path, "enrolldesk kiosk")
	var held *dirlock.HeldError
	if !errors.Is(err, dirlock.ErrHeld) || !errors.As(err, &held) {
		t.Fatalf("second acquire: %v", err)
	}
	if held.Holder.PID != os.Getpid() || held.Holder.Command != "enrolldesk sync" || held.Holder.Since.IsZero() {
		t.Errorf("holder %+v", held.Holder)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := dirlock.Acquire(path, "enrolldesk kiosk")
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	l2.Release()
}
