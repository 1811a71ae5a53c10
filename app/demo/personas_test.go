package demo_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"enrolldesk/app/demo"
	"enrolldesk/assets"
	"enrolldesk/core"
	"enrolldesk/core/memcity"
)

// defaultPolicy decodes the demo city's policy file.
func defaultPolicy(t *testing.T) *core.Policy {
	t.Helper()
	data, err := fs.ReadFile(assets.Policies(), assets.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	var p core.Policy
	if _, err := toml.Decode(string(data), &p); err != nil {
		t.Fatalf("decode %s: %v", assets.DefaultPolicy, err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("policy: %v", err)
	}
	return &p
}

// lookupDay is registration season of the default entry year.
var lookupDay = time.Date(2027, 6, 15, 9, 30, 0, 0, time.UTC)

func generate(t testing.TB, o demo.Options) (*memcity.City, demo.Stats) {
	t.Helper()
	city := memcity.New()
	st, err := demo.Generate(context.Background(), city, o)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return city, st
}

// outcome is what the table of personas promises.
type outcome struct {
	stage      core.Stage
	eligible   bool
	category   string
	priority   int
	review     bool
	problems   []string // codes that must be present
	blocking   string   // the blocking problem, if any
	minSchools int
	maxSchools int
	sibling    bool
	childEndsX bool
	clean      bool // no problem at all, not even a note
}

func TestPersonas(t *testing.T) {
	city, _ := generate(t, demo.Options{Families: 500, Seed: 7})
	reg := &core.Registrar{Sources: core.SourcesOf(city), Policy: defaultPolicy(t), Now: func() time.Time { return lookupDay }}
	want := map[string]outcome{
		"consistent":              {stage: core.Primary, eligible: true, category: "hukou_property", priority: 1, minSchools: 1, maxSchools: 1, clean: true},
		"property-only":           {stage: core.Primary, eligible: true, category: "property_only", priority: 2, minSchools: 1, maxSchools: 9},
		"hukou-only":              {stage: core.Primary, eligible: true, category: "hukou_only", priority: 3, minSchools: 1, maxSchools: 9, clean: true},
		"migrant":                 {stage: core.Primary, eligible: true, category: "migrant", priority: 4, minSchools: 1, maxSchools: 9, clean: true},
		"migrant-short-insurance": {stage: core.Primary, blocking: core.PInsuranceShort},
		"locked-property":         {stage: core.Primary, blocking: core.PPropertyLocked},
		"too-young":               {stage: core.Primary, category: "hukou_property", priority: 1, blocking: core.PTooYoung, minSchools: 1, maxSchools: 9},
		"twins":                   {stage: core.Primary, eligible: true, category: "hukou_property", priority: 1, minSchools: 1, maxSchools: 9, sibling: true, clean: true},
		"guardian-mismatch":       {stage: core.Primary, eligible: true, category: "hukou_property", priority: 1, review: true, problems: []string{core.PGuardianMismatch}, minSchools: 1, maxSchools: 9},
		"grandparents-property":   {stage: core.Primary, eligible: true, category: "hukou_property", priority: 1, minSchools: 1, maxSchools: 9, clean: true},
		"multi-school":            {stage: core.Primary, eligible: true, category: "hukou_property", priority: 1, minSchools: 2, maxSchools: 9, clean: true},
		"id-with-x":               {stage: core.Primary, eligible: true, category: "hukou_property", priority: 1, minSchools: 1, maxSchools: 9, childEndsX: true, clean: true},
		"no-records":              {stage: core.Primary, blocking: core.PNoRecords},
		"minor-share":             {stage: core.Primary, blocking: core.PShareTooSmall},
		"junior":                  {stage: core.Junior, eligible: true, category: "hukou_property", priority: 1, minSchools: 1, maxSchools: 9, clean: true},
		"junior-not-graduating":   {stage: core.Junior, category: "hukou_property", priority: 1, blocking: core.PNotGraduating, minSchools: 1, maxSchools: 9},
		"aunt-applies":            {stage: core.Primary, eligible: true, category: "hukou_property", priority: 1, review: true, problems: []string{core.PGuardianNotParent}, minSchools: 1, maxSchools: 9},
		"grandparents-elsewhere":  {stage: core.Primary, eligible: true, category: "hukou_only", priority: 3, problems: []string{core.PGrandparentHomeElsewhere}, minSchools: 1, maxSchools: 9},
		"migrant-spouse":          {stage: core.Primary, eligible: true, category: "migrant", priority: 4, minSchools: 1, maxSchools: 9, clean: true},
		"zone-ambiguous":          {stage: core.Primary, eligible: true, category: "hukou_property", priority: 1, review: true, problems: []string{core.PZoneAmbiguous}, minSchools: 1, maxSchools: 9},
	}
	ps, err := city.Personas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	wantKeys := []string{"consistent", "property-only", "hukou-only", "migrant", "migrant-short-insurance",
		"locked-property", "too-young", "twins", "guardian-mismatch", "grandparents-property", "multi-school",
		"id-with-x", "no-records", "minor-share", "junior",
		"junior-not-graduating", "aunt-applies", "grandparents-elsewhere", "migrant-spouse", "zone-ambiguous"}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("persona keys = %v\nwant %v", keys, wantKeys)
	}
	for _, p := range ps {
		t.Run(p.Key, func(t *testing.T) {
			w := want[p.Key]
			if p.Title == "" || p.Stage != w.stage {
				t.Errorf("title %q, stage %q; want a title and stage %q", p.Title, p.Stage, w.stage)
			}
			check(t, reg, p, p.ChildID, w)
			if w.sibling {
				if p.SiblingID == "" || p.SiblingID.BirthDate() != p.ChildID.BirthDate() {
					t.Fatalf("SiblingID = %q, want a twin born the same day", p.SiblingID)
				}
				check(t, reg, p, p.SiblingID, w)
			}
			if w.childEndsX && p.ChildID[17] != 'X' {
				t.Errorf("child ID %s does not end in X", string(p.ChildID))
			}
		})
	}
}

func check(t *testing.T, reg *core.Registrar, p core.Persona, child core.ResidentID, w outcome) {
	t.Helper()
	res, err := reg.Lookup(context.Background(), string(p.GuardianID), string(child), p.Stage)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	d := res.Decision
	codes := problemCodes(d)
	if d.Eligible != w.eligible || d.Category != w.category || d.Priority != w.priority || d.NeedsReview != w.review {
		t.Errorf("decision: eligible %v, category %q (%d), review %v; want %v, %q (%d), %v\nproblems %v\nevidence %v",
			d.Eligible, d.Category, d.Priority, d.NeedsReview, w.eligible, w.category, w.priority, w.review, codes, plain(d))
	}
	for _, c := range w.problems {
		if !slices.Contains(codes, c) {
			t.Errorf("problems %v lack %s", codes, c)
		}
	}
	if w.clean && len(codes) != 0 {
		t.Errorf("problems %v, want none", codes)
	}
	if w.blocking != "" && !blockedBy(d, w.blocking) {
		t.Errorf("problems %v: want %s blocking", codes, w.blocking)
	}
	if n := len(d.Schools()); w.minSchools > 0 && (n < w.minSchools || n > w.maxSchools) {
		t.Errorf("zone %v has %d schools, want %d..%d", d.Zone, n, w.minSchools, w.maxSchools)
	}
	checkParents(t, reg, res.Application, child)
}

// checkParents: where the health register has the child's birth record,
// the form lists both parents it names, as 父亲 and 母亲, and nobody else
// under those words.
func checkParents(t *testing.T, reg *core.Registrar, a core.Application, child core.ResidentID) {
	t.Helper()
	b, err := reg.Sources.Births.BirthOf(context.Background(), child)
	if err != nil || b == nil {
		return
	}
	listed := map[core.ResidentID]string{}
	for _, g := range a.Guardians {
		listed[g.ID] = g.Relation
		if (g.Relation == "父亲" && g.ID != b.Father.ID) || (g.Relation == "母亲" && g.ID != b.Mother.ID) {
			t.Errorf("%s on the form is not the birth record's parent: %+v", g.Relation, g)
		}
	}
	for id, rel := range map[core.ResidentID]string{b.Father.ID: "父亲", b.Mother.ID: "母亲"} {
		if id != "" && listed[id] != rel {
			t.Errorf("the birth record's %s is listed as %q, want %q (form %+v)", rel, listed[id], rel, a.Guardians)
		}
	}
}

func problemCodes(d core.Decision) []string {
	var out []string
	for _, p := range d.Problems {
		out = append(out, p.Code)
	}
	return out
}

func blockedBy(d core.Decision, code string) bool {
	for _, p := range d.Problems {
		if p.Code == code && p.Blocking {
			return true
		}
	}
	return false
}

func plain(d core.Decision) []string {
	var out []string
	for _, e := range d.Evidence {
		out = append(out, e.Plain())
	}
	return out
}

// TestProblemsHaveKioskWords: the kiosk shows a problem in English by its
// code (problem.<code>), and in Chinese by core's message or the same key;
// every code the family rules add, and every code a persona meets, has both.
func TestProblemsHaveKioskWords(t *testing.T) {
	files := map[string]map[string]string{}
	for _, name := range []string{"zh-Hans.json", "en.json"} {
		data, err := fs.ReadFile(assets.Translations(), name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		files[name] = m
	}
	codes := []string{core.PNotGraduating, core.PGuardianNotParent, core.PGrandparentHomeElsewhere,
		core.PInsuranceNotCurrent, core.PZoneAmbiguous}
	city, _ := generate(t, demo.Options{Seed: 7})
	reg := &core.Registrar{Sources: core.SourcesOf(city), Policy: defaultPolicy(t), Now: func() time.Time { return lookupDay }}
	ps, _ := city.Personas(context.Background())
	for _, p := range ps {
		res, err := reg.Lookup(context.Background(), string(p.GuardianID), string(p.ChildID), p.Stage)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, problemCodes(res.Decision)...)
	}
	for _, c := range codes {
		for name, m := range files {
			if m["problem."+c] == "" {
				t.Errorf("%s has no problem.%s", name, c)
			}
		}
	}
}
