package core_test

import (
	"testing"

	"enrolldesk/core"
)

func TestMatchZone(t *testing.T) {
	rules := []core.ZoneRule{
		{Zone: "WHOLE", CompoundKey: "C1"},
		{Zone: "NORTH", CompoundKey: "C1", FromBuilding: 1, ToBuilding: 8},
		{Zone: "CORNER", CompoundKey: "C1", FromBuilding: 7, ToBuilding: 8},
		{Zone: "OTHER", CompoundKey: "C2"},
	}
	at := func(compound string, building int) core.Address {
		return core.Address{CompoundKey: compound, Building: building, Unit: 1, Room: "101"}
	}
	tests := []struct {
		name string
		addr core.Address
		want string
		ok   bool
	}{
		{"RangeBeatsWhole", at("C1", 3), "NORTH", true},
		{"NarrowestRangeWins", at("C1", 7), "CORNER", true},
		{"UpperBoundInclusive", at("C1", 8), "CORNER", true},
		{"OutsideRangesFallsBackToWhole", at("C1", 9), "WHOLE", true},
		{"OtherCompound", at("C2", 40), "OTHER", true},
		{"NoZone", at("C3", 1), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := core.MatchZone(rules, tc.addr)
			if got != tc.want || ok != tc.ok {
				t.Errorf("MatchZone = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
			reversed := make([]core.ZoneRule, len(rules))
			for i, r := range rules {
				reversed[len(rules)-1-i] = r
			}
			if again, _ := core.MatchZone(reversed, tc.addr); again != got {
				t.Errorf("rule order changed the answer: %q vs %q", again, got)
			}
		})
	}
}

func TestSingleAndMultiSchoolZones(t *testing.T) {
	c := town(t)
	household(t, c, home2, kid)
	owns(t, c, home2, full(dad, 100))
	d := lookup(t, c, testPolicy(), dad, kid, core.Primary)
	if got := len(d.Schools()); got != 2 || !d.Zone.MultiSchool() {
		t.Fatalf("building 15 is in the two-school zone, got %d schools", got)
	}
	if d.Schools()[0].Code != "P2" || d.Schools()[1].Code != "P3" {
		t.Errorf("schools = %+v, want P2, P3", d.Schools())
	}
}
