package sqlite

import (
	"context"
	"database/sql"

	"enrolldesk/core"
)

// RentalsOf implements core.RentalSource, in filing order.
func (c *City) RentalsOf(ctx context.Context, id core.ResidentID) ([]core.RentalFiling, error) {
	return collect(ctx, "rentals", c.rentals, func(r *sql.Rows) (core.RentalFiling, error) {
		var x core.RentalFiling
		var from, to int64
		dest := append([]any{&x.FilingNo, &x.Tenant}, addrDest(&x.Address)...)
		err := r.Scan(append(dest, &from, &to)...)
		x.From, x.To = fromUnix(from), fromUnix(to)
		return x, err
	}, string(id))
}

// InsuranceOf implements core.InsuranceSource: periods oldest first, periods
// starting in the same month in the order they were filed.
func (c *City) InsuranceOf(ctx context.Context, id core.ResidentID) ([]core.InsurancePeriod, error) {
	return collect(ctx, "insurance", c.insurance, func(r *sql.Rows) (core.InsurancePeriod, error) {
		var x core.InsurancePeriod
		var from, to int64
		err := r.Scan(&x.Person, &x.Employer, &x.Kind, &from, &to)
		x.From, x.To = fromUnix(from), fromUnix(to)
		return x, err
	}, string(id))
}

// BusinessesOf implements core.BusinessSource.
func (c *City) BusinessesOf(ctx context.Context, id core.ResidentID) ([]core.Business, error) {
	return collect(ctx, "businesses", c.businesses, func(r *sql.Rows) (core.Business, error) {
		var x core.Business
		var reg int64
		dest := append([]any{&x.RegNo, &x.Name, &x.Operator}, addrDest(&x.Address)...)
		err := r.Scan(append(dest, &reg, &x.Active)...)
		x.Registered = fromUnix(reg)
		return x, err
	}, string(id))
}

// RolesOf implements core.EnterpriseSource.
func (c *City) RolesOf(ctx context.Context, id core.ResidentID) ([]core.EnterpriseRole, error) {
	return collect(ctx, "enterprise roles", c.roles, func(r *sql.Rows) (core.EnterpriseRole, error) {
		var x core.EnterpriseRole
		var since, ended int64
		err := r.Scan(&x.CreditCode, &x.Company, &x.Person, &x.Role, &since, &ended)
		x.Since = fromUnix(since)
		if ended != 0 {
			x.Until = fromUnix(ended)
		}
		return x, err
	}, string(id))
}

// PermitsOf implements core.PermitSource.
func (c *City) PermitsOf(ctx context.Context, id core.ResidentID) ([]core.ResidencePermit, error) {
	return collect(ctx, "residence permits", c.permits, func(r *sql.Rows) (core.ResidencePermit, error) {
		var x core.ResidencePermit
		var issued, expires int64
		dest := append([]any{&x.PermitNo, &x.Holder}, addrDest(&x.Address)...)
		err := r.Scan(append(dest, &issued, &expires)...)
		x.Issued, x.Expires = fromUnix(issued), fromUnix(expires)
		return x, err
	}, string(id))
}

// BirthOf implements core.BirthSource: the record filed last for the child.
func (c *City) BirthOf(ctx context.Context, child core.ResidentID) (*core.BirthRecord, error) {
	return first(ctx, "birth", c.birth, func(r *sql.Rows) (core.BirthRecord, error) {
		var x core.BirthRecord
		err := r.Scan(&x.CertNo, &x.Child, &x.Mother.ID, &x.Mother.Name, &x.Father.ID, &x.Father.Name)
		return x, err
	}, string(child))
}

// StudentOf implements core.StudentSource: the record filed last for the child.
func (c *City) StudentOf(ctx context.Context, child core.ResidentID) (*core.StudentRecord, error) {
	return first(ctx, "student", c.student, func(r *sql.Rows) (core.StudentRecord, error) {
		var x core.StudentRecord
		err := r.Scan(&x.StudentNo, &x.Child, &x.School, &x.Grade, &x.Graduating)
		return x, err
	}, string(child))
}

// SeatUsesOf implements core.SeatLedger: newest first, seats of the same
// year in the order they were recorded.
func (c *City) SeatUsesOf(ctx context.Context, homeKey string) ([]core.SeatUse, error) {
	return collect(ctx, "seat uses", c.seats, func(r *sql.Rows) (core.SeatUse, error) {
		var x core.SeatUse
		err := r.Scan(&x.HomeKey, &x.Child, &x.Year, &x.Stage)
		return x, err
	}, homeKey)
}

// ZoneRulesFor implements core.CatchmentSource: the rules naming the
// compound whose zone is of the stage, in the order they were stored.
func (c *City) ZoneRulesFor(ctx context.Context, compoundKey string, stage core.Stage) ([]core.ZoneRule, error) {
	return collect(ctx, "zone rules", c.rules, func(r *sql.Rows) (core.ZoneRule, error) {
		var x core.ZoneRule
		err := r.Scan(&x.Zone, &x.CompoundKey, &x.FromBuilding, &x.ToBuilding)
		return x, err
	}, compoundKey, string(stage))
}

// Zone implements core.CatchmentSource: the zone with its schools in code
// order, each as the schools table knows it, or ENOTFOUND.
func (c *City) Zone(ctx context.Context, code string) (*core.Zone, error) {
	type row struct {
		name, stage string
		school      sql.NullString
		sname       sql.NullString
		sstage      sql.NullString
		county      sql.NullString
		capacity    sql.NullInt64
	}
	rows, err := collect(ctx, "zone", c.zone, func(r *sql.Rows) (row, error) {
		var x row
		err := r.Scan(&x.name, &x.stage, &x.school, &x.sname, &x.sstage, &x.county, &x.capacity)
		return x, err
	}, code)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "没有找到学区%s。", code)
	}
	z := &core.Zone{Code: code, Name: rows[0].name, Stage: core.Stage(rows[0].stage)}
	for _, r := range rows {
		if !r.school.Valid {
			continue // a zone without schools: one row of NULLs
		}
		z.Schools = append(z.Schools, core.School{Code: r.school.String, Name: r.sname.String,
			Stage: core.Stage(r.sstage.String), County: r.county.String, Capacity: int(r.capacity.Int64)})
	}
	return z, nil
}

// Personas implements core.PersonaSource, in the order they were put.
func (c *City) Personas(ctx context.Context) ([]core.Persona, error) {
	return collect(ctx, "personas", c.personas, func(r *sql.Rows) (core.Persona, error) {
		var x core.Persona
		err := r.Scan(&x.Key, &x.Title, &x.GuardianID, &x.ChildID, &x.SiblingID, &x.Stage)
		return x, err
	})
}
