package core

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Decision is what the policy makes of a dossier: the admission category and
// its priority, the school(s), and every reason, with the evidence behind it.
type Decision struct {
	Eligible     bool       `json:"eligible"`
	Category     string     `json:"category"`      // the category's key, "" for none
	CategoryName string     `json:"category_name"` // e.g. 房户一致
	Priority     int        `json:"priority"`      // 1 highest, 0 none
	NeedsReview  bool       `json:"needs_review"`
	Problems     []Problem  `json:"problems"`
	Evidence     []Evidence `json:"evidence"`
	Zone         *Zone      `json:"zone,omitempty"`
	Basis        Address    `json:"basis"`    // the address the school follows
	Relation     string     `json:"relation"` // guardian to child: 父亲, 母亲 …
}

// Schools returns the catchment school(s): one for a single-school zone,
// several for a multi-school zone, none when there is no zone.
func (d *Decision) Schools() []School {
	if d.Zone == nil {
		return nil
	}
	return d.Zone.Schools
}

// Classify applies a policy to a dossier. It is a pure function: the same
// policy and dossier always give the same decision.
func Classify(p *Policy, d *Dossier) Decision {
	c := &classifier{p: p, d: d}
	if d.Empty() {
		c.block(PNoRecords, "没有查到孩子和监护人的户籍、房产、居住证或社保等任何登记信息。"+CounterAdvice)
		c.ev(SrcHukou, "", Missing, "未查到孩子或监护人的户籍")
		return c.out
	}
	c.checkGuardian()
	c.checkHukou()
	c.checkHomes()
	c.checkResidence()
	c.checkInsurance()
	c.checkEmployment()
	c.checkStage()
	c.choose()
	return c.out
}

type classifier struct {
	p   *Policy
	d   *Dossier
	out Decision

	hukou     Address // the child's registered address, if in a zone
	homes     []Address
	residence Address
	months    int  // the most months a parent has paid by the insurance cut-off
	insured   bool // a parent's insurance is current and long enough
	lapsed    bool // a parent has the months but stopped paying before the cut-off
	employed  bool
	notParent bool      // the guardian is not taken for a parent: their homes do not count
	reasons   []Problem // what disqualified a record; blocking only if nothing qualifies
}

func (c *classifier) ev(src Source, ref string, st Status, detail string) {
	c.out.Evidence = append(c.out.Evidence, evidence(src, ref, st, detail))
}

func (c *classifier) block(code, msg string) {
	c.out.Problems = append(c.out.Problems, Problem{Code: code, Message: msg, Blocking: true})
}

func (c *classifier) review(code, msg string) {
	c.out.NeedsReview = true
	c.out.Problems = append(c.out.Problems, Problem{Code: code, Message: msg})
}

func (c *classifier) reason(code, msg string) {
	c.reasons = append(c.reasons, Problem{Code: code, Message: msg})
}

// checkGuardian: the guardian is a proven parent (birth record, or the
// register where the child is the head's own child), or a grandparent on
// the child's register. A son or daughter of a grandparent head whom the
// birth record does not name — or when there is no birth record to say —
// may be an aunt or uncle: not taken for a parent, and a person must look.
// Anyone else, on no register with the child and not on the birth record,
// is a guardian a person must look at too.
func (c *classifier) checkGuardian() {
	d := c.d
	h := d.ChildHousehold
	if src, ok := d.Parents[d.GuardianID]; ok {
		c.out.Relation = RelationToChild(KinParent, d.GuardianID.Sex())
		if src == SrcBirth {
			c.ev(SrcBirth, d.Birth.CertNo, Matched, fmt.Sprintf("出生医学证明记载监护人是孩子的%s", c.out.Relation))
		} else {
			c.ev(SrcHukou, h.Number, Matched, fmt.Sprintf("监护人与孩子在同一户口簿，监护人是孩子的%s", c.out.Relation))
		}
		return
	}
	cm, childOn := h.Member(d.ChildID)
	gm, guardianOn := h.Member(d.GuardianID)
	kin := KinNone
	if childOn && guardianOn {
		kin = kinship(cm.Relation, gm.Relation)
	}
	switch {
	case kin == KinGrandparent:
		c.out.Relation = RelationToChild(kin, d.GuardianID.Sex())
		c.ev(SrcHukou, h.Number, Matched, fmt.Sprintf("监护人与孩子在同一户口簿，监护人是孩子的%s", c.out.Relation))
	case kin != KinNone && d.Birth != nil:
		c.notParent = true
		c.ev(SrcBirth, d.Birth.CertNo, Mismatched, "出生医学证明记载的孩子父母不是监护人")
		c.review(PGuardianNotParent, "出生医学证明记载的孩子父母不是您。由父母以外的亲属报名，需要工作人员核对监护关系。报名可以提交，由工作人员人工审核。")
	case kin != KinNone:
		c.notParent = true
		c.ev(SrcBirth, "", Missing, "未查到孩子的出生医学证明，不能确定监护人是孩子的父母还是其他亲属")
		c.review(PGuardianNotParent, "您和孩子在同一户口簿上，但没有查到孩子的出生医学证明，不能确定您是孩子的父母。报名可以提交，由工作人员人工审核。")
	default:
		c.ev(SrcHukou, "", Mismatched, "监护人不在孩子的户口簿上，出生医学证明也没有记载")
		c.review(PGuardianMismatch, "没有查到您和孩子的监护关系（不在同一户口簿，出生医学证明上也没有您）。报名可以提交，由工作人员人工审核。")
	}
}

func (c *classifier) checkHukou() {
	h := c.d.ChildHousehold
	if h == nil {
		c.ev(SrcHukou, "", Missing, "未查到孩子的户籍")
		return
	}
	if c.d.ZoneOf(h.Address) == nil {
		c.ev(SrcHukou, h.Number, Matched, "孩子户籍在"+h.Address.String()+"，该地址不在本学段的学区内")
		c.reason(POutOfZone, "孩子的户籍地址不在本学段任何学区内。"+CounterAdvice)
		return
	}
	c.hukou = h.Address
	c.ev(SrcHukou, h.Number, Matched, fmt.Sprintf("孩子户籍在%s（%s）", h.Address.String(), h.Kind))
}

// checkHomes decides which owned homes count: residential, enough family
// share, not seat-locked, in a zone.
func (c *classifier) checkHomes() {
	for _, p := range c.d.Properties {
		c.checkHome(SrcProperty, p.CertNo, p.Usage, p.Address, p.Owners)
	}
	if !c.p.ContractsCount {
		return
	}
	for _, k := range c.d.Contracts {
		c.checkHome(SrcContract, k.ContractNo, k.Usage, k.Address, k.Buyers)
	}
}

func (c *classifier) checkHome(src Source, ref, usage string, a Address, owners []Owner) {
	share, total, elsewhere := c.familyShare(owners, a)
	where := a.String()
	if math.Abs(total-100) > 0.01 {
		c.review(PDataConflict, fmt.Sprintf("房产%s的产权份额合计为%.0f%%，登记数据不完整，需要工作人员人工核对。", where, total))
	}
	switch {
	case usage != UsageResidential:
		c.ev(src, ref, Mismatched, fmt.Sprintf("%s，用途为%s，不是住宅", where, usage))
		c.reason(PNotResidential, fmt.Sprintf("房产%s的用途是%s，不是住宅，不能作为入学依据。", where, usage))
	case share+0.005 < c.p.MinGuardianShare && elsewhere:
		c.ev(src, ref, Mismatched, where+"，祖父母的住房，孩子户籍不在这套住房，不计入")
		c.reason(PGrandparentHomeElsewhere, fmt.Sprintf("房产%s是祖父母的住房，孩子的户籍不在这套住房。按政策，祖父母的住房只有孩子户籍在该住房时才能作为入学依据。", where))
	case share+0.005 < c.p.MinGuardianShare:
		c.ev(src, ref, Mismatched, fmt.Sprintf("%s，家庭份额%.0f%%，低于%.0f%%", where, share, c.p.MinGuardianShare))
		c.reason(PShareTooSmall, fmt.Sprintf("您家在房产%s中的产权份额是%.0f%%，低于要求的%.0f%%，该房产不能作为入学依据。%s", where, share, c.p.MinGuardianShare, CounterAdvice))
	case c.lockedBy(a) != nil:
		u := c.lockedBy(a)
		c.ev(src, ref, Mismatched, fmt.Sprintf("%s，%d年已为其他孩子提供学位", where, u.Year))
		c.reason(PPropertyLocked, fmt.Sprintf("房产%s在%d年已为其他孩子提供过学位，%d年内不能再用（一房一学位）。%s", where, u.Year, c.p.LockYears(c.d.Stage), CounterAdvice))
	case c.d.ZoneOf(a) == nil:
		c.ev(src, ref, Matched, where+"，不在本学段学区内")
		c.reason(POutOfZone, fmt.Sprintf("房产%s不在本学段任何学区内。", where))
	default:
		c.ev(src, ref, Matched, fmt.Sprintf("%s，住宅，家庭份额%.0f%%", where, share))
		c.homes = append(c.homes, a)
	}
}

// familyShare returns the share of home a held by people whose homes count,
// the total of all shares on record, and whether a grandparent's share was
// left out because the child's 户籍 is not at this home. A guardian not
// taken for a parent counts for nothing.
func (c *classifier) familyShare(owners []Owner, a Address) (family, total float64, elsewhere bool) {
	atHukou := c.d.ChildHousehold != nil && a.SameHome(c.d.ChildHousehold.Address)
	for _, o := range owners {
		total += o.Share
		role, ok := c.d.Family[o.ID]
		switch {
		case !ok, role == RoleGuardian && c.notParent:
		case role == RoleGrandparent && c.p.GrandparentHomeRequiresChildHukou && !atHukou:
			elsewhere = true
		default:
			family += o.Share
		}
	}
	return family, total, elsewhere
}

// lockedBy returns the seat use that locks a home for this child: a seat for
// the same stage given to a child outside this household within the lock years.
func (c *classifier) lockedBy(a Address) *SeatUse {
	years := c.p.LockYears(c.d.Stage)
	for _, u := range c.d.SeatUses[a.Key()] {
		if u.Child == c.d.ChildID || u.Stage != c.d.Stage || c.p.Year-u.Year >= years {
			continue
		}
		if _, sibling := c.d.ChildHousehold.Member(u.Child); sibling {
			continue
		}
		return &u
	}
	return nil
}

func (c *classifier) checkResidence() {
	asOf := c.d.AsOf
	for _, p := range c.d.Permits {
		valid := !asOf.Before(p.Issued) && !asOf.After(p.Expires)
		switch {
		case !valid:
			c.ev(SrcPermit, p.PermitNo, Mismatched, fmt.Sprintf("居住证有效期至%s，已过期", p.Expires.Format("2006年1月2日")))
		case c.d.ZoneOf(p.Address) == nil:
			c.ev(SrcPermit, p.PermitNo, Matched, "居住地址"+p.Address.String()+"不在学区内")
		default:
			c.ev(SrcPermit, p.PermitNo, Matched, "居住地址"+p.Address.String())
			if c.residence.IsZero() {
				c.residence = p.Address
			}
		}
	}
	for _, r := range c.d.Rentals {
		valid := !asOf.Before(r.From) && !asOf.After(r.To)
		switch {
		case !valid:
			c.ev(SrcRental, r.FilingNo, Mismatched, fmt.Sprintf("租赁备案有效期%s至%s，不在有效期内", r.From.Format("2006.1.2"), r.To.Format("2006.1.2")))
		case c.d.ZoneOf(r.Address) != nil:
			c.ev(SrcRental, r.FilingNo, Matched, "承租"+r.Address.String())
			if c.residence.IsZero() {
				c.residence = r.Address
			}
		default:
			c.ev(SrcRental, r.FilingNo, Matched, "承租"+r.Address.String()+"，不在学区内")
		}
	}
}

// checkInsurance takes the best of the parents' insurance: a parent whose
// payments reach the month before the insurance cut-off (current) with the
// policy's months by then. Months of the two parents are not added up.
func (c *classifier) checkInsurance() {
	if len(c.d.Insurance) == 0 {
		return
	}
	month := c.p.InsuranceMonth()
	for _, id := range c.d.familyOrder() {
		var own []InsurancePeriod
		for _, p := range c.d.Insurance {
			if p.Person == id {
				own = append(own, p)
			}
		}
		if len(own) == 0 {
			continue
		}
		n, current := InsuranceMonths(own, month), paidIn(own, month)
		enough := n >= c.p.MinInsuranceMonths
		c.months = max(c.months, n)
		c.insured = c.insured || (current && enough)
		c.lapsed = c.lapsed || (enough && !current)
		st, paid := Matched, ""
		switch {
		case !current:
			st, paid = Mismatched, fmt.Sprintf("，%s未缴费（已断缴）", month.Format("2006年1月"))
		case !enough:
			st = Mismatched
		}
		c.ev(SrcInsurance, "", st, fmt.Sprintf("%s截至%s累计缴费%d个月（要求%d个月）%s",
			c.who(id), month.Format("2006年1月"), n, c.p.MinInsuranceMonths, paid))
	}
}

// paidIn reports whether a period covers the month starting at m.
func paidIn(periods []InsurancePeriod, m time.Time) bool {
	for _, p := range periods {
		if monthIndex(p.From) <= monthIndex(m) && monthIndex(m) <= monthIndex(p.To) {
			return true
		}
	}
	return false
}

// who names a family member in evidence: the guardian, or the child's
// father or mother.
func (c *classifier) who(id ResidentID) string {
	if id == c.d.GuardianID {
		return "监护人"
	}
	return "孩子" + RelationToChild(KinParent, id.Sex())
}

// checkEmployment: a parent works where employer-paid insurance is current,
// an individual business is active, or an enterprise role is held on the
// day of the look-up.
func (c *classifier) checkEmployment() {
	month := c.p.InsuranceMonth()
	for _, p := range c.d.Insurance {
		if p.Kind == InsuranceEmployee && paidIn([]InsurancePeriod{p}, month) {
			c.employed = true
		}
	}
	for _, b := range c.d.Businesses {
		st := Matched
		if !b.Active {
			st = Mismatched
		} else {
			c.employed = true
		}
		c.ev(SrcBusiness, b.RegNo, st, fmt.Sprintf("%s经营：%s%s", c.who(b.Operator), b.Name, map[bool]string{true: "", false: "（已注销）"}[b.Active]))
	}
	for _, r := range c.d.Roles {
		if !r.Current(c.d.AsOf) {
			when := fmt.Sprintf("%s已离任", r.Until.Format("2006年1月2日"))
			if r.Until.IsZero() || c.d.AsOf.Before(r.Since) {
				when = fmt.Sprintf("%s起任职，现在尚未任职", r.Since.Format("2006年1月2日"))
			}
			c.ev(SrcEnterprise, r.CreditCode, Mismatched, fmt.Sprintf("%s：%s %s（%s）", c.who(r.Person), r.Company, r.Role, when))
			continue
		}
		c.employed = true
		c.ev(SrcEnterprise, r.CreditCode, Matched, fmt.Sprintf("%s：%s %s", c.who(r.Person), r.Company, r.Role))
	}
}

// checkStage applies the stage's own rule: the age cut-off for primary, a
// city primary-school record for junior.
func (c *classifier) checkStage() {
	d := c.d
	if d.Stage == Primary {
		birth := d.ChildID.BirthDate()
		if birth.After(c.p.LatestBirth()) {
			c.block(PTooYoung, fmt.Sprintf("孩子出生于%s，到%s还不满%d周岁，今年不能报名小学一年级，请明年再来报名。",
				birth.Format("2006年1月2日"), c.p.Cutoff().Format("2006年1月2日"), c.p.MinAge))
		}
		return
	}
	if d.Student == nil {
		c.ev(SrcStudent, "", Missing, "未查到孩子在本市小学的学籍")
		c.block(PNoCityStudent, "没有查到孩子在本市小学的学籍，初中一年级报名需要本市小学学籍。"+CounterAdvice)
		return
	}
	// A national student number is "G" + the ID number: never show it whole.
	s := d.Student
	ref := strings.ReplaceAll(s.StudentNo, string(d.ChildID), d.ChildID.Masked())
	if s.Grade != 6 || s.Graduating != c.p.Year {
		c.ev(SrcStudent, ref, Mismatched, fmt.Sprintf("%s %d年级，%d年小学毕业", s.School, s.Grade, s.Graduating))
		c.block(PNotGraduating, fmt.Sprintf("孩子现在在%s读%d年级，%d年小学毕业。初中一年级只招收今年（%d年）小学毕业的六年级学生，请在孩子小学毕业那一年再来报名。",
			s.School, s.Grade, s.Graduating, c.p.Year))
		return
	}
	c.ev(SrcStudent, ref, Matched, fmt.Sprintf("%s %d年级，%d年小学毕业", s.School, s.Grade, s.Graduating))
}

func (c *classifier) holds(cond Condition) bool {
	switch cond {
	case CondHukou:
		return !c.hukou.IsZero()
	case CondOwnedHome:
		return len(c.homes) > 0
	case CondSameAddress:
		return c.homeAt(c.hukou)
	case CondResidence:
		return !c.residence.IsZero()
	case CondInsurance:
		return c.insured
	case CondEmployment:
		return c.employed
	}
	return false
}

func (c *classifier) homeAt(a Address) bool {
	for _, h := range c.homes {
		if h.SameHome(a) {
			return true
		}
	}
	return false
}

// choose takes the first category, in the policy's order, whose conditions
// all hold, and settles the basis address, the zone and eligibility.
func (c *classifier) choose() {
	for i, cat := range c.p.Ranked(c.d.Stage) {
		if !c.all(cat.Requires) {
			continue
		}
		c.out.Category, c.out.CategoryName, c.out.Priority = cat.Key, cat.Name, i+1
		c.out.Basis = c.basis(cat)
		c.out.Zone = c.d.ZoneOf(c.out.Basis)
		c.out.Problems = append(c.out.Problems, c.reasons...)
		c.out.Eligible = !c.blocked()
		if claims := c.d.ZoneClaims[c.out.Basis.Key()]; len(claims) > 1 && !c.out.Basis.IsZero() {
			c.zoneAmbiguous(claims)
		} else if z := c.out.Zone; z != nil {
			c.ev(SrcCatchment, z.Code, Matched, fmt.Sprintf("%s，%d所学校", z.Name, len(z.Schools)))
		}
		return
	}
	c.explainNoCategory()
	for i := range c.reasons {
		c.reasons[i].Blocking = true
	}
	c.out.Problems = append(c.out.Problems, c.reasons...)
	if len(c.reasons) == 0 && !c.blocked() {
		c.block(PNoBasis, "没有查到能够报名的户籍、房产或居住证明。"+CounterAdvice)
	}
}

// zoneAmbiguous sends an address that equally specific rules of several
// zones claim to review: the schools shown are the first zone's for now,
// and a person settles the zone.
func (c *classifier) zoneAmbiguous(claims []*Zone) {
	var names []string
	for _, z := range claims {
		names = append(names, z.Name)
	}
	c.ev(SrcCatchment, c.out.Zone.Code, Mismatched, fmt.Sprintf("%s同时划入%s", c.out.Basis.String(), strings.Join(names, "和")))
	c.review(PZoneAmbiguous, fmt.Sprintf("地址%s同时划入%s，学区由工作人员确定；可选学校暂按%s显示。报名可以提交，由工作人员人工审核。",
		c.out.Basis.String(), strings.Join(names, "和"), c.out.Zone.Name))
}

func (c *classifier) all(conds []Condition) bool {
	for _, cond := range conds {
		if !c.holds(cond) {
			return false
		}
	}
	return true
}

// explainNoCategory adds the migrant path's reasons when the family has set
// out on it (a permit, a lease or insurance) but falls short.
func (c *classifier) explainNoCategory() {
	if len(c.d.Permits)+len(c.d.Rentals)+len(c.d.Insurance) == 0 {
		return
	}
	if c.residence.IsZero() {
		c.reason(PNoResidence, "没有查到有效的居住证或租赁备案。"+CounterAdvice)
	}
	month := c.p.InsuranceMonth()
	switch {
	case c.insured:
	case c.lapsed:
		c.reason(PInsuranceNotCurrent, fmt.Sprintf("社会保险在%s没有缴费（已断缴），随迁子女入学需要父母一方的社保缴到%s。%s",
			month.Format("2006年1月"), month.Format("2006年1月"), CounterAdvice))
	default:
		c.reason(PInsuranceShort, fmt.Sprintf("父母的社会保险截至%s累计缴费最多%d个月，不足%d个月。%s",
			month.Format("2006年1月"), c.months, c.p.MinInsuranceMonths, CounterAdvice))
	}
	if !c.employed {
		c.reason(PNoEmployment, "没有查到务工（单位参保）、个体经营或企业登记信息。"+CounterAdvice)
	}
}

func (c *classifier) basis(cat Category) Address {
	switch {
	case cat.requires(CondSameAddress), cat.requires(CondHukou) && !cat.requires(CondOwnedHome):
		return c.hukou
	case cat.requires(CondOwnedHome):
		if c.homeAt(c.hukou) {
			return c.hukou
		}
		return c.homes[0]
	case cat.requires(CondResidence):
		return c.residence
	}
	return c.hukou
}

func (c *classifier) blocked() bool {
	for _, p := range c.out.Problems {
		if p.Blocking {
			return true
		}
	}
	return false
}

// InsuranceMonths counts the distinct months paid up to and including the
// month of by.
func InsuranceMonths(periods []InsurancePeriod, by time.Time) int {
	last := monthIndex(by)
	seen := make(map[int]struct{}, 64)
	for _, p := range periods {
		to := monthIndex(p.To)
		if to > last {
			to = last
		}
		for m := monthIndex(p.From); m <= to; m++ {
			seen[m] = struct{}{}
		}
	}
	return len(seen)
}

func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }
