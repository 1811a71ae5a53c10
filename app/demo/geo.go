package demo

import (
	"fmt"
	"sort"
	"strconv"

	"enrolldesk/core"
)

// The two stages index per-stage arrays.
const (
	primary = 0
	junior  = 1
)

// stageOf names the stage of a per-stage index.
func stageOf(st int) core.Stage {
	if st == junior {
		return core.Junior
	}
	return core.Primary
}

// county is one county-level division with its streets, compounds, schools
// and zones.
type county struct {
	code, name string
	families   int
	streets    []*street
	compounds  []*compound
	cum        []int // cumulative home capacity of compounds that take households
	fresh      []*compound
	schools    [2][]core.School
	zones      [2][]*zone
}

// street is a 街道 or 镇.
type street struct {
	name, base string
	town       bool
}

// compound is a residential compound (小区) or a village; its homes are
// handed out in a scattered order so that every building fills.
type compound struct {
	key, name string
	county    *county
	street    *street
	buildings int
	units     int
	floors    int
	perFloor  int
	capacity  int
	next      int
	stride    int
	village   bool
	fresh     bool // newly built: homes are sold on 网签 contracts, no households yet
	unzoned   [2]bool
	rules     [2][]core.ZoneRule
}

// countyWeights are rough relative populations of core.Counties, in order.
func countyWeights() []int { return []int{130, 63, 60, 110, 60, 44, 60, 80, 65, 50, 70} }

// splitFamilies shares n families among the counties by weight.
func splitFamilies(n int) []int {
	w := countyWeights()
	total := 0
	for _, x := range w {
		total += x
	}
	out, given := make([]int, len(w)), 0
	for i, x := range w {
		out[i] = n * x / total
		given += out[i]
	}
	for i := 0; given < n; i = (i + 1) % len(out) {
		out[i]++
		given++
	}
	return out
}

// isDistrict reports whether a county-level division is a 区 (streets
// rather than towns).
func isDistrict(name string) bool { return []rune(name)[len([]rune(name))-1] == '区' }

// buildStreets names the county's streets and towns, each name unique.
func buildStreets(n namer, c *county) {
	count := min(max(2+c.families/5000, 2), 30)
	seen := map[string]bool{}
	for i := 0; i < count; i++ {
		base := n.streetBase()
		for seen[base] {
			base = n.streetBase()
		}
		seen[base] = true
		town := !isDistrict(c.name) && i >= 2
		suffix := "街道"
		if town {
			suffix = "镇"
		}
		c.streets = append(c.streets, &street{name: base + suffix, base: base, town: town})
	}
}

// compoundCount is how many compounds the county needs: room for about
// two homes per family, and always more compounds than zones.
func compoundCount(c *county) int {
	need := c.families*2/450 + 1
	for _, zs := range c.zones {
		need = max(need, len(zs)+3)
	}
	return max(need, 2*len(c.streets))
}

// buildCompounds lays out the county's compounds street by street.
func buildCompounds(n namer, c *county) {
	total := compoundCount(c)
	seen := map[string]bool{}
	for si, s := range c.streets {
		per := total / len(c.streets)
		if si < total%len(c.streets) {
			per++
		}
		for k := 0; k < per; k++ {
			cp := newCompound(n, c, s, s.town && n.chance(0.5), n.chance(0.05))
			cp.name = uniqueName(n, seen, cp)
			cp.key = fmt.Sprintf("%s-%03d-%03d", c.code, si+1, k+1)
			c.compounds = append(c.compounds, cp)
		}
	}
	markUnzoned(n.rng, c)
	c.indexHomes()
}

// uniqueName draws names until one is free in the county; when the lists
// run short, later phases of a compound get 二期, 三期 ….
func uniqueName(n namer, seen map[string]bool, cp *compound) string {
	name := cp.name
	for try := 0; seen[name] && try < 5; try++ {
		name = n.compound(cp.village)
	}
	base := name
	for phase := 2; seen[name]; phase++ {
		name = base + chineseNumber(phase%100) + "期"
	}
	seen[name] = true
	return name
}

func newCompound(n namer, c *county, s *street, village, fresh bool) *compound {
	cp := &compound{county: c, street: s, village: village, fresh: fresh && !village, name: n.compound(village)}
	switch {
	case cp.village:
		cp.buildings, cp.units, cp.floors, cp.perFloor = n.between(8, 30), 1, 1, n.between(6, 12)
	case cp.fresh:
		cp.buildings, cp.units, cp.floors, cp.perFloor = n.between(6, 20), 2, n.between(11, 26), 2
	default:
		cp.buildings, cp.units, cp.floors, cp.perFloor = n.between(4, 24), n.between(1, 3), n.between(6, 18), 2
	}
	cp.capacity = cp.buildings * cp.units * cp.floors * cp.perFloor
	cp.stride = strideFor(cp.capacity)
	return cp
}

// strideFor returns a step coprime with n, so that i*step mod n visits
// every home once, scattered over the buildings.
func strideFor(n int) int {
	s := n*5/8 + 1
	for gcd(s, n) != 1 {
		s++
	}
	return s
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// markUnzoned leaves a few compounds (mostly new or rural) out of every
// zone of a stage; every county keeps at least one outside the primary zones.
func markUnzoned(r rng, c *county) {
	some := false
	for _, cp := range c.compounds {
		p := 0.01
		switch {
		case cp.fresh:
			p = 0.4
		case cp.village:
			p = 0.1
		}
		if r.chance(p) {
			cp.unzoned = [2]bool{true, true}
			some = true
		} else if r.chance(0.02) {
			cp.unzoned[junior] = true
		}
	}
	if !some {
		last := c.compounds[len(c.compounds)-1]
		last.unzoned = [2]bool{true, true}
	}
}

// indexHomes prepares the weighted choice of compounds for households and
// the list of new compounds for contracts. New compounds take no
// households yet; compounds outside the primary zones (far villages, new
// estates) take a fifth of their share, so few families fall outside.
func (c *county) indexHomes() {
	total := 0
	for _, cp := range c.compounds {
		switch {
		case cp.fresh:
			c.fresh = append(c.fresh, cp)
		case cp.unzoned[primary]:
			total += cp.capacity / 5
		default:
			total += cp.capacity
		}
		c.cum = append(c.cum, total)
	}
}

// home returns the address of the compound's i-th home.
func (cp *compound) home(i int) core.Address {
	h := i * cp.stride % cp.capacity
	room := h % cp.perFloor
	h /= cp.perFloor
	floor := h % cp.floors
	h /= cp.floors
	unit := h % cp.units
	building := h / cp.units
	return core.Address{County: cp.county.code, Street: cp.street.name, Compound: cp.name, CompoundKey: cp.key,
		Building: building + 1, Unit: unit + 1, Room: strconv.Itoa((floor+1)*100 + room + 1)}
}

// take hands out the compound's next free home.
func (cp *compound) take() (core.Address, bool) {
	if cp.next >= cp.capacity {
		return core.Address{}, false
	}
	cp.next++
	return cp.home(cp.next - 1), true
}

// takeHome hands out a free home in the county, in a compound chosen in
// proportion to its size. Compounds are planned with room to spare; should
// a county fill up all the same, the chosen compound gets extra rooms.
func (c *county) takeHome(r rng) core.Address {
	n := c.cum[len(c.cum)-1]
	i := sort.SearchInts(c.cum, r.r.IntN(n)+1)
	for k := 0; k < len(c.compounds); k++ {
		cp := c.compounds[(i+k)%len(c.compounds)]
		if cp.fresh {
			continue
		}
		if a, ok := cp.take(); ok {
			return a
		}
	}
	return c.compounds[i%len(c.compounds)].extra()
}

// extra hands out a room beyond the compound's planned homes (numbered
// from 9001 in building 1), unique like every other.
func (cp *compound) extra() core.Address {
	cp.next++
	a := cp.home(0)
	a.Building, a.Unit, a.Room = 1, 1, strconv.Itoa(9000+cp.next-cp.capacity)
	return a
}

// takeNewHome hands out a home in a newly built compound (or any, if the
// county has none).
func (c *county) takeNewHome(r rng) core.Address {
	if len(c.fresh) > 0 {
		for k, i := 0, r.r.IntN(len(c.fresh)); k < len(c.fresh); k++ {
			if a, ok := c.fresh[(i+k)%len(c.fresh)].take(); ok {
				return a
			}
		}
	}
	return c.takeHome(r)
}

// place is how the county appears in certificate numbers: 济宁市 for the
// districts, the county's own name otherwise.
func (c *county) place() string {
	if isDistrict(c.name) {
		return core.CityName
	}
	return c.name
}

// authority is the police station that keeps a street's households.
func (c *county) authority(s string) string {
	station := []rune(s)
	if len(station) > 2 {
		station = station[:2]
	}
	if isDistrict(c.name) {
		return countyShort(c.name) + "公安分局" + string(station) + "派出所"
	}
	return c.name + "公安局" + string(station) + "派出所"
}
