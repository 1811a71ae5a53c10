package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// ConfirmScreen shows the application the data filled in: the child, the
// guardians, the address, the category and school(s), and every piece of
// evidence in plain words with an icon and a word for its status. ID
// numbers are masked.
type ConfirmScreen struct {
	Child     map[string]*widget.Label // "name", "id", "sex", "birth"
	Guardians []*widget.Label
	Address   *widget.Label
	Category  *widget.Label
	Schools   *widget.Label
	Evidence  []*Notice
	Notes     []*Notice // non-blocking problems: what they mean
	Nav

	k       *Kiosk
	labels  []*widget.Label // everything personal, for clear
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *ConfirmScreen) Name() string { return ScreenConfirm }

// Content implements Screen.
func (s *ConfirmScreen) Content() fyne.CanvasObject { return s.content }

func newConfirmScreen(k *Kiosk, r *core.LookupResult) *ConfirmScreen {
	s := &ConfirmScreen{k: k, Child: map[string]*widget.Label{}}
	w := k.words()
	a := r.Application
	d := r.Decision
	value := func(text string) *widget.Label {
		l := k.text(text)
		s.labels = append(s.labels, l)
		return l
	}

	child := k.form()
	for _, f := range []struct{ key, label, value string }{
		{"name", lang.L("confirm.name"), a.Child.Name},
		{"id", lang.L("confirm.id"), a.Child.ID.Masked()},
		{"sex", lang.L("confirm.sex"), w.sex(a.Child.Sex)},
		{"birth", lang.L("confirm.birth"), w.date(a.Child.BirthDate)},
		{"stage", lang.L("confirm.stage"), w.stage(a.Stage)},
	} {
		s.Child[f.key] = value(f.value)
		child.Add(k.fieldLabel(f.label))
		child.Add(s.Child[f.key])
	}

	family := k.form()
	for _, g := range a.Guardians {
		v := value(guardianLine(g))
		s.Guardians = append(s.Guardians, v)
		family.Add(k.fieldLabel(w.relation(g.Relation)))
		family.Add(v)
	}
	s.Address = value(a.Address.String())
	s.Category = k.text(w.category(d))
	s.Schools = k.text(schoolNames(d))
	where := k.form(k.fieldLabel(lang.L("confirm.address")), s.Address,
		k.fieldLabel(lang.L("confirm.category")), s.Category,
		k.fieldLabel(lang.L("confirm.schools")), s.Schools)

	checks := container.NewVBox()
	for _, e := range d.Evidence {
		n := k.notice()
		n.set(evidenceKind(e.Status), w.evidence(e))
		s.Evidence = append(s.Evidence, n)
		checks.Add(n.object())
	}

	top := container.NewGridWithColumns(2,
		k.panel(lang.L("confirm.child"), child),
		container.NewVBox(k.panel(lang.L("confirm.guardians"), family), k.panel(lang.L("confirm.where"), where)))
	body := container.NewVBox(top)
	if notes := s.notes(d); notes != nil {
		body.Add(notes)
	}
	body.Add(k.panel(lang.L("confirm.evidence"), checks))
	body.Add(k.text(lang.L("confirm.ifWrong")))

	s.Nav = k.nav(k.showChildID, k.primary(lang.L("confirm.next"), theme.NavigateNextIcon(), k.showSchool))
	s.content = k.frame(3, lang.L("confirm.title"), k.scroll(body), s.Nav)
	return s
}

// notes lists the problems that do not stop the application, and says
// that a person will look at it.
func (s *ConfirmScreen) notes(d core.Decision) fyne.CanvasObject {
	k := s.k
	box := container.NewVBox()
	if d.NeedsReview {
		n := k.notice()
		n.set(noticeInfo, lang.L("confirm.review"))
		s.Notes = append(s.Notes, n)
		box.Add(n.object())
	}
	for _, p := range d.Problems {
		if p.Blocking {
			continue
		}
		n := k.notice()
		n.set(noticeWarn, k.words().problem(p))
		s.Notes = append(s.Notes, n)
		box.Add(n.object())
	}
	if len(s.Notes) == 0 {
		return nil
	}
	return k.panel(lang.L("confirm.notes"), box)
}

func (s *ConfirmScreen) clear() {
	for _, l := range s.labels {
		l.SetText("")
	}
	for _, n := range append(s.Evidence, s.Notes...) {
		n.clear()
	}
}

func guardianLine(g core.Guardian) string {
	s := g.Name
	if s != "" {
		s += "  "
	}
	return s + g.ID.Masked()
}

func schoolNames(d core.Decision) string {
	var names []string
	for _, sc := range d.Schools() {
		names = append(names, sc.Name)
	}
	return strings.Join(names, "、")
}

func evidenceKind(st core.Status) string {
	switch st {
	case core.Matched:
		return noticeOK
	case core.Mismatched:
		return noticeWarn
	}
	return noticeInfo
}

// showConfirm is step 3's answer.
func (k *Kiosk) showConfirm() {
	if k.sess == nil || k.sess.result == nil {
		return
	}
	k.show(newConfirmScreen(k, k.sess.result))
}
