package sourcetest

import (
	"context"
	"testing"

	"enrolldesk/core"
)

var contract = []contractCase{
	{"HouseholdOfEveryMember", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		for _, m := range fx.Households[0].Members {
			h := must(c.HouseholdOf(ctx, m.ID))
			if h == nil {
				t.Fatalf("HouseholdOf(%s) = nil, want the household", m.ID)
			}
			same(t, "household", *h, fx.Households[0])
		}
	}},
	{"HouseholdOfUnknownIsNil", func(t *testing.T, ctx context.Context, c core.City, _ Records) {
		if h := must(c.HouseholdOf(ctx, Nobody)); h != nil {
			t.Fatalf("HouseholdOf(unknown) = %+v, want nil", h)
		}
	}},
	{"PropertiesOfEachOwner", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		same(t, "father's properties", must(c.PropertiesOf(ctx, Father)), fx.Properties)
		same(t, "mother's properties", must(c.PropertiesOf(ctx, Mother)), fx.Properties[:1])
		if got := must(c.PropertiesOf(ctx, Nobody)); len(got) != 0 {
			t.Errorf("PropertiesOf(unknown) = %v, want none", got)
		}
	}},
	{"ContractsOfBuyer", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		same(t, "contracts", must(c.ContractsOf(ctx, Mother)), fx.Contracts)
		if got := must(c.ContractsOf(ctx, Father)); len(got) != 0 {
			t.Errorf("ContractsOf(non-buyer) = %v, want none", got)
		}
	}},
	{"RentalsPermitsOfTenant", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		same(t, "rentals", must(c.RentalsOf(ctx, Tenant)), fx.Rentals)
		same(t, "permits", must(c.PermitsOf(ctx, Tenant)), fx.Permits)
		if got := must(c.RentalsOf(ctx, Father)); len(got) != 0 {
			t.Errorf("RentalsOf(non-tenant) = %v, want none", got)
		}
	}},
	{"InsuranceOldestFirst", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		got := must(c.InsuranceOf(ctx, Tenant))
		same(t, "insurance", got, []core.InsurancePeriod{fx.Insurance[1], fx.Insurance[0]})
	}},
	{"BusinessesAndRoles", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		same(t, "businesses", must(c.BusinessesOf(ctx, Father)), fx.Businesses)
		same(t, "roles", must(c.RolesOf(ctx, Mother)), fx.Roles)
		if got := must(c.RolesOf(ctx, Father)); len(got) != 0 {
			t.Errorf("RolesOf(none) = %v, want none", got)
		}
	}},
	{"BirthAndStudent", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		b := must(c.BirthOf(ctx, Kid))
		if b == nil {
			t.Fatal("BirthOf = nil")
		}
		same(t, "birth", *b, fx.Births[0])
		s := must(c.StudentOf(ctx, Kid))
		if s == nil {
			t.Fatal("StudentOf = nil")
		}
		same(t, "student", *s, fx.Students[0])
		if b := must(c.BirthOf(ctx, Nobody)); b != nil {
			t.Errorf("BirthOf(unknown) = %+v, want nil", b)
		}
		if s := must(c.StudentOf(ctx, Nobody)); s != nil {
			t.Errorf("StudentOf(unknown) = %+v, want nil", s)
		}
	}},
	{"SeatUsesNewestFirst", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		same(t, "seat uses", must(c.SeatUsesOf(ctx, Home.Key())), []core.SeatUse{fx.Seats[1], fx.Seats[0]})
		if got := must(c.SeatUsesOf(ctx, Flat.Key())); len(got) != 0 {
			t.Errorf("SeatUsesOf(unused) = %v, want none", got)
		}
	}},
	{"ZoneRulesByStage", func(t *testing.T, ctx context.Context, c core.City, _ Records) {
		rules := must(c.ZoneRulesFor(ctx, Home.CompoundKey, core.Primary))
		if z, ok := core.MatchZone(rules, Home); !ok || z != "Z-P1" {
			t.Errorf("primary zone of building 5 = %q, %v; want Z-P1", z, ok)
		}
		if z, ok := core.MatchZone(rules, Flat); !ok || z != "Z-P2" {
			t.Errorf("primary zone of building 12 = %q, %v; want Z-P2", z, ok)
		}
		jr := must(c.ZoneRulesFor(ctx, Home.CompoundKey, core.Junior))
		same(t, "junior rules", jr, []core.ZoneRule{{Zone: "Z-J1", CompoundKey: Home.CompoundKey}})
		if got := must(c.ZoneRulesFor(ctx, "no-such-compound", core.Primary)); len(got) != 0 {
			t.Errorf("rules of unknown compound = %v, want none", got)
		}
	}},
	{"ZoneWithSchoolsInCodeOrder", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		z := must(c.Zone(ctx, "Z-P1"))
		want := core.Zone{Code: "Z-P1", Name: "文昌学区", Stage: core.Primary, Schools: []core.School{fx.Schools[1], fx.Schools[0]}}
		same(t, "zone", *z, want)
		if !z.MultiSchool() {
			t.Error("Z-P1 should be multi-school")
		}
		_, err := c.Zone(ctx, "Z-404")
		if core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("Zone(unknown) error = %v, want ENOTFOUND", err)
		}
	}},
	{"PersonasInOrder", func(t *testing.T, ctx context.Context, c core.City, fx Records) {
		ps, ok := c.(core.PersonaSource)
		if !ok {
			t.Fatal("a city must also list its personas (core.PersonaSource)")
		}
		same(t, "personas", must(ps.Personas(ctx)), fx.Personas)
	}},
}
