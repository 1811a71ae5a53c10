package kiosk

import (
	"time"

	"fyne.io/fyne/v2/lang"

	"enrolldesk/core"
	"enrolldesk/ui"
)

// Languages the kiosk speaks.
const (
	LangChinese = ui.LangChinese
	LangEnglish = ui.LangEnglish
)

// SetLanguage makes Fyne's lang package speak tag; see ui.SetLanguage.
func SetLanguage(tag string) error { return ui.SetLanguage(tag) }

func normalLanguage(tag string) string { return ui.NormalLanguage(tag) }

type catalog = ui.Catalog

func loadCatalog() catalog { return ui.LoadCatalog() }

// words turns what core says in Chinese into the kiosk's language: the
// shared ui.Words, plus the confirm screen's own sentences.
type words struct {
	english bool
	cat     catalog
}

func (w words) ui() ui.Words                             { return ui.Words{English: w.english, Cat: w.cat} }
func (w words) errorText(err error, input string) string { return w.ui().ErrorText(err, input) }
func (w words) problem(p core.Problem) string            { return w.ui().Problem(p) }
func (w words) evidence(e core.Evidence) string          { return w.ui().Evidence(e) }
func (w words) stage(s core.Stage) string                { return w.ui().Stage(s) }
func (w words) sex(s core.Sex) string                    { return w.ui().Sex(s) }
func (w words) date(t time.Time) string                  { return w.ui().Date(t) }
func (w words) dateTime(t time.Time) string              { return w.ui().DateTime(t) }
func (w words) relation(r string) string                 { return w.ui().Relation(r) }
func (w words) state(s core.State) string                { return w.ui().State(s) }

func (w words) category(d core.Decision) string {
	if d.CategoryName == "" {
		return lang.L("confirm.noCategory")
	}
	name := d.CategoryName
	if w.english {
		name = w.cat.Text("category."+d.Category, d.CategoryName)
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
	return w.cat.Text("categoryPlain."+d.Category, "")
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
