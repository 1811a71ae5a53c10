package app_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	kioskui "enrolldesk/ui/kiosk"
)

// shiftClock is a clock that runs with real time plus an offset a test
// moves forward.
type shiftClock struct{ offset atomic.Int64 }

func (c *shiftClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *shiftClock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *shiftClock) nowAt(base time.Time) func() time.Time {
	return func() time.Time { return base.Add(time.Duration(c.offset.Load())) }
}

// leaks walks dir and returns, for each needle found in any byte of any
// file, the files holding it.
func leaks(t *testing.T, dir string, needles []string) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				rel, _ := filepath.Rel(dir, path)
				found[n] = append(found[n], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no files in %s", dir)
	}
	return found
}

func TestKioskErasesPersonalDataAfterTheGracePeriod(t *testing.T) {
	eng := newSwitchableEngine(t)
	var clock shiftClock
	r := newSyncKioskRig(t, func(c *app.KioskConfig) {
		c.Engine, c.Enroll = eng.url(), eng.code("hall-erase")
		c.EraseClock = clock.now
		c.EraseAfter = 24 * time.Hour
		// A receipt left by an earlier run, and a directory others can read.
		spool := filepath.Join(c.DataDir, "spool")
		if err := os.MkdirAll(spool, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(spool, "JN27P-OLD00-00000.pdf"), []byte("%PDF 王小明"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(c.DataDir, 0o755); err != nil {
			t.Fatal(err)
		}
	})
	if fi, err := os.Stat(r.data); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %v (%v), want 0700 after start", fi.Mode().Perm(), err)
	}
	if fi, err := os.Stat(filepath.Join(r.data, "spool")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("spool directory mode %v (%v), want 0700 after start", fi.Mode().Perm(), err)
	}
	if _, err := os.Stat(filepath.Join(r.data, "spool", "JN27P-OLD00-00000.pdf")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a receipt spooled before the start is still there (%v)", err)
	}

	// One family at the screen, and a backlog of three.
	p := r.ps["consistent"]
	// A kiosk of a real engine has no demo cards: the numbers are typed.
	test.Tap(screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome).Primary)
	test.Tap(screen[*kioskui.ConsentScreen](r, kioskui.ScreenConsent).Agree)
	r.typeID(kioskui.ScreenGuardianKeypad, p.GuardianID)
	r.typeID(kioskui.ScreenChildKeypad, p.ChildID)
	rc := r.submit()
	_, claims := r.receiptClaims()
	test.Tap(rc.Finish)
	screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome)
	backlog := syntheticApps(3, 500, r.k.KioskID())
	if n, err := r.k.Store().ImportSubmitted(context.Background(), backlog); err != nil || n != 3 {
		t.Fatal(n, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.k.DrainOutbox(ctx); err != nil {
		t.Fatalf("sync: %v", err)
	}
	synced(t, r.k.Store(), claims.AppID, engineapi.ItemAccepted)

	stored, err := eng.e.Store().Application(ctx, claims.AppID)
	if err != nil {
		t.Fatal(err)
	}
	needles := []string{string(p.GuardianID), string(p.ChildID), stored.Phone, stored.Child.Name}
	for _, a := range backlog {
		needles = append(needles, string(a.Child.ID), string(a.Guardians[0].ID), a.Phone, a.Child.Name, a.Guardians[0].Name)
	}
	for _, g := range stored.Guardians {
		needles = append(needles, string(g.ID), g.Name)
	}

	// Within the grace period the kiosk keeps everything: a family back at
	// the counter the same day can be helped here.
	clock.advance(23 * time.Hour)
	if n, err := r.k.ErasePersonalData(ctx); err != nil || n != 0 {
		t.Fatalf("erasure within the grace period: %d erased, %v", n, err)
	}
	if found := leaks(t, r.data, []string{string(p.ChildID), stored.Phone}); len(found) != 2 {
		t.Fatalf("before the grace period ends the kiosk must still hold the ID number and phone; found %v", found)
	}
	maint := r.k.Services(nil).Maintenance
	if out, err := maint.Reprint(ctx, claims.RegNo); err != nil {
		t.Errorf("reprint within the grace period: %v (%q)", err, out.Message)
	}

	clock.advance(2 * time.Hour)
	if n, err := r.k.ErasePersonalData(ctx); err != nil || n != 4 {
		t.Fatalf("erasure after the grace period: %d erased, %v; want all 4", n, err)
	}
	if found := leaks(t, r.data, needles); len(found) > 0 {
		t.Errorf("personal data left on the kiosk after erasure: %v", found)
	}

	// What is kept still works: the status, the receipt's number, a second
	// application for the same child, a sync pass.
	synced(t, r.k.Store(), claims.AppID, engineapi.ItemAccepted)
	out, err := maint.Reprint(ctx, claims.RegNo)
	if !errors.Is(err, sqlite.ErrErased) || !strings.Contains(out.Message, "人工窗口") || !strings.Contains(out.Message, claims.RegNo) {
		t.Errorf("reprint of an erased application: %q, %v; want the counter and the registration number in words", out.Message, err)
	}
	again := syntheticApps(1, 500, r.k.KioskID())[0]
	if _, err := r.k.Store().SaveSubmitted(ctx, again); core.ErrorCode(err) != core.ECONFLICT || !strings.Contains(err.Error(), backlog[0].RegNo) {
		t.Errorf("a second application for an erased child: %v; want a conflict naming %s", err, backlog[0].RegNo)
	}
	if _, err := r.k.SyncOnce(ctx); err != nil {
		t.Errorf("sync after erasure: %v", err)
	}
	if n, err := r.k.ErasePersonalData(ctx); err != nil || n != 0 {
		t.Errorf("a second erasure: %d, %v; want nothing left to erase", n, err)
	}
	if err := r.k.Close(); err != nil {
		t.Fatal(err)
	}
	if found := leaks(t, r.data, needles); len(found) > 0 {
		t.Errorf("personal data on the kiosk after it closed: %v", found)
	}
	err = filepath.WalkDir(r.data, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil && d.Type().IsRegular() && info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is mode %v: readable by others", path, info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSyncCommandErasesAcknowledgedApplications(t *testing.T) {
	eng := newSwitchableEngine(t)
	dir := t.TempDir()
	apps := syntheticApps(2, 700, "K-SYNC")
	seedKiosk(t, dir, apps)
	// A grace period shorter than a test: the erasure after the drain
	// finds them acknowledged long enough.
	run := cli(t, "", "sync", "--data", dir, "--engine", eng.url(), "--enroll", eng.code("hall-sync"),
		"--once", "--timeout", "30s", "--erase-after", "1ns")
	if run.code != app.ExitOK || !strings.Contains(run.err, "erased the personal data of 2") {
		t.Fatalf("sync: exit %d\n%s", run.code, run.err)
	}
	var needles []string
	for _, a := range apps {
		needles = append(needles, string(a.Child.ID), string(a.Guardians[0].ID), a.Phone)
	}
	if found := leaks(t, dir, needles); len(found) > 0 {
		t.Errorf("personal data left after `enrolldesk sync` erased it: %v", found)
	}
}
