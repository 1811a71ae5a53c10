// Package demo generates the demo city: a synthetic Jining with its eleven
// county-level divisions, streets, compounds, schools, catchment zones and
// families, written to any core.CityWriter. The same seed and size always
// give the same records in the same order. Named personas exercise each path
// of the admission rules; no real person's data is used.
package demo

import (
	"context"
	"fmt"

	"enrolldesk/core"
)

// DefaultYear is the entry year the demo city is built for.
const DefaultYear = 2027

// Options says what city to generate.
type Options struct {
	// Families is the number of ordinary families (≈3.3 residents each), on
	// top of the personas: 300,000 give about a million residents.
	Families int
	// Seed chooses the city; the same seed and Families give the same city.
	Seed uint64
	// Year is the entry year (default 2027): ages, permits and insurance
	// are laid out relative to it.
	Year int
	// Progress, if set, is called about every 1 % of families with the
	// number done and the total.
	Progress func(done, total int)
}

// Stats counts what Generate wrote.
type Stats struct {
	Families   int // personas' families included
	Residents  int // people given an ID number
	Households int
	Properties int
	Contracts  int
	Rentals    int
	Insurance  int // insurance periods
	Businesses int
	Roles      int
	Permits    int
	Births     int
	Students   int
	SeatUses   int

	Counties         int
	Streets          int
	Compounds        int
	Schools          int
	Zones            int
	MultiSchoolZones int
	ZoneRules        int
	Personas         int

	Mix Mix
}

// Mix counts ordinary families by the situation they were generated in
// (what the records were meant to show, before any gap or conflict).
type Mix struct {
	Owners            int // 房户一致: registered at the home they own
	PropertyElsewhere int // own a home other than the registered address
	HukouOnly         int // registered, own nothing (collective households included)
	Collective        int // of HukouOnly: in a 集体户
	Migrants          int // no city hukou: permit or lease, insurance, work
	Odd               int // commercial-only, minor share, contract-only, split parents …
}

// gen is one run of the generator.
type gen struct {
	ctx   context.Context
	w     core.CityWriter
	o     Options
	rng   rng
	names namer
	ids   *idBook
	num   *serials
	stats Stats
	err   error

	counties  []*county
	compounds map[string]*compound // by key
	zones     map[string]*zone     // by code
	contested *compound            // claimed by two zones alike: the zone-ambiguous persona's
}

// Generate writes a demo city through w and flushes it. Families 0 gives
// the geography and the personas only. When ctx is cancelled it stops with
// the context's error and does not flush: the caller closes or discards the
// writer.
func Generate(ctx context.Context, w core.CityWriter, o Options) (Stats, error) {
	if o.Families < 0 {
		return Stats{}, fmt.Errorf("demo: families must not be negative, got %d", o.Families)
	}
	if o.Year == 0 {
		o.Year = DefaultYear
	}
	r := newRNG(o.Seed)
	g := &gen{ctx: ctx, w: w, o: o, rng: r, names: newNamer(r), ids: newIDBook(), num: newSerials(),
		compounds: map[string]*compound{}, zones: map[string]*zone{}}
	err := g.run()
	return g.stats, err
}

func (g *gen) run() error {
	g.buildCity()
	g.writeCatchment()
	if err := g.check("write schools and zones"); err != nil {
		return err
	}
	g.writePersonas()
	if err := g.check("write personas"); err != nil {
		return err
	}
	if err := g.families(); err != nil {
		return err
	}
	if err := g.w.Flush(); err != nil {
		return fmt.Errorf("demo: flush: %w", err)
	}
	return nil
}

// check returns the first write error, or the context's error.
func (g *gen) check(doing string) error {
	if g.err != nil {
		return fmt.Errorf("demo: %s: %w", doing, g.err)
	}
	if err := g.ctx.Err(); err != nil {
		return fmt.Errorf("demo: %s: %w", doing, err)
	}
	return nil
}

// buildCity lays out counties, streets, schools, zones and compounds.
func (g *gen) buildCity() {
	split := splitFamilies(g.o.Families)
	for i, cc := range core.Counties {
		c := &county{code: cc.Code, name: cc.Name, families: split[i]}
		buildStreets(g.names, c)
		buildSchools(g.rng, c)
		buildZones(g.rng, c)
		buildCompounds(g.names, c)
		for st := primary; st <= junior; st++ {
			assignZones(g.rng, c, st)
		}
		g.index(c)
	}
	g.contested = g.contestedCompound(g.home())
}

func (g *gen) index(c *county) {
	g.counties = append(g.counties, c)
	g.stats.Counties++
	g.stats.Streets += len(c.streets)
	g.stats.Compounds += len(c.compounds)
	for _, cp := range c.compounds {
		g.compounds[cp.key] = cp
	}
	for st := primary; st <= junior; st++ {
		for _, z := range c.zones[st] {
			g.zones[z.Code] = z
		}
	}
}

// writeCatchment writes every school, then every zone with its rules.
func (g *gen) writeCatchment() {
	for _, c := range g.counties {
		for st := primary; st <= junior; st++ {
			for _, s := range c.schools[st] {
				g.stats.Schools++
				g.put("school", g.w.PutSchool(s))
			}
		}
	}
	for _, c := range g.counties {
		for st := primary; st <= junior; st++ {
			for _, z := range c.zones[st] {
				g.stats.Zones++
				g.stats.ZoneRules += len(z.rules)
				if z.MultiSchool() {
					g.stats.MultiSchoolZones++
				}
				g.put("zone", g.w.PutZone(z.Zone, z.rules))
			}
		}
	}
}

// families writes the ordinary families, county by county in proportion,
// reporting progress and watching for cancellation.
func (g *gen) families() error {
	total := g.o.Families
	step := max(total/100, 1)
	order := g.countyOrder()
	for i := 0; i < total; i++ {
		g.family(order[i])
		if (i+1)%256 == 0 || i+1 == total {
			if err := g.check(fmt.Sprintf("family %d", i+1)); err != nil {
				return err
			}
		}
		if g.o.Progress != nil && ((i+1)%step == 0 || i+1 == total) {
			g.o.Progress(i+1, total)
		}
	}
	return g.check("families")
}

// countyOrder interleaves the counties' families so that a partial city
// (a cancelled run) still covers every county.
func (g *gen) countyOrder() []*county {
	out := make([]*county, 0, g.o.Families)
	left := make([]int, len(g.counties))
	for i, c := range g.counties {
		left[i] = c.families
	}
	for len(out) < g.o.Families {
		for i, c := range g.counties {
			if left[i] > 0 {
				out = append(out, c)
				left[i]--
			}
		}
	}
	return out
}

// put keeps the first write error; the loops check it once per family.
func (g *gen) put(what string, err error) {
	if err != nil && g.err == nil {
		g.err = fmt.Errorf("put %s: %w", what, err)
	}
}
