package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enrolldesk/app"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// decideRig is a real engine on the demo city with one kiosk, and the
// city's own decisions for its personas (what an honest kiosk shows).
type decideRig struct {
	*engineRig
	k   *testKiosk
	reg *core.Registrar
	ps  map[string]core.Persona
}

func newDecideRig(t *testing.T) *decideRig {
	t.Helper()
	r := &decideRig{engineRig: newEngineRig(t), ps: map[string]core.Persona{}}
	r.k = r.kiosk("大厅1号")
	for _, p := range cityPersonas(t, engineCityPath(t)) {
		r.ps[p.Key] = p
	}
	policy, err := policyfile.Default()
	if err != nil {
		t.Fatal(err)
	}
	city := openCityForTest(t)
	r.reg = &core.Registrar{Sources: core.SourcesOf(city), Policy: policy, Now: func() time.Time { return engineNow }}
	return r
}

// honest is the application an honest kiosk submits for a persona.
func (r *decideRig) honest(t *testing.T, key string) (core.Application, *core.LookupResult) {
	t.Helper()
	p := r.ps[key]
	res, err := r.reg.Lookup(context.Background(), string(p.GuardianID), string(p.ChildID), p.Stage)
	if err != nil {
		t.Fatal(err)
	}
	draft := res.Application
	draft.ID = core.NewApplicationID()
	if !res.Decision.Eligible { // Submit refuses it: build what a forged push would carry
		draft.Phone, draft.KioskID, draft.CreatedAt = "13800138000", "K", engineNow
		r.k.number(&draft)
		if err := draft.Transition(core.StateSubmitted, "kiosk:K", "", engineNow); err != nil {
			t.Fatal(err)
		}
		return draft, res
	}
	r.k.seq++
	a, err := core.Submit(core.Submission{Draft: draft, Choices: res.Decision.Schools(), Phone: "13800138000", Consent: true, KioskID: "K", At: engineNow,
		RegPrefix: r.k.prefix, RegSeq: r.k.seq})
	if err != nil {
		t.Fatal(err)
	}
	return a, res
}

func (r *decideRig) push(t *testing.T, apps ...core.Application) []engineapi.ItemResult {
	t.Helper()
	var out engineapi.PushResponse
	if st, body := r.k.call(engineapi.PathPush, engineapi.PushRequest{Applications: apps}, &out); st != 200 || len(out.Results) != len(apps) {
		t.Fatalf("push: %d %s", st, body)
	}
	return out.Results
}

func (r *decideRig) stored(t *testing.T, id string) (core.Application, core.Application) {
	t.Helper()
	got, err := r.e.Store().Application(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	claim, err := r.e.Store().Claim(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return got, claim
}

func problem(d core.Decision, code string) (core.Problem, bool) {
	for _, p := range d.Problems {
		if p.Code == code {
			return p, true
		}
	}
	return core.Problem{}, false
}

func TestEngineDecidesOnItsOwnData(t *testing.T) {
	r := newDecideRig(t)
	good, goodRes := r.honest(t, "consistent")

	t.Run("HonestKioskVerified", func(t *testing.T) {
		res := r.push(t, good)[0]
		if res.Outcome != engineapi.ItemAccepted || res.State != core.StateVerified {
			t.Fatalf("honest push = %+v, want accepted verified", res)
		}
		got, claim := r.stored(t, good.ID)
		if _, changed := problem(got.Decision, core.PDecisionChanged); changed || len(got.Decision.Evidence) == 0 {
			t.Errorf("decision %+v; want the engine's own evidence and no change", got.Decision)
		}
		if got.History[0].Actor != r.k.id || got.History[0].From != core.StateSubmitted || claim.History[0].Actor != "kiosk:K" {
			t.Errorf("history %+v, claim history %+v; want the engine's from its receipt (the device) and the kiosk's kept beside", got.History, claim.History)
		}
	})

	t.Run("IneligibleClaimingEligible", func(t *testing.T) {
		a, res := r.honest(t, "no-records")
		if res.Decision.Eligible {
			t.Fatal("persona no-records is eligible")
		}
		a.Decision, a.Choices = goodRes.Decision, goodRes.Decision.Schools() // the forged claim: the top category
		out := r.push(t, a)[0]
		if out.Outcome != engineapi.ItemAccepted || out.State == core.StateVerified {
			t.Fatalf("forged push = %+v; it must not be verified", out)
		}
		got, claim := r.stored(t, a.ID)
		if got.Decision.Eligible || got.Decision.Category != "" || len(got.Choices) != 0 {
			t.Errorf("the engine recorded %+v; want not eligible, no category, no schools", got.Decision)
		}
		if _, ok := problem(got.Decision, core.PNoRecords); !ok {
			t.Errorf("problems %+v; want the engine's own reason (no records)", got.Decision.Problems)
		}
		p, ok := problem(got.Decision, core.PDecisionChanged)
		if !ok || got.State != core.StateNeedsReview || !strings.Contains(p.Message, goodRes.Decision.CategoryName) {
			t.Errorf("state %s, problem %+v; want review with decision_changed naming the claimed %s", got.State, p, goodRes.Decision.CategoryName)
		}
		if !claim.Decision.Eligible || claim.Decision.CategoryName != goodRes.Decision.CategoryName {
			t.Errorf("the kiosk's claim was not kept: %+v", claim.Decision)
		}
	})

	t.Run("BetterCategoryClaimed", func(t *testing.T) {
		a, res := r.honest(t, "hukou-only")
		if !res.Decision.Eligible || res.Decision.Priority <= goodRes.Decision.Priority {
			t.Fatalf("persona hukou-only: %+v; want eligible in a lower category", res.Decision)
		}
		a.Decision.Category, a.Decision.CategoryName, a.Decision.Priority = goodRes.Decision.Category, goodRes.Decision.CategoryName, goodRes.Decision.Priority
		out := r.push(t, a)[0]
		got, _ := r.stored(t, a.ID)
		p, ok := problem(got.Decision, core.PDecisionChanged)
		if out.State != core.StateNeedsReview || !ok || got.Decision.CategoryName != res.Decision.CategoryName {
			t.Fatalf("push = %+v, decision %+v; want review with decision_changed and the engine's category", out, got.Decision)
		}
		if !strings.Contains(p.Message, goodRes.Decision.CategoryName) || !strings.Contains(p.Message, res.Decision.CategoryName) {
			t.Errorf("decision_changed says %q; want both categories named", p.Message)
		}
	})

	t.Run("ChoicesOutsideZoneRefused", func(t *testing.T) {
		a, _ := r.honest(t, "twins")
		_, other := r.honest(t, "multi-school")
		a.Choices = other.Decision.Schools()[:1]
		if a.Choices[0].Code == a.Decision.Schools()[0].Code {
			t.Fatal("the personas share a school")
		}
		out := r.push(t, a)[0]
		if out.Outcome != engineapi.ItemRejected || out.Code != engineapi.ReasonChoicesOutsideZone || !strings.Contains(out.Reason, a.Choices[0].Name) {
			t.Fatalf("push = %+v; want rejected %s naming the school", out, engineapi.ReasonChoicesOutsideZone)
		}
		if _, err := r.e.Store().Application(context.Background(), a.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a refused item was stored: %v", err)
		}
	})

	t.Run("PendingDecidedByEngine", func(t *testing.T) {
		for key, want := range map[string]core.State{"multi-school": core.StateVerified, "too-young": core.StateRejected} {
			p := r.ps[key]
			res, err := core.PendingLookup(string(p.GuardianID), string(p.ChildID), p.Stage, engineNow)
			if err != nil {
				t.Fatal(err)
			}
			res.Application.ID = core.NewApplicationID()
			a, err := core.Submit(core.Submission{Draft: res.Application, Phone: "13800138000", Consent: true, KioskID: "K", At: engineNow})
			if err != nil {
				t.Fatal(err)
			}
			out := r.push(t, a)[0]
			got, _ := r.stored(t, a.ID)
			if out.State != want || got.State != want {
				t.Errorf("%s taken 待核验 = %+v; want %s", key, out, want)
			}
			if want == core.StateVerified && len(got.Choices) != len(got.Decision.Schools()) {
				t.Errorf("%s: choices %+v; want the zone's schools", key, got.Choices)
			}
			if want == core.StateRejected && got.History[len(got.History)-1].Reason == "" {
				t.Errorf("%s rejected without a reason", key)
			}
		}
	})
}

func TestEngineReturnedApplicationResubmitted(t *testing.T) {
	r := newDecideRig(t)
	first, _ := r.honest(t, "consistent")
	if out := r.push(t, first)[0]; out.State != core.StateVerified {
		t.Fatalf("first = %+v", out)
	}
	db := r.e.DBPath()
	run := cli(t, "", "engine", "return", "--db", db, "--reg", first.RegNo, "--reason", "请补充房产证明原件")
	if run.code != app.ExitOK {
		t.Fatalf("engine return: exit %d\n%s", run.code, run.err)
	}
	got, _ := r.stored(t, first.ID)
	last := got.History[len(got.History)-1]
	if got.State != core.StateReturned || !strings.HasPrefix(last.Actor, "cli:") || last.Reason != "请补充房产证明原件" {
		t.Fatalf("after return: %s, %+v", got.State, last)
	}
	again, _ := r.honest(t, "consistent")
	if out := r.push(t, again)[0]; out.Outcome != engineapi.ItemAccepted || out.State != core.StateVerified {
		t.Fatalf("the family applies again = %+v; want accepted", out)
	}
	got, _ = r.stored(t, again.ID)
	if got.History[0].Actor != r.k.id || len(got.History) < 6 {
		t.Errorf("history %+v; want the returned application's kept before the new one's", got.History)
	}
	third, _ := r.honest(t, "consistent")
	if out := r.push(t, third)[0]; out.Outcome != engineapi.ItemConflict || !strings.Contains(out.Reason, again.RegNo) {
		t.Errorf("a third while the second is live = %+v; want a conflict naming %s", out, again.RegNo)
	}

	run = cli(t, "", "engine", "applications", "--db", db, "--json")
	var list []engineapi.Summary
	if run.code != app.ExitOK || json.Unmarshal([]byte(run.out), &list) != nil || len(list) != 1 || list[0].RegNo != again.RegNo {
		t.Fatalf("engine applications --json: exit %d\n%s%s", run.code, run.out, run.err)
	}
	if list[0].Child != again.Child.ID.Masked() || list[0].Category == "" || list[0].KioskCategory != list[0].Category {
		t.Errorf("listed %+v", list[0])
	}
	run = cli(t, "", "engine", "applications", "--db", db, "--state", "verified")
	if run.code != app.ExitOK || !strings.Contains(run.out, again.RegNo) || strings.Contains(run.out, string(again.Child.ID)) ||
		!strings.Contains(run.out, "数据已核验") {
		t.Errorf("engine applications --state verified: exit %d\n%s%s", run.code, run.out, run.err)
	}
	run = cli(t, "", "engine", "applications", "--db", db, "--state", "returned")
	if run.code != app.ExitOK || strings.Contains(run.out, again.RegNo) {
		t.Errorf("engine applications --state returned lists the live one:\n%s", run.out)
	}
	if run = cli(t, "", "engine", "applications", "--db", db, "--state", "nonsense"); run.code != app.ExitUsage {
		t.Errorf("an unknown state: exit %d", run.code)
	}
	if run = cli(t, "", "engine", "return", "--db", db, "--reg", "JN27P-00000-00000", "--reason", "x"); run.code != app.ExitUsage {
		t.Errorf("returning an unknown number: exit %d\n%s", run.code, run.err)
	}
}

func TestEngineNeedsCityOrTrust(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "engine.db")
	run := cli(t, "", "engine", "--db", db, "--listen", "127.0.0.1:0", "--data", dir)
	if run.code != app.ExitUsage || !strings.Contains(run.err, "--city") || !strings.Contains(run.err, "--trust-kiosk-decisions") {
		t.Errorf("engine without --city: exit %d\n%s", run.code, run.err)
	}
	run = cli(t, "", "engine", "--db", db, "--city", engineCityPath(t), "--trust-kiosk-decisions")
	if run.code != app.ExitUsage {
		t.Errorf("--city with --trust-kiosk-decisions: exit %d", run.code)
	}
	var log bytes.Buffer
	e, err := app.OpenEngine(context.Background(), app.EngineConfig{DB: db, DataDir: dir, TrustKioskDecisions: true,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if !strings.Contains(log.String(), "WARN") || !strings.Contains(log.String(), "tests only") {
		t.Errorf("trusting the kiosks without a warning: %q", log.String())
	}
}

// openCityForTest opens the engine tests' city for the test's duration.
func openCityForTest(t *testing.T) *sqlite.City {
	t.Helper()
	db, err := sqlite.Open(engineCityPath(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.City()
}

// The real process: without --city it refuses to start; with
// --trust-kiosk-decisions it starts and warns.
func TestEngineProcessNeedsCityOrTrust(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "engine.db")
	p := start(t, "engine-no-city", nil, "engine", "--listen", "127.0.0.1:0", "--db", db, "--data", dir)
	if code := p.wait(60 * time.Second); code != app.ExitUsage || !strings.Contains(p.log(), "--city") {
		t.Errorf("engine without --city: exit %d\n%s", code, p.log())
	}
	listening := make(chan struct{})
	onLine := func(line string) {
		if strings.Contains(line, "listening on http://") {
			close(listening)
		}
	}
	p = start(t, "engine-trusting", onLine, "engine", "--listen", "127.0.0.1:0", "--db", db, "--data", dir, "--trust-kiosk-decisions", "--metrics-addr", "off")
	select {
	case <-listening:
	case <-p.done:
		t.Fatalf("the trusting engine exited: %v\n%s", p.err, p.log())
	case <-time.After(60 * time.Second):
		t.Fatalf("the trusting engine printed no address:\n%s", p.log())
	}
	if !strings.Contains(p.log(), "WARN") || !strings.Contains(p.log(), "tests only") {
		t.Errorf("no warning:\n%s", p.log())
	}
	p.stop()
}
