package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"enrolldesk/core"
)

// inserts are the Writer's statements, prepared on its connection.
type inserts struct {
	household, member, property, owner, contract, buyer *sql.Stmt
	rental, insurance, business, role, permit           *sql.Stmt
	birth, student, seat, school, zone, zoneClear       *sql.Stmt
	zoneSchool, rule, persona                           *sql.Stmt
}

// placeholders returns "(?, ?, …)" for n columns.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// insertInto builds an INSERT of the named columns.
func insertInto(table string, cols ...string) string {
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + placeholders(len(cols))
}

// withAddr inserts the address columns after the leading columns.
func withAddr(lead []string, tail ...string) []string {
	addr := []string{"county", "street", "compound", "compound_key", "building", "unit", "room"}
	return append(append(append([]string{}, lead...), addr...), tail...)
}

func insertQueries(s *inserts) []query {
	return []query{
		{&s.household, insertInto("households", withAddr([]string{"number", "kind"}, "authority")...)},
		{&s.member, insertInto("household_members", "household_id", "seq", "resident_id", "name", "relation", "moved_in")},
		{&s.property, insertInto("properties", withAddr([]string{"cert_no", "usage"}, "registered")...)},
		{&s.owner, insertInto("property_owners", "property_id", "seq", "resident_id", "name", "share")},
		{&s.contract, insertInto("contracts", withAddr([]string{"contract_no", "usage"}, "signed")...)},
		{&s.buyer, insertInto("contract_buyers", "contract_id", "seq", "resident_id", "name", "share")},
		{&s.rental, insertInto("rentals", withAddr([]string{"filing_no", "tenant"}, "valid_from", "valid_to")...)},
		{&s.insurance, insertInto("insurance", "person", "employer", "kind", "from_month", "to_month")},
		{&s.business, insertInto("businesses", withAddr([]string{"reg_no", "name", "operator"}, "registered", "active")...)},
		{&s.role, insertInto("enterprise_roles", "credit_code", "company", "person", "role", "since", "ended")},
		{&s.permit, insertInto("residence_permits", withAddr([]string{"permit_no", "holder"}, "issued", "expires")...)},
		{&s.birth, insertInto("births", "cert_no", "child", "mother_id", "mother_name", "father_id", "father_name")},
		{&s.student, insertInto("students", "student_no", "child", "school", "grade", "graduating")},
		{&s.seat, insertInto("seat_uses", "home_key", "child", "year", "stage")},
		{&s.school, "INSERT OR REPLACE INTO schools (code, name, stage, county, capacity) VALUES " + placeholders(5)},
		{&s.zone, `INSERT INTO zones (code, name, stage) VALUES (?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, stage = excluded.stage`},
		{&s.zoneClear, `DELETE FROM zone_schools WHERE zone_code = ?`},
		{&s.zoneSchool, insertInto("zone_schools", "zone_code", "school_code", "name", "stage", "county", "capacity")},
		{&s.rule, insertInto("zone_rules", "zone_code", "compound_key", "from_building", "to_building")},
		{&s.persona, insertInto("personas", "key", "title", "guardian_id", "child_id", "sibling_id", "stage")},
	}
}

func prepareInserts(ctx context.Context, conn *sql.Conn) (*inserts, error) {
	s := &inserts{}
	for _, q := range insertQueries(s) {
		st, err := conn.PrepareContext(ctx, q.sql)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("bulk load: prepare: %w", err), s.close())
		}
		*q.dst = st
	}
	return s, nil
}

func (s *inserts) close() error {
	var errs []error
	for _, q := range insertQueries(s) {
		if *q.dst != nil {
			errs = append(errs, (*q.dst).Close())
		}
	}
	return errors.Join(errs...)
}

// put runs one insert for a record and counts its rows.
func (w *Writer) put(what string, rows int, fn func(ctx context.Context, s *inserts) error) error {
	ctx := context.Background()
	if err := w.active(ctx); err != nil {
		return err
	}
	if err := fn(ctx, w.ins); err != nil {
		return fmt.Errorf("bulk load: put %s: %w", what, err)
	}
	return w.added(ctx, rows)
}

func run(ctx context.Context, st *sql.Stmt, args ...any) error {
	_, err := st.ExecContext(ctx, args...)
	return err
}

// insertID runs an insert and returns the new row's id.
func insertID(ctx context.Context, st *sql.Stmt, args ...any) (int64, error) {
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// PutHousehold implements core.CityWriter. A household put twice is stored
// twice; look-ups see the one put last, as they do for a person moved from
// one household to another.
func (w *Writer) PutHousehold(h core.Household) error {
	return w.put("household "+h.Number, 1+len(h.Members), func(ctx context.Context, s *inserts) error {
		args := append([]any{h.Number, string(h.Kind)}, addrArgs(h.Address)...)
		id, err := insertID(ctx, s.household, append(args, h.Authority)...)
		if err != nil {
			return err
		}
		for i, m := range h.Members {
			if err := run(ctx, s.member, id, i, string(m.ID), m.Name, string(m.Relation), unix(m.MovedIn)); err != nil {
				return err
			}
		}
		return nil
	})
}

// putOwned inserts a record with owners (a property or a contract).
func putOwned(ctx context.Context, rec, owner *sql.Stmt, head []any, a core.Address, tail any, owners []core.Owner) error {
	args := append(append(head, addrArgs(a)...), tail)
	id, err := insertID(ctx, rec, args...)
	if err != nil {
		return err
	}
	for i, o := range owners {
		if err := run(ctx, owner, id, i, string(o.ID), o.Name, o.Share); err != nil {
			return err
		}
	}
	return nil
}

// PutProperty implements core.CityWriter.
func (w *Writer) PutProperty(p core.Property) error {
	return w.put("property "+p.CertNo, 1+len(p.Owners), func(ctx context.Context, s *inserts) error {
		return putOwned(ctx, s.property, s.owner, []any{p.CertNo, p.Usage}, p.Address, unix(p.Registered), p.Owners)
	})
}

// PutContract implements core.CityWriter.
func (w *Writer) PutContract(k core.SaleContract) error {
	return w.put("contract "+k.ContractNo, 1+len(k.Buyers), func(ctx context.Context, s *inserts) error {
		return putOwned(ctx, s.contract, s.buyer, []any{k.ContractNo, k.Usage}, k.Address, unix(k.Signed), k.Buyers)
	})
}

// PutRental implements core.CityWriter.
func (w *Writer) PutRental(r core.RentalFiling) error {
	return w.put("rental "+r.FilingNo, 1, func(ctx context.Context, s *inserts) error {
		args := append([]any{r.FilingNo, string(r.Tenant)}, addrArgs(r.Address)...)
		return run(ctx, s.rental, append(args, unix(r.From), unix(r.To))...)
	})
}

// PutInsurance implements core.CityWriter.
func (w *Writer) PutInsurance(p core.InsurancePeriod) error {
	return w.put("insurance", 1, func(ctx context.Context, s *inserts) error {
		return run(ctx, s.insurance, string(p.Person), p.Employer, string(p.Kind), unix(p.From), unix(p.To))
	})
}

// PutBusiness implements core.CityWriter.
func (w *Writer) PutBusiness(b core.Business) error {
	return w.put("business "+b.RegNo, 1, func(ctx context.Context, s *inserts) error {
		args := append([]any{b.RegNo, b.Name, string(b.Operator)}, addrArgs(b.Address)...)
		return run(ctx, s.business, append(args, unix(b.Registered), b.Active)...)
	})
}

// PutRole implements core.CityWriter.
func (w *Writer) PutRole(r core.EnterpriseRole) error {
	return w.put("enterprise role "+r.CreditCode, 1, func(ctx context.Context, s *inserts) error {
		ended := int64(0)
		if !r.Until.IsZero() {
			ended = unix(r.Until)
		}
		return run(ctx, s.role, r.CreditCode, r.Company, string(r.Person), r.Role, unix(r.Since), ended)
	})
}

// PutPermit implements core.CityWriter.
func (w *Writer) PutPermit(p core.ResidencePermit) error {
	return w.put("residence permit "+p.PermitNo, 1, func(ctx context.Context, s *inserts) error {
		args := append([]any{p.PermitNo, string(p.Holder)}, addrArgs(p.Address)...)
		return run(ctx, s.permit, append(args, unix(p.Issued), unix(p.Expires))...)
	})
}

// PutBirth implements core.CityWriter. A later record for the same child
// supersedes an earlier one.
func (w *Writer) PutBirth(b core.BirthRecord) error {
	return w.put("birth "+b.CertNo, 1, func(ctx context.Context, s *inserts) error {
		return run(ctx, s.birth, b.CertNo, string(b.Child), string(b.Mother.ID), b.Mother.Name,
			string(b.Father.ID), b.Father.Name)
	})
}

// PutStudent implements core.CityWriter. A later record for the same child
// supersedes an earlier one.
func (w *Writer) PutStudent(r core.StudentRecord) error {
	return w.put("student "+r.StudentNo, 1, func(ctx context.Context, s *inserts) error {
		return run(ctx, s.student, r.StudentNo, string(r.Child), r.School, r.Grade, r.Graduating)
	})
}

// PutSeatUse implements core.CityWriter.
func (w *Writer) PutSeatUse(u core.SeatUse) error {
	return w.put("seat use", 1, func(ctx context.Context, s *inserts) error {
		return run(ctx, s.seat, u.HomeKey, string(u.Child), u.Year, string(u.Stage))
	})
}

// PutSchool implements core.CityWriter; a school put again replaces the
// earlier one.
func (w *Writer) PutSchool(sc core.School) error {
	return w.put("school "+sc.Code, 1, func(ctx context.Context, s *inserts) error {
		return run(ctx, s.school, sc.Code, sc.Name, string(sc.Stage), sc.County, sc.Capacity)
	})
}

// PutZone implements core.CityWriter: the zone and its schools replace any
// earlier version; the rules are added to those already stored, with their
// Zone set to the zone's code.
func (w *Writer) PutZone(z core.Zone, rules []core.ZoneRule) error {
	return w.put("zone "+z.Code, 1+len(z.Schools)+len(rules), func(ctx context.Context, s *inserts) error {
		if err := run(ctx, s.zone, z.Code, z.Name, string(z.Stage)); err != nil {
			return err
		}
		if err := run(ctx, s.zoneClear, z.Code); err != nil {
			return err
		}
		for _, sc := range z.Schools {
			if err := run(ctx, s.zoneSchool, z.Code, sc.Code, sc.Name, string(sc.Stage), sc.County, sc.Capacity); err != nil {
				return err
			}
		}
		for _, r := range rules {
			if err := run(ctx, s.rule, z.Code, r.CompoundKey, r.FromBuilding, r.ToBuilding); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutPersona implements core.CityWriter.
func (w *Writer) PutPersona(p core.Persona) error {
	return w.put("persona "+p.Key, 1, func(ctx context.Context, s *inserts) error {
		return run(ctx, s.persona, p.Key, p.Title, string(p.GuardianID), string(p.ChildID), string(p.SiblingID), string(p.Stage))
	})
}
