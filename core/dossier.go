package core

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Dossier is everything the department sources said about one application:
// the raw material of cross-checking, gathered once so that classification
// is a pure function of it.
type Dossier struct {
	Stage      Stage
	AsOf       time.Time // the day of the look-up: permits and leases must be valid then
	GuardianID ResidentID
	ChildID    ResidentID

	ChildHousehold    *Household
	GuardianHousehold *Household
	Birth             *BirthRecord
	Student           *StudentRecord

	// Family are the people whose homes may count: the guardian, the other
	// parent, and grandparents where the policy lets their homes count.
	Family map[ResidentID]FamilyRole
	// Parents are the child's parents as far as the records prove it, with
	// the source that proves each: the birth record, or a register on which
	// the child is the head's own child. The guardian is here only if proven.
	Parents    map[ResidentID]Source
	Properties []Property
	Contracts  []SaleContract
	Rentals    []RentalFiling
	Permits    []ResidencePermit
	Insurance  []InsurancePeriod
	Businesses []Business
	Roles      []EnterpriseRole

	// SeatUses are keyed by home key; Zones by address key.
	SeatUses map[string][]SeatUse
	Zones    map[string]*Zone
	// ZoneClaims lists, by address key, the zones of an address that two or
	// more equally specific rules claim (Zones holds the first of them);
	// nil for the usual case of one zone or none.
	ZoneClaims map[string][]*Zone
}

// FamilyRole is how a person relates to the child for the rules.
type FamilyRole string

// Family roles.
const (
	RoleGuardian    FamilyRole = "guardian"    // the applying guardian
	RoleParent      FamilyRole = "parent"      // the other parent
	RoleGrandparent FamilyRole = "grandparent" // 祖父母/外祖父母
)

// Empty reports whether no source knew anything about the family.
func (d *Dossier) Empty() bool {
	return d.ChildHousehold == nil && d.GuardianHousehold == nil && d.Birth == nil &&
		d.Student == nil && len(d.Properties) == 0 && len(d.Contracts) == 0 &&
		len(d.Rentals) == 0 && len(d.Permits) == 0 && len(d.Insurance) == 0 &&
		len(d.Businesses) == 0 && len(d.Roles) == 0
}

// ZoneOf returns the zone an address falls in for the dossier's stage.
func (d *Dossier) ZoneOf(a Address) *Zone {
	if a.IsZero() {
		return nil
	}
	return d.Zones[a.Key()]
}

// Gather queries every source for one application. A source that fails makes
// the whole gathering fail with a wrapped error (the look-up cannot be
// trusted half-done); a source with nothing on record is simply empty.
func Gather(ctx context.Context, src Sources, guardian, child ResidentID, stage Stage, asOf time.Time, allowGrandparents bool) (*Dossier, error) {
	g := &gatherer{ctx: ctx, src: src}
	d := &Dossier{Stage: stage, AsOf: asOf, GuardianID: guardian, ChildID: child,
		Family:   map[ResidentID]FamilyRole{guardian: RoleGuardian},
		SeatUses: map[string][]SeatUse{}, Zones: map[string]*Zone{}}

	d.ChildHousehold = g.household(child)
	d.GuardianHousehold = d.ChildHousehold
	if _, ok := d.ChildHousehold.Member(guardian); !ok {
		d.GuardianHousehold = g.household(guardian)
	}
	d.Birth = g.birth(child)
	if stage == Junior {
		d.Student = g.student(child)
	}
	addFamily(d, allowGrandparents)

	// Query family members in a fixed order (guardian first, then by ID) so
	// that the same family always yields the same records in the same order.
	// A migrant family's permit, lease, work and insurance may be either
	// parent's; grandparents count only with their homes.
	for _, id := range d.familyOrder() {
		d.Properties = append(d.Properties, g.properties(id)...)
		if d.Family[id] == RoleGrandparent {
			continue
		}
		d.Contracts = append(d.Contracts, g.contracts(id)...)
		d.Rentals = append(d.Rentals, g.rentals(id)...)
		d.Permits = append(d.Permits, g.permits(id)...)
		d.Insurance = append(d.Insurance, g.insurance(id)...)
		d.Businesses = append(d.Businesses, g.businesses(id)...)
		d.Roles = append(d.Roles, g.roles(id)...)
	}
	d.Properties = dedupProperties(d.Properties)
	d.Contracts = dedupContracts(d.Contracts)

	for _, p := range d.Properties {
		d.SeatUses[p.Address.Key()] = g.seats(p.Address.Key())
	}
	for _, c := range d.Contracts {
		d.SeatUses[c.Address.Key()] = g.seats(c.Address.Key())
	}
	for _, a := range d.candidateAddresses() {
		z, claims := g.zone(a, stage)
		d.Zones[a.Key()] = z
		if len(claims) > 1 {
			if d.ZoneClaims == nil {
				d.ZoneClaims = map[string][]*Zone{}
			}
			d.ZoneClaims[a.Key()] = claims
		}
	}
	if g.err != nil {
		return nil, g.err
	}
	return d, nil
}

// addFamily finds the parents and the grandparents. The birth record
// decides who the parents are; a register proves a parent only where the
// child is the head's own child (the head and spouse), and then not against
// a birth record naming another parent of that sex. On a grandparent's
// register the head's sons, daughters and children-in-law may be the
// child's parents or aunts and uncles: without a birth record none of them
// is taken for a parent.
func addFamily(d *Dossier, allowGrandparents bool) {
	d.Parents = map[ResidentID]Source{}
	add := func(id ResidentID, role FamilyRole) {
		if id == "" || id == d.ChildID {
			return
		}
		if _, ok := d.Family[id]; !ok {
			d.Family[id] = role
		}
	}
	parent := func(id ResidentID, src Source) {
		if id == "" || id == d.ChildID {
			return
		}
		if _, ok := d.Parents[id]; !ok {
			d.Parents[id] = src
		}
		add(id, RoleParent)
	}
	b := d.Birth
	if b != nil {
		parent(b.Mother.ID, SrcBirth)
		parent(b.Father.ID, SrcBirth)
	}
	h := d.ChildHousehold
	if h == nil {
		return
	}
	cm, _ := h.Member(d.ChildID)
	for _, m := range h.Members {
		switch kinship(cm.Relation, m.Relation) {
		case KinParent:
			if b == nil || b.parentOfSex(m.ID.Sex()) == "" {
				parent(m.ID, SrcHukou)
			}
		case KinGrandparent:
			if allowGrandparents {
				add(m.ID, RoleGrandparent)
			}
		}
	}
}

// parentOfSex returns the father (Male) or the mother the record names.
func (b *BirthRecord) parentOfSex(s Sex) ResidentID {
	if s == Male {
		return b.Father.ID
	}
	return b.Mother.ID
}

// familyOrder lists the family: the guardian first, then the others by ID.
func (d *Dossier) familyOrder() []ResidentID {
	ids := make([]ResidentID, 0, len(d.Family))
	for id := range d.Family {
		if id != d.GuardianID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return append([]ResidentID{d.GuardianID}, ids...)
}

// candidateAddresses are the addresses that may decide the school.
func (d *Dossier) candidateAddresses() []Address {
	var out []Address
	if d.ChildHousehold != nil {
		out = append(out, d.ChildHousehold.Address)
	}
	for _, p := range d.Properties {
		out = append(out, p.Address)
	}
	for _, c := range d.Contracts {
		out = append(out, c.Address)
	}
	for _, r := range d.Rentals {
		out = append(out, r.Address)
	}
	for _, p := range d.Permits {
		out = append(out, p.Address)
	}
	return out
}

func dedupProperties(ps []Property) []Property {
	seen := map[string]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p.CertNo] {
			seen[p.CertNo] = true
			out = append(out, p)
		}
	}
	return out
}

func dedupContracts(cs []SaleContract) []SaleContract {
	seen := map[string]bool{}
	out := cs[:0]
	for _, c := range cs {
		if !seen[c.ContractNo] {
			seen[c.ContractNo] = true
			out = append(out, c)
		}
	}
	return out
}

// gatherer keeps the first source error so Gather reads straight through.
type gatherer struct {
	ctx   context.Context
	src   Sources
	err   error
	rules map[string][]ZoneRule // by compound key: one query per compound
	zones map[string]*Zone      // by zone code: one query per zone
}

func (g *gatherer) fail(source string, err error) {
	if g.err == nil && err != nil {
		g.err = fmt.Errorf("query %s: %w", source, err)
	}
}

func (g *gatherer) household(id ResidentID) *Household {
	h, err := g.src.Households.HouseholdOf(g.ctx, id)
	g.fail("household", err)
	return h
}

func (g *gatherer) birth(id ResidentID) *BirthRecord {
	b, err := g.src.Births.BirthOf(g.ctx, id)
	g.fail("birth", err)
	return b
}

func (g *gatherer) student(id ResidentID) *StudentRecord {
	s, err := g.src.Students.StudentOf(g.ctx, id)
	g.fail("student", err)
	return s
}

func (g *gatherer) properties(id ResidentID) []Property {
	v, err := g.src.Properties.PropertiesOf(g.ctx, id)
	g.fail("property", err)
	return v
}

func (g *gatherer) contracts(id ResidentID) []SaleContract {
	v, err := g.src.Contracts.ContractsOf(g.ctx, id)
	g.fail("contract", err)
	return v
}

func (g *gatherer) rentals(id ResidentID) []RentalFiling {
	v, err := g.src.Rentals.RentalsOf(g.ctx, id)
	g.fail("rental", err)
	return v
}

func (g *gatherer) permits(id ResidentID) []ResidencePermit {
	v, err := g.src.Permits.PermitsOf(g.ctx, id)
	g.fail("permit", err)
	return v
}

func (g *gatherer) insurance(id ResidentID) []InsurancePeriod {
	v, err := g.src.Insurance.InsuranceOf(g.ctx, id)
	g.fail("insurance", err)
	return v
}

func (g *gatherer) businesses(id ResidentID) []Business {
	v, err := g.src.Businesses.BusinessesOf(g.ctx, id)
	g.fail("business", err)
	return v
}

func (g *gatherer) roles(id ResidentID) []EnterpriseRole {
	v, err := g.src.Enterprise.RolesOf(g.ctx, id)
	g.fail("enterprise", err)
	return v
}

func (g *gatherer) seats(key string) []SeatUse {
	v, err := g.src.Seats.SeatUsesOf(g.ctx, key)
	g.fail("seat ledger", err)
	return v
}

// zone returns the zone an address falls in, and when equally specific
// rules of several zones claim it, every one of them.
func (g *gatherer) zone(a Address, stage Stage) (*Zone, []*Zone) {
	if g.rules == nil {
		g.rules = map[string][]ZoneRule{}
	}
	rules, ok := g.rules[a.CompoundKey]
	if !ok {
		var err error
		rules, err = g.src.Catchment.ZoneRulesFor(g.ctx, a.CompoundKey, stage)
		g.fail("catchment", err)
		g.rules[a.CompoundKey] = rules
	}
	code, ok := MatchZone(rules, a)
	if !ok {
		return nil, nil
	}
	z := g.zoneByCode(code)
	if !contested(rules, a) {
		return z, nil
	}
	var claims []*Zone
	for _, c := range ZoneClaims(rules, a) {
		if cz := g.zoneByCode(c); cz != nil {
			claims = append(claims, cz)
		}
	}
	return z, claims
}

func (g *gatherer) zoneByCode(code string) *Zone {
	if z, ok := g.zones[code]; ok {
		return z
	}
	z, err := g.src.Catchment.Zone(g.ctx, code)
	if ErrorCode(err) == ENOTFOUND {
		z, err = nil, nil
	}
	g.fail("zone", err)
	if g.zones == nil {
		g.zones = map[string]*Zone{}
	}
	g.zones[code] = z
	return z
}
