// Package sourcetest is the contract every implementation of the department
// sources must keep. Run it from each implementation's tests:
//
//	sourcetest.Run(t, func(t *testing.T) (core.City, core.CityWriter) { … })
package sourcetest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"enrolldesk/core"
)

// Opener returns a fresh, empty city and the writer that fills it.
type Opener func(t *testing.T) (core.City, core.CityWriter)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Fixture people and places.
var (
	Father  = core.MakeResidentID("370811", day(1988, 3, 4), 11)
	Mother  = core.MakeResidentID("370811", day(1990, 6, 7), 22)
	Kid     = core.MakeResidentID("370811", day(2021, 2, 3), 33)
	Grandpa = core.MakeResidentID("370811", day(1958, 1, 1), 45)
	Tenant  = core.MakeResidentID("412722", day(1987, 5, 6), 57)
	Nobody  = core.MakeResidentID("370812", day(1999, 9, 9), 69)

	Home = core.Address{County: "370811", Street: "古槐街道", Compound: "文昌花园", CompoundKey: "370811-001-001", Building: 5, Unit: 2, Room: "301"}
	Flat = core.Address{County: "370811", Street: "古槐街道", Compound: "文昌花园", CompoundKey: "370811-001-001", Building: 12, Unit: 1, Room: "502"}
)

// Fixture returns the records the contract loads.
func Fixture() Records {
	return Records{
		Schools: []core.School{
			{Code: "P002", Name: "文昌第二小学", Stage: core.Primary, County: "370811", Capacity: 180},
			{Code: "P001", Name: "文昌小学", Stage: core.Primary, County: "370811", Capacity: 270},
			{Code: "J001", Name: "文昌中学", Stage: core.Junior, County: "370811", Capacity: 400},
		},
		Zones: []ZoneWithRules{
			{core.Zone{Code: "Z-P1", Name: "文昌学区", Stage: core.Primary, Schools: []core.School{{Code: "P002"}, {Code: "P001"}}},
				[]core.ZoneRule{{CompoundKey: Home.CompoundKey, FromBuilding: 1, ToBuilding: 10}}},
			{core.Zone{Code: "Z-P2", Name: "东区学区", Stage: core.Primary, Schools: []core.School{{Code: "P001"}}},
				[]core.ZoneRule{{CompoundKey: Home.CompoundKey, FromBuilding: 11, ToBuilding: 20}}},
			{core.Zone{Code: "Z-J1", Name: "文昌初中学区", Stage: core.Junior, Schools: []core.School{{Code: "J001"}}},
				[]core.ZoneRule{{CompoundKey: Home.CompoundKey}}},
		},
		Households: []core.Household{{Number: "370811000123", Kind: core.FamilyHousehold, Address: Home, Authority: "任城分局古槐派出所",
			Members: []core.Member{
				{Person: core.Person{ID: Grandpa, Name: "王大山"}, Relation: core.RelHead, MovedIn: day(1990, 1, 1)},
				{Person: core.Person{ID: Father, Name: "王建国"}, Relation: core.RelSon, MovedIn: day(1990, 1, 1)},
				{Person: core.Person{ID: Mother, Name: "李秀英"}, Relation: core.RelDaughterInLaw, MovedIn: day(2015, 5, 1)},
				{Person: core.Person{ID: Kid, Name: "王小明"}, Relation: core.RelGrandson, MovedIn: day(2021, 3, 1)},
			}}},
		Properties: []core.Property{
			{CertNo: "鲁(2016)济宁市不动产权第0001234号", Usage: core.UsageResidential, Address: Home, Registered: day(2016, 4, 1),
				Owners: []core.Owner{{ID: Father, Name: "王建国", Share: 60}, {ID: Mother, Name: "李秀英", Share: 40}}},
			{CertNo: "鲁(2019)济宁市不动产权第0009999号", Usage: "商业", Address: Flat, Registered: day(2019, 8, 1),
				Owners: []core.Owner{{ID: Father, Name: "王建国", Share: 100}}},
		},
		Contracts: []core.SaleContract{{ContractNo: "WQ2026-0001", Usage: core.UsageResidential, Address: Flat, Signed: day(2026, 1, 2),
			Buyers: []core.Owner{{ID: Mother, Name: "李秀英", Share: 100}}}},
		Rentals: []core.RentalFiling{{FilingNo: "ZL2026-77", Tenant: Tenant, Address: Flat, From: day(2026, 1, 1), To: day(2027, 12, 31)}},
		Insurance: []core.InsurancePeriod{
			{Person: Tenant, Employer: "济宁某物流有限公司", Kind: core.InsuranceEmployee, From: day(2026, 1, 1), To: day(2026, 10, 1)},
			{Person: Tenant, Employer: "", Kind: core.InsuranceFlexible, From: day(2024, 3, 1), To: day(2024, 12, 1)},
		},
		Businesses: []core.Business{{RegNo: "92370811MA0001", Name: "王记面馆", Operator: Father, Address: Flat, Registered: day(2018, 1, 1), Active: true}},
		Roles:      []core.EnterpriseRole{{CreditCode: "91370811MA3C0001", Company: "济宁某科技有限公司", Person: Mother, Role: "股东", Since: day(2020, 2, 2)}, {CreditCode: "91370811MA3C0002", Company: "济宁某贸易有限公司", Person: Mother, Role: "监事", Since: day(2018, 5, 1), Until: day(2024, 9, 30)}},
		Permits:    []core.ResidencePermit{{PermitNo: "JZ370811-0001", Holder: Tenant, Address: Flat, Issued: day(2025, 6, 1), Expires: day(2028, 6, 1)}},
		Births: []core.BirthRecord{{CertNo: "R370000123", Child: Kid,
			Mother: core.Person{ID: Mother, Name: "李秀英"}, Father: core.Person{ID: Father, Name: "王建国"}}},
		Students: []core.StudentRecord{{StudentNo: "G" + string(Kid), Child: Kid, School: "文昌小学", Grade: 6, Graduating: 2027}},
		Seats: []core.SeatUse{
			{HomeKey: Home.Key(), Child: Nobody, Year: 2019, Stage: core.Primary},
			{HomeKey: Home.Key(), Child: Grandpa, Year: 2023, Stage: core.Junior},
		},
		Personas: []core.Persona{
			{Key: "consistent", Title: "房户一致", GuardianID: Father, ChildID: Kid, Stage: core.Primary},
			{Key: "twins", Title: "双胞胎", GuardianID: Mother, ChildID: Kid, SiblingID: Nobody, Stage: core.Primary},
		},
	}
}

// ZoneWithRules is a zone and its compound rules.
type ZoneWithRules struct {
	Zone  core.Zone
	Rules []core.ZoneRule
}

// Records is a set of city records in loading order.
type Records struct {
	Schools    []core.School
	Zones      []ZoneWithRules
	Households []core.Household
	Properties []core.Property
	Contracts  []core.SaleContract
	Rentals    []core.RentalFiling
	Insurance  []core.InsurancePeriod
	Businesses []core.Business
	Roles      []core.EnterpriseRole
	Permits    []core.ResidencePermit
	Births     []core.BirthRecord
	Students   []core.StudentRecord
	Seats      []core.SeatUse
	Personas   []core.Persona
}

// Load writes the records through w and flushes.
func (r Records) Load(w core.CityWriter) error {
	var errs []error
	put := func(err error) { errs = append(errs, err) }
	for _, s := range r.Schools {
		put(w.PutSchool(s))
	}
	for _, z := range r.Zones {
		put(w.PutZone(z.Zone, z.Rules))
	}
	for _, h := range r.Households {
		put(w.PutHousehold(h))
	}
	for _, p := range r.Properties {
		put(w.PutProperty(p))
	}
	for _, c := range r.Contracts {
		put(w.PutContract(c))
	}
	for _, x := range r.Rentals {
		put(w.PutRental(x))
	}
	for _, x := range r.Insurance {
		put(w.PutInsurance(x))
	}
	for _, x := range r.Businesses {
		put(w.PutBusiness(x))
	}
	for _, x := range r.Roles {
		put(w.PutRole(x))
	}
	for _, x := range r.Permits {
		put(w.PutPermit(x))
	}
	for _, x := range r.Births {
		put(w.PutBirth(x))
	}
	for _, x := range r.Students {
		put(w.PutStudent(x))
	}
	for _, x := range r.Seats {
		put(w.PutSeatUse(x))
	}
	for _, x := range r.Personas {
		put(w.PutPersona(x))
	}
	put(w.Flush())
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Run runs the contract against the implementation open returns.
func Run(t *testing.T, open Opener) {
	t.Helper()
	city, w := open(t)
	fx := Fixture()
	if err := fx.Load(w); err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	ctx := context.Background()
	for _, tc := range contract {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, ctx, city, fx) })
	}
}

type contractCase struct {
	name string
	run  func(t *testing.T, ctx context.Context, c core.City, fx Records)
}

// must returns v, or panics on err: a source that errors on a plain query
// fails the contract outright (go test reports the panic as a failure).
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("sourcetest: unexpected error: %v", err))
	}
	return v
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}
