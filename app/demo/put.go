package demo

import (
	"time"

	"enrolldesk/core"
)

// The put helpers build one record each, count it and write it; the first
// write error is kept in g.err.

func (g *gen) putHousehold(c *county, a core.Address, kind core.HouseholdKind, members []core.Member) {
	g.stats.Households++
	h := core.Household{Number: g.num.householdNo(c.code), Kind: kind, Address: a,
		Authority: c.authority(a.Street), Members: members}
	g.put("household", g.w.PutHousehold(h))
}

func owner(p person, share float64) core.Owner {
	return core.Owner{ID: p.id, Name: p.name, Share: share}
}

func (g *gen) putProperty(c *county, a core.Address, usage string, reg time.Time, owners ...core.Owner) {
	g.stats.Properties++
	p := core.Property{CertNo: g.num.certNo(reg.Year(), c.place()), Usage: usage, Address: a,
		Owners: owners, Registered: reg}
	g.put("property", g.w.PutProperty(p))
}

func (g *gen) putContract(c *county, a core.Address, signed time.Time, buyers ...core.Owner) {
	g.stats.Contracts++
	k := core.SaleContract{ContractNo: g.num.contractNo(signed.Year(), c.code), Usage: core.UsageResidential,
		Address: a, Buyers: buyers, Signed: signed}
	g.put("contract", g.w.PutContract(k))
}

// putBirth writes a child's birth certificate naming both parents (a
// single mother's names no father).
func (g *gen) putBirth(f *family, kid person) {
	g.stats.Births++
	b := core.BirthRecord{CertNo: g.num.birthNo(kid.born().Year()), Child: kid.id,
		Mother: f.mother.asPerson(), Father: f.father.asPerson()}
	g.put("birth", g.w.PutBirth(b))
}

// putBirths writes the children's birth records, except for the few
// (about 5 %) the health register lacks.
func (g *gen) putBirths(f *family, missing float64) {
	for _, k := range f.kids {
		if !g.rng.chance(missing) {
			g.putBirth(f, k)
		}
	}
}

// putStudents writes a 学籍 for every child now in primary school, at the
// zone school of home when there is one.
func (g *gen) putStudents(f *family, home core.Address) {
	for _, k := range f.kids {
		e := entryYear(k.born())
		grade := g.o.Year - e
		if grade < 1 || grade > 6 {
			continue
		}
		g.stats.Students++
		s := core.StudentRecord{StudentNo: "G" + string(k.id), Child: k.id, School: g.schoolFor(f.c, home),
			Grade: grade, Graduating: e + 6}
		g.put("student", g.w.PutStudent(s))
	}
}

func (g *gen) schoolFor(c *county, home core.Address) string {
	if z := g.zoneOf(home, primary); z != nil {
		return pick(g.rng, z.Schools).Name
	}
	return pick(g.rng, c.schools[primary]).Name
}

func (g *gen) putSeat(home core.Address, child core.ResidentID, year int, st core.Stage) {
	g.stats.SeatUses++
	g.put("seat use", g.w.PutSeatUse(core.SeatUse{HomeKey: home.Key(), Child: child, Year: year, Stage: st}))
}

// putOwnSeats records the seats the family's older children took on the
// home since it was theirs: primary at entry, junior six years later.
func (g *gen) putOwnSeats(f *family, home core.Address, since time.Time) {
	for _, k := range f.kids {
		e := entryYear(k.born())
		for st, year := range [2]int{e, e + 6} {
			if year < g.o.Year && year >= since.Year() {
				g.putSeat(home, k.id, year, stageOf(st))
			}
		}
	}
}

// putPermit writes a residence permit, valid on the look-up day or expired.
func (g *gen) putPermit(c *county, holder person, a core.Address, valid bool) {
	y := g.o.Year
	issued := g.rng.dateIn(day(y-1, 1, 1), day(y, 5, 1))
	expires := issued.AddDate(g.rng.between(1, 3), 0, 0)
	if !valid {
		issued = g.rng.dateIn(day(y-5, 1, 1), day(y-3, 1, 1))
		expires = issued.AddDate(g.rng.between(1, 2), 0, 0)
	}
	g.writePermit(c, holder, a, issued, expires)
}

func (g *gen) writePermit(c *county, holder person, a core.Address, issued, expires time.Time) {
	g.stats.Permits++
	p := core.ResidencePermit{PermitNo: g.num.permitNo(c.code), Holder: holder.id, Address: a, Issued: issued, Expires: expires}
	g.put("permit", g.w.PutPermit(p))
}

// putRental writes a rental filing, current or lapsed.
func (g *gen) putRental(c *county, tenant person, a core.Address, valid bool) {
	y := g.o.Year
	from := g.rng.dateIn(day(y-1, 7, 1), day(y, 5, 1))
	to := from.AddDate(g.rng.between(1, 3), 0, -1)
	if !valid {
		from = g.rng.dateIn(day(y-4, 1, 1), day(y-2, 6, 1))
		to = from.AddDate(1, 0, -1)
	}
	g.writeRental(c, tenant, a, from, to)
}

func (g *gen) writeRental(c *county, tenant person, a core.Address, from, to time.Time) {
	g.stats.Rentals++
	r := core.RentalFiling{FilingNo: g.num.rentalNo(from.Year(), c.code), Tenant: tenant.id, Address: a, From: from, To: to}
	g.put("rental", g.w.PutRental(r))
}

// putInsurance writes months of pension insurance as one to three periods
// with gaps, the last ending last month (or a while ago).
func (g *gen) putInsurance(c *county, p person, months int, employee bool) {
	if months <= 0 {
		return
	}
	kind, employer := core.InsuranceFlexible, ""
	if employee {
		kind, employer = core.InsuranceEmployee, g.names.company(c.name)
	}
	end := day(g.o.Year, 5, 1)
	if g.rng.chance(0.15) {
		end = end.AddDate(0, -g.rng.between(1, 18), 0)
	}
	parts := min(g.rng.between(1, 3), max(months/4, 1))
	var periods []core.InsurancePeriod
	for i := parts; i > 0; i-- {
		n := months / i
		months -= n
		from := end.AddDate(0, -(n - 1), 0)
		periods = append(periods, core.InsurancePeriod{Person: p.id, Employer: employer, Kind: kind, From: from, To: end})
		end = from.AddDate(0, -g.rng.between(2, 5), 0)
	}
	for i := len(periods) - 1; i >= 0; i-- {
		g.writeInsurance(periods[i])
	}
}

func (g *gen) writeInsurance(p core.InsurancePeriod) {
	g.stats.Insurance++
	g.put("insurance", g.w.PutInsurance(p))
}

// putBusiness writes an individual business the person runs (or ran).
func (g *gen) putBusiness(c *county, p person, a core.Address, active bool) {
	g.stats.Businesses++
	b := core.Business{RegNo: g.num.businessNo(c.code), Name: g.names.shop(string([]rune(p.name)[:1])), Operator: p.id,
		Address: a, Registered: g.rng.dateIn(day(g.o.Year-12, 1, 1), day(g.o.Year-1, 6, 30)), Active: active}
	g.put("business", g.w.PutBusiness(b))
}

// putRole writes the person's role in an enterprise.
func (g *gen) putRole(c *county, p person) {
	g.stats.Roles++
	r := core.EnterpriseRole{CreditCode: g.num.creditCode(c.code), Company: g.names.company(c.name), Person: p.id,
		Role: pick(g.rng, g.names.roles), Since: g.rng.dateIn(day(g.o.Year-15, 1, 1), day(g.o.Year-1, 6, 30))}
	g.put("enterprise role", g.w.PutRole(r))
}

// registered is a plausible day a home was registered to its owners:
// after the father came of age, before last year.
func (g *gen) registered(f *family) time.Time {
	from := f.mother.born().AddDate(22, 0, 0)
	if from.Before(day(2000, 1, 1)) {
		from = day(2000, 1, 1)
	}
	to := day(g.o.Year-1, 6, 30)
	if from.After(to) {
		from = to.AddDate(-1, 0, 0)
	}
	return g.rng.dateIn(from, to)
}
