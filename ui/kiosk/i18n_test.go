package kiosk_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"enrolldesk/assets"
	"enrolldesk/core"
	"enrolldesk/ui/kiosk"
)

func translations(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, name := range []string{"zh-Hans.json", "en.json"} {
		data, err := fs.ReadFile(assets.Translations(), name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = m
	}
	return out
}

func TestTranslationFilesHaveTheSameKeys(t *testing.T) {
	tr := translations(t)
	zh, en := tr["zh-Hans.json"], tr["en.json"]
	for k, v := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("zh-Hans.json: %q is empty", k)
		}
	}
	for k, v := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh-Hans.json lacks %q", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("en.json: %q is empty", k)
		}
	}
}

var keyLiteral = regexp.MustCompile(`lang\.L\("([^"]+)"`)

func TestEveryKeyInTheSourceIsTranslated(t *testing.T) {
	tr := translations(t)
	// Every ui package: the shared one, the kiosk and the staff desk.
	files, err := filepath.Glob("../*.go")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("../*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, more...)
	used := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyLiteral.FindAllStringSubmatch(string(src), -1) {
			used++
			for name, keys := range tr {
				if _, ok := keys[m[1]]; !ok {
					t.Errorf("%s: key %q is missing from %s", f, m[1], name)
				}
			}
		}
	}
	if used < 100 {
		t.Errorf("found only %d lang.L keys: is the scan broken?", used)
	}
}

func TestCodesFromCoreAreTranslated(t *testing.T) {
	tr := translations(t)
	var keys []string
	for _, c := range []string{core.PNoRecords, core.PTooYoung, core.PNoCityStudent, core.PGuardianMismatch,
		core.PInsuranceShort, core.PNoEmployment, core.PNoResidence, core.PPropertyLocked, core.PShareTooSmall,
		core.PNotResidential, core.POutOfZone, core.PDataConflict, core.PNoBasis, "rare_name",
		core.PNotGraduating, core.PGuardianNotParent, core.PGrandparentHomeElsewhere, core.PInsuranceNotCurrent,
		core.PZoneAmbiguous, core.PPendingCheck, core.PDecisionChanged} {
		keys = append(keys, "problem."+c)
	}
	for _, c := range []string{core.EINVALID, core.ENOTFOUND, core.ECONFLICT, core.EINTERNAL,
		core.EIDEmpty, core.EIDLegacy, core.EIDLength, core.EIDChars, core.EIDProvince, core.EIDDate,
		core.EIDFuture, core.EIDCheck, core.ENotEligible, core.EPhone, core.EConsent, core.EChoices} {
		keys = append(keys, "error."+c)
	}
	for _, s := range []core.Source{core.SrcHukou, core.SrcBirth, core.SrcProperty, core.SrcContract, core.SrcRental,
		core.SrcPermit, core.SrcInsurance, core.SrcBusiness, core.SrcEnterprise, core.SrcStudent, core.SrcCatchment} {
		keys = append(keys, "source."+string(s))
	}
	for _, s := range []core.Status{core.Matched, core.Mismatched, core.Missing} {
		keys = append(keys, "status."+string(s))
	}
	for _, k := range keys {
		for name, m := range tr {
			if _, ok := m[k]; !ok {
				t.Errorf("%s lacks %q", name, k)
			}
		}
	}
}

func TestSetLanguageSwitchesFyne(t *testing.T) {
	test.NewApp()
	t.Cleanup(func() { _ = kiosk.SetLanguage(kiosk.LangChinese) })
	for _, tc := range []struct{ tag, want string }{
		{kiosk.LangEnglish, "Start over"},
		{kiosk.LangChinese, "重新开始"},
		{kiosk.LangEnglish, "Start over"},
		{"", "重新开始"},
	} {
		if err := kiosk.SetLanguage(tc.tag); err != nil {
			t.Fatal(err)
		}
		if got := lang.L("nav.restart"); got != tc.want {
			t.Errorf("after SetLanguage(%q): %q, want %q", tc.tag, got, tc.want)
		}
	}
	t.Run("UnderTheCLocale", func(t *testing.T) {
		t.Setenv("LC_ALL", "C")
		if err := kiosk.SetLanguage(kiosk.LangChinese); err != nil {
			t.Fatal(err)
		}
		if got := lang.L("nav.restart"); got != "重新开始" {
			t.Errorf("LC_ALL=C: %q", got)
		}
	})
}

func TestEnglishWelcome(t *testing.T) {
	r := newRig(t)
	w := at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if !shows(r.win, "小学一年级") {
		t.Fatal("the welcome screen is not in Chinese by default")
	}
	test.Tap(w.English)
	w = at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	for _, s := range []string{"School Enrollment", "Primary, grade 1", "Junior high, grade 1", "Large text: off"} {
		if !shows(r.win, s) {
			t.Errorf("%q is not on the English welcome screen: %q", s, texts(r.win))
		}
	}
	if shows(r.win, "小学一年级") {
		t.Error("Chinese left on the English welcome screen")
	}
	if r.win.Title() != "School Enrollment" {
		t.Errorf("window title %q", r.win.Title())
	}
	// English all the way to the reasons, which come from core in Chinese.
	test.Tap(w.Primary)
	test.Tap(at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent).Agree)
	test.Tap(at[*kiosk.IDCardScreen](r, kiosk.ScreenGuardianCard).Demo[famTooYoung])
	test.Tap(at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard).Demo[famTooYoung])
	s := at[*kiosk.NotEligibleScreen](r, kiosk.ScreenNotEligible)
	if len(s.Reasons) == 0 || !strings.Contains(s.Reasons[0].Message(), "will not be 6") {
		t.Errorf("reasons in English: %q", noticeTexts(s.Reasons))
	}
	test.Tap(s.Restart)
	w = at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if r.k.Language() != kiosk.LangEnglish {
		t.Error("重新开始 dropped the chosen language")
	}
	test.Tap(w.Chinese)
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if !shows(r.win, "小学一年级") {
		t.Error("switching back to Chinese did not take")
	}
}

func TestEnglishEvidenceAndErrors(t *testing.T) {
	r := newRig(t, withLanguage(kiosk.LangEnglish))
	cardsThrough(r, famConsistent)
	cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	var lines []string
	for _, e := range cf.Evidence {
		lines = append(lines, e.Message())
	}
	if !slices.ContainsFunc(lines, func(s string) bool { return strings.HasPrefix(s, "Household register: verified — ") }) {
		t.Errorf("evidence in English: %q", lines)
	}
	if cf.Child["sex"].Text != "Male" && cf.Child["sex"].Text != "Female" {
		t.Errorf("sex %q", cf.Child["sex"].Text)
	}
	test.Tap(cf.Next)
	ph := at[*kiosk.PhoneScreen](r, kiosk.ScreenPhone)
	typeOn(t, ph.Pad, "1380537")
	if !strings.Contains(plain(ph.Pad.Count), "4 to go") || !ph.Next.Disabled() {
		t.Errorf("a short phone number in English: %q, OK disabled %v", plain(ph.Pad.Count), ph.Next.Disabled())
	}
}
