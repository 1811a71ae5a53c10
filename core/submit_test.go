package core_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
)

func draftFor(t *testing.T, addr core.Address) core.Application {
	t.Helper()
	c := town(t)
	household(t, c, addr, kid)
	owns(t, c, addr, full(dad, 100))
	r := core.Registrar{Sources: core.SourcesOf(c), Policy: testPolicy(), Now: func() time.Time { return day(2027, 6, 15) }}
	res, err := r.Lookup(t.Context(), string(dad), string(kid), core.Primary)
	if err != nil {
		t.Fatal(err)
	}
	return res.Application
}

func TestSubmit(t *testing.T) {
	at := time.Date(2027, 6, 15, 9, 30, 0, 0, time.UTC)
	d := draftFor(t, home)
	a, err := core.Submit(core.Submission{Draft: d, Phone: "138 0537 1234", Consent: true, KioskID: "K-001", At: at})
	if err != nil {
		t.Fatal(err)
	}
	if a.State != core.StateSubmitted || a.Phone != "13805371234" || len(a.Choices) != 1 || a.KioskID != "K-001" {
		t.Fatalf("application = %+v", a)
	}
	if !regexp.MustCompile(`^[0-9]{4}-[0-9]{4}-[0-9]{4}$`).MatchString(a.RegNo) {
		t.Errorf("reg no = %q", a.RegNo)
	}
	d.ID = a.ID
	b, err := core.Submit(core.Submission{Draft: d, Phone: "13805371234", Consent: true, KioskID: "K-001", At: at})
	if err != nil || b.ID != a.ID || b.RegNo != a.RegNo {
		t.Errorf("resubmitting the same draft must give the same application: %v %v/%v", err, b.RegNo, a.RegNo)
	}
}

func TestSubmitRefuses(t *testing.T) {
	at := time.Date(2027, 6, 15, 9, 30, 0, 0, time.UTC)
	multi := draftFor(t, home2)
	zone := multi.Decision.Schools()
	ineligible := draftFor(t, home)
	ineligible.Decision.Eligible = false
	tests := []struct {
		name string
		s    core.Submission
		code string
	}{
		{"NotEligible", core.Submission{Draft: ineligible, Phone: "13805371234", Consent: true}, core.ENotEligible},
		{"NoPhone", core.Submission{Draft: multi, Consent: true, Choices: zone}, core.EPhone},
		{"ShortPhone", core.Submission{Draft: multi, Phone: "1380537123", Consent: true, Choices: zone}, core.EPhone},
		{"LandlinePrefix", core.Submission{Draft: multi, Phone: "05372345678", Consent: true, Choices: zone}, core.EPhone},
		{"TwelvePrefix", core.Submission{Draft: multi, Phone: "12805371234", Consent: true, Choices: zone}, core.EPhone},
		{"NoConsent", core.Submission{Draft: multi, Phone: "13805371234", Choices: zone}, core.EConsent},
		{"UnrankedMulti", core.Submission{Draft: multi, Phone: "13805371234", Consent: true}, core.EChoices},
		{"Repeated", core.Submission{Draft: multi, Phone: "13805371234", Consent: true, Choices: []core.School{zone[0], zone[0]}}, core.EChoices},
		{"Foreign", core.Submission{Draft: multi, Phone: "13805371234", Consent: true, Choices: []core.School{zone[0], {Code: "X9"}}}, core.EChoices},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.At = at
			_, err := core.Submit(tc.s)
			if core.ErrorCode(err) != tc.code || !core.IsInvalid(err) || core.ErrorMessage(err) == "" {
				t.Errorf("err = %v (%s), want %s", err, core.ErrorCode(err), tc.code)
			}
		})
	}
	reversed := []core.School{zone[1], zone[0]}
	a, err := core.Submit(core.Submission{Draft: multi, Phone: "19905371234", Consent: true, Choices: reversed, At: at})
	if err != nil || a.Choices[0].Code != zone[1].Code {
		t.Errorf("a valid ranking is kept in the parent's order: %v %+v", err, a.Choices)
	}
}

// TestRegNo: the number a grandparent copies down is digits only, the same
// for the same application, and different applications rarely share one.
func TestRegNo(t *testing.T) {
	id := "3f2a9c4e-1b7d-4e2f-9a3b-5c6d7e8f9a0b"
	at := time.Date(2027, 6, 15, 9, 30, 0, 0, time.UTC)
	// 0x3f2a9c4e1b7d = 69452243540861; mod 10^11 = 52243540861: the
	// first digit of a number without a device prefix is always 0.
	if got := core.RegNo(id, core.Primary, at); got != "0522-4354-0861" {
		t.Errorf("RegNo(%s) = %q, want 0522-4354-0861", id, got)
	}
	if core.RegNo(id, core.Junior, at.AddDate(1, 0, 0)) != core.RegNo(id, core.Primary, at) {
		t.Error("the number must follow from the application ID alone")
	}
	if got := core.RegNo("not-a-uuid", core.Primary, at); !regexp.MustCompile(`^[0-9]{4}-[0-9]{4}-[0-9]{4}$`).MatchString(got) {
		t.Errorf("RegNo of a non-UUID ID = %q", got)
	}
	// Distinct IDs give distinct numbers: IDs whose first 48 bits differ
	// (below 10^11) never share one. Random IDs can, rarely (11 digits:
	// about 0.2 % for 20,000 numbers), which is why the kiosk store and the
	// engine refuse a duplicate and enrolled kiosks number by prefix.
	seen := map[string]bool{}
	for i := range 20000 {
		id := fmt.Sprintf("%08x-%04x-4e2f-9a3b-5c6d7e8f9a0b", uint32(i*7919), uint16(i))
		n := core.RegNo(id, core.Primary, at)
		if seen[n] {
			t.Fatalf("IDs that differ give the same number %s", n)
		}
		seen[n] = true
	}
}

// TestPrefixedRegNo: an enrolled kiosk's numbers carry its prefix, never
// repeat, do not look sequential, and give back their sequence number.
func TestPrefixedRegNo(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for seq := int64(1); seq <= 20000; seq++ {
		n, err := core.PrefixedRegNo(4711, seq)
		if err != nil || !strings.HasPrefix(n, "4711-") || !regexp.MustCompile(`^[0-9]{4}-[0-9]{4}-[0-9]{4}$`).MatchString(n) {
			t.Fatalf("PrefixedRegNo(4711, %d) = %q, %v", seq, n, err)
		}
		if seen[n] {
			t.Fatalf("sequence number %d repeats %s", seq, n)
		}
		seen[n] = true
		if got, ok := core.RegSeq(n, 4711); !ok || got != seq {
			t.Fatalf("RegSeq(%s) = %d, %v; want %d", n, got, ok, seq)
		}
		if core.NormalRegNo(strings.ReplaceAll(n, "-", " ")) != n || core.RegNoPrefix(n) != 4711 {
			t.Fatalf("%s does not read back", n)
		}
		if seq == 2 && n[5:9] == prev[5:9] {
			t.Errorf("neighbouring numbers %s and %s look sequential", prev, n)
		}
		prev = n
	}
	if _, ok := core.RegSeq(prev, 4712); ok {
		t.Error("a number read back under another prefix")
	}
	if core.RegNoPrefix(core.RegNo(core.NewApplicationID(), core.Primary, time.Now())) != 0 {
		t.Error("a number without a prefix reads as having one")
	}
	for _, bad := range []struct {
		prefix int
		seq    int64
	}{{999, 1}, {10000, 1}, {4711, 0}, {4711, core.MaxRegSeq + 1}} {
		if _, err := core.PrefixedRegNo(bad.prefix, bad.seq); err == nil || core.ErrorMessage(err) == "" {
			t.Errorf("PrefixedRegNo(%d, %d) accepted", bad.prefix, bad.seq)
		}
	}
}

func TestNormalRegNo(t *testing.T) {
	for in, want := range map[string]string{
		"4502-8609-5229":    "4502-8609-5229",
		" 4502 8609 5229 ":  "4502-8609-5229",
		"450286095229":      "4502-8609-5229",
		"４５０２８６０９５２２９":      "4502-8609-5229",
		"jn27p-4f7k9-q2mxh": "JN27P-4F7K9-Q2MXH", // a number from before the digits-only format
		"4502-8609":         "4502-8609",
	} {
		if got := core.NormalRegNo(in); got != want {
			t.Errorf("NormalRegNo(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	if got := core.MaskPhone("13805371234"); got != "138****1234" || strings.Contains(got, "0537") {
		t.Errorf("MaskPhone = %s", got)
	}
}
