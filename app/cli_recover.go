package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"enrolldesk/app/dirlock"
	"enrolldesk/app/journal"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
)

// failLocked reports a sync lock another process holds (exit 2) or could
// not take (exit 1).
func failLocked(stdio IO, what string, err error) int {
	var held *dirlock.HeldError
	if errors.As(err, &held) {
		return fail(stdio.Err, ExitUsage, "%s: another process syncs this data directory: %v. Only one may; stop it first (or leave it: it is syncing).", what, held)
	}
	return fail(stdio.Err, ExitFail, "%s: %v", what, err)
}

// statusOf reads a data directory's sync status without changing
// anything: the store's queue, the journal beside it, and the alarm — a
// stored one, or damage found now (quick_check, an unreadable journal).
// With the alarm up the error says what could not be read.
func statusOf(ctx context.Context, dir string) (syncStatusJSON, error) {
	st := syncStatusJSON{DeadLetters: []deadLetterJSON{}}
	cfg := KioskConfig{DataDir: dir}
	if err := cfg.defaults(); err != nil {
		return st, err
	}
	dir = cfg.DataDir
	alarm := func(reason string, err error) {
		if st.Alarm == nil {
			st.Alarm = &Alarm{Since: time.Now(), Reason: fmt.Sprintf(reason, dir), Detail: err.Error()}
		}
	}
	if a, err := readAlarm(dir); err == nil {
		st.Alarm = &a
	}
	c, err := journal.Scan(filepath.Join(dir, journalFile))
	switch {
	case err != nil:
		alarm(alarmJournal, err)
	case c.Damage != nil:
		alarm(alarmJournal, c.Damage)
	}
	store, err := sqlite.Open(filepath.Join(dir, "kiosk.db"))
	if err != nil {
		alarm(alarmDB, err)
		return st, err
	}
	defer store.Close()
	if err := store.QuickCheck(ctx); err != nil {
		alarm(alarmDB, err)
		return st, err
	}
	full, err := readSyncStatus(ctx, store)
	if err != nil {
		if sqlite.IsCorrupt(err) {
			alarm(alarmDB, err)
		}
		return st, err
	}
	full.Alarm = st.Alarm
	for _, r := range c.Records {
		s, err := store.SyncStatus(ctx, r.ID)
		switch {
		case core.ErrorCode(err) == core.ENOTFOUND:
			full.Journal++
			full.JournalOnly++
		case err != nil:
			return full, err
		case s.Outcome == "" && !s.Queued && !s.Dead:
			full.Journal++
			full.JournalOnly++
		case s.Queued || s.Dead:
			full.Journal++
		}
	}
	return full, nil
}

// runSyncRecover is what staff run when the alarm is up (the kiosk
// stopped): it makes the store and the journal whole again from each
// other. A damaged kiosk.db is moved aside (kiosk.db.damaged-TIME, with
// its -wal and -shm) and a new one is built from the journal and whatever
// of the old one still reads — the device registration and the queued
// applications; a damaged journal is rewritten from its readable records
// and the store's queue. Then the alarm is cleared and `enrolldesk sync`
// (or the kiosk) pushes the queue as usual: the engine answers what it had
// already as duplicates.
func runSyncRecover(stdio IO, args []string) int {
	fs := newFlags("sync recover", stdio.Err)
	dir := fs.String("data", "", "the kiosk's data directory")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	cfg := KioskConfig{DataDir: *dir}
	if err := cfg.defaults(); err != nil {
		return fail(stdio.Err, ExitFail, "sync recover: %v", err)
	}
	lock, err := dirlock.Acquire(filepath.Join(cfg.DataDir, syncLock), "enrolldesk sync recover")
	if err != nil {
		return failLocked(stdio, "sync recover", err)
	}
	defer lock.Release()
	if err := recoverDir(context.Background(), stdio, cfg.DataDir); err != nil {
		return fail(stdio.Err, ExitFail, "sync recover: %v", err)
	}
	return ExitOK
}

func recoverDir(ctx context.Context, stdio IO, dir string) error {
	say := func(format string, args ...any) { fmt.Fprintf(stdio.Out, format+"\n", args...) }
	jpath, dbPath := filepath.Join(dir, journalFile), filepath.Join(dir, "kiosk.db")
	j, torn, jerr := journal.Open(jpath)
	if jerr != nil && !errors.Is(jerr, journal.ErrDamaged) {
		return fmt.Errorf("the journal cannot be read (%v): move %s aside and run recover again", jerr, jpath)
	}
	if torn > 0 {
		say("journal: cut off a torn last record (%d bytes)", torn)
	}
	recs, _, err := j.Records()
	if err != nil {
		return err
	}
	var apps []core.Application
	for _, r := range recs {
		var a core.Application
		if err := json.Unmarshal(r.Body, &a); err == nil && a.ID == r.ID {
			apps = append(apps, a)
		}
	}
	say("journal: %d readable record(s)%s", len(apps), map[bool]string{true: ", damaged bytes found", false: ""}[jerr != nil])

	store, err := sqlite.Open(dbPath)
	if err == nil {
		if err = store.QuickCheck(ctx); err != nil {
			err = errors.Join(err, store.Close())
		}
	}
	if err != nil {
		say("kiosk.db: damaged (%v)", err)
		dev, salvaged, serr := sqlite.Salvage(ctx, dbPath)
		say("kiosk.db: salvaged the registration (%s) and %d queued application(s)%s", orNone(dev.ID), len(salvaged),
			map[bool]string{true: " before an error", false: ""}[serr != nil])
		aside := dbPath + ".damaged-" + time.Now().Format("20060102-150405")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		say("kiosk.db: moved aside to %s", aside)
		if store, err = sqlite.Open(dbPath); err != nil {
			return err
		}
		if dev.ID != "" {
			if err := store.SetDevice(ctx, dev); err != nil {
				return errors.Join(err, store.Close())
			}
		}
		apps = append(apps, salvaged...) // the journal's copy first: it is the one written at submit
	}
	defer store.Close()
	res, err := store.RestoreSubmitted(ctx, apps)
	if err != nil {
		return err
	}
	say("kiosk.db: %d application(s) and %d outbox row(s) put back; %d already held; %d acknowledged by the engine",
		res.Applications, res.Queue, res.Held, len(res.Acknowledged))

	// The journal whole again: damaged bytes out, every queued application in.
	if err := j.Rewrite(); err != nil {
		return err
	}
	queued, err := store.QueuedApplications(ctx)
	if err != nil {
		return err
	}
	added := 0
	for _, a := range queued {
		body, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if err := j.Append(a.ID, body); err != nil {
			return err
		}
		added++
	}
	if _, err := j.Remove(res.Acknowledged...); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, alarmFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	say("journal: rewritten with the %d queued application(s)", added)
	say("alarm cleared. Start the kiosk again, or run `enrolldesk sync --data %s --engine URL --once`:"+
		" the queue goes to the engine, which answers what it had already as duplicates.", dir)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none: enroll again with --enroll CODE"
	}
	return s
}
