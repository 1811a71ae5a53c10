package memcity

import "enrolldesk/core"

// PutSchool implements core.CityWriter.
func (c *City) PutSchool(s core.School) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.schools[s.Code] = s
	return nil
}

// PutZone implements core.CityWriter: the zone with its schools (by code)
// and the rules that map compounds to it.
func (c *City) PutZone(z core.Zone, rules []core.ZoneRule) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.zones[z.Code] = z
	for _, r := range rules {
		r.Zone = z.Code
		c.rules[r.CompoundKey] = append(c.rules[r.CompoundKey], r)
	}
	return nil
}

// PutHousehold implements core.CityWriter.
func (c *City) PutHousehold(h core.Household) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.households[h.Number] = &h
	for _, m := range h.Members {
		c.memberOf[m.ID] = h.Number
	}
	return nil
}

// PutProperty implements core.CityWriter.
func (c *City) PutProperty(p core.Property) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.properties = append(c.properties, p)
	return nil
}

// PutContract implements core.CityWriter.
func (c *City) PutContract(k core.SaleContract) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.contracts = append(c.contracts, k)
	return nil
}

// PutRental implements core.CityWriter.
func (c *City) PutRental(r core.RentalFiling) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rentals[r.Tenant] = append(c.rentals[r.Tenant], r)
	return nil
}

// PutInsurance implements core.CityWriter.
func (c *City) PutInsurance(p core.InsurancePeriod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.insurance[p.Person] = append(c.insurance[p.Person], p)
	return nil
}

// PutBusiness implements core.CityWriter.
func (c *City) PutBusiness(b core.Business) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.businesses[b.Operator] = append(c.businesses[b.Operator], b)
	return nil
}

// PutRole implements core.CityWriter.
func (c *City) PutRole(r core.EnterpriseRole) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.roles[r.Person] = append(c.roles[r.Person], r)
	return nil
}

// PutPermit implements core.CityWriter.
func (c *City) PutPermit(p core.ResidencePermit) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.permits[p.Holder] = append(c.permits[p.Holder], p)
	return nil
}

// PutBirth implements core.CityWriter.
func (c *City) PutBirth(b core.BirthRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.births[b.Child] = b
	return nil
}

// PutStudent implements core.CityWriter.
func (c *City) PutStudent(s core.StudentRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.students[s.Child] = s
	return nil
}

// PutSeatUse implements core.CityWriter.
func (c *City) PutSeatUse(u core.SeatUse) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seats[u.HomeKey] = append(c.seats[u.HomeKey], u)
	return nil
}

// PutPersona implements core.CityWriter.
func (c *City) PutPersona(p core.Persona) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.personas = append(c.personas, p)
	return nil
}

// Flush implements core.CityWriter; memory needs none.
func (c *City) Flush() error { return nil }
