package app_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/app"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	kioskui "enrolldesk/ui/kiosk"
)

// rssChildEnv marks the process BenchmarkKioskRSS100Registrations starts
// for the measurement itself.
const rssChildEnv = "ENROLLDESK_RSS_CHILD"

// rssAt are the registrations after which resident memory is read.
var rssAt = []int{1, 50, 100}

// BenchmarkKioskRSS100Registrations is the resident memory of a kiosk after
// 100 complete registrations (goal ≤ 150 MB, no growth from one to the
// next): each one walked through the real screens with the test driver —
// welcome, both ID numbers on the keypad, confirm, school, phone, consent,
// receipt, 完成 — on the real adapters of the kiosk rig (the SQLite demo
// city, the kiosk store, the key, the PDF renderer, a stand-in for lp).
//
// The walk is the rig's (typeID, submit in kiosk_test.go), so a change to
// the kiosk's flow is made there once. The measurement runs in a process of
// its own (this test binary started again) so that the other benchmarks of
// the package — a 1M-resident city among them — do not count. The process
// has no GL driver: the real window's share is in
// BenchmarkKioskFirstFrameXvfb's MB-RSS-at-first-frame.
func BenchmarkKioskRSS100Registrations(b *testing.B) {
	if os.Getenv(rssChildEnv) != "" {
		driveRegistrations(b)
		return
	}
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkKioskRSS100Registrations$", "-test.benchtime=1x")
		// Fyne frees a widget's renderer a minute after it was last drawn. A
		// real family takes minutes, so the last family's screens are freed
		// while the next one registers; the benchmark runs a registration in
		// a fraction of a second, so it shortens that minute to keep the
		// same proportion (FYNE_CACHE is Fyne's own setting for it).
		cmd.Env = append(os.Environ(), rssChildEnv+"=1", "FYNE_CACHE=1s")
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("measuring process: %v\n%s", err, out)
		}
		rss, heap := map[int]float64{}, map[int]float64{}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			var n int
			var r, h float64
			if _, err := fmt.Sscanf(strings.TrimSpace(sc.Text()), "rss-after %d %f %f", &n, &r, &h); err == nil {
				rss[n], heap[n] = r, h
			}
		}
		if len(rss) != len(rssAt) {
			b.Fatalf("measuring process reported %v:\n%s", rss, out)
		}
		for _, n := range rssAt {
			b.ReportMetric(rss[n], fmt.Sprintf("MB-RSS-after-%d", n))
		}
		// Growth over the second half: the first registrations fill
		// caches (fonts, renderers, SQLite pages) once.
		b.ReportMetric((rss[100]-rss[50])*1024/50, "kB-RSS/registration")
		b.ReportMetric((heap[100]-heap[50])*1024/50, "kB-heap/registration")
	}
}

// driveRegistrations is the measuring process: 100 registrations, printing
// "rss-after N RSS-MB HEAP-MB" after those in rssAt.
func driveRegistrations(b *testing.B) {
	r := newSyncKioskRig(b, func(c *app.KioskConfig) { c.Families = 600 })
	apps := eligibleApplicants(b, r, rssAt[len(rssAt)-1])
	for i, a := range apps {
		test.Tap(screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome).Primary)
		test.Tap(screen[*kioskui.ConsentScreen](r, kioskui.ScreenConsent).Agree)
		r.typeID(kioskui.ScreenGuardianKeypad, a.guardian)
		r.typeID(kioskui.ScreenChildKeypad, a.child)
		test.Tap(r.submit(a.ranking...).Finish)
		screen[*kioskui.WelcomeScreen](r, kioskui.ScreenWelcome)
		// Paint a frame, as a real window does 60 times a second: Fyne
		// frees the renderers of widgets unused for a minute only when it
		// paints, and the test driver paints only when asked.
		r.win.Canvas().Capture()
		if n := i + 1; contains(rssAt, n) {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("rss-after %d %.1f %.1f\n", n, float64(vmRSSKB(b, "/proc/self/status"))/1024, float64(ms.HeapInuse)/(1<<20))
			if dir := os.Getenv("ENROLLDESK_RSS_HEAPPROFILES"); dir != "" { // to diff: go tool pprof -base heap-50 heap-100
				writeHeapProfile(b, filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", n)))
			}
		}
	}
	if n, err := r.k.Store().CountApplications(context.Background()); err != nil || n != len(apps) {
		b.Fatalf("stored %d applications (%v), want %d", n, err, len(apps))
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// rankedApplicant is an applicant and, in a multi-school zone, the order
// in which the parent taps the zone's schools.
type rankedApplicant struct {
	applicant
	ranking []int
}

// eligibleApplicants picks n primary-school children of the rig's demo city
// with a parent from their household whom the registrar admits, so every
// walk ends in a receipt.
func eligibleApplicants(b *testing.B, r *kioskRig, n int) []rankedApplicant {
	b.Helper()
	path := filepath.Join(r.data, "demo-city-600-s11.db")
	raw, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT g.resident_id, c.resident_id FROM household_members c
		JOIN household_members g ON g.household_id = c.household_id AND g.relation IN ('户主', '配偶')
		WHERE c.relation IN ('子', '女') AND substr(c.resident_id, 7, 8) BETWEEN '20200901' AND '20210831'
		GROUP BY c.resident_id ORDER BY c.resident_id`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	city, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer city.Close()
	reg := benchRegistrar(b, city.City())
	reg.Now = func() time.Time { return kioskNow }
	var out []rankedApplicant
	for rows.Next() && len(out) < n {
		var g, c string
		if err := rows.Scan(&g, &c); err != nil {
			b.Fatal(err)
		}
		res, err := reg.Lookup(context.Background(), g, c, core.Primary)
		if err == nil && res.Decision.Eligible {
			a := rankedApplicant{applicant: applicant{core.ResidentID(g), core.ResidentID(c), core.Primary}}
			if zone := res.Decision.Schools(); len(zone) > 1 { // a multi-school zone wants every school ranked
				for i := range zone {
					a.ranking = append(a.ranking, i)
				}
			}
			out = append(out, a)
		}
	}
	if len(out) < n {
		b.Fatalf("the demo city has %d eligible primary applicants, want %d", len(out), n)
	}
	return out
}

func writeHeapProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		tb.Fatal(err)
	}
}
