// Package memcity is an in-memory city: every department source and the
// catchment in maps. Tests use it to state a family's records directly; the
// contract suite in core/sourcetest holds it to the same behaviour as the
// SQLite store.
package memcity

import (
	"context"
	"slices"
	"strings"
	"sync"

	"enrolldesk/core"
)

// City holds a city's records in memory. The zero value is not usable; call New.
type City struct {
	mu         sync.RWMutex
	households map[string]*core.Household // by number
	memberOf   map[core.ResidentID]string // person → household number
	properties []core.Property            // in insertion order
	contracts  []core.SaleContract
	rentals    map[core.ResidentID][]core.RentalFiling
	insurance  map[core.ResidentID][]core.InsurancePeriod
	businesses map[core.ResidentID][]core.Business
	roles      map[core.ResidentID][]core.EnterpriseRole
	permits    map[core.ResidentID][]core.ResidencePermit
	births     map[core.ResidentID]core.BirthRecord
	students   map[core.ResidentID]core.StudentRecord
	seats      map[string][]core.SeatUse
	schools    map[string]core.School
	zones      map[string]core.Zone
	rules      map[string][]core.ZoneRule // by compound key
	personas   []core.Persona
}

var (
	_ core.City          = (*City)(nil)
	_ core.CityWriter    = (*City)(nil)
	_ core.PersonaSource = (*City)(nil)
)

// New returns an empty city.
func New() *City {
	return &City{
		households: map[string]*core.Household{}, memberOf: map[core.ResidentID]string{},
		rentals: map[core.ResidentID][]core.RentalFiling{}, insurance: map[core.ResidentID][]core.InsurancePeriod{},
		businesses: map[core.ResidentID][]core.Business{}, roles: map[core.ResidentID][]core.EnterpriseRole{},
		permits: map[core.ResidentID][]core.ResidencePermit{}, births: map[core.ResidentID]core.BirthRecord{},
		students: map[core.ResidentID]core.StudentRecord{}, seats: map[string][]core.SeatUse{},
		schools: map[string]core.School{}, zones: map[string]core.Zone{}, rules: map[string][]core.ZoneRule{},
	}
}

// HouseholdOf implements core.HouseholdSource.
func (c *City) HouseholdOf(_ context.Context, id core.ResidentID) (*core.Household, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, ok := c.memberOf[id]
	if !ok {
		return nil, nil
	}
	h := *c.households[n]
	h.Members = slices.Clone(h.Members)
	return &h, nil
}

// PropertiesOf implements core.PropertySource.
func (c *City) PropertiesOf(_ context.Context, id core.ResidentID) ([]core.Property, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []core.Property
	for _, p := range c.properties {
		if ownedBy(p.Owners, id) {
			p.Owners = slices.Clone(p.Owners)
			out = append(out, p)
		}
	}
	return out, nil
}

// ContractsOf implements core.ContractSource.
func (c *City) ContractsOf(_ context.Context, id core.ResidentID) ([]core.SaleContract, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []core.SaleContract
	for _, k := range c.contracts {
		if ownedBy(k.Buyers, id) {
			k.Buyers = slices.Clone(k.Buyers)
			out = append(out, k)
		}
	}
	return out, nil
}

func ownedBy(owners []core.Owner, id core.ResidentID) bool {
	for _, o := range owners {
		if o.ID == id {
			return true
		}
	}
	return false
}

// RentalsOf implements core.RentalSource.
func (c *City) RentalsOf(_ context.Context, id core.ResidentID) ([]core.RentalFiling, error) {
	return cloneOf(c, c.rentals[id]), nil
}

// InsuranceOf implements core.InsuranceSource: periods oldest first.
func (c *City) InsuranceOf(_ context.Context, id core.ResidentID) ([]core.InsurancePeriod, error) {
	out := cloneOf(c, c.insurance[id])
	slices.SortStableFunc(out, func(a, b core.InsurancePeriod) int { return a.From.Compare(b.From) })
	return out, nil
}

// BusinessesOf implements core.BusinessSource.
func (c *City) BusinessesOf(_ context.Context, id core.ResidentID) ([]core.Business, error) {
	return cloneOf(c, c.businesses[id]), nil
}

// RolesOf implements core.EnterpriseSource.
func (c *City) RolesOf(_ context.Context, id core.ResidentID) ([]core.EnterpriseRole, error) {
	return cloneOf(c, c.roles[id]), nil
}

// PermitsOf implements core.PermitSource.
func (c *City) PermitsOf(_ context.Context, id core.ResidentID) ([]core.ResidencePermit, error) {
	return cloneOf(c, c.permits[id]), nil
}

// BirthOf implements core.BirthSource.
func (c *City) BirthOf(_ context.Context, id core.ResidentID) (*core.BirthRecord, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if b, ok := c.births[id]; ok {
		return &b, nil
	}
	return nil, nil
}

// StudentOf implements core.StudentSource.
func (c *City) StudentOf(_ context.Context, id core.ResidentID) (*core.StudentRecord, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s, ok := c.students[id]; ok {
		return &s, nil
	}
	return nil, nil
}

// SeatUsesOf implements core.SeatLedger: newest first.
func (c *City) SeatUsesOf(_ context.Context, key string) ([]core.SeatUse, error) {
	out := cloneOf(c, c.seats[key])
	slices.SortStableFunc(out, func(a, b core.SeatUse) int { return b.Year - a.Year })
	return out, nil
}

// ZoneRulesFor implements core.CatchmentSource.
func (c *City) ZoneRulesFor(_ context.Context, compound string, stage core.Stage) ([]core.ZoneRule, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []core.ZoneRule
	for _, r := range c.rules[compound] {
		if c.zones[r.Zone].Stage == stage {
			out = append(out, r)
		}
	}
	return out, nil
}

// Zone implements core.CatchmentSource: schools in code order.
func (c *City) Zone(_ context.Context, code string) (*core.Zone, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	z, ok := c.zones[code]
	if !ok {
		return nil, core.Errorf(core.ENOTFOUND, "没有找到学区%s。", code)
	}
	z.Schools = slices.Clone(z.Schools)
	for i, s := range z.Schools {
		if full, ok := c.schools[s.Code]; ok {
			z.Schools[i] = full
		}
	}
	slices.SortFunc(z.Schools, func(a, b core.School) int { return strings.Compare(a.Code, b.Code) })
	return &z, nil
}

// Personas implements core.PersonaSource, in the order they were put.
func (c *City) Personas(context.Context) ([]core.Persona, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Clone(c.personas), nil
}

func cloneOf[T any](c *City, v []T) []T {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Clone(v)
}
