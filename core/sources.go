package core

import "context"

// The department sources (数据共享). Each is queried by a resident ID number;
// "nothing on record" is an empty result, not an error: an error means the
// source could not answer. Implementations: app/sqlite (the demo city and a
// kiosk's local copy) and core/memcity (in memory, for tests); the engine's
// client adds a remote one. sourcetest runs one contract against them all.

// HouseholdSource is the household register (户籍, 公安).
type HouseholdSource interface {
	// HouseholdOf returns the household the person is registered in, or nil.
	HouseholdOf(ctx context.Context, id ResidentID) (*Household, error)
}

// PropertySource is the real-estate register (不动产登记, 自然资源).
type PropertySource interface {
	// PropertiesOf returns the properties the person is an owner of.
	PropertiesOf(ctx context.Context, id ResidentID) ([]Property, error)
}

// ContractSource holds filed sale contracts (网签, 住建).
type ContractSource interface {
	// ContractsOf returns the contracts the person is a buyer on.
	ContractsOf(ctx context.Context, id ResidentID) ([]SaleContract, error)
}

// RentalSource holds rental filings (租赁备案, 住建).
type RentalSource interface {
	// RentalsOf returns the filings the person is the tenant on.
	RentalsOf(ctx context.Context, id ResidentID) ([]RentalFiling, error)
}

// InsuranceSource holds pension-insurance payments (个人参保, 人社).
type InsuranceSource interface {
	// InsuranceOf returns the person's paid periods, oldest first.
	InsuranceOf(ctx context.Context, id ResidentID) ([]InsurancePeriod, error)
}

// BusinessSource holds individual business licences (个体工商户, 市场监管).
type BusinessSource interface {
	// BusinessesOf returns the businesses the person operates.
	BusinessesOf(ctx context.Context, id ResidentID) ([]Business, error)
}

// EnterpriseSource holds enterprise registrations (企业法人, 市场监管).
type EnterpriseSource interface {
	// RolesOf returns the person's roles in enterprises.
	RolesOf(ctx context.Context, id ResidentID) ([]EnterpriseRole, error)
}

// PermitSource holds residence permits (居住证, 公安).
type PermitSource interface {
	// PermitsOf returns the permits the person holds.
	PermitsOf(ctx context.Context, id ResidentID) ([]ResidencePermit, error)
}

// BirthSource holds birth certificates (出生医学证明, 卫健).
type BirthSource interface {
	// BirthOf returns the child's birth record, or nil.
	BirthOf(ctx context.Context, child ResidentID) (*BirthRecord, error)
}

// StudentSource holds pupils' records (学籍, 教育).
type StudentSource interface {
	// StudentOf returns the child's record in the city's schools, or nil.
	StudentOf(ctx context.Context, child ResidentID) (*StudentRecord, error)
}

// SeatLedger holds which homes seated which children (学位占用, 教育).
type SeatLedger interface {
	// SeatUsesOf returns the seats a home has given, newest first.
	SeatUsesOf(ctx context.Context, homeKey string) ([]SeatUse, error)
}

// CatchmentSource holds the zones (学区) and their schools.
type CatchmentSource interface {
	// ZoneRulesFor returns the zone rules that name the compound for a stage.
	ZoneRulesFor(ctx context.Context, compoundKey string, stage Stage) ([]ZoneRule, error)
	// Zone returns a zone with its schools, or an ENOTFOUND error.
	Zone(ctx context.Context, code string) (*Zone, error)
}

// Sources bundles every source the cross-check consults.
type Sources struct {
	Households HouseholdSource
	Properties PropertySource
	Contracts  ContractSource
	Rentals    RentalSource
	Insurance  InsuranceSource
	Businesses BusinessSource
	Enterprise EnterpriseSource
	Permits    PermitSource
	Births     BirthSource
	Students   StudentSource
	Seats      SeatLedger
	Catchment  CatchmentSource
}

// City is one implementation of every source, as a store of a whole
// synthetic or copied city is.
type City interface {
	HouseholdSource
	PropertySource
	ContractSource
	RentalSource
	InsuranceSource
	BusinessSource
	EnterpriseSource
	PermitSource
	BirthSource
	StudentSource
	SeatLedger
	CatchmentSource
}

// SourcesOf returns Sources that ask c for everything.
func SourcesOf(c City) Sources {
	return Sources{c, c, c, c, c, c, c, c, c, c, c, c}
}

// CityWriter loads a city's records: the demo generator writes through it,
// and contract tests load their fixtures with it. Callers must call Flush
// before the records are read.
type CityWriter interface {
	PutSchool(School) error
	PutZone(Zone, []ZoneRule) error
	PutHousehold(Household) error
	PutProperty(Property) error
	PutContract(SaleContract) error
	PutRental(RentalFiling) error
	PutInsurance(InsurancePeriod) error
	PutBusiness(Business) error
	PutRole(EnterpriseRole) error
	PutPermit(ResidencePermit) error
	PutBirth(BirthRecord) error
	PutStudent(StudentRecord) error
	PutSeatUse(SeatUse) error
	PutPersona(Persona) error
	Flush() error
}

// PersonaSource lists the named personas of a demo city.
type PersonaSource interface {
	Personas(ctx context.Context) ([]Persona, error)
}

// Persona is a named family of the demo city that exercises one path of the
// rules: tests and documentation look it up by key.
type Persona struct {
	Key        string     `json:"key"`
	Title      string     `json:"title"` // one line in Chinese
	GuardianID ResidentID `json:"guardian_id"`
	ChildID    ResidentID `json:"child_id"`
	SiblingID  ResidentID `json:"sibling_id,omitempty"`
	Stage      Stage      `json:"stage"`
}
