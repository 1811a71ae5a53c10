package core_test

import (
	"testing"
	"time"

	"enrolldesk/core"
)

func full(id core.ResidentID, share float64) core.Owner {
	return core.Owner{ID: id, Name: "业主", Share: share}
}

func TestClassifyCategories(t *testing.T) {
	p := testPolicy()
	t.Run("HukouAndHomeSameAddress", func(t *testing.T) {
		c := town(t)
		household(t, c, home, kid)
		owns(t, c, home, full(dad, 60), full(mum, 40))
		d := lookup(t, c, p, dad, kid, core.Primary)
		if !d.Eligible || d.Category != "hukou_property" || d.Priority != 1 || d.NeedsReview {
			t.Fatalf("decision = %+v", d)
		}
		if d.Relation != "父亲" {
			t.Errorf("relation = %q, want 父亲", d.Relation)
		}
		if s := d.Schools(); len(s) != 1 || s[0].Code != "P1" {
			t.Errorf("schools = %+v, want P1 only", s)
		}
	})
	t.Run("HomeElsewhereThanHukou", func(t *testing.T) {
		c := town(t)
		household(t, c, away, kid)
		owns(t, c, home2, full(mum, 100))
		d := lookup(t, c, p, mum, kid, core.Primary)
		if !d.Eligible || d.Category != "property_only" || d.Priority != 2 {
			t.Fatalf("decision = %+v", d)
		}
		if !d.Zone.MultiSchool() || len(d.Schools()) != 2 {
			t.Errorf("zone = %+v, want the multi-school zone", d.Zone)
		}
		if !d.Basis.SameHome(home2) {
			t.Errorf("basis = %v, want the owned home", d.Basis)
		}
	})
	t.Run("HukouOnly", func(t *testing.T) {
		c := town(t)
		household(t, c, home, kid)
		d := lookup(t, c, p, dad, kid, core.Primary)
		if !d.Eligible || d.Category != "hukou_only" || d.Priority != 3 {
			t.Fatalf("decision = %+v", d)
		}
	})
	t.Run("NoRecords", func(t *testing.T) {
		d := lookup(t, town(t), p, dad, kid, core.Primary)
		if d.Eligible || d.Priority != 0 || d.Category != "" || !problemCodes(d)[core.PNoRecords] {
			t.Fatalf("decision = %+v", d)
		}
	})
	t.Run("HukouOutOfZone", func(t *testing.T) {
		c := town(t)
		household(t, c, away, kid)
		d := lookup(t, c, p, dad, kid, core.Primary)
		if d.Eligible || !problemCodes(d)[core.POutOfZone] {
			t.Fatalf("decision = %+v", d)
		}
	})
}

func TestAgeCutoff(t *testing.T) {
	p := testPolicy()
	for _, tc := range []struct {
		name string
		born time.Time
		ok   bool
	}{
		{"Born31August", day(2021, 8, 31), true},
		{"Born1September", day(2021, 9, 1), false},
		{"BornEarlier", day(2020, 9, 1), true},
		{"LeapDayBirth", day(2020, 2, 29), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := town(t)
			child := core.MakeResidentID("370811", tc.born, 7)
			household(t, c, home, child)
			owns(t, c, home, full(dad, 100))
			d := lookup(t, c, p, dad, child, core.Primary)
			if d.Eligible != tc.ok {
				t.Fatalf("eligible = %v, want %v: %+v", d.Eligible, tc.ok, d.Problems)
			}
			if !tc.ok && !problemCodes(d)[core.PTooYoung] {
				t.Errorf("problems = %+v, want too_young blocking", d.Problems)
			}
			if tc.ok && d.Priority != 1 {
				t.Errorf("priority = %d", d.Priority)
			}
		})
	}
}

func TestGuardianShare(t *testing.T) {
	p := testPolicy()
	for _, tc := range []struct {
		name   string
		family float64
		ok     bool
	}{
		{"Exactly51", 51, true},
		{"Just under", 50.99, false},
		{"Thirty", 30, false},
		{"All", 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := town(t)
			household(t, c, away, kid)
			owns(t, c, home, full(mum, tc.family), full(stranger, 100-tc.family))
			d := lookup(t, c, p, mum, kid, core.Primary)
			if d.Eligible != tc.ok {
				t.Fatalf("eligible = %v, want %v: %+v", d.Eligible, tc.ok, d.Problems)
			}
			if !tc.ok && !problemCodes(d)[core.PShareTooSmall] {
				t.Errorf("problems = %+v, want share_too_small", d.Problems)
			}
		})
	}
	t.Run("ParentsTogether", func(t *testing.T) {
		c := town(t)
		household(t, c, away, kid)
		owns(t, c, home, full(mum, 26), full(dad, 25), full(stranger, 49))
		if d := lookup(t, c, p, mum, kid, core.Primary); !d.Eligible || d.Category != "property_only" {
			t.Fatalf("both parents' shares should add up to 51 %%: %+v", d)
		}
	})
}

func TestDegreeLock(t *testing.T) {
	p := testPolicy()
	for _, tc := range []struct {
		name    string
		year    int
		stage   core.Stage
		child   core.ResidentID
		blocked bool
	}{
		{"UsedSixYearsAgo", 2021, core.Primary, stranger, false},
		{"UsedFiveYearsAgo", 2022, core.Primary, stranger, true},
		{"UsedLastYear", 2026, core.Primary, stranger, true},
		{"UsedForJuniorOnly", 2026, core.Junior, stranger, false},
		{"UsedBySibling", 2024, core.Primary, kin2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := town(t)
			household(t, c, away, kid, kin2)
			owns(t, c, home, full(mum, 100))
			must(t, c.PutSeatUse(core.SeatUse{HomeKey: home.Key(), Child: tc.child, Year: tc.year, Stage: tc.stage}))
			d := lookup(t, c, p, mum, kid, core.Primary)
			if d.Eligible == tc.blocked {
				t.Fatalf("eligible = %v, want %v: %+v", d.Eligible, !tc.blocked, d.Problems)
			}
			if tc.blocked && !problemCodes(d)[core.PPropertyLocked] {
				t.Errorf("problems = %+v, want property_locked", d.Problems)
			}
		})
	}
	t.Run("JuniorLockIsThreeYears", func(t *testing.T) {
		c := town(t)
		junior := core.MakeResidentID("370811", day(2014, 10, 1), 9)
		household(t, c, away, junior)
		owns(t, c, home, full(dad, 100))
		must(t, c.PutStudent(core.StudentRecord{StudentNo: "S1", Child: junior, School: "文昌小学", Grade: 6, Graduating: 2027}))
		must(t, c.PutSeatUse(core.SeatUse{HomeKey: home.Key(), Child: stranger, Year: 2024, Stage: core.Junior}))
		if d := lookup(t, c, p, dad, junior, core.Junior); !d.Eligible {
			t.Fatalf("a junior seat used three years ago should be free again: %+v", d.Problems)
		}
	})
	t.Run("LockedHomeButHukouStillCounts", func(t *testing.T) {
		c := town(t)
		household(t, c, home, kid)
		owns(t, c, home, full(dad, 100))
		must(t, c.PutSeatUse(core.SeatUse{HomeKey: home.Key(), Child: stranger, Year: 2025, Stage: core.Primary}))
		d := lookup(t, c, p, dad, kid, core.Primary)
		if !d.Eligible || d.Category != "hukou_only" {
			t.Fatalf("decision = %+v", d)
		}
		if blocking, noted := problemCodes(d)[core.PPropertyLocked]; !noted || blocking {
			t.Errorf("the lock should be noted, not blocking: %+v", d.Problems)
		}
	})
}

func TestMigrant(t *testing.T) {
	p := testPolicy()
	setup := func(t *testing.T, months int, employer bool) core.Decision {
		c := town(t)
		child := core.MakeResidentID("412722", day(2020, 12, 1), 3)
		must(t, c.PutBirth(core.BirthRecord{CertNo: "B1", Child: child, Father: core.Person{ID: migr, Name: "赵强"}}))
		must(t, c.PutPermit(core.ResidencePermit{PermitNo: "JZ1", Holder: migr, Address: home, Issued: day(2025, 1, 1), Expires: day(2028, 1, 1)}))
		kind := core.InsuranceFlexible
		if employer {
			kind = core.InsuranceEmployee
		}
		to := day(2027, 5, 1) // the month before the insurance cut-off (06-01)
		from := to.AddDate(0, -(months - 1), 0)
		must(t, c.PutInsurance(core.InsurancePeriod{Person: migr, Employer: "某厂", Kind: kind, From: from, To: to}))
		return lookup(t, c, p, migr, child, core.Primary)
	}
	if d := setup(t, 12, true); !d.Eligible || d.Category != "migrant" || d.Priority != 4 {
		t.Errorf("12 months, employed: %+v", d)
	}
	if d := setup(t, 11, true); d.Eligible || !problemCodes(d)[core.PInsuranceShort] {
		t.Errorf("11 months: %+v", d)
	}
	if d := setup(t, 24, false); d.Eligible || !problemCodes(d)[core.PNoEmployment] {
		t.Errorf("no employment: %+v", d)
	}
}

func TestGuardianship(t *testing.T) {
	p := testPolicy()
	t.Run("BirthRecordNamesGuardian", func(t *testing.T) {
		c := town(t)
		must(t, c.PutBirth(core.BirthRecord{CertNo: "B", Child: kid, Mother: core.Person{ID: mum, Name: "李秀英"}}))
		owns(t, c, home, full(mum, 100))
		d := lookup(t, c, p, mum, kid, core.Primary)
		if d.NeedsReview || d.Relation != "母亲" || !d.Eligible {
			t.Fatalf("decision = %+v", d)
		}
	})
	t.Run("NotOnHukouNorBirth", func(t *testing.T) {
		c := town(t)
		household(t, c, home, kid)
		owns(t, c, home, full(dad, 100))
		d := lookup(t, c, p, stranger, kid, core.Primary)
		if !d.NeedsReview || !d.Eligible {
			t.Fatalf("a guardian mismatch is for review, not refusal: %+v", d)
		}
		if blocking, ok := problemCodes(d)[core.PGuardianMismatch]; !ok || blocking {
			t.Errorf("problems = %+v", d.Problems)
		}
	})
	t.Run("GrandparentsHome", func(t *testing.T) {
		c := town(t)
		must(t, c.PutHousehold(core.Household{Number: "G", Address: home, Members: []core.Member{
			{Person: core.Person{ID: gpa, Name: "王大山"}, Relation: core.RelHead},
			{Person: core.Person{ID: dad, Name: "王建国"}, Relation: core.RelSon},
			{Person: core.Person{ID: kid, Name: "王小明"}, Relation: core.RelGrandson},
		}}))
		must(t, c.PutBirth(core.BirthRecord{CertNo: "B", Child: kid, Father: core.Person{ID: dad, Name: "王建国"}}))
		owns(t, c, home, full(gpa, 100))
		if d := lookup(t, c, p, dad, kid, core.Primary); !d.Eligible || d.Category != "hukou_property" {
			t.Fatalf("allowed: %+v", d)
		}
		strict := testPolicy()
		strict.GrandparentsProperty = false
		if d := lookup(t, c, strict, dad, kid, core.Primary); d.Category != "hukou_only" {
			t.Fatalf("not allowed: %+v", d)
		}
	})
}

func TestJuniorNeedsCityStudentRecord(t *testing.T) {
	c := town(t)
	junior := core.MakeResidentID("370811", day(2014, 10, 1), 9)
	household(t, c, home, junior)
	d := lookup(t, c, testPolicy(), dad, junior, core.Junior)
	if d.Eligible || !problemCodes(d)[core.PNoCityStudent] {
		t.Fatalf("decision = %+v", d)
	}
	must(t, c.PutStudent(core.StudentRecord{StudentNo: "S", Child: junior, School: "文昌小学", Grade: 6, Graduating: 2027}))
	d = lookup(t, c, testPolicy(), dad, junior, core.Junior)
	if !d.Eligible || d.Schools()[0].Code != "J1" {
		t.Fatalf("decision = %+v", d)
	}
}

func TestEvidenceSaysWhatWasChecked(t *testing.T) {
	c := town(t)
	household(t, c, home, kid)
	owns(t, c, home, full(dad, 100))
	d := lookup(t, c, testPolicy(), dad, kid, core.Primary)
	got := map[core.Source]core.Status{}
	for _, e := range d.Evidence {
		got[e.Source] = e.Status
		if e.Authority == "" || e.Detail == "" {
			t.Errorf("evidence without authority or detail: %+v", e)
		}
	}
	for _, src := range []core.Source{core.SrcHukou, core.SrcProperty, core.SrcCatchment} {
		if got[src] != core.Matched {
			t.Errorf("%s = %q, want matched", src, got[src])
		}
	}
	if plain := d.Evidence[0].Plain(); plain[:len("户籍：济宁市公安局 已核验")] != "户籍：济宁市公安局 已核验" {
		t.Errorf("plain = %q", plain)
	}
}

func TestInsuranceMonths(t *testing.T) {
	ps := []core.InsurancePeriod{
		{From: day(2026, 1, 1), To: day(2026, 6, 1)},
		{From: day(2026, 5, 1), To: day(2026, 12, 1)}, // overlaps May–June
		{From: day(2027, 8, 1), To: day(2027, 12, 1)}, // only August counts by 31 August
	}
	if got := core.InsuranceMonths(ps, day(2027, 8, 31)); got != 13 {
		t.Errorf("months = %d, want 13", got)
	}
}

func TestSameFamilySameDecision(t *testing.T) {
	c := town(t)
	household(t, c, away, kid)
	owns(t, c, home, full(mum, 100))
	owns(t, c, home2, full(dad, 100))
	first := lookup(t, c, testPolicy(), dad, kid, core.Primary)
	for i := 0; i < 50; i++ {
		d := lookup(t, c, testPolicy(), dad, kid, core.Primary)
		if d.Basis != first.Basis || len(d.Evidence) != len(first.Evidence) {
			t.Fatalf("look-up %d chose %v, first chose %v", i, d.Basis, first.Basis)
		}
		for j := range d.Evidence {
			if d.Evidence[j] != first.Evidence[j] {
				t.Fatalf("evidence order changed at %d", j)
			}
		}
	}
	if !first.Basis.SameHome(home2) {
		t.Errorf("the applying guardian's own home comes first: basis %v", first.Basis)
	}
}
