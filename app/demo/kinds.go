package demo

import (
	"time"

	"enrolldesk/core"
)

// family writes one ordinary family, its situation drawn from the mix:
// about 55 % owners registered at their home, 12 % owning elsewhere, 13 %
// registered only, 15 % migrants and 5 % odd cases.
func (g *gen) family(c *county) {
	g.stats.Families++
	switch x := g.rng.r.IntN(1000); {
	case x < 550:
		g.ownerFamily(c)
	case x < 670:
		g.elsewhereFamily(c)
	case x < 800:
		g.hukouOnlyFamily(c)
	case x < 950:
		g.migrantFamily(c)
	default:
		g.oddFamily(c, g.rng.r.IntN(7))
	}
}

// bulkFamily makes an ordinary family's people: one or two children (now
// and then twins), now and then a single mother.
func (g *gen) bulkFamily(c *county, local bool) *family {
	first := g.firstKidBirth()
	kids := 1
	if g.rng.chance(0.15) {
		kids = 2
	}
	area := ""
	if !local {
		area = pick(g.rng, migrantAreas())
	}
	f := g.newFamily(c, area, first, kids)
	if g.rng.chance(0.015) {
		f.kids = append(f.kids[:1], g.kid(f, first))
	}
	if local && g.rng.chance(0.06) {
		f.father = person{}
	}
	return f
}

// ownerFamily: registered at the home they own (房户一致), sometimes with
// the grandparents, who then may be the owners.
func (g *gen) ownerFamily(c *county) {
	g.stats.Mix.Owners++
	f := g.bulkFamily(c, true)
	grand := !f.father.zero() && g.rng.chance(0.08)
	if grand {
		g.addGrandparents(f)
	}
	home := c.takeHome(g.rng)
	reg := g.registered(f)
	g.putHousehold(c, home, core.FamilyHousehold, g.members(f, true))
	g.putProperty(c, home, core.UsageResidential, reg, g.homeOwners(f, grand && g.rng.chance(0.4))...)
	g.putOwnSeats(f, home, reg)
	g.secondHand(c, home, reg, 0.05)
	g.sideRecords(f, true)
	g.putBirths(f, 0.05)
	g.putStudents(f, home)
}

// homeOwners shares a home among the family: mostly the parents half and
// half or the father alone; rarely shares that do not add up to 100.
func (g *gen) homeOwners(f *family, grandparents bool) []core.Owner {
	switch x := g.rng.r.IntN(100); {
	case grandparents && x < 50:
		return []core.Owner{owner(f.gpa, 100)}
	case grandparents:
		return []core.Owner{owner(f.gpa, 60), owner(f.gma, 40)}
	case f.father.zero():
		return []core.Owner{owner(f.mother, 100)}
	case x < 45:
		return []core.Owner{owner(f.father, 50), owner(f.mother, 50)}
	case x < 70:
		return []core.Owner{owner(f.father, 100)}
	case x < 80:
		return []core.Owner{owner(f.mother, 100)}
	case x < 99:
		return []core.Owner{owner(f.father, 60), owner(f.mother, 40)}
	}
	return []core.Owner{owner(f.father, 50), owner(f.mother, 40)} // a register error: 90 %
}

// secondHand, with probability p, records that the home's previous owners
// seated a child on it some years before this family bought it; within the
// lock years that blocks the home for this family's children.
func (g *gen) secondHand(c *county, home core.Address, bought time.Time, p float64) {
	if !g.rng.chance(p) {
		return
	}
	year := min(bought.Year()-g.rng.between(0, 5), g.o.Year-1)
	from, to := day(year-7, 9, 1), day(year-6, 8, 31)
	born := g.rng.dateIn(from, to)
	kid := g.newPerson(g.localArea(c, born), born, g.sex(), g.names.surname())
	g.putSeat(home, kid.id, year, core.Primary)
	if grade := g.o.Year - year; grade <= 6 {
		g.stats.Students++
		s := core.StudentRecord{StudentNo: "G" + string(kid.id), Child: kid.id, School: g.schoolFor(c, home),
			Grade: grade, Graduating: year + 6}
		g.put("student", g.w.PutStudent(s))
	}
}

// sideRecords adds what working parents leave in the registers: pension
// insurance, now and then a business or an enterprise role, and for owners
// sometimes a shop or a newly bought flat on a 网签 contract.
func (g *gen) sideRecords(f *family, owner bool) {
	c := f.c
	earner := f.father
	if earner.zero() {
		earner = f.mother
	}
	if g.rng.chance(0.55) {
		g.putInsurance(c, earner, g.rng.between(12, 120), true)
	}
	if !f.father.zero() && g.rng.chance(0.35) {
		g.putInsurance(c, f.mother, g.rng.between(6, 96), g.rng.chance(0.7))
	}
	if g.rng.chance(0.05) {
		g.putBusiness(c, earner, c.takeHome(g.rng), g.rng.chance(0.9))
	}
	if g.rng.chance(0.03) {
		g.putRole(c, earner)
	}
	if !owner {
		return
	}
	if g.rng.chance(0.03) {
		usage := pick(g.rng, []string{"商业", "办公"})
		g.putProperty(c, c.takeHome(g.rng), usage, g.registered(f), owner1(earner))
	}
	if g.rng.chance(0.03) {
		g.putContract(c, c.takeNewHome(g.rng), g.rng.dateIn(day(g.o.Year-2, 1, 1), day(g.o.Year, 5, 1)), g.parentsAsBuyers(f)...)
	}
}

func owner1(p person) core.Owner { return owner(p, 100) }

func (g *gen) parentsAsBuyers(f *family) []core.Owner {
	if f.father.zero() {
		return []core.Owner{owner(f.mother, 100)}
	}
	return []core.Owner{owner(f.father, 50), owner(f.mother, 50)}
}

// elsewhereFamily: registered at one address (a relative's or an old
// home), owning another.
func (g *gen) elsewhereFamily(c *county) {
	g.stats.Mix.PropertyElsewhere++
	f := g.bulkFamily(c, true)
	registered, home := c.takeHome(g.rng), c.takeHome(g.rng)
	reg := g.registered(f)
	g.putHousehold(c, registered, core.FamilyHousehold, g.members(f, true))
	g.putProperty(c, home, core.UsageResidential, reg, g.homeOwners(f, false)...)
	g.putOwnSeats(f, home, reg)
	g.secondHand(c, home, reg, 0.04)
	g.sideRecords(f, true)
	g.putBirths(f, 0.05)
	g.putStudents(f, registered)
}

// hukouOnlyFamily: registered but owning nothing; one in five in a
// collective household (集体户) of an employer or a school, where members
// are not kin on the register and the birth record proves guardianship.
func (g *gen) hukouOnlyFamily(c *county) {
	g.stats.Mix.HukouOnly++
	f := g.bulkFamily(c, true)
	addr := c.takeHome(g.rng)
	if g.rng.chance(0.2) {
		g.stats.Mix.Collective++
		g.putHousehold(c, addr, core.CollectiveHousehold, g.collectiveMembers(f))
	} else {
		if !f.father.zero() && g.rng.chance(0.1) {
			g.addGrandparents(f)
		}
		g.putHousehold(c, addr, core.FamilyHousehold, g.members(f, true))
	}
	g.sideRecords(f, false)
	g.putBirths(f, 0.05)
	g.putStudents(f, addr)
}

// collectiveMembers lists the family and a few unrelated young workers,
// all recorded as 其他 in a collective household.
func (g *gen) collectiveMembers(f *family) []core.Member {
	var out []core.Member
	add := func(p person) {
		if !p.zero() {
			out = append(out, core.Member{Person: p.asPerson(), Relation: core.RelOther,
				MovedIn: g.rng.dateIn(day(g.o.Year-12, 1, 1), day(g.o.Year-1, 1, 1))})
		}
	}
	for i, n := 0, g.rng.between(0, 1); i < n; i++ {
		born := g.rng.dateIn(day(g.o.Year-30, 1, 1), day(g.o.Year-20, 1, 1))
		add(g.newPerson(g.localArea(f.c, born), born, g.sex(), g.names.surname()))
	}
	add(f.father)
	add(f.mother)
	for _, k := range f.kids {
		add(k)
	}
	return out
}

// migrantFamily: ID numbers from another province or city, no city hukou;
// a residence permit and/or a rental filing (some lapsed), insurance of
// varying length, and work by employer, business or enterprise role.
func (g *gen) migrantFamily(c *county) {
	g.stats.Mix.Migrants++
	f := g.bulkFamily(c, false)
	home := c.takeHome(g.rng)
	permit := g.rng.chance(0.8)
	if permit {
		g.putPermit(c, f.father, home, g.rng.chance(0.9))
	}
	if !permit || g.rng.chance(0.5) {
		g.putRental(c, f.father, home, g.rng.chance(0.85))
	}
	g.migrantWork(c, f.father)
	if g.rng.chance(0.35) {
		g.putInsurance(c, f.mother, g.rng.between(3, 60), g.rng.chance(0.6))
	}
	g.putBirths(f, 0.05)
	g.putStudents(f, home)
}

// migrantWork writes a migrant's insurance and proof of work: employer-paid
// insurance mostly, else flexible insurance with a business, a role, or
// nothing to show.
func (g *gen) migrantWork(c *county, p person) {
	months := g.rng.between(12, 72)
	switch x := g.rng.r.Float64(); {
	case x < 0.03:
		months = 0
	case x < 0.15:
		months = g.rng.between(1, 11)
	}
	employee := g.rng.chance(0.7)
	g.putInsurance(c, p, months, employee)
	if employee {
		return
	}
	switch x := g.rng.r.Float64(); {
	case x < 0.6:
		g.putBusiness(c, p, c.takeHome(g.rng), g.rng.chance(0.9))
	case x < 0.75:
		g.putRole(c, p)
	}
}
