package sourcetest

import "enrolldesk/core"

// Policy returns the demo city's 2027 policy (assets/policy/jining-2027.toml)
// as a Go value, for tests of packages that may not read TOML (core, ui).
// app/policyfile's tests check that the file and this value agree.
func Policy() *core.Policy {
	both := []core.Stage{core.Primary, core.Junior}
	return &core.Policy{District: "370800", Name: "济宁市（演示）", Year: 2027, AgeCutoff: "08-31", MinAge: 6,
		MinInsuranceMonths: 12, MinGuardianShare: 51, LockYearsPrimary: 6, LockYearsJunior: 3,
		GrandparentsProperty: true, ContractsCount: true,
		GrandparentHomeRequiresChildHukou: true, InsuranceCutoff: "06-01", ReviewDays: 10,
		Categories: []core.Category{
			{Key: "hukou_property", Name: "房户一致", Stages: both, Requires: []core.Condition{core.CondHukou, core.CondOwnedHome, core.CondSameAddress}},
			{Key: "property_only", Name: "有房无户", Stages: both, Requires: []core.Condition{core.CondOwnedHome}},
			{Key: "hukou_only", Name: "有户无房", Stages: both, Requires: []core.Condition{core.CondHukou}},
			{Key: "migrant", Name: "随迁子女", Stages: both, Requires: []core.Condition{core.CondResidence, core.CondInsurance, core.CondEmployment}},
		},
		Notice: core.Notice{ResultsDate: "2027-07-20", Counter: "市民中心一楼教育局12号窗口", Hotline: "0537-2968123"}}
}
