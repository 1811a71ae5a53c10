package ui

import (
	"encoding/json"
	"io/fs"
	"os"
	"time"

	"fyne.io/fyne/v2/lang"

	"enrolldesk/assets"
	"enrolldesk/core"
)

// Languages the kiosk speaks.
const (
	LangChinese = "zh-Hans"
	LangEnglish = "en"
)

// SetLanguage makes Fyne's lang package speak tag ("zh-Hans" or "en"; any
// other value means Chinese). Fyne picks its language from the
// environment whenever translations are added, so this sets LANGUAGE and
// adds the kiosk's translations again. It changes process-wide state, as
// Fyne's own language does.
func SetLanguage(tag string) error {
	tag = normalLanguage(tag)
	short, full := "zh_CN", "zh_CN.UTF-8"
	if tag == LangEnglish {
		short, full = "en_US", "en_US.UTF-8"
	}
	if err := os.Setenv("LANGUAGE", short); err != nil {
		return err
	}
	// LANGUAGE is ignored under the C or POSIX locale (and when no locale is
	// set); give the locale variable that decides a real value then.
	if v, name := effectiveLocaleVar(); v == "" || v == "C" || v == "POSIX" {
		if err := os.Setenv(name, full); err != nil {
			return err
		}
	}
	return lang.AddTranslationsFS(assets.TranslationsEmbed())
}

// effectiveLocaleVar returns the value and name of the first of LC_ALL,
// LC_MESSAGES and LANG that is set, as go-locale reads them; LANG when none is.
func effectiveLocaleVar() (value, name string) {
	for _, n := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(n); v != "" {
			return v, n
		}
	}
	return "", "LANG"
}

func normalLanguage(tag string) string {
	if tag == LangEnglish {
		return LangEnglish
	}
	return LangChinese
}

// catalog knows which keys the translation files define, so that texts
// keyed by data (a policy's category, a problem code) fall back to the
// Chinese original instead of a missing-key warning.
type catalog map[string]bool

func loadCatalog() catalog {
	c := catalog{}
	data, err := fs.ReadFile(assets.Translations(), "en.json")
	if err != nil {
		return c
	}
	var m map[string]string
	if json.Unmarshal(data, &m) == nil {
		for k := range m {
			c[k] = true
		}
	}
	return c
}

// text returns the translation of key, or fallback when there is none.
func (c catalog) text(key, fallback string) string {
	if c[key] {
		return lang.L(key)
	}
	return fallback
}

// words turns what core says in Chinese into the kiosk's language. In
// Chinese it is core's own text; in English a translation keyed by code.
type words struct {
	english bool
	cat     catalog
}

// errorText says what went wrong and what to do. input is what the person
// typed, for messages that count characters.
func (w words) errorText(err error, input string) string {
	if !w.english {
		return core.ErrorMessage(err)
	}
	code := core.ErrorCode(err)
	key := "error." + code
	if !w.cat[key] {
		key = "error." + core.EINTERNAL
	}
	return lang.L(key, map[string]any{"N": len([]rune(input))})
}

func (w words) problem(p core.Problem) string {
	if !w.english {
		return p.Message
	}
	return w.cat.text("problem."+p.Code, p.Message)
}

func (w words) evidence(e core.Evidence) string {
	if !w.english {
		return e.Plain()
	}
	s := w.cat.text("source."+string(e.Source), e.Source.Label()) + ": " +
		w.cat.text("status."+string(e.Status), e.Status.Label())
	if e.Detail != "" {
		s += " — " + e.Detail
	}
	return s
}

func (w words) stage(s core.Stage) string {
	if s == core.Junior {
		return lang.L("stage.junior")
	}
	return lang.L("stage.primary")
}

func (w words) sex(s core.Sex) string {
	switch s {
	case core.Male:
		return lang.L("sex.male")
	case core.Female:
		return lang.L("sex.female")
	}
	return lang.L("sex.unknown")
}

func (w words) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(lang.L("format.date"))
}

func (w words) dateTime(t time.Time) string {
	if t.IsZero() {
		return lang.L("maint.never")
	}
	return t.Format(lang.L("format.datetime"))
}

// relationKeys maps core's relation words to translation keys.
var relationKeys = map[string]string{
	"父亲": "relation.father", "母亲": "relation.mother",
	"祖父/外祖父": "relation.grandfather", "祖母/外祖母": "relation.grandmother",
}

func (w words) relation(r string) string {
	if r == "" {
		return lang.L("relation.unknown")
	}
	if !w.english {
		return r
	}
	return w.cat.text(relationKeys[r], r)
}

func (w words) category(d core.Decision) string {
	if d.CategoryName == "" {
		return lang.L("confirm.noCategory")
	}
	name := d.CategoryName
	if w.english {
		name = w.cat.text("category."+d.Category, d.CategoryName)
	}
	return lang.L("confirm.categoryLine", map[string]any{"Name": name, "N": d.Priority})
}

// categoryMeaning says what the decision's category means, in plain words
// (a translation per policy category key); "" for a key the translations
// do not know, such as another district's own category.
func (w words) categoryMeaning(d core.Decision) string {
	if d.Category == "" {
		return ""
	}
	return w.cat.text("categoryPlain."+d.Category, "")
}

// sentence is the confirm screen's first line, one plain sentence built
// from the decision: the school(s) the address leads to, what the category
// means, and, when the household register showed it, that the child and
// the guardian are on the same 户口簿 (e.g. 您家住址对应文昌小学；孩子的户口
// 就在您家自己的房子里；孩子和爸爸在同一本户口簿上。).
func (w words) sentence(d core.Decision) string {
	more := ""
	if why := w.categoryMeaning(d); why != "" {
		more += lang.L("confirm.clause", map[string]any{"Text": why})
	}
	if who := w.sameRegister(d); who != "" {
		more += lang.L("confirm.clause", map[string]any{"Text": lang.L("confirm.sameRegister", map[string]any{"Who": who})})
	}
	return lang.L("confirm.sentence", map[string]any{"Schools": schoolNames(d), "More": more})
}

// sameRegister names the guardian in family words (爸爸, 妈妈 …) when the
// relation came from the child's household register: matched hukou
// evidence and no birth record needed to show it (core checks the register
// first and only then the birth certificate).
func (w words) sameRegister(d core.Decision) string {
	key := familyKeys[d.Relation]
	if key == "" {
		return ""
	}
	onRegister := false
	for _, e := range d.Evidence {
		if e.Source == core.SrcBirth && e.Status == core.Matched {
			return ""
		}
		onRegister = onRegister || (e.Source == core.SrcHukou && e.Status == core.Matched)
	}
	if !onRegister {
		return ""
	}
	return lang.L(key)
}

// familyKeys maps core's relation words to the words a family uses.
var familyKeys = map[string]string{
	"父亲": "family.father", "母亲": "family.mother",
	"祖父/外祖父": "family.grandfather", "祖母/外祖母": "family.grandmother",
}

func (w words) state(s core.State) string {
	if !w.english {
		return s.Label()
	}
	return w.cat.text("state."+string(s), s.Label())
}
