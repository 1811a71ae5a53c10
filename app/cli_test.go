package app_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"enrolldesk/app"
)

type run struct {
	code     int
	out, err string
}

func cli(t *testing.T, stdin string, args ...string) run {
	t.Helper()
	var out, errw bytes.Buffer
	code := app.Main(args, strings.NewReader(stdin), &out, &errw)
	return run{code, out.String(), errw.String()}
}

var (
	cityOnce sync.Once
	cityPath string
	cityErr  string
)

// testCity builds one small demo city for the package's tests.
func testCity(t *testing.T) string {
	t.Helper()
	cityOnce.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			cityErr = err.Error()
			return
		}
		cityPath = filepath.Join(dir, "city.db")
		if r := cli(t, "", "demo", "init", "--db", cityPath, "--families", "600", "--seed", "7"); r.code != 0 {
			cityErr = r.err
		}
	})
	if cityErr != "" {
		t.Fatalf("demo init: %s", cityErr)
	}
	return cityPath
}

type persona struct {
	Key        string `json:"key"`
	GuardianID string `json:"guardian_id"`
	ChildID    string `json:"child_id"`
	SiblingID  string `json:"sibling_id"`
	Stage      string `json:"stage"`
}

func personas(t *testing.T, db string) map[string]persona {
	t.Helper()
	r := cli(t, "", "demo", "personas", "--db", db)
	if r.code != 0 {
		t.Fatalf("personas: %d %s", r.code, r.err)
	}
	var ps []persona
	if err := json.Unmarshal([]byte(r.out), &ps); err != nil {
		t.Fatalf("personas JSON: %v\n%s", err, r.out)
	}
	out := map[string]persona{}
	for _, p := range ps {
		out[p.Key] = p
	}
	return out
}

type lookupOut struct {
	Eligible    bool   `json:"eligible"`
	Category    string `json:"category"`
	Priority    int    `json:"priority"`
	NeedsReview bool   `json:"needs_review"`
	Schools     []struct {
		Name string `json:"name"`
	} `json:"schools"`
	Problems []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"problems"`
	Evidence []struct {
		Source string `json:"source"`
		Status string `json:"status"`
		Detail string `json:"detail"`
	} `json:"evidence"`
	Application struct {
		Child struct {
			ID string `json:"id"`
		} `json:"child"`
		Guardians []struct {
			ID       string `json:"id"`
			Relation string `json:"relation"`
		} `json:"guardians"`
	} `json:"application"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestPersonasThroughTheCommandLine(t *testing.T) {
	db := testCity(t)
	ps := personas(t, db)
	want := []struct {
		key      string
		eligible bool
		category string
		priority int
		review   bool
		schools  int // minimum
		problem  string
	}{
		{"consistent", true, "hukou_property", 1, false, 1, ""},
		{"property-only", true, "property_only", 2, false, 1, ""},
		{"hukou-only", true, "hukou_only", 3, false, 1, ""},
		{"migrant", true, "migrant", 4, false, 1, ""},
		{"migrant-short-insurance", false, "", 0, false, 0, "insurance_short"},
		{"locked-property", false, "", 0, false, 0, "property_locked"},
		{"too-young", false, "hukou_property", 1, false, 0, "too_young"},
		{"twins", true, "hukou_property", 1, false, 1, ""},
		{"guardian-mismatch", true, "hukou_property", 1, true, 1, "guardian_mismatch"},
		{"grandparents-property", true, "hukou_property", 1, false, 1, ""},
		{"multi-school", true, "hukou_property", 1, false, 2, ""},
		{"id-with-x", true, "hukou_property", 1, false, 1, ""},
		{"no-records", false, "", 0, false, 0, "no_records"},
		{"minor-share", false, "", 0, false, 0, "share_too_small"},
		{"junior", true, "hukou_property", 1, false, 1, ""},
		{"junior-not-graduating", false, "hukou_property", 1, false, 0, "not_graduating"},
		{"aunt-applies", true, "hukou_property", 1, true, 1, "guardian_not_parent"},
		{"grandparents-elsewhere", true, "hukou_only", 3, false, 1, "grandparent_home_elsewhere"},
		{"migrant-spouse", true, "migrant", 4, false, 1, ""},
		{"zone-ambiguous", true, "hukou_property", 1, true, 1, "zone_ambiguous"},
	}
	if len(ps) != len(want) {
		t.Errorf("%d personas, want %d", len(ps), len(want))
	}
	for _, w := range want {
		t.Run(w.key, func(t *testing.T) {
			p, ok := ps[w.key]
			if !ok {
				t.Fatalf("persona %s missing", w.key)
			}
			r := cli(t, "", "lookup", "--db", db, "--guardian", p.GuardianID, "--child", p.ChildID, "--stage", p.Stage, "--json")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.err)
			}
			var got lookupOut
			if err := json.Unmarshal([]byte(r.out), &got); err != nil {
				t.Fatalf("JSON: %v", err)
			}
			if got.Eligible != w.eligible || got.Category != w.category || got.Priority != w.priority || got.NeedsReview != w.review || len(got.Schools) < w.schools {
				t.Errorf("got eligible=%v category=%q priority=%d review=%v schools=%d; want %+v", got.Eligible, got.Category, got.Priority, got.NeedsReview, len(got.Schools), w)
			}
			if w.problem != "" && !hasProblem(got, w.problem) {
				t.Errorf("problems = %+v, want %s", got.Problems, w.problem)
			}
			if strings.Contains(r.out, p.ChildID) || strings.Contains(r.out, p.GuardianID) {
				t.Errorf("output contains a full ID number")
			}
			if got.Application.Child.ID != p.ChildID[:6]+"********"+p.ChildID[14:] {
				t.Errorf("masked child ID = %q", got.Application.Child.ID)
			}
			if len(got.Evidence) == 0 {
				t.Error("no evidence")
			}
		})
	}
	if ps["twins"].SiblingID == "" || ps["junior"].Stage != "junior" || !strings.HasSuffix(ps["id-with-x"].ChildID, "X") {
		t.Errorf("twins sibling / junior stage / id-with-x: %+v %+v %+v", ps["twins"], ps["junior"], ps["id-with-x"])
	}
}

func hasProblem(l lookupOut, code string) bool {
	for _, p := range l.Problems {
		if p.Code == code && p.Message != "" {
			return true
		}
	}
	return false
}

func TestLookupExitCodes(t *testing.T) {
	db := testCity(t)
	p := personas(t, db)["consistent"]
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"BadCheckDigit", []string{"lookup", "--db", db, "--guardian", p.GuardianID[:17] + "9", "--child", p.ChildID, "--json"}, 2, "校验位"},
		{"Legacy15", []string{"lookup", "--db", db, "--guardian", "370811880304001", "--child", p.ChildID}, 2, "15位"},
		{"MissingDB", []string{"lookup", "--db", filepath.Join(t.TempDir(), "nope.db"), "--guardian", p.GuardianID, "--child", p.ChildID}, 2, "demo init"},
		{"NoDB", []string{"lookup", "--guardian", p.GuardianID, "--child", p.ChildID}, 2, "--db"},
		{"BadStage", []string{"lookup", "--db", db, "--guardian", p.GuardianID, "--child", p.ChildID, "--stage", "senior"}, 2, "学段"},
		{"Unknown", []string{"frobnicate"}, 2, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, "", tc.args...)
			if r.code != tc.code || !strings.Contains(r.err, tc.says) {
				t.Errorf("exit %d stderr %q; want %d mentioning %q", r.code, r.err, tc.code, tc.says)
			}
			if strings.Contains(r.err, "goroutine") || strings.Contains(r.err, "panic") {
				t.Errorf("stack trace on stderr: %s", r.err)
			}
		})
	}
	r := cli(t, "", "lookup", "--db", db, "--guardian", p.GuardianID, "--child", p.ChildID)
	if r.code != 0 || !strings.Contains(r.out, "房户一致") {
		t.Errorf("plain output: %d %s %s", r.code, r.out, r.err)
	}
}

func TestLookupBatch(t *testing.T) {
	db := testCity(t)
	ps := personas(t, db)
	var in strings.Builder
	for _, k := range []string{"consistent", "no-records", "junior"} {
		p := ps[k]
		in.WriteString(`{"guardian":"` + p.GuardianID + `","child":"` + p.ChildID + `","stage":"` + p.Stage + "\"}\n")
	}
	in.WriteString("not json\n")
	in.WriteString(`{"guardian":"123","child":"456","stage":"primary"}` + "\n")
	r := cli(t, in.String(), "lookup", "--db", db, "--batch")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5:\n%s", len(lines), r.out)
	}
	var got []lookupOut
	for _, l := range lines {
		var o lookupOut
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got = append(got, o)
	}
	if !got[0].Eligible || got[1].Eligible || !got[2].Eligible || got[3].Error == nil || got[4].Error == nil {
		t.Errorf("batch results = %+v", got)
	}
	if got[4].Error.Code != "invalid_id_length" {
		t.Errorf("bad ID line error = %+v", got[4].Error)
	}
}

func TestDemoInitIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for _, p := range []string{a, b} {
		if r := cli(t, "", "demo", "init", "--db", p, "--families", "300", "--seed", "42"); r.code != 0 {
			t.Fatalf("init: %s", r.err)
		}
	}
	if pa, pb := cli(t, "", "demo", "personas", "--db", a).out, cli(t, "", "demo", "personas", "--db", b).out; pa != pb || pa == "" {
		t.Error("the same seed gave different personas")
	}
	if r := cli(t, "", "demo", "init", "--db", a, "--families", "300"); r.code != 2 || !strings.Contains(r.err, "--force") {
		t.Errorf("overwriting without --force: %d %s", r.code, r.err)
	}
}

// TestFamilyRulesThroughTheCommandLine: what a clerk running `lookup` sees
// for the family rules' personas — the problem in plain Chinese, and a form
// that lists the parents, not the aunt, as 父亲 and 母亲.
func TestFamilyRulesThroughTheCommandLine(t *testing.T) {
	db := testCity(t)
	ps := personas(t, db)
	look := func(t *testing.T, key string) lookupOut {
		t.Helper()
		p := ps[key]
		r := cli(t, "", "lookup", "--db", db, "--guardian", p.GuardianID, "--child", p.ChildID, "--stage", p.Stage, "--json")
		var got lookupOut
		if err := json.Unmarshal([]byte(r.out), &got); r.code != 0 || err != nil {
			t.Fatalf("exit %d, JSON %v: %s", r.code, err, r.err)
		}
		return got
	}
	message := func(l lookupOut, code string) string {
		for _, p := range l.Problems {
			if p.Code == code {
				return p.Message
			}
		}
		return ""
	}
	t.Run("junior-not-graduating", func(t *testing.T) {
		msg := message(look(t, "junior-not-graduating"), "not_graduating")
		for _, want := range []string{"5年级", "2028年", "今年（2027年）"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q lacks %q", msg, want)
			}
		}
	})
	t.Run("aunt-applies", func(t *testing.T) {
		got := look(t, "aunt-applies")
		var relations []string
		for _, g := range got.Application.Guardians {
			relations = append(relations, g.Relation)
		}
		if strings.Join(relations, ",") != ",父亲,母亲" {
			t.Errorf("form relations %q, want the aunt without a relation, then 父亲 and 母亲", relations)
		}
		if !strings.Contains(message(got, "guardian_not_parent"), "出生医学证明") {
			t.Errorf("problems %+v: want guardian_not_parent citing the birth record", got.Problems)
		}
	})
	t.Run("zone-ambiguous", func(t *testing.T) {
		if msg := message(look(t, "zone-ambiguous"), "zone_ambiguous"); strings.Count(msg, "学区") < 2 {
			t.Errorf("message %q should name both zones", msg)
		}
	})
	t.Run("migrant-spouse", func(t *testing.T) {
		got := look(t, "migrant-spouse")
		held := map[string]bool{}
		for _, e := range got.Evidence {
			if e.Status == "matched" {
				held[e.Source] = true
			}
		}
		if !held["permit"] || !held["insurance"] || len(got.Application.Guardians) != 2 {
			t.Errorf("evidence %+v, guardians %+v: want the mother's permit, the father's insurance, both parents", got.Evidence, got.Application.Guardians)
		}
	})
}
