package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"enrolldesk/app/journal"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
)

// Files a kiosk data directory holds beside kiosk.db.
const (
	journalFile = "kiosk.journal" // the second copy of every unacknowledged application
	alarmFile   = "alarm.json"    // damage found; stays until `enrolldesk sync recover`
	syncLock    = "sync.lock"     // held by the one sync worker of the directory
)

// Alarm is damage the kiosk cannot repair by itself: it takes no new
// registrations until staff have dealt with it.
type Alarm struct {
	Since  time.Time `json:"since"`
	Reason string    `json:"reason"` // plain words for staff: what is wrong and what to do
	Detail string    `json:"detail"` // the technical cause, for the log and the administrator
}

// guard keeps a kiosk data directory's applications safe beyond what the
// database alone can: it writes the journal (the second durable copy of
// every submitted application, dropped once the engine has answered for
// it), restores from the journal what the database lost, and raises the
// alarm on damage it cannot repair. The kiosk and `enrolldesk sync` each
// have one.
type guard struct {
	dir     string
	store   *sqlite.DB
	journal *journal.Journal // nil when it could not be opened (the alarm is up)
	logf    func(string, ...any)

	mu    sync.Mutex
	alarm *Alarm
}

// The alarm's words for staff; %s is the data directory.
const (
	alarmDB = "本机数据库损坏，已停止报名。已提交的报名在报名日志（kiosk.journal）里，不会丢失。" +
		"请关闭本机程序，运行 enrolldesk sync recover --data %s，再重新启动。"
	alarmJournal = "本机报名日志（kiosk.journal）损坏，已停止报名。" +
		"请关闭本机程序，运行 enrolldesk sync recover --data %s，再重新启动。"
	alarmWrite = "本机无法保存报名的第二份副本（磁盘已满或损坏），已停止报名。" +
		"请检查磁盘，关闭本机程序，运行 enrolldesk sync recover --data %s，再重新启动。"
)

// openGuard runs the start-up check of a data directory and returns its
// guard: an alarm left by an earlier run stands; PRAGMA quick_check must
// pass; the journal must read; every journal record the database lost —
// the application, or its outbox row before the engine answered — is put
// back; records the engine has answered for leave the journal. Everything
// it finds is logged (masked IDs only) or raised as the alarm.
func openGuard(ctx context.Context, dir string, store *sqlite.DB, logf func(string, ...any)) *guard {
	g := &guard{dir: dir, store: store, logf: logf}
	if a, err := readAlarm(dir); err == nil {
		g.alarm = &a
		g.log("start-up check: the alarm of %s stands until `enrolldesk sync recover`: %s", a.Since.Local().Format(time.DateTime), a.Detail)
	}
	dbOK := true
	if err := store.QuickCheck(ctx); err != nil {
		dbOK = false
		g.raise(alarmDB, err)
	}
	j, torn, err := journal.Open(filepath.Join(dir, journalFile))
	if torn > 0 {
		g.log("start-up check: cut off a torn last journal record (%d bytes): an append that never finished, before its receipt could print", torn)
	}
	switch {
	case errors.Is(err, journal.ErrDamaged):
		g.raise(alarmJournal, err)
	case err != nil:
		g.raise(alarmJournal, err)
		return g
	}
	g.journal = j
	if dbOK {
		g.restore(ctx)
	}
	return g
}

// restore puts back from the journal what the database lost.
func (g *guard) restore(ctx context.Context) {
	recs, _, err := g.journal.Records()
	if err != nil {
		g.raise(alarmJournal, err)
		return
	}
	apps := make([]core.Application, 0, len(recs))
	for _, r := range recs {
		var a core.Application
		if err := json.Unmarshal(r.Body, &a); err != nil || a.ID != r.ID {
			g.raise(alarmJournal, fmt.Errorf("journal record %s does not decode: %v", r.ID, err))
			continue
		}
		apps = append(apps, a)
	}
	res, err := g.store.RestoreSubmitted(ctx, apps)
	if err != nil {
		g.watch(err)
		g.log("start-up check: restoring from the journal failed: %v", err)
		return
	}
	if len(res.IDs) > 0 {
		put := map[string]bool{}
		for _, id := range res.IDs {
			put[id] = true
		}
		var back []core.Application
		for _, a := range apps {
			if put[a.ID] {
				back = append(back, a)
			}
		}
		g.log("start-up check: kiosk.db had lost %d application(s) and %d outbox row(s) the journal holds; restored and queued for the engine: %s",
			res.Applications, res.Queue, describe(back))
	}
	if len(res.Acknowledged) > 0 {
		g.acknowledged(res.Acknowledged)
	}
	g.log("start-up check: quick_check ok; the journal holds %d unacknowledged application(s), all in kiosk.db",
		len(apps)-len(res.Acknowledged))
}

// describe names up to 10 applications by registration number and the
// child's masked ID.
func describe(apps []core.Application) string {
	var parts []string
	for i, a := range apps {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(apps)))
			break
		}
		parts = append(parts, a.RegNo+" "+a.Child.ID.Masked())
	}
	return strings.Join(parts, ", ")
}

// submitted journals an application the database has just committed, and
// fsyncs it, before its receipt may print. When that fails the kiosk
// cannot keep its promise twice: the alarm goes up and the parent is sent
// to the counter.
func (g *guard) submitted(a core.Application) error {
	if g.journal == nil {
		return blockedError()
	}
	body, err := json.Marshal(a)
	if err == nil {
		err = g.journal.Append(a.ID, body)
	}
	if err != nil {
		g.raise(alarmWrite, err)
		return blockedError()
	}
	return nil
}

// acknowledged drops from the journal the applications the engine has
// answered for: kiosk.db keeps what staff need, and the journal no longer
// holds their personal data. A failure is logged; the next start trims.
func (g *guard) acknowledged(ids []string) {
	if g.journal == nil || len(ids) == 0 {
		return
	}
	if _, err := g.journal.Remove(ids...); err != nil {
		g.log("journal: %v (trimmed at the next start)", err)
	}
}

// watch raises the alarm when err says the database is damaged, and
// returns err.
func (g *guard) watch(err error) error {
	if err != nil && sqlite.IsCorrupt(err) {
		g.raise(alarmDB, err)
	}
	return err
}

// raise sets the alarm (the first reason stands) and writes it into the
// data directory, so `enrolldesk sync status` and later starts see it.
func (g *guard) raise(reason string, cause error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.log("ALARM: %v — new registrations are stopped; see `enrolldesk sync status` and docs/sync.md", cause)
	if g.alarm != nil {
		return
	}
	g.alarm = &Alarm{Since: time.Now(), Reason: fmt.Sprintf(reason, g.dir), Detail: cause.Error()}
	if err := writeAlarm(g.dir, *g.alarm); err != nil {
		g.log("ALARM: could not write %s: %v", alarmFile, err)
	}
}

// Alarm is the alarm, if one is up.
func (g *guard) Alarm() (Alarm, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.alarm == nil {
		return Alarm{}, false
	}
	return *g.alarm, true
}

func (g *guard) log(format string, args ...any) { logprintf(g.logf, format, args...) }

// blockedError is what a parent sees when the kiosk cannot take an
// application: the way on is the counter.
func blockedError() error {
	return core.Errorf(core.EINTERNAL, "本机暂时不能报名，请到人工窗口办理。")
}

func readAlarm(dir string) (Alarm, error) {
	b, err := os.ReadFile(filepath.Join(dir, alarmFile))
	if err != nil {
		return Alarm{}, err
	}
	var a Alarm
	if err := json.Unmarshal(b, &a); err != nil || a.Reason == "" {
		// Half-written or damaged: the alarm stands all the same.
		return Alarm{Since: time.Now(), Reason: fmt.Sprintf(alarmDB, dir), Detail: "unreadable " + alarmFile}, nil
	}
	return a, nil
}

func writeAlarm(dir string, a Alarm) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, alarmFile), append(b, '\n'), 0o600)
}
