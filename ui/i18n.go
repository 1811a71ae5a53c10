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
	tag = NormalLanguage(tag)
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

func NormalLanguage(tag string) string {
	if tag == LangEnglish {
		return LangEnglish
	}
	return LangChinese
}

// Catalog knows which keys the translation files define, so that texts
// keyed by data (a policy's category, a problem code) fall back to the
// Chinese original instead of a missing-key warning.
type Catalog map[string]bool

func LoadCatalog() Catalog {
	c := Catalog{}
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

// Text returns the translation of key, or fallback when there is none.
func (c Catalog) Text(key, fallback string) string {
	if c[key] {
		return lang.L(key)
	}
	return fallback
}

// Words turns what core says in Chinese into the kiosk's language. In
// Chinese it is core's own text; in English a translation keyed by code.
type Words struct {
	English bool
	Cat     Catalog
}

// ErrorText says what went wrong and what to do. input is what the person
// typed, for messages that count characters.
func (w Words) ErrorText(err error, input string) string {
	if !w.English {
		return core.ErrorMessage(err)
	}
	code := core.ErrorCode(err)
	key := "error." + code
	if !w.Cat[key] {
		key = "error." + core.EINTERNAL
	}
	return lang.L(key, map[string]any{"N": len([]rune(input))})
}

func (w Words) Problem(p core.Problem) string {
	if !w.English {
		return p.Message
	}
	return w.Cat.Text("problem."+p.Code, p.Message)
}

func (w Words) Evidence(e core.Evidence) string {
	if !w.English {
		return e.Plain()
	}
	s := w.Cat.Text("source."+string(e.Source), e.Source.Label()) + ": " +
		w.Cat.Text("status."+string(e.Status), e.Status.Label())
	if e.Detail != "" {
		s += " — " + e.Detail
	}
	return s
}

func (w Words) Stage(s core.Stage) string {
	if s == core.Junior {
		return lang.L("stage.junior")
	}
	return lang.L("stage.primary")
}

func (w Words) Sex(s core.Sex) string {
	switch s {
	case core.Male:
		return lang.L("sex.male")
	case core.Female:
		return lang.L("sex.female")
	}
	return lang.L("sex.unknown")
}

func (w Words) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(lang.L("format.date"))
}

func (w Words) DateTime(t time.Time) string {
	if t.IsZero() {
		return lang.L("maint.never")
	}
	return t.Format(lang.L("format.datetime"))
}

// relationKeys maps core's relation Words to translation keys.
var relationKeys = map[string]string{
	"父亲": "relation.father", "母亲": "relation.mother",
	"祖父/外祖父": "relation.grandfather", "祖母/外祖母": "relation.grandmother",
}

func (w Words) Relation(r string) string {
	if r == "" {
		return lang.L("relation.unknown")
	}
	if !w.English {
		return r
	}
	return w.Cat.Text(relationKeys[r], r)
}

func (w Words) State(s core.State) string {
	if !w.English {
		return s.Label()
	}
	return w.Cat.Text("state."+string(s), s.Label())
}
