package demo

import (
	"fmt"
	"strings"

	"enrolldesk/core"
)

// Shares of families with a child entering each stage; school places are
// planned for them.
const (
	primaryEntrants = 0.30
	juniorEntrants  = 0.18
)

// zone is a catchment zone under construction: its schools and the rules
// that name its compounds.
type zone struct {
	core.Zone
	rules []core.ZoneRule
}

// buildSchools plans each stage's schools: enough seats for the county's
// entrants, at least three primary schools (so that single- and multi-
// school zones both exist) and two junior schools.
func buildSchools(r rng, c *county) {
	entrants := [2]float64{primaryEntrants, juniorEntrants}
	for st := primary; st <= junior; st++ {
		need := int(float64(c.families) * entrants[st])
		seats := 0
		for i := 0; seats < need || i < 3-st; i++ {
			s := newSchool(r, c, st, i)
			seats += s.Capacity
			c.schools[st] = append(c.schools[st], s)
		}
	}
}

func newSchool(r rng, c *county, st, i int) core.School {
	s := core.School{Stage: stageOf(st), County: c.code}
	base := c.streets[i%len(c.streets)].base
	nth := i/len(c.streets) + 1
	if st == primary {
		s.Code = fmt.Sprintf("%sP%03d", c.code, i+1)
		s.Capacity = r.between(2, 8) * 45
		s.Name = c.name + base + "小学"
		if nth > 1 {
			s.Name = c.name + base + "第" + chineseNumber(nth) + "小学"
		}
		if i == 0 {
			s.Name = c.name + "实验小学"
		}
		return s
	}
	s.Code = fmt.Sprintf("%sJ%03d", c.code, i+1)
	s.Capacity = r.between(4, 12) * 50
	s.Name = c.name + "第" + chineseNumber(i+1) + "中学"
	if nth == 1 && i > 0 && r.chance(0.5) {
		s.Name = c.name + base + "中学"
	}
	return s
}

// buildZones groups each stage's schools into zones: the first a single-
// school zone, the second primary zone a two-school one, then about one in
// five zones with two or three schools.
func buildZones(r rng, c *county) {
	for st := primary; st <= junior; st++ {
		schools := c.schools[st]
		for i := 0; i < len(schools); {
			size := 1
			left := len(schools) - i
			switch {
			case st == primary && len(c.zones[st]) == 1 && left >= 2:
				size = 2
			case len(c.zones[st]) > 0 && left >= 2 && r.chance(0.2):
				size = 2
				if left >= 3 && r.chance(0.3) {
					size = 3
				}
			}
			c.zones[st] = append(c.zones[st], newZone(c, st, len(c.zones[st]), schools[i:i+size]))
			i += size
		}
	}
}

func newZone(c *county, st, i int, schools []core.School) *zone {
	z := &zone{Zone: core.Zone{Stage: stageOf(st), Schools: append([]core.School(nil), schools...)}}
	z.Code = fmt.Sprintf("%s-%c%02d", c.code, "PJ"[st], i+1)
	first := strings.TrimPrefix(schools[0].Name, c.name)
	z.Name = first + "学区"
	if len(schools) > 1 {
		z.Name = fmt.Sprintf("%s等%s校学区（多校划片）", first, chineseNumber(len(schools)))
	}
	return z
}

// assignZones gives every zone of a stage a run of neighbouring compounds,
// in proportion to its seats. Where two zones meet, the boundary compound is
// often split by building: either two building ranges, or a whole-compound
// rule for one zone with a range for the other (the range wins).
func assignZones(r rng, c *county, st int) {
	var list []*compound
	for _, cp := range c.compounds {
		if !cp.unzoned[st] {
			list = append(list, cp)
		}
	}
	zones := c.zones[st]
	counts := shares(len(list), zoneSeats(zones))
	at := 0
	for zi, z := range zones {
		for k := 0; k < counts[zi]; k++ {
			cp := list[at]
			at++
			last := k == counts[zi]-1
			if last && zi+1 < len(zones) && cp.buildings >= 4 && r.chance(0.4) {
				splitCompound(r, cp, st, z, zones[zi+1])
				continue
			}
			addRule(cp, st, z, 0, 0)
		}
	}
}

func zoneSeats(zones []*zone) []int {
	out := make([]int, len(zones))
	for i, z := range zones {
		for _, s := range z.Schools {
			out[i] += s.Capacity
		}
	}
	return out
}

// splitCompound divides a compound's buildings between two zones.
func splitCompound(r rng, cp *compound, st int, a, b *zone) {
	k := r.between(1, cp.buildings-1)
	if r.chance(0.5) {
		addRule(cp, st, a, 1, k)
	} else {
		addRule(cp, st, a, 0, 0)
	}
	addRule(cp, st, b, k+1, cp.buildings)
}

func addRule(cp *compound, st int, z *zone, from, to int) {
	rule := core.ZoneRule{Zone: z.Code, CompoundKey: cp.key, FromBuilding: from, ToBuilding: to}
	z.rules = append(z.rules, rule)
	cp.rules[st] = append(cp.rules[st], rule)
}

// shares divides n items among weights: at least one each while there are
// enough, the rest in proportion, remainders to the first.
func shares(n int, weights []int) []int {
	out := make([]int, len(weights))
	if len(weights) == 0 {
		return out
	}
	base := min(1, n/len(weights))
	total := 0
	for i, w := range weights {
		out[i] = base
		total += w
	}
	left := n - base*len(weights)
	given := 0
	for i, w := range weights {
		add := left * w / max(total, 1)
		out[i] += add
		given += add
	}
	for i := 0; given < left; i = (i + 1) % len(out) {
		out[i]++
		given++
	}
	return out
}

// zoneOf returns the zone an address falls in for a stage, as core would
// find it from the rules, or nil.
func (g *gen) zoneOf(a core.Address, st int) *zone {
	cp := g.compounds[a.CompoundKey]
	if cp == nil {
		return nil
	}
	code, ok := core.MatchZone(cp.rules[st], a)
	if !ok {
		return nil
	}
	return g.zones[code]
}

// contestedCompound lays out a small compound in county c that two zones'
// boundaries both take in: a whole-compound primary rule for each of the
// county's first two zones, equally specific, as when a district redraws a
// boundary and the old line is never removed. No ordinary family lives
// there (it is not among c.compounds); the zone-ambiguous persona does.
func (g *gen) contestedCompound(c *county) *compound {
	s := c.streets[0]
	on := 0
	for _, cp := range c.compounds {
		if cp.street == s {
			on++
		}
	}
	cp := &compound{county: c, street: s, name: "界河小区", key: fmt.Sprintf("%s-%03d-%03d", c.code, 1, on+1),
		buildings: 6, units: 2, floors: 6, perFloor: 2}
	for _, other := range c.compounds {
		if other.name == cp.name {
			cp.name += "二期"
		}
	}
	cp.capacity = cp.buildings * cp.units * cp.floors * cp.perFloor
	cp.stride = strideFor(cp.capacity)
	addRule(cp, primary, c.zones[primary][0], 0, 0)
	addRule(cp, primary, c.zones[primary][1], 0, 0)
	addRule(cp, junior, c.zones[junior][0], 0, 0)
	g.compounds[cp.key] = cp
	g.stats.Compounds++
	return cp
}
