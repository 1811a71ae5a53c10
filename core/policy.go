package core

import (
	"fmt"
	"strings"
	"time"
)

// Condition is one requirement a category can name in a policy file. The
// vocabulary is fixed here; what a district requires, and in which order
// categories rank, is data.
type Condition string

// The conditions a policy may combine.
const (
	// CondHukou: the child's 户籍 is at an address in a zone of this stage.
	CondHukou Condition = "hukou"
	// CondOwnedHome: a residential home in a zone, owned by the guardians (or
	// grandparents, where allowed) with enough share, not seat-locked.
	CondOwnedHome Condition = "owned_home"
	// CondSameAddress: the owned home is the child's 户籍 address (房户一致).
	CondSameAddress Condition = "same_address"
	// CondResidence: a residence permit or a filed lease in a zone.
	CondResidence Condition = "residence"
	// CondInsurance: enough months of social insurance by the cut-off.
	CondInsurance Condition = "insurance"
	// CondEmployment: employer-paid insurance, a business or an enterprise role.
	CondEmployment Condition = "employment"
)

var knownConditions = map[Condition]bool{
	CondHukou: true, CondOwnedHome: true, CondSameAddress: true, CondResidence: true,
	CondInsurance: true, CondEmployment: true,
}

// Category is an admission category (招生类别). Its priority is its position
// in the policy's list, 1 the highest.
type Category struct {
	Key      string      `json:"key" toml:"key"`
	Name     string      `json:"name" toml:"name"`
	Stages   []Stage     `json:"stages" toml:"stages"`
	Requires []Condition `json:"requires" toml:"requires"`
}

// AppliesTo reports whether the category is open to a stage.
func (c Category) AppliesTo(s Stage) bool {
	for _, st := range c.Stages {
		if st == s {
			return true
		}
	}
	return false
}

// Policy is a district's admission rules for one entry year, loaded from a
// policy file (assets/policy/*.toml).
type Policy struct {
	District             string     `json:"district" toml:"district"`
	Name                 string     `json:"name" toml:"name"`
	Year                 int        `json:"year" toml:"year"`
	AgeCutoff            string     `json:"age_cutoff" toml:"age_cutoff"` // "MM-DD" of the entry year
	MinAge               int        `json:"min_age" toml:"min_age"`
	MinInsuranceMonths   int        `json:"min_insurance_months" toml:"min_insurance_months"`
	MinGuardianShare     float64    `json:"min_guardian_share" toml:"min_guardian_share"` // percent
	LockYearsPrimary     int        `json:"lock_years_primary" toml:"lock_years_primary"`
	LockYearsJunior      int        `json:"lock_years_junior" toml:"lock_years_junior"`
	GrandparentsProperty bool       `json:"grandparents_property" toml:"grandparents_property"`
	ContractsCount       bool       `json:"contracts_count" toml:"contracts_count"` // 网签 counts as owning
	Categories           []Category `json:"categories" toml:"category"`
	Notice               Notice     `json:"notice" toml:"notice"`

	// Family rules (issue 8).

	// GrandparentHomeRequiresChildHukou: a grandparent's home counts only
	// where the child's 户籍 is registered at that very home.
	GrandparentHomeRequiresChildHukou bool `json:"grandparent_home_requires_child_hukou" toml:"grandparent_home_requires_child_hukou"`
	// InsuranceCutoff ("MM-DD" of the entry year) is the day social insurance
	// is counted to: the months up to the month before it, which must itself
	// be paid (insurance that has lapsed does not count). Empty: the age
	// cut-off.
	InsuranceCutoff string `json:"insurance_cutoff,omitempty" toml:"insurance_cutoff"`

	// ReviewDays is the review deadline (issue 9): an application received
	// on a day is due for a decision this many days later. 0 takes
	// DefaultReviewDays.
	ReviewDays int `json:"review_days,omitempty" toml:"review_days"`
}

// DefaultReviewDays is the review deadline of a policy that names none.
const DefaultReviewDays = 10

// ReviewDeadline returns the policy's review deadline in days.
func (p *Policy) ReviewDeadline() int {
	if p == nil || p.ReviewDays == 0 {
		return DefaultReviewDays
	}
	return p.ReviewDays
}

// Notice is what a family is told happens after the kiosk: when the
// results come (by SMS), where the help counter is and a hotline. It is
// policy data because it changes with each district and year; the
// confirm, receipt and refusal screens and the printed receipt show it.
type Notice struct {
	ResultsDate string `json:"results_date" toml:"results_date"` // "YYYY-MM-DD", in the entry year
	Counter     string `json:"counter" toml:"counter"`           // where the counter is, in plain words
	Hotline     string `json:"hotline" toml:"hotline"`           // digits and dashes, e.g. 0537-2968123
}

// Results returns the day the results are sent, or the zero time when the
// notice has none (a policy built in code for a test).
func (n Notice) Results() time.Time {
	t, err := time.Parse("2006-01-02", n.ResultsDate)
	if err != nil {
		return time.Time{}
	}
	return t
}

// validate checks the notice against the entry year.
func (n Notice) validate(year int) error {
	bad := func(field, format string, args ...any) error {
		return &PolicyError{Field: "notice." + field, Reason: fmt.Sprintf(format, args...)}
	}
	t, err := time.Parse("2006-01-02", n.ResultsDate)
	switch {
	case n.ResultsDate == "":
		return bad("results_date", "is required: the day results are sent by SMS, as \"YYYY-MM-DD\"")
	case err != nil:
		return bad("results_date", "must be a date as \"YYYY-MM-DD\", got %q", n.ResultsDate)
	case t.Year() != year || t.Month() > time.August:
		return bad("results_date", "must fall in the entry year %d before September, got %s", year, n.ResultsDate)
	case strings.TrimSpace(n.Counter) == "":
		return bad("counter", "is required: where a family finds the help counter, in plain words")
	case len([]rune(n.Counter)) > 40:
		return bad("counter", "must be at most 40 characters (it is printed on an 80 mm receipt), got %d", len([]rune(n.Counter)))
	case !hotlineOK(n.Hotline):
		return bad("hotline", "must be a telephone number of 5 to 20 digits and dashes, got %q", n.Hotline)
	}
	return nil
}

func hotlineOK(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r != '-':
			return false
		}
	}
	return digits >= 5 && len(s) <= 20 && !strings.HasPrefix(s, "-") && !strings.HasSuffix(s, "-")
}

// PolicyError says which field of a policy is wrong and why. Loaders add the
// file and line.
type PolicyError struct {
	Field  string // e.g. "min_guardian_share" or "category[2].requires"
	Reason string
}

func (e *PolicyError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks the policy's values and returns the first problem as a
// *PolicyError.
func (p *Policy) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &PolicyError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case len(p.District) != 6 || !allDigits(p.District):
		return bad("district", "must be a six-digit area code, got %q", p.District)
	case p.Year < 2000 || p.Year > 2100:
		return bad("year", "must be an entry year such as 2027, got %d", p.Year)
	case p.MinAge < 3 || p.MinAge > 8:
		return bad("min_age", "must be between 3 and 8, got %d", p.MinAge)
	case p.MinInsuranceMonths < 0 || p.MinInsuranceMonths > 240:
		return bad("min_insurance_months", "must be between 0 and 240, got %d", p.MinInsuranceMonths)
	case !(p.MinGuardianShare > 0 && p.MinGuardianShare <= 100):
		return bad("min_guardian_share", "must be a percentage above 0 and at most 100, got %v", p.MinGuardianShare)
	case p.LockYearsPrimary < 0 || p.LockYearsPrimary > 12:
		return bad("lock_years_primary", "must be between 0 and 12, got %d", p.LockYearsPrimary)
	case p.LockYearsJunior < 0 || p.LockYearsJunior > 12:
		return bad("lock_years_junior", "must be between 0 and 12, got %d", p.LockYearsJunior)
	case p.ReviewDays < 0 || p.ReviewDays > 90:
		return bad("review_days", "must be between 1 and 90 days (0 or absent takes %d), got %d", DefaultReviewDays, p.ReviewDays)
	case len(p.Categories) == 0:
		return bad("category", "at least one [[category]] is needed")
	}
	if _, err := p.parseCutoff(); err != nil {
		return bad("age_cutoff", "must be a month and day as \"MM-DD\", got %q", p.AgeCutoff)
	}
	if err := p.Notice.validate(p.Year); err != nil {
		return err
	}
	if _, err := time.Parse("01-02", p.InsuranceCutoff); p.InsuranceCutoff != "" && err != nil {
		return bad("insurance_cutoff", "must be a month and day as \"MM-DD\", got %q", p.InsuranceCutoff)
	}
	seen := map[string]bool{}
	for i, c := range p.Categories {
		field := fmt.Sprintf("category[%d]", i+1)
		switch {
		case c.Key == "":
			return bad(field+".key", "is required")
		case seen[c.Key]:
			return bad(field+".key", "%q is used twice", c.Key)
		case c.Name == "":
			return bad(field+".name", "is required")
		case len(c.Stages) == 0:
			return bad(field+".stages", "name at least one of \"primary\", \"junior\"")
		case len(c.Requires) == 0:
			return bad(field+".requires", "name at least one condition")
		}
		seen[c.Key] = true
		for _, s := range c.Stages {
			if !s.Valid() {
				return bad(field+".stages", "unknown stage %q (use \"primary\" or \"junior\")", s)
			}
		}
		for _, cond := range c.Requires {
			if !knownConditions[cond] {
				return bad(field+".requires", "unknown condition %q", cond)
			}
		}
		if c.requires(CondSameAddress) && !(c.requires(CondHukou) && c.requires(CondOwnedHome)) {
			return bad(field+".requires", "\"same_address\" needs both \"hukou\" and \"owned_home\"")
		}
	}
	return nil
}

func (c Category) requires(cond Condition) bool {
	for _, r := range c.Requires {
		if r == cond {
			return true
		}
	}
	return false
}

// Cutoff returns the age cut-off date of the entry year (e.g. 2027-08-31).
func (p *Policy) Cutoff() time.Time {
	t, _ := p.parseCutoff()
	return t
}

func (p *Policy) parseCutoff() (time.Time, error) {
	md, err := time.Parse("01-02", p.AgeCutoff)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(p.Year, md.Month(), md.Day(), 0, 0, 0, 0, time.UTC), nil
}

// InsuranceMonth returns the first day of the month before the insurance
// cut-off: months are counted up to it, and it must be paid.
func (p *Policy) InsuranceMonth() time.Time {
	c := p.Cutoff()
	if md, err := time.Parse("01-02", p.InsuranceCutoff); p.InsuranceCutoff != "" && err == nil {
		c = time.Date(p.Year, md.Month(), md.Day(), 0, 0, 0, 0, time.UTC)
	}
	return time.Date(c.Year(), c.Month()-1, 1, 0, 0, 0, 0, time.UTC)
}

// LatestBirth returns the last birth date old enough for primary grade 1:
// MinAge years before the cut-off (born 31 August qualifies, 1 September not).
func (p *Policy) LatestBirth() time.Time {
	c := p.Cutoff()
	return time.Date(c.Year()-p.MinAge, c.Month(), c.Day(), 0, 0, 0, 0, time.UTC)
}

// LockYears returns the degree-lock years for a stage.
func (p *Policy) LockYears(s Stage) int {
	if s == Junior {
		return p.LockYearsJunior
	}
	return p.LockYearsPrimary
}

// Ranked returns the categories open to a stage in priority order; a
// category's priority is its 1-based position in this list.
func (p *Policy) Ranked(s Stage) []Category {
	var out []Category
	for _, c := range p.Categories {
		if c.AppliesTo(s) {
			out = append(out, c)
		}
	}
	return out
}
