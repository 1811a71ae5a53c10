package core

// Source names a department data source in evidence.
type Source string

// The sources, with the department that answers for each.
const (
	SrcHukou      Source = "hukou"      // 户籍
	SrcBirth      Source = "birth"      // 出生医学证明
	SrcProperty   Source = "property"   // 不动产登记
	SrcContract   Source = "contract"   // 网签合同
	SrcRental     Source = "rental"     // 租赁备案
	SrcPermit     Source = "permit"     // 居住证
	SrcInsurance  Source = "insurance"  // 个人参保
	SrcBusiness   Source = "business"   // 个体工商户
	SrcEnterprise Source = "enterprise" // 企业法人
	SrcStudent    Source = "student"    // 学籍
	SrcCatchment  Source = "catchment"  // 学区
)

var sourceInfo = map[Source]struct{ label, authority string }{
	SrcHukou:      {"户籍", "济宁市公安局"},
	SrcBirth:      {"出生医学证明", "济宁市卫生健康委员会"},
	SrcProperty:   {"不动产", "济宁市自然资源和规划局"},
	SrcContract:   {"网签合同", "济宁市住房和城乡建设局"},
	SrcRental:     {"租赁备案", "济宁市住房和城乡建设局"},
	SrcPermit:     {"居住证", "济宁市公安局"},
	SrcInsurance:  {"社保", "济宁市人力资源和社会保障局"},
	SrcBusiness:   {"个体工商户", "济宁市市场监督管理局"},
	SrcEnterprise: {"企业登记", "济宁市市场监督管理局"},
	SrcStudent:    {"学籍", "济宁市教育局"},
	SrcCatchment:  {"学区", "济宁市教育局"},
}

// Label returns the source's short Chinese name (户籍, 不动产 …).
func (s Source) Label() string { return sourceInfo[s].label }

// Authority returns the department that answers for the source.
func (s Source) Authority() string { return sourceInfo[s].authority }

// Status is the outcome of checking one fact against a source.
type Status string

// Evidence statuses.
const (
	Matched    Status = "matched"    // the source confirms the fact
	Mismatched Status = "mismatched" // the source has a record that contradicts or disqualifies
	Missing    Status = "missing"    // the source has no record
)

// Label returns the status in plain words.
func (s Status) Label() string {
	switch s {
	case Matched:
		return "已核验"
	case Mismatched:
		return "不一致"
	}
	return "未查到"
}

// Evidence is one checked fact: which source, which record, what it shows.
type Evidence struct {
	Source    Source `json:"source"`
	Authority string `json:"authority"`
	Ref       string `json:"ref,omitempty"` // the record's number
	Status    Status `json:"status"`
	Detail    string `json:"detail"` // the fact in plain words
}

// Plain renders the evidence for a parent: "户籍：济宁市公安局 已核验 — …".
func (e Evidence) Plain() string {
	s := e.Source.Label() + "：" + e.Authority + " " + e.Status.Label()
	if e.Detail != "" {
		s += " — " + e.Detail
	}
	return s
}

func evidence(src Source, ref string, st Status, detail string) Evidence {
	return Evidence{Source: src, Authority: src.Authority(), Ref: ref, Status: st, Detail: detail}
}

// Problem is a reason an application cannot pass, or must be looked at by a
// person. Blocking problems make it ineligible; the others only note.
type Problem struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Blocking bool   `json:"blocking"`
}

// Problem codes.
const (
	PNoRecords        = "no_records"
	PTooYoung         = "too_young"
	PNoCityStudent    = "no_city_student"
	PGuardianMismatch = "guardian_mismatch"
	PInsuranceShort   = "insurance_short"
	PNoEmployment     = "no_employment"
	PNoResidence      = "no_residence"
	PPropertyLocked   = "property_locked"
	PShareTooSmall    = "share_too_small"
	PNotResidential   = "not_residential"
	POutOfZone        = "out_of_zone"
	PDataConflict     = "data_conflict"
	PNoBasis          = "no_basis"
)

// Problem codes of the family rules (issue 8).
const (
	PNotGraduating            = "not_graduating"             // junior entry: not a sixth-grader leaving this year
	PGuardianNotParent        = "guardian_not_parent"        // the guardian is not proven the child's parent
	PGrandparentHomeElsewhere = "grandparent_home_elsewhere" // a grandparent's home where the child is not registered
	PInsuranceNotCurrent      = "insurance_not_current"      // insurance stopped before the cut-off month
	PZoneAmbiguous            = "zone_ambiguous"             // equally specific zone rules of two zones claim the address
)

// CounterAdvice is what to do when the kiosk cannot finish the job.
const CounterAdvice = "请到大厅人工窗口，工作人员会帮您办理。"
