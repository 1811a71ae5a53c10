package demo

import (
	"fmt"
	"time"

	"enrolldesk/core"
)

// The personas' fixed area codes for people from elsewhere.
const (
	henanArea   = "412722" // 河南省商水县
	anhuiArea   = "342201" // 安徽省宿州市埇桥区
	jiangsuArea = "320321" // 江苏省丰县
)

// persona builds one persona's family and names who applies for whom.
type persona struct {
	key, title string
	stage      core.Stage
	build      func() core.Persona
}

// personas lists the personas in the order they are written; each family's
// records are chosen so that the default policy gives the outcome in its
// title (the package tests check every one).
func (g *gen) personas() []persona {
	y := g.o.Year
	return []persona{
		{"consistent", "房户一致：孩子户籍与父母自有住房在同一地址（单校划片）", core.Primary, func() core.Persona { return g.owners(single, false, false) }},
		{"property-only", "有房无户：在学区内有自有住房，户籍在不属于任何小学学区的地址", core.Primary, g.propertyOnly},
		{"hukou-only", "有户无房：户籍在学区内，家庭名下没有房产", core.Primary, g.hukouOnly},
		{"migrant", "随迁子女：外省户籍，居住证在学区内，单位社保满24个月", core.Primary, func() core.Persona { return g.migrant(henanArea, 41) }},
		{"migrant-short-insurance", "随迁子女：居住证有效，但社保只缴了8个月（不足12个月）", core.Primary, func() core.Persona { return g.migrant(anhuiArea, 8) }},
		{"locked-property", fmt.Sprintf("一房一学位：住房%d年已为他人子女提供小学学位，且无本市户籍", y-4), core.Primary, g.lockedProperty},
		{"too-young", fmt.Sprintf("年龄不足：孩子%d年9月1日出生，到%d年8月31日不满6周岁", y-6, y), core.Primary, g.tooYoung},
		{"twins", "双胞胎：同一户口簿、同一天出生的两个孩子，房户一致", core.Primary, func() core.Persona { return g.owners(single, true, false) }},
		{"guardian-mismatch", "监护关系待核：孩子随母亲落户在母亲的住房，由不在同一户口簿的父亲报名，且没有出生医学证明", core.Primary, g.guardianMismatch},
		{"grandparents-property", "祖辈房产：孩子随父母落户在祖父母全资拥有的住房，父母名下无房", core.Primary, g.grandparentsProperty},
		{"multi-school", "多校划片：房户一致，所在学区有多所小学可选", core.Primary, func() core.Persona { return g.owners(multi, false, false) }},
		{"id-with-x", "身份证号码末位是X：孩子的号码以X结尾，房户一致", core.Primary, func() core.Persona { return g.owners(single, false, true) }},
		{"no-records", "查无信息：监护人和孩子的身份证号码有效，但各部门都没有登记", core.Primary, g.noRecords},
		{"minor-share", "产权份额不足：家庭只拥有住房30%的产权（另70%属他人），无本市户籍", core.Primary, g.minorSharePersona},
		{"junior", "小升初：本市小学六年级学籍，房户一致，报名初中一年级", core.Junior, g.juniorPersona},
		// The family rules of issue 8.
		{"junior-not-graduating", fmt.Sprintf("未到毕业年级：本市小学五年级学籍（%d年毕业），今年报名初中一年级", y+1), core.Junior, g.juniorNotGraduating},
		{"aunt-applies", "姑姑报名：孩子随父母落户在祖父母家，由户主的女儿（孩子的姑姑）报名，出生医学证明记载父母", core.Primary, g.auntApplies},
		{"grandparents-elsewhere", "祖辈房产在别处：祖父母在学区内有住房，但孩子户籍在另一地址（户籍在学区内）", core.Primary, g.grandparentsElsewhere},
		{"migrant-spouse", "随迁子女（夫妻分持）：母亲持居住证并报名，父亲务工并缴单位社保24个月", core.Primary, g.migrantSpouse},
		{"zone-ambiguous", "学区重叠：房户一致，但住房所在小区被两个学区同样划入", core.Primary, g.zoneAmbiguous},
	}
}

// writePersonas writes every persona's family, then the personas in order.
func (g *gen) writePersonas() {
	var out []core.Persona
	for _, p := range g.personas() {
		g.stats.Families++
		x := p.build()
		x.Key, x.Title, x.Stage = p.key, p.title, p.stage
		out = append(out, x)
	}
	for _, p := range out {
		g.stats.Personas++
		g.put("persona", g.w.PutPersona(p))
	}
}

// Zone tests for persona homes.
func single(z *zone) bool { return z != nil && len(z.Schools) == 1 }
func multi(z *zone) bool  { return z != nil && len(z.Schools) > 1 }
func noZone(z *zone) bool { return z == nil }

// personaHome takes a free home, searching the counties in order (任城区
// first), whose zone for the stage passes ok.
func (g *gen) personaHome(st int, ok func(*zone) bool) core.Address {
	for _, c := range g.counties {
		for _, cp := range c.compounds {
			if len(cp.rules[st]) == 0 && !ok(nil) {
				continue
			}
			for tries := 0; tries < 8; tries++ {
				a, free := cp.take()
				if !free {
					break
				}
				if ok(g.zoneOf(a, st)) {
					return a
				}
			}
		}
	}
	panic("demo: no home fits a persona") // every county has zoned and unzoned compounds
}

func (g *gen) home() *county { return g.counties[0] }

func (g *gen) entrant() time.Time { return g.rng.dateIn(g.primaryWindow()) }

func (g *gen) boughtLongAgo() time.Time {
	return day(g.o.Year-9, 5, 20).AddDate(0, 0, g.rng.between(0, 300))
}

// registerOwners writes a family registered at the home the parents own
// half and half: the shape of most personas.
func (g *gen) registerOwners(f *family, home core.Address) {
	c := f.c
	g.putHousehold(c, home, core.FamilyHousehold, g.members(f, true))
	g.putProperty(c, home, core.UsageResidential, g.boughtLongAgo(), owner(f.father, 50), owner(f.mother, 50))
	g.putInsurance(c, f.father, 60, true)
	g.putBirths(f, 0)
}

func applying(f *family) core.Persona {
	p := core.Persona{GuardianID: f.father.id, ChildID: f.kids[0].id}
	if len(f.kids) > 1 {
		p.SiblingID = f.kids[1].id
	}
	return p
}

// owners: 房户一致 in a zone that passes ok; twins or a child whose ID
// number ends in X on request.
func (g *gen) owners(ok func(*zone) bool, twins, endsInX bool) core.Persona {
	born := g.entrant()
	f := g.newParents(g.home(), "", born)
	if endsInX {
		g.stats.Residents++
		sex := g.sex()
		id := g.ids.nextEndingX(g.home().code, born, sex)
		f.kids = []person{{id: id, sex: sex, name: f.surname + g.names.given(sex, born.Year())}}
	} else {
		f.kids = []person{g.kid(f, born)}
	}
	if twins {
		f.kids = append(f.kids, g.kid(f, born))
	}
	g.registerOwners(f, g.personaHome(primary, ok))
	return applying(f)
}

func (g *gen) tooYoung() core.Persona {
	born := day(g.o.Year-6, 9, 1)
	f := g.newFamily(g.home(), "", born, 1)
	g.registerOwners(f, g.personaHome(primary, single))
	return applying(f)
}

// propertyOnly: registered at an address outside every primary zone,
// owning a home inside one.
func (g *gen) propertyOnly() core.Persona {
	c := g.home()
	f := g.newFamily(c, "", g.entrant(), 1)
	g.putHousehold(c, g.personaHome(primary, noZone), core.FamilyHousehold, g.members(f, true))
	g.putProperty(c, g.personaHome(primary, single), core.UsageResidential, g.boughtLongAgo(), owner1(f.father))
	g.putBirths(f, 0)
	return applying(f)
}

func (g *gen) hukouOnly() core.Persona {
	c := g.home()
	f := g.newFamily(c, "", g.entrant(), 1)
	g.putHousehold(c, g.personaHome(primary, single), core.FamilyHousehold, g.members(f, true))
	g.putInsurance(c, f.father, 36, true)
	g.putBirths(f, 0)
	return applying(f)
}

// migrant: no city hukou; a permit and a lease in a zone, valid for years;
// months of employer-paid insurance up to last month.
func (g *gen) migrant(area string, months int) core.Persona {
	c, y := g.home(), g.o.Year
	f := g.newFamily(c, area, g.entrant(), 1)
	home := g.personaHome(primary, single)
	g.writePermit(c, f.father, home, day(y-2, 3, 1), day(y+1, 3, 1))
	g.writeRental(c, f.father, home, day(y-2, 3, 1), day(y+1, 2, 28))
	last := day(y, 5, 1)
	g.writeInsurance(core.InsurancePeriod{Person: f.father.id, Employer: g.names.company(c.name),
		Kind: core.InsuranceEmployee, From: last.AddDate(0, -(months - 1), 0), To: last})
	g.putBirths(f, 0)
	return applying(f)
}

// lockedProperty: newcomers whose only basis is a home that seated the
// previous owners' child for primary four years ago.
func (g *gen) lockedProperty() core.Persona {
	c, y := g.home(), g.o.Year
	f := g.newFamily(c, jiangsuArea, g.entrant(), 1)
	home := g.personaHome(primary, single)
	g.putProperty(c, home, core.UsageResidential, day(y-2, 4, 10), owner(f.father, 50), owner(f.mother, 50))
	g.putBirths(f, 0)
	// The previous owners, now living elsewhere, and their child's seat.
	prevBorn := g.rng.dateIn(day(y-4-7, 9, 1), day(y-4-6, 8, 31))
	prev := g.newFamily(c, "", prevBorn, 1)
	moved := c.takeHome(g.rng)
	g.putHousehold(c, moved, core.FamilyHousehold, g.members(prev, true))
	g.putProperty(c, moved, core.UsageResidential, day(y-2, 3, 1), owner(prev.father, 50), owner(prev.mother, 50))
	g.putBirths(prev, 0)
	g.putStudents(prev, moved)
	g.putSeat(home, prev.kids[0].id, y-4, core.Primary)
	return applying(f)
}

// guardianMismatch: child and mother on her register at the home she owns;
// the father, who applies, on his parents' register; no birth record.
func (g *gen) guardianMismatch() core.Persona {
	c := g.home()
	f := g.newFamily(c, "", g.entrant(), 1)
	home := g.personaHome(primary, single)
	mothers := &family{c: c, local: true, mother: f.mother, kids: f.kids}
	g.putHousehold(c, home, core.FamilyHousehold, g.members(mothers, true))
	g.putProperty(c, home, core.UsageResidential, g.boughtLongAgo(), owner1(f.mother))
	g.addGrandparents(f)
	g.putHousehold(c, c.takeHome(g.rng), core.FamilyHousehold, g.elderMembers(f))
	return applying(f)
}

// grandparentsProperty: the family on the grandparents' register at the
// home the grandparents own outright.
func (g *gen) grandparentsProperty() core.Persona {
	c := g.home()
	f := g.newFamily(c, "", g.entrant(), 1)
	g.addGrandparents(f)
	home := g.personaHome(primary, single)
	g.putHousehold(c, home, core.FamilyHousehold, g.members(f, true))
	g.putProperty(c, home, core.UsageResidential, day(g.o.Year-20, 8, 8), owner(f.gpa, 50), owner(f.gma, 50))
	g.putBirths(f, 0)
	return applying(f)
}

// noRecords: valid numbers that no department knows.
func (g *gen) noRecords() core.Persona {
	f := g.newFamily(g.home(), "", g.entrant(), 1)
	return applying(f)
}

// minorSharePersona: newcomers owning 30 % of their only home.
func (g *gen) minorSharePersona() core.Persona {
	c := g.home()
	f := g.newFamily(c, henanArea, g.entrant(), 1)
	born := day(g.o.Year-48, 2, 14)
	other := g.newPerson(c.code, born, core.Female, g.names.surname())
	g.putProperty(c, g.personaHome(primary, single), core.UsageResidential, day(g.o.Year-3, 6, 1),
		owner(f.father, 30), owner(other, 70))
	g.putBirths(f, 0)
	return applying(f)
}

// juniorPersona: a sixth-grader registered at the home the parents own,
// which seated the child for primary six years ago.
func (g *gen) juniorPersona() core.Persona {
	c := g.home()
	f := g.newFamily(c, "", g.rng.dateIn(g.juniorWindow()), 1)
	home := g.personaHome(junior, single)
	g.registerOwners(f, home)
	g.putOwnSeats(f, home, day(g.o.Year-9, 1, 1))
	g.putStudents(f, home)
	return applying(f)
}

// juniorNotGraduating: a fifth-grader registered at the home the parents
// own, whose family tries for junior school a year early.
func (g *gen) juniorNotGraduating() core.Persona {
	c := g.home()
	from, to := g.juniorWindow()
	f := g.newFamily(c, "", g.rng.dateIn(from.AddDate(1, 0, 0), to.AddDate(1, 0, 0)), 1)
	home := g.personaHome(junior, single)
	g.registerOwners(f, home)
	g.putOwnSeats(f, home, day(g.o.Year-9, 1, 1))
	g.putStudents(f, home)
	return applying(f)
}

// auntApplies: the family on the grandparents' register at the home the
// grandparents own, with the father's unmarried sister; she applies.
func (g *gen) auntApplies() core.Persona {
	c := g.home()
	f := g.newFamily(c, "", g.entrant(), 1)
	g.addGrandparents(f)
	born := f.father.born().AddDate(g.rng.between(2, 6), 0, g.rng.between(0, 300))
	aunt := g.newPerson(g.localArea(c, born), born, core.Female, f.surname)
	members := g.members(f, true)
	members = append(members, core.Member{Person: aunt.asPerson(), Relation: core.RelDaughter, MovedIn: born.AddDate(0, 1, 0)})
	home := g.personaHome(primary, single)
	g.putHousehold(c, home, core.FamilyHousehold, members)
	g.putProperty(c, home, core.UsageResidential, day(g.o.Year-18, 4, 4), owner(f.gpa, 60), owner(f.gma, 40))
	g.putBirths(f, 0)
	p := applying(f)
	p.GuardianID = aunt.id
	return p
}

// grandparentsElsewhere: the family on the grandparents' register at an
// address in a zone; the grandparents' own home is another flat, in a zone
// too, where the child is not registered.
func (g *gen) grandparentsElsewhere() core.Persona {
	c := g.home()
	f := g.newFamily(c, "", g.entrant(), 1)
	g.addGrandparents(f)
	g.putHousehold(c, g.personaHome(primary, single), core.FamilyHousehold, g.members(f, true))
	g.putProperty(c, g.personaHome(primary, single), core.UsageResidential, day(g.o.Year-12, 9, 9), owner(f.gpa, 50), owner(f.gma, 50))
	g.putInsurance(c, f.father, 48, true)
	g.putBirths(f, 0)
	return applying(f)
}

// migrantSpouse: newcomers where the mother holds the residence permit and
// the lease and applies, while the father works with 24 months of
// employer-paid insurance up to last month.
func (g *gen) migrantSpouse() core.Persona {
	c, y := g.home(), g.o.Year
	f := g.newFamily(c, "371321", g.entrant(), 1) // 临沂市沂南县
	home := g.personaHome(primary, single)
	g.writePermit(c, f.mother, home, day(y-1, 4, 1), day(y+2, 4, 1))
	g.writeRental(c, f.mother, home, day(y-1, 4, 1), day(y+1, 3, 31))
	last := day(y, 5, 1)
	g.writeInsurance(core.InsurancePeriod{Person: f.father.id, Employer: g.names.company(c.name),
		Kind: core.InsuranceEmployee, From: last.AddDate(0, -23, 0), To: last})
	g.putBirths(f, 0)
	p := applying(f)
	p.GuardianID = f.mother.id
	return p
}

// zoneAmbiguous: 房户一致 in the compound two zones both claim.
func (g *gen) zoneAmbiguous() core.Persona {
	born := g.entrant()
	f := g.newFamily(g.home(), "", born, 1)
	home, _ := g.contested.take()
	g.registerOwners(f, home)
	return applying(f)
}
