package core

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Submission is what a parent confirms at the end of the kiosk flow.
type Submission struct {
	Draft   Application // from Registrar.Lookup
	Choices []School    // ranked; exactly the zone's schools for a multi-school zone
	Phone   string      // mobile number for SMS notices
	Consent bool        // agreed to the privacy notice
	KioskID string
	At      time.Time
	// RegPrefix and RegSeq, when RegPrefix is set, make the registration
	// number PrefixedRegNo(RegPrefix, RegSeq): the device's prefix the
	// engine assigned at enrolment and the kiosk's next sequence number.
	// Unset: RegNo from the application ID (a kiosk not enrolled yet).
	RegPrefix int
	RegSeq    int64
}

// Problem codes for a submission the kiosk must refuse.
const (
	ENotEligible = "invalid_not_eligible"
	EPhone       = "invalid_phone"
	EConsent     = "invalid_consent"
	EChoices     = "invalid_choices"
)

// Submit turns a confirmed draft into a submitted application: it checks
// the parent's answers, fixes the ranked choices, and gives the application
// its ID and registration number. The draft's ID is kept if it has one, so
// submitting the same session twice yields the same application.
func Submit(s Submission) (Application, error) {
	a := s.Draft
	pending := a.Decision.Pending() // no data check yet: the engine decides, and fills the zone's schools
	if !a.Decision.Eligible && !pending {
		return Application{}, Errorf(ENotEligible, "这份报名不符合自助报名条件，不能提交。"+CounterAdvice)
	}
	phone, err := ParsePhone(s.Phone)
	if err != nil {
		return Application{}, err
	}
	if !s.Consent {
		return Application{}, Errorf(EConsent, "请先阅读并同意个人信息使用说明，才能提交报名。")
	}
	var choices []School
	if !pending {
		if choices, err = checkChoices(a.Decision.Schools(), s.Choices); err != nil {
			return Application{}, err
		}
	}
	if a.ID == "" {
		a.ID = NewApplicationID()
	}
	if s.RegPrefix > 0 {
		if a.RegNo, err = PrefixedRegNo(s.RegPrefix, s.RegSeq); err != nil {
			return Application{}, err
		}
	} else {
		a.RegNo = RegNo(a.ID, a.Stage, s.At)
	}
	a.Phone, a.Choices, a.KioskID, a.CreatedAt = phone, choices, s.KioskID, s.At
	a.History = nil
	a.State = StateDraft
	if err := a.Transition(StateSubmitted, "kiosk:"+s.KioskID, "", s.At); err != nil {
		return Application{}, err
	}
	return a, nil
}

// checkChoices accepts a ranking that names each zone school exactly once;
// with no ranking given, the zone's own order stands (single-school zones).
func checkChoices(zone, ranked []School) ([]School, error) {
	if len(zone) == 0 {
		return nil, Errorf(EChoices, "没有找到对应的学校。"+CounterAdvice)
	}
	if len(ranked) == 0 && len(zone) == 1 {
		return zone, nil
	}
	if len(ranked) != len(zone) {
		return nil, Errorf(EChoices, "请给学区内的%d所学校都排好顺序。", len(zone))
	}
	seen := map[string]bool{}
	for _, r := range ranked {
		found := false
		for _, z := range zone {
			found = found || z.Code == r.Code
		}
		if !found || seen[r.Code] {
			return nil, Errorf(EChoices, "学校顺序有误，请重新选择。")
		}
		seen[r.Code] = true
	}
	return ranked, nil
}

// ParsePhone accepts a mainland mobile number: 11 digits starting 13–19.
// Spaces and dashes are ignored.
func ParsePhone(s string) (string, error) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", Errorf(EPhone, "请输入手机号码，用于接收报名结果短信。")
	case len(s) != 11 || !allDigits(s):
		return "", Errorf(EPhone, "手机号码应为11位数字，您输入了%d位。请核对后重新输入。", len([]rune(s)))
	case s[0] != '1' || s[1] < '3':
		return "", Errorf(EPhone, "手机号码应以13到19开头，请核对后重新输入。")
	}
	return s, nil
}

// MaskPhone shows a phone number as 138****5678.
func MaskPhone(p string) string {
	if len(p) != 11 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + "****" + p[7:]
}

// NewApplicationID returns a random RFC 4122 version-4 UUID.
func NewApplicationID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("core: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// RegNo derives the registration number printed on the receipt of a
// kiosk not (yet) enrolled with an engine from the application ID: twelve
// digits in groups of four, the first always 0, e.g. 0829-1047-5562.
// Digits only, because the number is read aloud at the counter, typed on
// a phone keypad and copied by hand by people who may not read Latin
// letters: no letter can be mistaken for a digit (O/0, I/1, Z/2, S/5, B/8).
// The eleven digits are the first 48 random bits of the UUID modulo
// 10^11: the kiosk store refuses a duplicate, and the engine (a unique
// index) too. An enrolled kiosk numbers by PrefixedRegNo instead, unique
// across kiosks by construction; its numbers never start with 0.
//
// Stage and year are not part of the number (the receipt prints both in
// words); the parameters stay so that callers need not change.
func RegNo(appID string, stage Stage, at time.Time) string {
	_, _ = stage, at
	raw, err := hex.DecodeString(strings.ReplaceAll(appID, "-", ""))
	if err != nil || len(raw) < 6 {
		sum := sha256.Sum256([]byte(appID))
		raw = sum[:]
	}
	var v uint64
	for _, b := range raw[:6] {
		v = v<<8 | uint64(b)
	}
	d := fmt.Sprintf("%012d", v%100_000_000_000)
	return d[:4] + "-" + d[4:8] + "-" + d[8:]
}

// NormalRegNo turns what someone typed or read out (spaces, no dashes,
// full-width digits) into the stored form 3829-1047-5562. Anything that
// is not twelve digits comes back trimmed and upper-cased, so a number
// printed before this format (JN27P-…) can still be looked up.
func NormalRegNo(s string) string {
	var digits []rune
	other := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, r)
		case r >= '０' && r <= '９':
			digits = append(digits, '0'+(r-'０'))
		case r == ' ' || r == '-' || r == '　' || r == '－':
		default:
			other = true
		}
	}
	if other || len(digits) != 12 {
		return strings.ToUpper(strings.TrimSpace(s))
	}
	d := string(digits)
	return d[:4] + "-" + d[4:8] + "-" + d[8:]
}
