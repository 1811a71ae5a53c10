package app_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"enrolldesk/app"
	"enrolldesk/core"
	kioskui "enrolldesk/ui/kiosk"
)

// The damage tests deal the kiosk's files real damage — a WAL cut in half
// or overwritten while the kiosk was killed, a garbage page in kiosk.db —
// and run the real binary afterwards: nothing a receipt was printed for
// may be lost in silence.

// submitterEnv names the applications file a re-executed test binary
// submits into the data directory in submitterDirEnv, the way the kiosk's
// submit does, and then waits to be killed.
const (
	submitterEnv    = "ENROLLDESK_TEST_SUBMIT_APPS"
	submitterDirEnv = "ENROLLDESK_TEST_SUBMIT_DIR"
	submitterCity   = "ENROLLDESK_TEST_SUBMIT_CITY"
)

// submitterMain is the child process: it opens the kiosk (no engine),
// saves every application, says "submitted N" and waits for SIGKILL —
// which leaves the commits in kiosk.db-wal, never checkpointed.
func submitterMain(appsFile string) int {
	b, err := os.ReadFile(appsFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var apps []core.Application
	if err := json.Unmarshal(b, &apps); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	k, err := app.OpenKiosk(ctx, app.KioskConfig{DataDir: os.Getenv(submitterDirEnv), CityDB: os.Getenv(submitterCity),
		Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, a := range apps {
		if _, err := k.Save(ctx, a); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	fmt.Printf("submitted %d\n", len(apps))
	select {} // until killed: no Close, no checkpoint
}

// submitAndKill submits apps into dir from a child process and SIGKILLs it
// once every receipt would have printed.
func submitAndKill(t *testing.T, dir string, apps []core.Application) {
	t.Helper()
	appsFile := filepath.Join(t.TempDir(), "apps.json")
	b, err := json.Marshal(apps)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(appsFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), submitterEnv+"="+appsFile, submitterDirEnv+"="+dir, submitterCity+"="+syncCityPath(t))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait() //nolint:errcheck // killed on purpose
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Scan()
		line <- sc.Text()
	}()
	select {
	case l := <-line:
		if l != fmt.Sprintf("submitted %d", len(apps)) {
			cmd.Process.Kill()
			t.Fatalf("submitter said %q", l)
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the submitter did not finish")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
}

// damageFile rewrites a file with fn.
func damageFile(t *testing.T, path string, fn func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, fn(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestWALDamageIsRestoredFromTheJournal(t *testing.T) {
	const n = 80
	for _, c := range []struct {
		name string
		hurt func([]byte) []byte
	}{
		{"truncated by half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"64 bytes overwritten", func(b []byte) []byte {
			junk := make([]byte, 64)
			rand.Read(junk)
			copy(b[len(b)/3:], junk)
			return b
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			r := &faultRig{tb: t, dir: dir, db: filepath.Join(t.TempDir(), "engine.db"), apps: syntheticApps(n, 0, "JN-WAL-01")}
			submitAndKill(t, dir, r.apps)
			wal := filepath.Join(dir, "kiosk.db-wal")
			if st, err := os.Stat(wal); err != nil || st.Size() < 100_000 {
				t.Fatalf("the killed kiosk left no WAL with its commits: %v %v", st, err)
			}
			damageFile(t, wal, c.hurt)
			// What the database alone still knows (this open ends the WAL's
			// recovery: the damaged commits are gone from kiosk.db for good).
			if q, _ := kioskCounts(t, dir); q >= n {
				t.Fatalf("kiosk.db still holds all %d: the damage did not bite", q)
			} else {
				t.Logf("kiosk.db alone holds %d of %d applications after the damage", q, n)
			}

			r.code = addDevice(t, r.db, "wal-kiosk")
			eng := startEngine(t, r.db, "127.0.0.1:0")
			s := r.sync("http://" + eng.addr)
			if code := s.wait(faultTimeout); code != 0 {
				t.Fatalf("sync exited %d", code)
			}
			eng.stop()
			if log := s.log(); !strings.Contains(log, "restored and queued for the engine") || !strings.Contains(log, "370811********") {
				t.Errorf("the start-up check did not log the restore with masked IDs:\n%s", log)
			}
			r.check()
			// Every application acknowledged: the journal holds none of them.
			if b, _ := os.ReadFile(filepath.Join(dir, "kiosk.journal")); strings.Contains(string(b), string(r.apps[0].Child.ID)) {
				t.Error("the journal still holds acknowledged applications")
			}
			run := cli(t, "", "sync", "status", "--data", dir)
			if run.code != app.ExitOK || !strings.Contains(run.out, "journal      0 unacknowledged") {
				t.Errorf("sync status after the drain: exit %d\n%s%s", run.code, run.out, run.err)
			}
		})
	}
}

// corruptPage overwrites the root page of the applications table with
// garbage: one damaged page.
func corruptPage(t *testing.T, dbPath string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var root, size int64
	err = db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 'applications'`).Scan(&root)
	if err == nil {
		err = db.QueryRow(`PRAGMA page_size`).Scan(&size)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	damageFile(t, dbPath, func(b []byte) []byte {
		rand.Read(b[(root-1)*size : root*size])
		return b
	})
}

func TestDamagedPageRaisesTheAlarmAndRecovers(t *testing.T) {
	const n = 120
	dir := t.TempDir()
	r := &faultRig{tb: t, dir: dir, db: filepath.Join(t.TempDir(), "engine.db"), apps: syntheticApps(n, 0, "JN-PAGE-01")}
	ctx := context.Background()
	k, err := app.OpenKiosk(ctx, app.KioskConfig{DataDir: dir, CityDB: syncCityPath(t), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range r.apps {
		if _, err := k.Save(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Close(); err != nil { // checkpointed: everything is in kiosk.db
		t.Fatal(err)
	}
	corruptPage(t, filepath.Join(dir, "kiosk.db"))

	run := cli(t, "", "sync", "status", "--data", dir)
	if run.code != app.ExitFail || !strings.Contains(run.out, "ALARM") || !strings.Contains(run.out, "enrolldesk sync recover") {
		t.Errorf("sync status of a damaged store: exit %d, want %d and the alarm\n%s%s", run.code, app.ExitFail, run.out, run.err)
	}
	r.code = addDevice(t, r.db, "page-kiosk")
	eng := startEngine(t, r.db, "127.0.0.1:0")
	url := "http://" + eng.addr
	sync := start(t, "sync", nil, "sync", "--data", dir, "--engine", url, "--enroll", r.code, "--once", "--timeout", "50s")
	if code := sync.wait(faultTimeout); code != app.ExitFail || !strings.Contains(sync.log(), "ALARM") {
		t.Errorf("sync of a damaged store: exit %d, want %d and the alarm", code, app.ExitFail)
	}

	// The kiosk starts, but takes no registration: the welcome screen sends
	// parents to the counter, the staff screen says what to do.
	rig := newSyncKioskRig(t, func(c *app.KioskConfig) { c.DataDir, c.CityDB = dir, syncCityPath(t) })
	w := screen[*kioskui.WelcomeScreen](rig, kioskui.ScreenWelcome)
	if w.Blocked == nil || !strings.Contains(w.Blocked.Text, "本机暂时不能报名，请到人工窗口办理") || w.Primary.Visible() && w.Primary.Size().Width > 0 {
		t.Errorf("the welcome screen of an alarmed kiosk: %+v", w.Blocked)
	}
	st, err := rig.k.Services(nil).Maintenance.Status(ctx)
	if err != nil || !strings.Contains(st.Alarm, "enrolldesk sync recover") {
		t.Errorf("staff status: %+v, %v; want the alarm with what to do", st, err)
	}
	more := syntheticApps(1, n, "JN-PAGE-01")[0]
	if _, err := rig.k.Save(ctx, more); err == nil || !strings.Contains(core.ErrorMessage(err), "请到人工窗口办理") {
		t.Errorf("a registration on an alarmed kiosk: %v", err)
	}
	if err := rig.k.Close(); err != nil {
		t.Logf("close the alarmed kiosk: %v", err)
	}

	// Staff recover; the journal's copy goes to the engine exactly once.
	run = cli(t, "", "sync", "recover", "--data", dir)
	if run.code != app.ExitOK || !strings.Contains(run.out, "alarm cleared") {
		t.Fatalf("sync recover: exit %d\n%s%s", run.code, run.out, run.err)
	}
	t.Logf("recover:\n%s", run.out)
	sync = start(t, "sync", nil, "sync", "--data", dir, "--engine", url, "--enroll", r.code, "--once", "--batch", faultBatch, "--timeout", "50s")
	if code := sync.wait(faultTimeout); code != 0 {
		t.Fatalf("sync after recover exited %d", code)
	}
	eng.stop()
	r.check()
	if run := cli(t, "", "sync", "status", "--data", dir); run.code != app.ExitOK {
		t.Errorf("sync status after recover: exit %d\n%s%s", run.code, run.out, run.err)
	}
}

func TestSecondSyncProcessIsRefusedNamingTheHolder(t *testing.T) {
	r := &faultRig{tb: t, dir: t.TempDir(), db: filepath.Join(t.TempDir(), "engine.db"), apps: syntheticApps(5, 0, "JN-LOCK-01")}
	seedKiosk(t, r.dir, r.apps)
	r.code = addDevice(t, r.db, "lock-kiosk")
	eng := startEngine(t, r.db, "127.0.0.1:0")
	url := "http://" + eng.addr
	started := make(chan struct{}, 1)
	first := start(t, "sync-1", func(l string) {
		if strings.Contains(l, "syncing ") {
			started <- struct{}{}
		}
	}, "sync", "--data", r.dir, "--engine", url, "--enroll", r.code)
	select {
	case <-started:
	case <-first.done:
		t.Fatalf("the first sync exited: %s", first.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("the first sync did not start:\n%s", first.log())
	}
	second := start(t, "sync-2", nil, "sync", "--data", r.dir, "--engine", url)
	code := second.wait(30 * time.Second)
	pid := strconv.Itoa(first.cmd.Process.Pid)
	if code != app.ExitUsage || !strings.Contains(second.log(), "pid "+pid) || !strings.Contains(second.log(), "(enrolldesk sync)") {
		t.Errorf("second sync: exit %d, want %d naming pid %s:\n%s", code, app.ExitUsage, pid, second.log())
	}

	// A kiosk on the same directory runs without a worker of its own, and says so.
	k, err := app.OpenKiosk(context.Background(), app.KioskConfig{DataDir: r.dir, Engine: url, PIN: "1357", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	st, err := k.Services(nil).Maintenance.Status(context.Background())
	if err != nil || !strings.Contains(st.SyncNote, pid) {
		t.Errorf("staff status beside a running sync: %+v, %v", st, err)
	}

	// The first one keeps the queue moving; once it stops, the lock is free.
	r.waitQueue(0, first)
	first.stop()
	third := start(t, "sync-3", nil, "sync", "--data", r.dir, "--engine", url, "--once", "--timeout", "30s")
	if code := third.wait(faultTimeout); code != 0 {
		t.Errorf("sync after the first stopped: exit %d\n%s", code, third.log())
	}
	eng.stop()
}

// A kiosk.db too damaged to open still lets the kiosk start, alarmed, and
// recover rebuilds it from the journal.
func TestUnopenableStoreStartsAlarmedAndRecovers(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	apps := syntheticApps(3, 0, "JN-NADB-01")
	k, err := app.OpenKiosk(ctx, app.KioskConfig{DataDir: dir, CityDB: syncCityPath(t), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if _, err := k.Save(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	damageFile(t, filepath.Join(dir, "kiosk.db"), func(b []byte) []byte {
		copy(b, "this is no longer a database....")
		return b
	})
	k, err = app.OpenKiosk(ctx, app.KioskConfig{DataDir: dir, CityDB: syncCityPath(t), Logf: t.Logf})
	if err != nil {
		t.Fatalf("the kiosk did not start on an unopenable store: %v", err)
	}
	if a, up := k.Alarm(); !up || !strings.Contains(a.Reason, "sync recover") {
		t.Errorf("alarm %+v %v", a, up)
	}
	if _, err := k.Save(ctx, syntheticApps(1, 9, "JN-NADB-01")[0]); err == nil {
		t.Error("an alarmed kiosk took an application")
	}
	k.Close()
	if run := cli(t, "", "sync", "status", "--data", dir); run.code != app.ExitFail || !strings.Contains(run.out, "ALARM") {
		t.Errorf("sync status: exit %d\n%s%s", run.code, run.out, run.err)
	}
	if run := cli(t, "", "sync", "recover", "--data", dir); run.code != app.ExitOK {
		t.Fatalf("recover: exit %d\n%s%s", run.code, run.out, run.err)
	}
	if q, _ := kioskCounts(t, dir); q != len(apps) {
		t.Errorf("after recover %d queued, want %d", q, len(apps))
	}
	if run := cli(t, "", "sync", "status", "--data", dir); run.code != app.ExitOK || !strings.Contains(run.out, "journal      3 unacknowledged") {
		t.Errorf("sync status after recover: exit %d\n%s%s", run.code, run.out, run.err)
	}
}
