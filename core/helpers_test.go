package core_test

import (
	"context"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/memcity"
	"enrolldesk/core/sourcetest"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// testPolicy is the demo city's policy (sourcetest.Policy).
func testPolicy() *core.Policy { return sourcetest.Policy() }

var (
	home  = core.Address{County: "370811", Street: "古槐街道", Compound: "文昌花园", CompoundKey: "C1", Building: 5, Unit: 1, Room: "301"}
	home2 = core.Address{County: "370811", Street: "古槐街道", Compound: "文昌花园", CompoundKey: "C1", Building: 15, Unit: 1, Room: "101"}
	away  = core.Address{County: "370832", Street: "梁山镇", Compound: "村东", CompoundKey: "C9", Building: 1, Unit: 1, Room: "1"}
)

// town is a tiny city: compound C1 buildings 1–10 in single-school zone
// ZS, 11–20 in multi-school zone ZM; junior zone ZJ covers all of C1;
// compound C9 has no zone.
func town(t *testing.T) *memcity.City {
	t.Helper()
	c := memcity.New()
	for _, s := range []core.School{
		{Code: "P1", Name: "文昌小学", Stage: core.Primary, Capacity: 90},
		{Code: "P2", Name: "东城小学", Stage: core.Primary, Capacity: 90},
		{Code: "P3", Name: "西城小学", Stage: core.Primary, Capacity: 45},
		{Code: "J1", Name: "文昌中学", Stage: core.Junior, Capacity: 300},
	} {
		must(t, c.PutSchool(s))
	}
	must(t, c.PutZone(core.Zone{Code: "ZS", Name: "文昌学区", Stage: core.Primary, Schools: []core.School{{Code: "P1"}}},
		[]core.ZoneRule{{CompoundKey: "C1", FromBuilding: 1, ToBuilding: 10}}))
	must(t, c.PutZone(core.Zone{Code: "ZM", Name: "东西城学区", Stage: core.Primary, Schools: []core.School{{Code: "P2"}, {Code: "P3"}}},
		[]core.ZoneRule{{CompoundKey: "C1", FromBuilding: 11, ToBuilding: 20}}))
	must(t, c.PutZone(core.Zone{Code: "ZJ", Name: "文昌初中学区", Stage: core.Junior, Schools: []core.School{{Code: "J1"}}},
		[]core.ZoneRule{{CompoundKey: "C1"}}))
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var (
	dad      = core.MakeResidentID("370811", day(1988, 3, 4), 11)
	mum      = core.MakeResidentID("370811", day(1990, 6, 7), 22)
	kid      = core.MakeResidentID("370811", day(2021, 2, 3), 33)
	gpa      = core.MakeResidentID("370811", day(1958, 1, 1), 45)
	kin2     = core.MakeResidentID("370811", day(2021, 2, 3), 35)
	stranger = core.MakeResidentID("370829", day(1970, 1, 1), 71)
	migr     = core.MakeResidentID("412722", day(1987, 5, 6), 57)
)

// household registers dad (head), mum and the given children at addr.
func household(t *testing.T, c *memcity.City, addr core.Address, children ...core.ResidentID) {
	t.Helper()
	h := core.Household{Number: "H1", Kind: core.FamilyHousehold, Address: addr, Members: []core.Member{
		{Person: core.Person{ID: dad, Name: "王建国"}, Relation: core.RelHead},
		{Person: core.Person{ID: mum, Name: "李秀英"}, Relation: core.RelSpouse},
	}}
	for _, k := range children {
		rel := core.RelSon
		if k.Sex() == core.Female {
			rel = core.RelDaughter
		}
		h.Members = append(h.Members, core.Member{Person: core.Person{ID: k, Name: "王小明"}, Relation: rel})
	}
	must(t, c.PutHousehold(h))
}

func owns(t *testing.T, c *memcity.City, addr core.Address, owners ...core.Owner) {
	t.Helper()
	must(t, c.PutProperty(core.Property{CertNo: "CERT-" + addr.Key(), Usage: core.UsageResidential, Address: addr, Owners: owners, Registered: day(2016, 1, 1)}))
}

func lookup(t *testing.T, c *memcity.City, p *core.Policy, guardian, child core.ResidentID, stage core.Stage) core.Decision {
	t.Helper()
	r := core.Registrar{Sources: core.SourcesOf(c), Policy: p, Now: func() time.Time { return day(2027, 6, 15) }}
	res, err := r.Lookup(context.Background(), string(guardian), string(child), stage)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	return res.Decision
}

func problemCodes(d core.Decision) map[string]bool {
	out := map[string]bool{}
	for _, p := range d.Problems {
		out[p.Code] = p.Blocking
	}
	return out
}
