package core_test

import (
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
)

var today = time.Date(2027, 6, 15, 10, 0, 0, 0, time.UTC)

func TestParseResidentIDValid(t *testing.T) {
	tests := []struct {
		name, in, want string
		birth          string
		sex            core.Sex
	}{
		{"OK", "370811201502030013", "370811201502030013", "2015-02-03", core.Male},
		{"MaleX", "37081120150203011X", "37081120150203011X", "2015-02-03", core.Male},
		{"CheckX", "11010519491231002X", "11010519491231002X", "1949-12-31", core.Female},
		{"LowerX", "11010519491231002x", "11010519491231002X", "1949-12-31", core.Female},
		{"Spaces", " 370811 2015 0203 0013 ", "370811201502030013", "2015-02-03", core.Male},
		{"LeapDay", string(core.MakeResidentID("370812", time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), 1)), "", "2020-02-29", core.Male},
		{"BornToday", string(core.MakeResidentID("370811", time.Date(2027, 6, 15, 0, 0, 0, 0, time.UTC), 2)), "", "2027-06-15", core.Female},
		{"HongKongPermit", string(core.MakeResidentID("810000", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 3)), "", "1990-01-01", core.Male},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := core.ParseResidentID(tc.in, today)
			if err != nil {
				t.Fatalf("ParseResidentID(%q): %v", tc.in, err)
			}
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if string(id) != want {
				t.Errorf("got %q, want %q", id, want)
			}
			if got := id.BirthDate().Format("2006-01-02"); got != tc.birth {
				t.Errorf("birth = %s, want %s", got, tc.birth)
			}
			if id.Sex() != tc.sex {
				t.Errorf("sex = %v, want %v", id.Sex(), tc.sex)
			}
		})
	}
}

func TestParseResidentIDInvalid(t *testing.T) {
	valid := "370811201502030013"
	tests := []struct {
		name, in, code, says string
	}{
		{"Empty", "", core.EIDEmpty, "请输入"},
		{"Legacy15", "370811150203001", core.EIDLegacy, "15位"},
		{"TooShort", "37081120150203001", core.EIDLength, "您输入了17位"},
		{"TooLong", valid + "1", core.EIDLength, "您输入了19位"},
		{"Letters", "37081120150203A016", core.EIDChars, "只能包含数字"},
		{"XInMiddle", "3708112015020X0016", core.EIDChars, "只能包含数字"},
		{"FullWidthDigits", "３７０８１１201502030016", core.EIDLength, "18位"},
		{"UnknownProvince", "990811201502030016", core.EIDProvince, "省份代码"},
		{"Month13", "370811201513030011", core.EIDDate, "不是真实的日期"},
		{"Feb30", "370811201502300011", core.EIDDate, "不是真实的日期"},
		{"Feb29NonLeap", "370811201902290011", core.EIDDate, "不是真实的日期"},
		{"Year1850", "370811185002030011", core.EIDDate, "出生年份"},
		{"Future", string(core.MakeResidentID("370811", time.Date(2027, 6, 16, 0, 0, 0, 0, time.UTC), 1)), core.EIDFuture, "今天之后"},
		{"WrongCheck", "370811201502030017", core.EIDCheck, "校验位"},
		{"WrongCheckX", "37081120150203001X", core.EIDCheck, "校验位"},
		{"TypoInMiddle", "370811201502030116", core.EIDCheck, "输错"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := core.ParseResidentID(tc.in, today)
			if err == nil {
				t.Fatalf("ParseResidentID(%q) accepted an invalid number", tc.in)
			}
			if got := core.ErrorCode(err); got != tc.code {
				t.Errorf("code = %s, want %s (%v)", got, tc.code, err)
			}
			if !core.IsInvalid(err) {
				t.Errorf("IsInvalid(%v) = false", err)
			}
			if !strings.Contains(core.ErrorMessage(err), tc.says) {
				t.Errorf("message %q does not say %q", core.ErrorMessage(err), tc.says)
			}
		})
	}
}

func TestMasked(t *testing.T) {
	id := core.MustResidentID("11010519491231002x")
	if got := id.Masked(); got != "110105********002X" {
		t.Errorf("Masked = %s", got)
	}
	if got := id.String(); strings.Contains(got, "20150203") {
		t.Errorf("String() leaks the birth date: %s", got)
	}
}

func TestMakeResidentIDIsValid(t *testing.T) {
	for seq := 0; seq < 1000; seq++ {
		id := core.MakeResidentID("370883", time.Date(2014, 9, 1, 0, 0, 0, 0, time.UTC), seq)
		if _, err := core.ParseResidentID(string(id), today); err != nil {
			t.Fatalf("MakeResidentID(seq %d) = %s invalid: %v", seq, id, err)
		}
		if want := core.Female; seq%2 == 1 {
			if id.Sex() != core.Male {
				t.Fatalf("odd sequence %d gave %v", seq, id.Sex())
			}
		} else if id.Sex() != want {
			t.Fatalf("even sequence %d gave %v", seq, id.Sex())
		}
	}
}

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{"370811201502030013", "11010519491231002x", "370811150203001", "", "X", "３７０８１１", "370811201502300011", "99999999999999999X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := core.ParseResidentID(s, today)
		if err != nil {
			if !core.IsInvalid(err) || core.ErrorMessage(err) == "" {
				t.Fatalf("error without an invalid code or message: %v", err)
			}
			return
		}
		if len(id) != 18 || core.IDCheckChar(string(id[:17])) != id[17] {
			t.Fatalf("accepted %q as %q", s, id)
		}
		if id.BirthDate().After(today) || id.BirthDate().IsZero() {
			t.Fatalf("accepted birth date %v", id.BirthDate())
		}
		again, err := core.ParseResidentID(string(id), today)
		if err != nil || again != id {
			t.Fatalf("normalised %q does not parse to itself: %v", id, err)
		}
		if m := id.Masked(); len(m) != 18 || m[6:14] != "********" {
			t.Fatalf("mask %q", m)
		}
	})
}
