package core

import (
	"strings"
	"time"
)

// Codes of the ways a resident ID number can be wrong. Each refines EINVALID.
const (
	EIDEmpty    = "invalid_id_empty"
	EIDLegacy   = "invalid_id_legacy"
	EIDLength   = "invalid_id_length"
	EIDChars    = "invalid_id_chars"
	EIDProvince = "invalid_id_province"
	EIDDate     = "invalid_id_date"
	EIDFuture   = "invalid_id_future"
	EIDCheck    = "invalid_id_check"
)

// ResidentID is an 18-character resident identity number (公民身份号码,
// GB 11643-1999) that has passed ParseResidentID: upper-case X, valid
// check character, real birth date.
type ResidentID string

// Sex is a person's sex as the ID number and the registries record it
// (1 male, 2 female, the codes of GB/T 2261.1).
type Sex int

// The two sexes.
const (
	Male   Sex = 1
	Female Sex = 2
)

// String returns 男 or 女.
func (s Sex) String() string {
	switch s {
	case Male:
		return "男"
	case Female:
		return "女"
	}
	return "未知"
}

// idWeights are the GB 11643-1999 weights of the first 17 characters.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps Σ mod 11 to the check character.
const idCheckChars = "10X98765432"

// provinceCodes are the first two digits in use: the mainland provinces and
// 71/81/82/83 used on residence permits of Taiwan, Hong Kong and Macao residents.
var provinceCodes = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// IDCheckChar returns the check character for the first 17 digits of an ID
// number. It panics if first17 is not 17 ASCII digits: callers validate first.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		d := first17[i]
		if d < '0' || d > '9' {
			panic("core: IDCheckChar needs 17 digits")
		}
		sum += int(d-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// ParseResidentID validates s as a resident ID number issued on or before
// today and returns it normalised (trimmed, upper-case X). Every failure is
// an *Error whose message tells a parent what is wrong and what to do.
func ParseResidentID(s string, today time.Time) (ResidentID, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, " ", "")
	switch {
	case s == "":
		return "", Errorf(EIDEmpty, "请输入身份证号码（18位）。")
	case len(s) == 15 && allDigits(s):
		return "", Errorf(EIDLegacy, "这是15位的旧身份证号码，系统只接受18位的新号码。请使用第二代身份证上的号码，或到人工窗口办理。")
	case len(s) != 18:
		return "", Errorf(EIDLength, "身份证号码应为18位，您输入了%d位。请核对后重新输入。", len([]rune(s)))
	case !allDigits(s[:17]) || !(isDigit(s[17]) || s[17] == 'X'):
		return "", Errorf(EIDChars, "身份证号码只能包含数字，最后一位可以是X。请核对后重新输入。")
	case !provinceCodes[s[:2]]:
		return "", Errorf(EIDProvince, "身份证号码前两位“%s”不是有效的省份代码，请核对后重新输入。", s[:2])
	}
	birth, ok := parseIDDate(s[6:14])
	if !ok {
		return "", Errorf(EIDDate, "身份证号码中的出生日期“%s”不是真实的日期，请核对第7到14位。", s[6:14])
	}
	if birth.After(dayOf(today)) {
		return "", Errorf(EIDFuture, "身份证号码中的出生日期在今天之后，请核对第7到14位。")
	}
	if birth.Year() < 1900 {
		return "", Errorf(EIDDate, "身份证号码中的出生年份“%d”不正确，请核对第7到10位。", birth.Year())
	}
	if c := IDCheckChar(s[:17]); c != s[17] {
		return "", Errorf(EIDCheck, "身份证号码最后一位（校验位）不对，号码中可能有一位输错了。请对照身份证逐位核对。")
	}
	return ResidentID(s), nil
}

// MustResidentID parses s as of a fixed far-future day and panics on error:
// for tests and generated data whose IDs are valid by construction.
func MustResidentID(s string) ResidentID {
	id, err := ParseResidentID(s, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	return id
}

// BirthDate returns the date of birth encoded in the number.
func (id ResidentID) BirthDate() time.Time {
	d, _ := parseIDDate(string(id[6:14]))
	return d
}

// Sex returns the sex encoded in the sequence digit (odd male, even female).
func (id ResidentID) Sex() Sex {
	if (id[16]-'0')%2 == 1 {
		return Male
	}
	return Female
}

// AreaCode returns the six-digit administrative area code of first issue.
func (id ResidentID) AreaCode() string { return string(id[:6]) }

// Masked returns the number as it may be shown or printed after entry: the
// area code and the last four characters, the birth date hidden.
func (id ResidentID) Masked() string {
	if len(id) != 18 {
		return strings.Repeat("*", len(id))
	}
	return string(id[:6]) + "********" + string(id[14:])
}

// String returns the masked form, so that an ID formatted by accident into a
// log or a message never shows in full. Use string(id) where the full number
// is really needed.
func (id ResidentID) String() string { return id.Masked() }

// GoString masks too, for %#v.
func (id ResidentID) GoString() string { return `"` + id.Masked() + `"` }

// MakeResidentID builds a valid ID number from an area code, a birth date and
// a three-digit sequence (odd for a male): the generator's and tests' helper.
func MakeResidentID(area string, birth time.Time, seq int) ResidentID {
	first := area + birth.Format("20060102") + pad3(seq)
	return ResidentID(first + string(IDCheckChar(first)))
}

func pad3(n int) string {
	b := []byte{'0', '0', '0'}
	for i := 2; i >= 0 && n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

func parseIDDate(s string) (time.Time, bool) {
	d, err := time.Parse("20060102", s)
	return d, err == nil
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
