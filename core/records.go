package core

import "time"

// Stage is the grade a child enters: primary grade 1 or junior grade 1.
type Stage string

// The two entry stages.
const (
	Primary Stage = "primary" // 小学一年级
	Junior  Stage = "junior"  // 初中一年级
)

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return s == Primary || s == Junior }

// Label returns the stage's Chinese name.
func (s Stage) Label() string {
	if s == Junior {
		return "初中一年级"
	}
	return "小学一年级"
}

// ParseStage accepts "primary"/"junior" (and an empty string for primary).
func ParseStage(s string) (Stage, error) {
	switch Stage(s) {
	case "", Primary:
		return Primary, nil
	case Junior:
		return Junior, nil
	}
	return "", Errorf(EINVALID, "学段“%s”不正确：请选择小学一年级（primary）或初中一年级（junior）。", s)
}

// Person is a resident as the household register knows them.
type Person struct {
	ID   ResidentID `json:"id"`
	Name string     `json:"name"`
}

// Relation is a member's relation to the head of household (与户主关系),
// in the register's own words.
type Relation string

// Relations the register records and the classifier reasons about.
const (
	RelHead          Relation = "户主"
	RelSpouse        Relation = "配偶"
	RelSon           Relation = "子"
	RelDaughter      Relation = "女"
	RelGrandson      Relation = "孙子"
	RelGranddaughter Relation = "孙女"
	RelDaughterInLaw Relation = "儿媳"
	RelSonInLaw      Relation = "女婿"
	RelFather        Relation = "父亲"
	RelMother        Relation = "母亲"
	RelOther         Relation = "其他"
)

// HouseholdKind distinguishes a family household from a collective one.
type HouseholdKind string

// Household kinds.
const (
	FamilyHousehold     HouseholdKind = "家庭户"
	CollectiveHousehold HouseholdKind = "集体户"
)

// Member is a person on a household register with their relation to the head.
type Member struct {
	Person
	Relation Relation  `json:"relation"`
	MovedIn  time.Time `json:"moved_in"` // 迁入日期
}

// Household is one 户口簿: its number, kind, registered address and members.
type Household struct {
	Number    string        `json:"number"` // 户号
	Kind      HouseholdKind `json:"kind"`
	Address   Address       `json:"address"`
	Authority string        `json:"authority"` // issuing police station
	Members   []Member      `json:"members"`
}

// Member returns the member with the given ID.
func (h *Household) Member(id ResidentID) (Member, bool) {
	if h == nil {
		return Member{}, false
	}
	for _, m := range h.Members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// Owner is one owner of a property or buyer on a contract, with a share in percent.
type Owner struct {
	ID    ResidentID `json:"id"`
	Name  string     `json:"name"`
	Share float64    `json:"share"` // percent, 0–100
}

// UsageResidential is the register's usage for homes (住宅).
const UsageResidential = "住宅"

// Property is a real-estate register entry (不动产登记).
type Property struct {
	CertNo     string    `json:"cert_no"` // 不动产权证号
	Usage      string    `json:"usage"`   // 住宅, 商业, 办公 …
	Address    Address   `json:"address"`
	Owners     []Owner   `json:"owners"`
	Registered time.Time `json:"registered"`
}

// SaleContract is a filed housing sale contract (网签合同) for a home bought
// but not yet certificated.
type SaleContract struct {
	ContractNo string    `json:"contract_no"`
	Usage      string    `json:"usage"`
	Address    Address   `json:"address"`
	Buyers     []Owner   `json:"buyers"`
	Signed     time.Time `json:"signed"`
}

// RentalFiling is a registered lease (租赁备案).
type RentalFiling struct {
	FilingNo string     `json:"filing_no"`
	Tenant   ResidentID `json:"tenant"`
	Address  Address    `json:"address"`
	From     time.Time  `json:"from"`
	To       time.Time  `json:"to"`
}

// InsuranceKind says how social insurance was paid.
type InsuranceKind string

// Insurance kinds.
const (
	InsuranceEmployee InsuranceKind = "职工" // paid by an employer: proves employment
	InsuranceFlexible InsuranceKind = "灵活就业"
)

// InsurancePeriod is a run of consecutive months of paid pension insurance
// (个人参保), first and last month inclusive.
type InsurancePeriod struct {
	Person   ResidentID    `json:"person"`
	Employer string        `json:"employer"`
	Kind     InsuranceKind `json:"kind"`
	From     time.Time     `json:"from"` // first day of the first month
	To       time.Time     `json:"to"`   // first day of the last month
}

// Business is an individual business licence (个体工商户).
type Business struct {
	RegNo      string     `json:"reg_no"`
	Name       string     `json:"name"`
	Operator   ResidentID `json:"operator"`
	Address    Address    `json:"address"`
	Registered time.Time  `json:"registered"`
	Active     bool       `json:"active"`
}

// EnterpriseRole is a person's role in a registered enterprise (企业法人登记).
type EnterpriseRole struct {
	CreditCode string     `json:"credit_code"` // 统一社会信用代码
	Company    string     `json:"company"`
	Person     ResidentID `json:"person"`
	Role       string     `json:"role"` // 法定代表人, 股东, 监事 …
	Since      time.Time  `json:"since"`
	// Until is the day the person left the role or the enterprise was
	// deregistered (离任, 注销); zero while the role holds.
	Until time.Time `json:"until,omitzero"`
}

// Current reports whether the role is held on day at: begun, not ended.
func (r EnterpriseRole) Current(at time.Time) bool {
	return !at.Before(r.Since) && (r.Until.IsZero() || !at.After(r.Until))
}

// ResidencePermit is a residence permit (居住证) for a non-local resident.
type ResidencePermit struct {
	PermitNo string     `json:"permit_no"`
	Holder   ResidentID `json:"holder"`
	Address  Address    `json:"address"`
	Issued   time.Time  `json:"issued"`
	Expires  time.Time  `json:"expires"`
}

// BirthRecord is a birth certificate (出生医学证明) naming the parents.
type BirthRecord struct {
	CertNo string     `json:"cert_no"`
	Child  ResidentID `json:"child"`
	Mother Person     `json:"mother"`
	Father Person     `json:"father"`
}

// StudentRecord is a pupil's 学籍 in the city's schools.
type StudentRecord struct {
	StudentNo  string     `json:"student_no"`
	Child      ResidentID `json:"child"`
	School     string     `json:"school"`
	Grade      int        `json:"grade"`
	Graduating int        `json:"graduating"` // year of leaving primary school
}

// SeatUse records that a home seated a child (学位占用) in a year: the basis
// of 一房一学位.
type SeatUse struct {
	HomeKey string     `json:"home_key"` // Address.Key of the property
	Child   ResidentID `json:"child"`
	Year    int        `json:"year"`
	Stage   Stage      `json:"stage"`
}
