package demo

import (
	"time"

	"enrolldesk/core"
)

// person is a generated resident.
type person struct {
	id   core.ResidentID
	name string
	sex  core.Sex
}

func (p person) asPerson() core.Person { return core.Person{ID: p.id, Name: p.name} }

func (p person) zero() bool { return p.id == "" }

func (p person) born() time.Time { return p.id.BirthDate() }

// migrantAreas are area codes of other places families move to Jining
// from: Henan, Anhui, Jiangsu and other Shandong cities.
func migrantAreas() []string {
	return []string{"412722", "342201", "320321", "371321", "372925", "410526", "341221", "370481"}
}

// newPerson gives a person an ID number and a name.
func (g *gen) newPerson(area string, born time.Time, sex core.Sex, surname string) person {
	g.stats.Residents++
	id := g.ids.next(area, born, sex)
	return person{id: id, sex: sex, name: surname + g.names.given(sex, born.Year())}
}

// localArea is the area code on a local person's ID: the county's, or for
// people first registered before 2013 sometimes the code of the division
// it replaced (市中区 370802 in 任城, 兖州市 370882).
func (g *gen) localArea(c *county, born time.Time) string {
	if born.Year() < 2013 && g.rng.chance(0.3) {
		switch c.code {
		case "370811":
			return "370802"
		case "370812":
			return "370882"
		}
	}
	return c.code
}

func (g *gen) sex() core.Sex {
	if g.rng.chance(0.5) {
		return core.Male
	}
	return core.Female
}

// family is a household-to-be: parents, children and sometimes the
// father's parents.
type family struct {
	c       *county
	local   bool
	area    string // the parents' area code when not local
	surname string
	father  person // zero for a single mother
	mother  person
	kids    []person
	gpa     person // paternal grandparents, when they live with the family
	gma     person
}

// Windows of birth dates for the entry year Y.
func (g *gen) primaryWindow() (time.Time, time.Time) {
	return day(g.o.Year-7, 9, 1), day(g.o.Year-6, 8, 31)
}

func (g *gen) juniorWindow() (time.Time, time.Time) {
	return day(g.o.Year-13, 9, 1), day(g.o.Year-12, 8, 31)
}

// lastBirth is the youngest a generated child is: born three years before
// the entry year, so no ID number is ever in the future.
func (g *gen) lastBirth() time.Time { return day(g.o.Year-3, 12, 31) }

// firstKidBirth spreads children so that about a third of families have a
// primary entrant and a fifth a junior one.
func (g *gen) firstKidBirth() time.Time {
	switch x := g.rng.r.Float64(); {
	case x < 0.27:
		return g.rng.dateIn(g.primaryWindow())
	case x < 0.42:
		return g.rng.dateIn(g.juniorWindow())
	}
	return g.rng.dateIn(day(g.o.Year-17, 1, 1), g.lastBirth())
}

// newParents makes a family's parents, of an age to have a first child on
// first; area is their area code, "" for a local family.
func (g *gen) newParents(c *county, area string, first time.Time) *family {
	f := &family{c: c, local: area == "", area: area, surname: g.names.surname()}
	mBorn := first.AddDate(-g.rng.between(22, 36), 0, -g.rng.between(0, 364))
	fBorn := mBorn.AddDate(-g.rng.between(-2, 6), 0, -g.rng.between(0, 364))
	f.father = g.newPerson(g.adultArea(f, fBorn), fBorn, core.Male, f.surname)
	f.mother = g.newPerson(g.adultArea(f, mBorn), mBorn, core.Female, g.names.surname())
	return f
}

// newFamily makes parents and one child born on first; a second child, if
// kids is 2, is born some years before or after.
func (g *gen) newFamily(c *county, area string, first time.Time, kids int) *family {
	f := g.newParents(c, area, first)
	f.kids = append(f.kids, g.kid(f, first))
	if kids > 1 {
		f.kids = append(f.kids, g.kid(f, g.siblingBirth(first, f.mother.born())))
	}
	return f
}

func (g *gen) adultArea(f *family, born time.Time) string {
	if !f.local {
		return f.area
	}
	return g.localArea(f.c, born)
}

func (g *gen) kid(f *family, born time.Time) person {
	area := f.area
	if f.local {
		area = g.localArea(f.c, born)
	}
	return g.newPerson(area, born, g.sex(), f.surname)
}

// siblingBirth is one to eight years from the first child, never before
// the mother is twenty nor after the last birth date.
func (g *gen) siblingBirth(first, mother time.Time) time.Time {
	b := first.AddDate(g.rng.between(1, 8), 0, g.rng.between(0, 300))
	if g.rng.chance(0.4) {
		b = first.AddDate(-g.rng.between(1, 8), 0, -g.rng.between(0, 300))
	}
	if earliest := mother.AddDate(20, 0, 0); b.Before(earliest) {
		b = earliest
	}
	if b.After(g.lastBirth()) {
		b = g.lastBirth().AddDate(0, 0, -g.rng.between(0, 300))
	}
	return b
}

// addGrandparents adds the father's parents to the household.
func (g *gen) addGrandparents(f *family) {
	born := f.father.born().AddDate(-g.rng.between(22, 32), 0, -g.rng.between(0, 364))
	f.gpa = g.newPerson(g.localArea(f.c, born), born, core.Male, f.surname)
	gmBorn := born.AddDate(g.rng.between(-2, 5), 0, g.rng.between(0, 364))
	f.gma = g.newPerson(g.localArea(f.c, gmBorn), gmBorn, core.Female, g.names.surname())
}

// members lists the family on one 户口簿, relations to the head: the
// grandfather when the grandparents live with them, else the father (or
// the mother when there is none).
func (g *gen) members(f *family, withParents bool) []core.Member {
	married := f.kids[0].born().AddDate(-g.rng.between(1, 3), 0, 0)
	var out []core.Member
	add := func(p person, rel core.Relation, moved time.Time) {
		if !p.zero() {
			out = append(out, core.Member{Person: p.asPerson(), Relation: rel, MovedIn: moved})
		}
	}
	son, daughter := core.RelSon, core.RelDaughter
	switch {
	case !f.gpa.zero():
		add(f.gpa, core.RelHead, f.gpa.born().AddDate(20, 0, 0))
		add(f.gma, core.RelSpouse, f.father.born().AddDate(-1, 0, 0))
		if withParents {
			add(f.father, core.RelSon, f.father.born().AddDate(0, 1, 0))
			add(f.mother, core.RelDaughterInLaw, married)
		}
		son, daughter = core.RelGrandson, core.RelGranddaughter
	case f.father.zero():
		add(f.mother, core.RelHead, married)
	default:
		add(f.father, core.RelHead, married)
		add(f.mother, core.RelSpouse, married)
	}
	for _, k := range f.kids {
		rel := son
		if k.sex == core.Female {
			rel = daughter
		}
		add(k, rel, k.born().AddDate(0, 0, g.rng.between(20, 90)))
	}
	return out
}

// entryYear is the year a child born on b starts primary school.
func entryYear(b time.Time) int {
	if b.Month() <= time.August {
		return b.Year() + 6
	}
	return b.Year() + 7
}
