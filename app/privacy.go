package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"enrolldesk/app/printing"
	"enrolldesk/app/sqlite"
)

// Erasure defaults: personal data stays on the kiosk for DefaultEraseAfter
// after the engine acknowledged it (a family back at the counter the same
// day can still be helped here), and the erasure looks every
// DefaultEraseEvery.
const (
	DefaultEraseAfter = 24 * time.Hour
	DefaultEraseEvery = 10 * time.Minute
)

// eraser removes personal data the kiosk no longer needs: what the engine
// acknowledged more than after ago. pass is the one function every copy of
// an application on the kiosk is erased from — the store (body, ID column,
// WAL), the spooled receipt, and whatever more registers in also (a journal
// of submitted applications trims itself there).
type eraser struct {
	store *sqlite.DB
	spool *printing.Spooler // nil: no spool
	after time.Duration
	now   func() time.Time // compared with the sync's stamps, which are real time
	logf  func(string, ...any)
	// also are further stores of personal data, told which applications
	// were just erased (possibly none: they may trim on their own terms).
	also []func(ctx context.Context, erased []sqlite.Erased) error
}

func newEraser(store *sqlite.DB, spool *printing.Spooler, after time.Duration, now func() time.Time, logf func(string, ...any)) *eraser {
	if after <= 0 {
		after = DefaultEraseAfter
	}
	if now == nil {
		now = time.Now
	}
	return &eraser{store: store, spool: spool, after: after, now: now, logf: logf}
}

// pass runs one erasure and returns how many applications it erased.
func (e *eraser) pass(ctx context.Context) (int, error) {
	now := e.now()
	erased, err := e.store.ErasePersonalData(ctx, now.Add(-e.after), now)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, a := range erased {
		if e.spool != nil {
			errs = append(errs, e.spool.Purge(a.RegNo))
		}
	}
	for _, f := range e.also {
		errs = append(errs, f(ctx, erased))
	}
	if len(erased) > 0 {
		logprintf(e.logf, "erased the personal data of %d application(s) the engine acknowledged more than %s ago", len(erased), e.after)
	}
	return len(erased), errors.Join(errs...)
}

// run passes now and then every interval until ctx ends; failures are
// logged and retried on the next pass.
func (e *eraser) run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultEraseEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := e.pass(ctx); err != nil && ctx.Err() == nil {
			logprintf(e.logf, "erasing personal data: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// start runs the eraser in the background; the returned function stops it
// and waits.
func (e *eraser) start(every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.run(ctx, every)
	}()
	return func() {
		cancel()
		<-done
	}
}

// protectDataDir makes the data directory the owner's alone, on every
// start, whatever a copy, an unpack or an admin's umask did to it: the
// directories 0700, and no file readable or writable by group or others.
func protectDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	root, err := filepath.EvalSymlinks(dir) // a linked data directory is walked too
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return nil // not followed: its target is not ours to change
		case d.IsDir():
			return os.Chmod(path, 0o700)
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone meanwhile (a temporary file)
			}
			return err
		}
		if mode := info.Mode().Perm(); mode&0o077 != 0 {
			return os.Chmod(path, mode&^0o077)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("protect the data directory %s: %w", dir, err)
	}
	return nil
}
