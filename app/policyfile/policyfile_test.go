package policyfile_test

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"enrolldesk/app/policyfile"
	"enrolldesk/assets"
	"enrolldesk/core"
	"enrolldesk/core/sourcetest"
)

func TestDefault(t *testing.T) {
	p, err := policyfile.Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	if p.Year != 2027 || p.Cutoff().Format("2006-01-02") != "2027-08-31" {
		t.Errorf("year/cut-off = %d/%s, want 2027/2027-08-31", p.Year, p.Cutoff().Format("2006-01-02"))
	}
	if p.MinInsuranceMonths != 12 || p.MinGuardianShare != 51 || p.LockYears(core.Primary) != 6 || p.LockYears(core.Junior) != 3 || !p.GrandparentsProperty {
		t.Errorf("numbers = %+v, want 12 months, 51 %%, 6/3 years, grandparents allowed", p)
	}
	var keys []string
	for _, c := range p.Ranked(core.Primary) {
		keys = append(keys, c.Key)
	}
	if got := strings.Join(keys, ","); got != "hukou_property,property_only,hukou_only,migrant" {
		t.Errorf("category order = %s", got)
	}
}

func TestDefaultMatchesTheTestLiteral(t *testing.T) {
	p, err := policyfile.Default()
	if err != nil {
		t.Fatal(err)
	}
	if want := sourcetest.Policy(); !reflect.DeepEqual(p, want) {
		t.Errorf("assets/policy/jining-2027.toml and sourcetest.Policy() differ:\n file    %+v\n literal %+v", p, want)
	}
}

func TestEveryEmbeddedPolicyLoads(t *testing.T) {
	names, err := fs.Glob(assets.Policies(), "*.toml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no policy files: %v", err)
	}
	for _, n := range names {
		if _, err := policyfile.Load(assets.Policies(), n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func defaultText(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(assets.Policies(), assets.DefaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineOf returns the 1-based line of the first line containing s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("%q not in policy text", s)
	return 0
}

func TestMalformed(t *testing.T) {
	base := defaultText(t)
	secondRequires := `requires = ["owned_home"]`
	tests := []struct {
		name   string
		edit   func(string) string
		line   func(string) int // line expected in the error, computed on the edited text
		reason string
	}{
		{"SyntaxError", func(s string) string { return strings.Replace(s, `year = 2027`, `year = = 2027`, 1) },
			func(s string) int { return lineOf(t, s, "year = = 2027") }, "expected value"},
		{"WrongType", func(s string) string { return strings.Replace(s, `min_age = 6`, `min_age = "six"`, 1) },
			func(s string) int { return lineOf(t, s, `min_age = "six"`) }, "incompatible types"},
		{"UnknownKey", func(s string) string { return strings.Replace(s, `min_age = 6`, "min_age = 6\nmin_agee = 7", 1) },
			func(s string) int { return lineOf(t, s, "min_agee") }, `unknown key "min_agee"`},
		{"ShareOver100", func(s string) string {
			return strings.Replace(s, `min_guardian_share = 51.0`, `min_guardian_share = 151.0`, 1)
		},
			func(s string) int { return lineOf(t, s, "min_guardian_share") }, "min_guardian_share"},
		{"BadCutoff", func(s string) string {
			return strings.Replace(s, `age_cutoff = "08-31"`, `age_cutoff = "31 August"`, 1)
		},
			func(s string) int { return lineOf(t, s, "age_cutoff") }, "age_cutoff"},
		{"BadInsuranceCutoff", func(s string) string {
			return strings.Replace(s, `insurance_cutoff = "06-01"`, `insurance_cutoff = "June"`, 1)
		},
			func(s string) int { return lineOf(t, s, "insurance_cutoff") }, "insurance_cutoff"},
		{"BadReviewDays", func(s string) string {
			return strings.Replace(s, `review_days = 10`, `review_days = 365`, 1)
		},
			func(s string) int { return lineOf(t, s, "review_days") }, "review_days"},
		{"UnknownCondition", func(s string) string { return strings.Replace(s, secondRequires, `requires = ["owned_house"]`, 1) },
			func(s string) int { return lineOf(t, s, "owned_house") }, `category[2].requires: unknown condition "owned_house"`},
		{"SameAddressAlone", func(s string) string { return strings.Replace(s, secondRequires, `requires = ["same_address"]`, 1) },
			func(s string) int { return lineOf(t, s, `requires = ["same_address"]`) }, "same_address"},
		{"DuplicateKey", func(s string) string { return strings.Replace(s, `key = "property_only"`, `key = "hukou_property"`, 1) },
			func(s string) int { return strings.Count(s[:strings.Index(s, `name = "有房无户"`)], "\n") }, "used twice"},
		{"UnknownStage", func(s string) string {
			return strings.Replace(s, `stages = ["primary", "junior"]`, `stages = ["senior"]`, 1)
		},
			func(s string) int { return lineOf(t, s, `stages = ["senior"]`) }, `unknown stage "senior"`},
		{"NoCategories", func(s string) string { return s[:strings.Index(s, "[[category]]")] },
			func(string) int { return 0 }, "at least one [[category]]"},
		{"NoticeMissing", func(s string) string { return s[:strings.Index(s, "[notice]")] },
			func(string) int { return 0 }, "notice.results_date: is required"},
		{"ResultsDateNotADate", func(s string) string {
			return strings.Replace(s, `results_date = "2027-07-20"`, `results_date = "7月20日"`, 1)
		},
			func(s string) int { return lineOf(t, s, `results_date = "7月20日"`) }, "notice.results_date"},
		{"ResultsAfterSchoolStarts", func(s string) string {
			return strings.Replace(s, `results_date = "2027-07-20"`, `results_date = "2027-09-20"`, 1)
		},
			func(s string) int { return lineOf(t, s, `results_date = "2027-09-20"`) }, "before September"},
		{"CounterMissing", func(s string) string { return strings.Replace(s, "counter = ", "# counter = ", 1) },
			func(s string) int { return lineOf(t, s, "[notice]") }, "notice.counter: is required"},
		{"HotlineWithLetters", func(s string) string {
			return strings.Replace(s, `hotline = "0537-2968123"`, `hotline = "0537-EDU-HELP"`, 1)
		},
			func(s string) int { return lineOf(t, s, `hotline = "0537-EDU-HELP"`) }, "notice.hotline"},
		{"UnknownNoticeKey", func(s string) string {
			return strings.Replace(s, `hotline = "0537-2968123"`, "hotline = \"0537-2968123\"\nhotlines = \"12345\"", 1)
		},
			func(s string) int { return lineOf(t, s, "hotlines") }, `unknown key "notice.hotlines"`},
		{"YearMissing", func(s string) string { return strings.Replace(s, "year = 2027\n", "", 1) },
			func(string) int { return 0 }, "year"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.edit(base)
			if text == base {
				t.Fatal("the edit changed nothing: the test no longer matches the policy file")
			}
			_, err := policyfile.Parse("edited.toml", []byte(text))
			var pe *policyfile.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want *policyfile.Error", err)
			}
			if pe.File != "edited.toml" {
				t.Errorf("file = %q", pe.File)
			}
			if want := tc.line(text); pe.Line != want {
				t.Errorf("line = %d, want %d (%v)", pe.Line, want, err)
			}
			if !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("reason = %q, want it to mention %q", pe.Reason, tc.reason)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	b, err := fs.ReadFile(assets.Policies(), assets.DefaultPolicy)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("")
	f.Add("year = 2027\n[[category]]\nkey = 1")
	f.Add("district = \"370800\"\n[[category]]\nrequires = [\"same_address\"]\n")
	f.Add(strings.Replace(string(b), "08-31", "02-30", 1))
	f.Fuzz(func(t *testing.T, text string) {
		p, err := policyfile.Parse("fuzz.toml", []byte(text))
		if err == nil {
			if p == nil {
				t.Fatal("nil policy without error")
			}
			if p.Validate() != nil {
				t.Fatal("accepted a policy that does not validate")
			}
			return
		}
		var pe *policyfile.Error
		if !errors.As(err, &pe) {
			t.Fatalf("error %T %v is not a *policyfile.Error", err, err)
		}
	})
}
