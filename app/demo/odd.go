package demo

import (
	"enrolldesk/core"
)

// oddFamily writes one of the cases that fall between the rules and end at
// the counter or in review.
func (g *gen) oddFamily(c *county, kind int) {
	g.stats.Mix.Odd++
	switch kind {
	case 0:
		g.commercialOnly(c)
	case 1:
		g.minorShare(c)
	case 2:
		g.contractOnly(c)
	case 3:
		g.birthOnly(c)
	case 4:
		g.splitParents(c)
	case 5:
		g.lockedPurchase(c)
	default:
		g.lapsedMigrant(c)
	}
}

// commercialOnly: registered at a relative's, owning only a shop or an
// office, which is not a home.
func (g *gen) commercialOnly(c *county) {
	f := g.bulkFamily(c, true)
	addr := c.takeHome(g.rng)
	g.putHousehold(c, addr, core.FamilyHousehold, g.members(f, true))
	usage := pick(g.rng, []string{"商业", "办公"})
	g.putProperty(c, c.takeHome(g.rng), usage, g.registered(f), g.homeOwners(f, false)...)
	g.putBirths(f, 0.05)
	g.putStudents(f, addr)
}

// minorShare: newcomers who bought a minority share of a home with
// someone outside the family.
func (g *gen) minorShare(c *county) {
	f := g.bulkFamily(c, false)
	home := c.takeHome(g.rng)
	share := float64(g.rng.between(20, 49))
	born := g.rng.dateIn(day(g.o.Year-60, 1, 1), day(g.o.Year-25, 1, 1))
	other := g.newPerson(g.localArea(c, born), born, g.sex(), g.names.surname())
	g.putProperty(c, home, core.UsageResidential, g.registered(f), owner(f.father, share), owner(other, 100-share))
	g.putBirths(f, 0.05)
	g.putStudents(f, home)
}

// contractOnly: registered at an old address, having bought a flat in a
// new compound that is on a 网签 contract but not yet certificated.
func (g *gen) contractOnly(c *county) {
	f := g.bulkFamily(c, true)
	addr := c.takeHome(g.rng)
	g.putHousehold(c, addr, core.FamilyHousehold, g.members(f, true))
	signed := g.rng.dateIn(day(g.o.Year-2, 1, 1), day(g.o.Year, 5, 1))
	g.putContract(c, c.takeNewHome(g.rng), signed, g.parentsAsBuyers(f)...)
	g.putBirths(f, 0.05)
	g.putStudents(f, addr)
}

// birthOnly: local ID numbers but nothing on record except the children's
// births (a family back from abroad, registration not yet moved in).
func (g *gen) birthOnly(c *county) {
	f := g.bulkFamily(c, true)
	g.putBirths(f, 0)
}

// splitParents: the children and their mother on her own 户口簿 at the
// home she owns; the father on his parents' register elsewhere; birth
// records sometimes missing, so the father cannot prove guardianship.
func (g *gen) splitParents(c *county) {
	f := g.bulkFamily(c, true)
	if f.father.zero() {
		f.father = g.newPerson(g.localArea(c, f.mother.born()), f.mother.born().AddDate(-2, 0, 0), core.Male, f.surname)
	}
	home := c.takeHome(g.rng)
	mothers := &family{c: c, local: true, mother: f.mother, kids: f.kids}
	g.putHousehold(c, home, core.FamilyHousehold, g.members(mothers, true))
	g.putProperty(c, home, core.UsageResidential, g.registered(f), owner1(f.mother))
	g.addGrandparents(f)
	fathers := &family{c: c, local: true, father: f.father, gpa: f.gpa, gma: f.gma}
	g.putHousehold(c, c.takeHome(g.rng), core.FamilyHousehold, g.elderMembers(fathers))
	g.putBirths(f, 0.3)
	g.putStudents(f, home)
}

// elderMembers lists grandparents with their adult son, no children.
func (g *gen) elderMembers(f *family) []core.Member {
	return []core.Member{
		{Person: f.gpa.asPerson(), Relation: core.RelHead, MovedIn: f.gpa.born().AddDate(20, 0, 0)},
		{Person: f.gma.asPerson(), Relation: core.RelSpouse, MovedIn: f.father.born().AddDate(-1, 0, 0)},
		{Person: f.father.asPerson(), Relation: core.RelSon, MovedIn: f.father.born().AddDate(0, 1, 0)},
	}
}

// lockedPurchase: newcomers who bought a home whose previous owners
// seated a child on it within the lock years.
func (g *gen) lockedPurchase(c *county) {
	f := g.bulkFamily(c, false)
	home := c.takeHome(g.rng)
	g.putProperty(c, home, core.UsageResidential, day(g.o.Year-1, 3, 1), g.parentsAsBuyers(f)...)
	g.secondHand(c, home, day(g.o.Year-1, 3, 1), 1)
	g.putBirths(f, 0.05)
	g.putStudents(f, home)
}

// lapsedMigrant: newcomers whose permit and lease have both run out.
func (g *gen) lapsedMigrant(c *county) {
	f := g.bulkFamily(c, false)
	home := c.takeHome(g.rng)
	g.putPermit(c, f.father, home, false)
	g.putRental(c, f.father, home, false)
	g.putInsurance(c, f.father, g.rng.between(12, 40), true)
	g.putBirths(f, 0.05)
	g.putStudents(f, home)
}
