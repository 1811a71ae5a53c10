package core_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/memcity"
)

// The family rules of issue 8, one table per rule; each demo persona of the
// issue (junior-not-graduating, aunt-applies, grandparents-elsewhere,
// migrant-spouse, zone-ambiguous) has its case here under its own key.

var (
	aunt   = core.MakeResidentID("370811", day(1993, 4, 5), 64) // a daughter of the head: the child's aunt
	gma    = core.MakeResidentID("370811", day(1960, 2, 2), 46)
	migrM  = core.MakeResidentID("412722", day(1989, 9, 9), 58)
	migKid = core.MakeResidentID("412722", day(2020, 12, 1), 3)
	fifth  = core.MakeResidentID("370811", day(2015, 10, 1), 19) // born for grade 5 in 2027
	sixth  = core.MakeResidentID("370811", day(2014, 10, 1), 9)
)

func lookupAll(t *testing.T, c *memcity.City, p *core.Policy, guardian, child core.ResidentID, stage core.Stage) *core.LookupResult {
	t.Helper()
	r := core.Registrar{Sources: core.SourcesOf(c), Policy: p, Now: func() time.Time { return day(2027, 6, 15) }}
	res, err := r.Lookup(context.Background(), string(guardian), string(child), stage)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	return res
}

// want is what a case promises; problem must be present (blocking when
// blocking is set) and, when clean, no problem at all.
type want struct {
	eligible bool
	category string
	priority int
	review   bool
	problem  string
	blocking bool
	clean    bool
}

func (w want) check(t *testing.T, d core.Decision) {
	t.Helper()
	codes := problemCodes(d)
	if d.Eligible != w.eligible || d.Category != w.category || d.Priority != w.priority || d.NeedsReview != w.review {
		t.Errorf("eligible %v, category %q (%d), review %v; want %v, %q (%d), %v\nproblems %+v\nevidence %+v",
			d.Eligible, d.Category, d.Priority, d.NeedsReview, w.eligible, w.category, w.priority, w.review, d.Problems, d.Evidence)
	}
	if w.problem != "" {
		if blocking, ok := codes[w.problem]; !ok || blocking != w.blocking {
			t.Errorf("problems %+v: want %s (blocking %v)", d.Problems, w.problem, w.blocking)
		}
	}
	if w.clean && len(codes) != 0 {
		t.Errorf("problems %+v, want none", d.Problems)
	}
	for _, p := range d.Problems {
		if p.Message == "" {
			t.Errorf("problem %s has no message", p.Code)
		}
	}
}

func TestJuniorNeedsThisYearsSixthGrader(t *testing.T) {
	for _, tc := range []struct {
		name              string
		child             core.ResidentID
		grade, graduating int
		want              want
	}{
		{"junior-not-graduating", fifth, 5, 2028, want{category: "hukou_property", priority: 1, problem: core.PNotGraduating, blocking: true}},
		{"SixthGraderLeavingNextYear", sixth, 6, 2028, want{category: "hukou_property", priority: 1, problem: core.PNotGraduating, blocking: true}},
		{"FourthGrader", fifth, 4, 2029, want{category: "hukou_property", priority: 1, problem: core.PNotGraduating, blocking: true}},
		{"SixthGraderLeavingThisYear", sixth, 6, 2027, want{eligible: true, category: "hukou_property", priority: 1, clean: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := town(t)
			household(t, c, home, tc.child)
			owns(t, c, home, full(dad, 100))
			must(t, c.PutStudent(core.StudentRecord{StudentNo: "G" + string(tc.child), Child: tc.child, School: "文昌小学", Grade: tc.grade, Graduating: tc.graduating}))
			d := lookup(t, c, testPolicy(), dad, tc.child, core.Junior)
			tc.want.check(t, d)
			if tc.want.problem == core.PNotGraduating {
				msg := d.Problems[0].Message
				for _, p := range d.Problems {
					if p.Code == core.PNotGraduating {
						msg = p.Message
					}
				}
				if !containsAll(msg, "年级", "毕业", "2027") {
					t.Errorf("message %q should say the grade, the leaving year and this year", msg)
				}
			}
		})
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// grandparentsRegister puts the grandparents (head and spouse), the father
// (son), the mother (daughter-in-law), the aunt (daughter) and the child on
// one 户口簿 at addr.
func grandparentsRegister(t *testing.T, c *memcity.City, addr core.Address) {
	t.Helper()
	must(t, c.PutHousehold(core.Household{Number: "G1", Kind: core.FamilyHousehold, Address: addr, Members: []core.Member{
		{Person: core.Person{ID: gpa, Name: "王大山"}, Relation: core.RelHead},
		{Person: core.Person{ID: gma, Name: "张桂兰"}, Relation: core.RelSpouse},
		{Person: core.Person{ID: dad, Name: "王建国"}, Relation: core.RelSon},
		{Person: core.Person{ID: mum, Name: "李秀英"}, Relation: core.RelDaughterInLaw},
		{Person: core.Person{ID: aunt, Name: "王建芳"}, Relation: core.RelDaughter},
		{Person: core.Person{ID: kid, Name: "王小明"}, Relation: core.RelGrandson},
	}}))
}

func bornTo(t *testing.T, c *memcity.City, child core.ResidentID, mother, father core.ResidentID) {
	t.Helper()
	b := core.BirthRecord{CertNo: "R-" + string(child[14:]), Child: child}
	if mother != "" {
		b.Mother = core.Person{ID: mother, Name: "母亲"}
	}
	if father != "" {
		b.Father = core.Person{ID: father, Name: "父亲"}
	}
	must(t, c.PutBirth(b))
}

type named struct {
	id       core.ResidentID
	relation string
}

func TestParenthoodOnAGrandparentsRegister(t *testing.T) {
	for _, tc := range []struct {
		name      string
		birth     bool
		guardian  core.ResidentID
		relation  string  // the applicant's relation on the form
		guardians []named // everyone on the form, applicant first
		want      want
	}{
		{"aunt-applies", true, aunt, "", []named{{aunt, ""}, {dad, "父亲"}, {mum, "母亲"}},
			want{eligible: true, category: "hukou_property", priority: 1, review: true, problem: core.PGuardianNotParent}},
		{"AuntAppliesNoBirthRecord", false, aunt, "", []named{{aunt, ""}},
			want{eligible: true, category: "hukou_property", priority: 1, review: true, problem: core.PGuardianNotParent}},
		{"FatherAppliesNoBirthRecord", false, dad, "", []named{{dad, ""}},
			want{eligible: true, category: "hukou_property", priority: 1, review: true, problem: core.PGuardianNotParent}},
		{"FatherAppliesBirthRecord", true, dad, "父亲", []named{{dad, "父亲"}, {mum, "母亲"}},
			want{eligible: true, category: "hukou_property", priority: 1, clean: true}},
		{"MotherApplies", true, mum, "母亲", []named{{mum, "母亲"}, {dad, "父亲"}},
			want{eligible: true, category: "hukou_property", priority: 1, clean: true}},
		{"GrandmotherApplies", true, gma, "祖母/外祖母", []named{{gma, "祖母/外祖母"}, {dad, "父亲"}, {mum, "母亲"}},
			want{eligible: true, category: "hukou_property", priority: 1, clean: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := town(t)
			grandparentsRegister(t, c, home)
			owns(t, c, home, full(gpa, 50), full(gma, 50))
			if tc.birth {
				bornTo(t, c, kid, mum, dad)
			}
			res := lookupAll(t, c, testPolicy(), tc.guardian, kid, core.Primary)
			tc.want.check(t, res.Decision)
			if res.Decision.Relation != tc.relation {
				t.Errorf("relation = %q, want %q", res.Decision.Relation, tc.relation)
			}
			var got []named
			for _, g := range res.Application.Guardians {
				got = append(got, named{g.ID, g.Relation})
			}
			if !slices.Equal(got, tc.guardians) {
				t.Errorf("guardians on the form = %v, want %v", got, tc.guardians)
			}
			if !res.Application.Guardians[0].Applicant {
				t.Error("the applicant is not first on the form")
			}
		})
	}
	t.Run("AuntsOwnHomeDoesNotCount", func(t *testing.T) {
		c := town(t)
		grandparentsRegister(t, c, away)
		bornTo(t, c, kid, mum, dad)
		owns(t, c, home2, full(aunt, 100))
		d := lookup(t, c, testPolicy(), aunt, kid, core.Primary)
		if d.Eligible || d.Category != "" {
			t.Fatalf("an aunt's own flat made the child eligible: %+v", d)
		}
	})
	t.Run("BirthRecordContradictsTheRegister", func(t *testing.T) {
		c := town(t)
		household(t, c, home, kid)
		owns(t, c, home, full(dad, 100))
		bornTo(t, c, kid, mum, stranger)
		want{eligible: true, category: "hukou_only", priority: 3, review: true, problem: core.PGuardianNotParent}.check(t, lookup(t, c, testPolicy(), dad, kid, core.Primary))
	})
}

func TestGrandparentsHomeOnlyWhereTheChildIsRegistered(t *testing.T) {
	strict, lax := testPolicy(), testPolicy()
	lax.GrandparentHomeRequiresChildHukou = false
	for _, tc := range []struct {
		name         string
		registeredAt core.Address
		policy       *core.Policy
		want         want
	}{
		{"grandparents-property", home2, strict, want{eligible: true, category: "hukou_property", priority: 1, clean: true}},
		{"grandparents-elsewhere", home, strict, want{eligible: true, category: "hukou_only", priority: 3, problem: core.PGrandparentHomeElsewhere}},
		{"ElsewhereAndOutOfZone", away, strict, want{problem: core.PGrandparentHomeElsewhere, blocking: true}},
		{"ElsewhereUnderALaxPolicy", home, lax, want{eligible: true, category: "property_only", priority: 2, clean: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := town(t)
			grandparentsRegister(t, c, tc.registeredAt)
			bornTo(t, c, kid, mum, dad)
			owns(t, c, home2, full(gpa, 60), full(gma, 40))
			tc.want.check(t, lookup(t, c, tc.policy, dad, kid, core.Primary))
		})
	}
}

func TestMigrantEitherParent(t *testing.T) {
	may := day(2027, 5, 1)
	months := func(who core.ResidentID, n int, kind core.InsuranceKind, last time.Time) core.InsurancePeriod {
		return core.InsurancePeriod{Person: who, Employer: "某厂", Kind: kind, From: last.AddDate(0, -(n - 1), 0), To: last}
	}
	for _, tc := range []struct {
		name      string
		guardian  core.ResidentID
		permit    core.ResidentID
		insurance []core.InsurancePeriod
		roles     []core.EnterpriseRole
		want      want
	}{
		{"migrant-spouse", migrM, migrM, []core.InsurancePeriod{months(migr, 24, core.InsuranceEmployee, may)}, nil,
			want{eligible: true, category: "migrant", priority: 4, clean: true}},
		{"FatherAppliesMotherHoldsEverything", migr, migrM, []core.InsurancePeriod{months(migrM, 13, core.InsuranceEmployee, may)}, nil,
			want{eligible: true, category: "migrant", priority: 4, clean: true}},
		{"MonthsOfTwoParentsAreNotAdded", migr, migr, []core.InsurancePeriod{months(migr, 6, core.InsuranceEmployee, may), months(migrM, 6, core.InsuranceEmployee, may)}, nil,
			want{problem: core.PInsuranceShort, blocking: true}},
		{"LapsedBeforeTheCutoff", migr, migr, []core.InsurancePeriod{months(migr, 24, core.InsuranceEmployee, day(2027, 3, 1))}, nil,
			want{problem: core.PInsuranceNotCurrent, blocking: true}},
		{"PaidThroughAugustCountsToMay", migr, migr, []core.InsurancePeriod{months(migr, 14, core.InsuranceEmployee, day(2027, 8, 1))}, nil,
			want{problem: core.PInsuranceShort, blocking: true}},
		{"CurrentRole", migr, migr, []core.InsurancePeriod{months(migr, 24, core.InsuranceFlexible, may)},
			[]core.EnterpriseRole{{CreditCode: "91", Company: "某公司", Person: migrM, Role: "股东", Since: day(2020, 1, 1)}},
			want{eligible: true, category: "migrant", priority: 4, clean: true}},
		{"RoleEnded", migr, migr, []core.InsurancePeriod{months(migr, 24, core.InsuranceFlexible, may)},
			[]core.EnterpriseRole{{CreditCode: "91", Company: "某公司", Person: migrM, Role: "股东", Since: day(2020, 1, 1), Until: day(2026, 12, 31)}},
			want{problem: core.PNoEmployment, blocking: true}},
		{"RoleNotYetBegun", migr, migr, []core.InsurancePeriod{months(migr, 24, core.InsuranceFlexible, may)},
			[]core.EnterpriseRole{{CreditCode: "91", Company: "某公司", Person: migrM, Role: "监事", Since: day(2027, 7, 1)}},
			want{problem: core.PNoEmployment, blocking: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := town(t)
			bornTo(t, c, migKid, migrM, migr)
			must(t, c.PutPermit(core.ResidencePermit{PermitNo: "JZ1", Holder: tc.permit, Address: home, Issued: day(2025, 1, 1), Expires: day(2028, 1, 1)}))
			for _, p := range tc.insurance {
				must(t, c.PutInsurance(p))
			}
			for _, r := range tc.roles {
				must(t, c.PutRole(r))
			}
			res := lookupAll(t, c, testPolicy(), tc.guardian, migKid, core.Primary)
			tc.want.check(t, res.Decision)
			if len(res.Application.Guardians) != 2 {
				t.Errorf("guardians = %+v, want both parents", res.Application.Guardians)
			}
		})
	}
}

// contested adds compound C3, whose whole is claimed by two zones' rules.
func contested(t *testing.T, c *memcity.City) core.Address {
	t.Helper()
	must(t, c.PutZone(core.Zone{Code: "ZB", Name: "北区学区", Stage: core.Primary, Schools: []core.School{{Code: "P3"}}},
		[]core.ZoneRule{{CompoundKey: "C3"}}))
	must(t, c.PutZone(core.Zone{Code: "ZA", Name: "南区学区", Stage: core.Primary, Schools: []core.School{{Code: "P2"}}},
		[]core.ZoneRule{{CompoundKey: "C3"}, {CompoundKey: "C4", FromBuilding: 1, ToBuilding: 4}}))
	must(t, c.PutZone(core.Zone{Code: "ZC", Name: "东区学区", Stage: core.Primary, Schools: []core.School{{Code: "P1"}}},
		[]core.ZoneRule{{CompoundKey: "C4"}, {CompoundKey: "C4", FromBuilding: 3, ToBuilding: 6}}))
	return core.Address{County: "370811", Street: "古槐街道", Compound: "界河小区", CompoundKey: "C3", Building: 2, Unit: 1, Room: "201"}
}

func TestZoneAmbiguous(t *testing.T) {
	at := func(key string, b int) core.Address {
		return core.Address{County: "370811", Street: "古槐街道", Compound: "小区" + key, CompoundKey: key, Building: b, Unit: 1, Room: "101"}
	}
	for _, tc := range []struct {
		name     string
		addr     core.Address
		want     want
		zone     string
		evidence bool // the catchment evidence names both zones
	}{
		{"zone-ambiguous", core.Address{}, want{eligible: true, category: "hukou_property", priority: 1, review: true, problem: core.PZoneAmbiguous}, "ZA", true},
		{"EqualRangesOverlap", at("C4", 3), want{eligible: true, category: "hukou_property", priority: 1, review: true, problem: core.PZoneAmbiguous}, "ZA", true},
		{"NarrowerRangeDecides", at("C4", 5), want{eligible: true, category: "hukou_property", priority: 1, clean: true}, "ZC", false},
		{"RangeBeatsWholeCompound", at("C4", 1), want{eligible: true, category: "hukou_property", priority: 1, clean: true}, "ZA", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := town(t)
			addr := contested(t, c)
			if !tc.addr.IsZero() {
				addr = tc.addr
			}
			household(t, c, addr, kid)
			owns(t, c, addr, full(dad, 100))
			d := lookup(t, c, testPolicy(), dad, kid, core.Primary)
			tc.want.check(t, d)
			if d.Zone == nil || d.Zone.Code != tc.zone {
				t.Errorf("zone = %+v, want %s", d.Zone, tc.zone)
			}
			named := false
			for _, e := range d.Evidence {
				if e.Source == core.SrcCatchment && strings.Contains(e.Detail, "南区学区") && (strings.Contains(e.Detail, "北区学区") || strings.Contains(e.Detail, "东区学区")) {
					named = true
				}
			}
			if named != tc.evidence {
				t.Errorf("catchment evidence naming both zones = %v, want %v: %+v", named, tc.evidence, d.Evidence)
			}
		})
	}
}

func TestZoneClaims(t *testing.T) {
	rules := []core.ZoneRule{
		{Zone: "B", CompoundKey: "C1"},
		{Zone: "A", CompoundKey: "C1"},
		{Zone: "A", CompoundKey: "C1", FromBuilding: 1, ToBuilding: 4},
		{Zone: "C", CompoundKey: "C1", FromBuilding: 3, ToBuilding: 6},
		{Zone: "D", CompoundKey: "C1", FromBuilding: 6, ToBuilding: 6},
	}
	at := func(b int) core.Address { return core.Address{CompoundKey: "C1", Building: b, Unit: 1, Room: "1"} }
	for _, tc := range []struct {
		building int
		want     []string
	}{
		{1, []string{"A"}},
		{3, []string{"A", "C"}},
		{6, []string{"D"}},
		{9, []string{"A", "B"}},
	} {
		got := core.ZoneClaims(rules, at(tc.building))
		if !slices.Equal(got, tc.want) {
			t.Errorf("building %d: claims %v, want %v", tc.building, got, tc.want)
		}
		if first, _ := core.MatchZone(rules, at(tc.building)); first != tc.want[0] {
			t.Errorf("building %d: MatchZone %s, want the first claim %s", tc.building, first, tc.want[0])
		}
	}
	if got := core.ZoneClaims(rules, core.Address{CompoundKey: "C2", Building: 1}); len(got) != 0 {
		t.Errorf("no rule: claims %v", got)
	}
}

func TestInsuranceMonth(t *testing.T) {
	p := testPolicy()
	if got := p.InsuranceMonth(); !got.Equal(day(2027, 5, 1)) {
		t.Errorf("cut-off 06-01: month %v, want May 2027", got)
	}
	p.InsuranceCutoff = ""
	if got := p.InsuranceMonth(); !got.Equal(day(2027, 7, 1)) {
		t.Errorf("no insurance cut-off: month %v, want July 2027 (the month before the age cut-off)", got)
	}
	p.InsuranceCutoff = "01-15"
	if got := p.InsuranceMonth(); !got.Equal(day(2026, 12, 1)) {
		t.Errorf("cut-off 01-15: month %v, want December 2026", got)
	}
	if p.InsuranceCutoff = "15-01"; p.Validate() == nil {
		t.Error("a cut-off of month 15 was accepted")
	}
}
