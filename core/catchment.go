package core

import "slices"

// School is a school that admits a stage, with its seats for the entry year.
type School struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Stage    Stage  `json:"stage"`
	County   string `json:"county"`
	Capacity int    `json:"capacity"` // seats in the entry grade
}

// Zone is a catchment zone (学区) of one stage. With one school it is a
// single-school zone (单校划片); with several, a multi-school zone (多校划片)
// where parents rank the schools.
type Zone struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Stage   Stage    `json:"stage"`
	Schools []School `json:"schools"`
}

// MultiSchool reports whether parents choose among several schools.
func (z *Zone) MultiSchool() bool { return z != nil && len(z.Schools) > 1 }

// ZoneRule assigns the buildings FromBuilding..ToBuilding (inclusive) of a
// compound to a zone; 0..0 means the whole compound.
type ZoneRule struct {
	Zone         string `json:"zone"`
	CompoundKey  string `json:"compound_key"`
	FromBuilding int    `json:"from_building"`
	ToBuilding   int    `json:"to_building"`
}

// Covers reports whether the rule covers the address.
func (r ZoneRule) Covers(a Address) bool {
	if r.CompoundKey != a.CompoundKey {
		return false
	}
	if r.FromBuilding == 0 && r.ToBuilding == 0 {
		return true
	}
	return a.Building >= r.FromBuilding && a.Building <= r.ToBuilding
}

// MatchZone returns the zone code for an address under a set of rules. A
// rule for a building range wins over a whole-compound rule, so a compound
// split between zones can keep a default, and a narrower range wins over a
// wider one. Where equally specific rules of different zones claim the
// address (see ZoneClaims), it returns the lowest zone code, so the answer
// never depends on the order rules were stored in; the classifier sends such
// an address to review rather than trust that choice.
func MatchZone(rules []ZoneRule, a Address) (string, bool) {
	best, found := ZoneRule{}, false
	for _, r := range rules {
		if !r.Covers(a) {
			continue
		}
		if !found || narrower(r, best) {
			best, found = r, true
		}
	}
	return best.Zone, found
}

// ZoneClaims returns, in code order, every zone whose most specific rule
// for the address is as specific as the best one: one code for a clear
// boundary, two or more where the boundary was drawn twice, none outside
// every zone.
func ZoneClaims(rules []ZoneRule, a Address) []string {
	width, found := 0, false
	for _, r := range rules {
		if r.Covers(a) && (!found || ruleWidth(r) < width) {
			width, found = ruleWidth(r), true
		}
	}
	var out []string
	for _, r := range rules {
		if r.Covers(a) && ruleWidth(r) == width && !slices.Contains(out, r.Zone) {
			out = append(out, r.Zone)
		}
	}
	slices.Sort(out)
	return out
}

// contested reports, without allocating, whether ZoneClaims would name
// more than one zone.
func contested(rules []ZoneRule, a Address) bool {
	best, ok := MatchZone(rules, a)
	if !ok {
		return false
	}
	width := 1 << 31
	for _, r := range rules {
		if r.Covers(a) && r.Zone == best {
			width = min(width, ruleWidth(r))
		}
	}
	for _, r := range rules {
		if r.Covers(a) && r.Zone != best && ruleWidth(r) == width {
			return true
		}
	}
	return false
}

func narrower(a, b ZoneRule) bool {
	wa, wb := ruleWidth(a), ruleWidth(b)
	if wa != wb {
		return wa < wb
	}
	return a.Zone < b.Zone
}

func ruleWidth(r ZoneRule) int {
	if r.FromBuilding == 0 && r.ToBuilding == 0 {
		return 1 << 30
	}
	return r.ToBuilding - r.FromBuilding
}
