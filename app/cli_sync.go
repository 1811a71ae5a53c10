package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"enrolldesk/app/dirlock"
	"enrolldesk/app/keys"
	"enrolldesk/app/printing"
	"enrolldesk/app/sqlite"
	"enrolldesk/app/syncer"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
)

// openKioskStore opens a kiosk data directory's key and store, as the
// kiosk does, for the headless sync commands.
func openKioskStore(dir string) (KioskConfig, ed25519.PrivateKey, *sqlite.DB, error) {
	cfg := KioskConfig{DataDir: dir}
	if err := cfg.defaults(); err != nil {
		return cfg, nil, nil, err
	}
	if err := protectDataDir(cfg.DataDir); err != nil {
		return cfg, nil, nil, err
	}
	key, err := keys.LoadOrCreate(cfg.DataDir)
	if err != nil {
		return cfg, nil, nil, err
	}
	store, err := sqlite.Open(filepath.Join(cfg.DataDir, "kiosk.db"))
	if err == nil {
		if err = protectDataDir(cfg.DataDir); err != nil {
			err = errors.Join(err, store.Close())
		}
	}
	return cfg, key, store, err
}

// runSync is the kiosk's sync without its screen: it drains the data
// directory's outbox into the engine, and keeps doing so (or, with --once,
// until the outbox is empty). One sync worker runs per data directory: a
// second (another `enrolldesk sync`, or a kiosk with its worker) holds the
// directory's sync lock, and this one says who and exits 2. It starts with
// the start-up check against the journal; with the alarm up it exits 1
// saying what staff should do.
func runSync(stdio IO, args []string) int {
	fs := newFlags("sync", stdio.Err)
	dir := fs.String("data", "", "the kiosk's data directory (key and kiosk.db); default $ENROLLDESK_DATA or ~/.local/share/enrolldesk")
	url := fs.String("engine", os.Getenv("ENROLLDESK_ENGINE"), "engine base URL")
	code := fs.String("enroll", "", "CODE/FINGERPRINT from `enrolldesk engine device add` (first sync with this engine)")
	name := fs.String("name", "", "device name sent at registration (default the kiosk ID)")
	once := fs.Bool("once", false, "drain the outbox until it is empty, then exit")
	engineCA := fs.String("engine-ca", "", "PEM certificate the engine's TLS certificate is checked against (from `enrolldesk engine cert`)")
	timeout := fs.Duration("timeout", 0, "with --once: give up after this long (exit 1); 0 waits for ever")
	batch := fs.Int("batch", engineapi.MaxBatch, "applications per push (at most 500)")
	maxBackoff := fs.Duration("max-backoff", syncer.DefaultMaxBackoff, "cap of the wait between retries")
	eraseAfter := fs.Duration("erase-after", DefaultEraseAfter, "erase names, ID numbers and phone numbers this long after the engine acknowledged the application")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if *eraseAfter <= 0 {
		return fail(stdio.Err, ExitUsage, "sync: --erase-after must be a positive duration, e.g. 24h")
	}
	if *url == "" || fs.NArg() > 0 {
		return fail(stdio.Err, ExitUsage, "sync takes --engine URL (and --data DIR, --enroll CODE the first time)")
	}
	cfg := KioskConfig{DataDir: *dir}
	if err := cfg.defaults(); err != nil {
		return fail(stdio.Err, ExitFail, "sync: %v", err)
	}
	lock, err := dirlock.Acquire(filepath.Join(cfg.DataDir, syncLock), "enrolldesk sync")
	if err != nil {
		return failLocked(stdio, "sync", err)
	}
	defer lock.Release()
	cfg, key, store, err := openKioskStore(cfg.DataDir)
	if err != nil {
		return fail(stdio.Err, ExitFail, "sync: %v", err)
	}
	defer store.Close()
	if *name == "" {
		*name = "KIOSK-" + receipt.KeyID(key.Public().(ed25519.PublicKey))
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(stdio.Err, "%s enrolldesk: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g := openGuard(ctx, cfg.DataDir, store, logf)
	if a, up := g.Alarm(); up {
		return fail(stdio.Err, ExitFail, "sync: ALARM since %s: %s\n(%s)", formatTime(a.Since), a.Reason, a.Detail)
	}
	client, err := connect(ctx, store, key, *url, *engineCA, *code, *name, time.Now, logf)
	if err != nil {
		return fail(stdio.Err, exitFor(err), "%s", errText(err))
	}
	w := newWorker(client, store, g, logf)
	w.Batch, w.MaxBackoff = *batch, *maxBackoff
	logf("syncing %s to %s as device %s", cfg.DataDir, *url, client.DeviceID)
	er := newEraser(store, &printing.Spooler{Dir: filepath.Join(cfg.DataDir, "spool")}, *eraseAfter, time.Now, logf)
	if !*once {
		stopErasing := er.start(DefaultEraseEvery)
		defer stopErasing()
		w.Run(ctx)
		return ExitOK
	}
	defer func() {
		if _, err := er.pass(context.Background()); err != nil {
			logf("erasing personal data: %v", err)
		}
	}()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	err = w.Drain(ctx)
	code2 := printSyncSummary(stdio, store)
	if a, up := g.Alarm(); up {
		return fail(stdio.Err, ExitFail, "sync: ALARM: %s\n(%s)", a.Reason, a.Detail)
	}
	switch {
	case syncer.Refused(err):
		return fail(stdio.Err, ExitFail, "sync: the engine refuses this kiosk (%v). Nothing is lost: the applications stay queued until an admin enrolls the kiosk again (`enrolldesk engine device add`, then --enroll CODE).", err)
	case err != nil:
		return fail(stdio.Err, ExitFail, "sync: stopped before the outbox was empty: %v", err)
	}
	return code2
}

// printSyncSummary prints where the outbox stands.
func printSyncSummary(stdio IO, store *sqlite.DB) int {
	ctx := context.Background()
	queued, err1 := store.CountOutbox(ctx)
	dead, err2 := store.CountDeadLetters(ctx)
	last, err3 := store.LastSync(ctx)
	if err := errors.Join(err1, err2, err3); err != nil {
		return fail(stdio.Err, ExitFail, "sync: %v", err)
	}
	fmt.Fprintf(stdio.Out, "queued %d\ndead letters %d\nlast sync %s\n", queued, dead, formatTime(last))
	return ExitOK
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// syncStatusJSON is `enrolldesk sync status --json`.
type syncStatusJSON struct {
	Device      string           `json:"device_id"`
	Engine      string           `json:"engine"`
	Queued      int              `json:"queued"`
	LastSync    *time.Time       `json:"last_sync,omitempty"`
	LastError   string           `json:"last_error,omitempty"`
	DeadLetters []deadLetterJSON `json:"dead_letters"`
	// The data directory's defences: the journal and the alarm.
	Journal     int    `json:"journal"`                // applications the journal holds (not yet acknowledged)
	JournalOnly int    `json:"journal_only,omitempty"` // of those, missing from kiosk.db: restored at the next start
	Alarm       *Alarm `json:"alarm,omitempty"`        // damage that stops registrations
}

type deadLetterJSON struct {
	AppID    string    `json:"app_id"`
	RegNo    string    `json:"reg_no"`
	Attempts int       `json:"attempts"`
	Reason   string    `json:"reason"`
	DeadAt   time.Time `json:"dead_at"`
}

// runSyncStatus shows a kiosk's sync state: registration, queue, the last
// error, every dead letter with the engine's reason, the journal, and the
// alarm — with the alarm up (stored, or damage found now) it exits 1.
func runSyncStatus(stdio IO, args []string) int {
	fs := newFlags("sync status", stdio.Err)
	dir := fs.String("data", "", "the kiosk's data directory")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return ExitUsage
	}
	st, err := statusOf(context.Background(), *dir)
	if err != nil && st.Alarm == nil {
		return fail(stdio.Err, ExitFail, "sync status: %v", err)
	}
	if *asJSON {
		if code := writeJSON(stdio, st, "  "); code != ExitOK || st.Alarm == nil {
			return code
		}
		return ExitFail
	}
	if st.Alarm != nil {
		fmt.Fprintf(stdio.Out, "ALARM        since %s: %s\n             (%s)\n", formatTime(st.Alarm.Since), st.Alarm.Reason, st.Alarm.Detail)
	}
	if err != nil {
		return fail(stdio.Err, ExitFail, "sync status: %v", err)
	}
	last := "never"
	if st.LastSync != nil {
		last = formatTime(*st.LastSync)
	}
	fmt.Fprintf(stdio.Out, "device       %s\nengine       %s\nqueued       %d\nlast sync    %s\ndead letters %d\n",
		st.Device, st.Engine, st.Queued, last, len(st.DeadLetters))
	if st.LastError != "" {
		fmt.Fprintf(stdio.Out, "last error   %s\n", st.LastError)
	}
	for _, d := range st.DeadLetters {
		fmt.Fprintf(stdio.Out, "  %s  %s  tried %d×  %s\n", d.RegNo, d.AppID, d.Attempts, d.Reason)
	}
	fmt.Fprintf(stdio.Out, "journal      %d unacknowledged\n", st.Journal)
	if st.JournalOnly > 0 {
		fmt.Fprintf(stdio.Out, "             %d of them missing from kiosk.db: restored at the next start of the kiosk or `enrolldesk sync`\n", st.JournalOnly)
	}
	if st.Alarm != nil {
		return ExitFail
	}
	return ExitOK
}

func readSyncStatus(ctx context.Context, store *sqlite.DB) (syncStatusJSON, error) {
	var st syncStatusJSON
	dev, err := store.Device(ctx)
	if err != nil {
		return st, err
	}
	st.Device, st.Engine = dev.ID, dev.EngineURL
	rows, err := store.Outbox(ctx)
	if err != nil {
		return st, err
	}
	st.Queued = len(rows)
	for _, r := range rows {
		if r.LastError != "" {
			st.LastError = r.LastError
			break
		}
	}
	if last, err := store.LastSync(ctx); err != nil {
		return st, err
	} else if !last.IsZero() {
		st.LastSync = &last
	}
	dead, err := store.DeadLetters(ctx)
	if err != nil {
		return st, err
	}
	st.DeadLetters = []deadLetterJSON{}
	for _, d := range dead {
		st.DeadLetters = append(st.DeadLetters, deadLetterJSON{AppID: d.AppID, RegNo: d.RegNo, Attempts: d.Attempts, Reason: d.Reason, DeadAt: d.DeadAt})
	}
	return st, nil
}

// runSyncRequeue puts dead letters back in the outbox.
func runSyncRequeue(stdio IO, args []string) int {
	fs := newFlags("sync requeue", stdio.Err)
	dir := fs.String("data", "", "the kiosk's data directory")
	all := fs.Bool("all", false, "requeue every dead letter")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if *all == (fs.NArg() > 0) {
		return fail(stdio.Err, ExitUsage, "sync requeue takes --all or application IDs (see `enrolldesk sync status`)")
	}
	_, _, store, err := openKioskStore(*dir)
	if err != nil {
		return fail(stdio.Err, ExitFail, "sync requeue: %v", err)
	}
	defer store.Close()
	n, err := store.RequeueDeadLetters(context.Background(), fs.Args())
	if err != nil {
		return fail(stdio.Err, ExitFail, "sync requeue: %v", err)
	}
	fmt.Fprintf(stdio.Out, "requeued %d\n", n)
	return ExitOK
}
