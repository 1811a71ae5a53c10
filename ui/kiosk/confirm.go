package kiosk

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// ConfirmScreen shows the application the data filled in. It opens with
// one plain sentence built from the decision (您家住址对应文昌小学；…), then
// the child, the guardians, the address, the category with what it means
// in plain words, and the school(s). The evidence — every source in plain
// words with an icon and a word for its status — opens in place under
// 查看依据; 信息不对？ says, in place, where to get help. ID numbers are
// masked.
type ConfirmScreen struct {
	Sentence        *widget.Label
	Child           map[string]*widget.Label // "name", "id", "sex", "birth"
	Guardians       []*widget.Label
	Address         *widget.Label
	Category        *widget.Label
	CategoryMeaning *widget.Label // the category in plain words; "" for an unknown key
	Schools         *widget.Label
	ShowEvidence    *widget.Button // 查看依据 / 收起依据
	Evidence        []*Notice      // inside the evidence panel, hidden until 查看依据
	Notes           []*Notice      // non-blocking problems: what they mean
	WrongInfo       *widget.Button // 信息不对？
	Help            *Notice        // where to get help; shown by 信息不对？
	Nav

	k             *Kiosk
	evidencePanel fyne.CanvasObject
	labels        []*widget.Label // everything personal, for clear
	content       fyne.CanvasObject
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
	s.CategoryMeaning = k.text(w.categoryMeaning(d))
	s.CategoryMeaning.Importance = widget.LowImportance
	if s.CategoryMeaning.Text == "" {
		s.CategoryMeaning.Hide()
	}
	s.Schools = k.text(schoolNames(d))
	where := k.form(k.fieldLabel(lang.L("confirm.address")), s.Address,
		k.fieldLabel(lang.L("confirm.category")), container.NewVBox(s.Category, s.CategoryMeaning),
		k.fieldLabel(lang.L("confirm.schools")), s.Schools)

	checks := container.NewVBox()
	for _, e := range d.Evidence {
		n := k.notice()
		n.set(evidenceKind(e.Status), w.evidence(e))
		s.Evidence = append(s.Evidence, n)
		checks.Add(n.object())
	}

	s.Sentence = k.subheading(w.sentence(d))
	s.Sentence.TextStyle = fyne.TextStyle{Bold: true}
	s.labels = append(s.labels, s.Sentence)

	top := container.NewGridWithColumns(2,
		k.panel(lang.L("confirm.child"), child),
		container.NewVBox(k.panel(lang.L("confirm.guardians"), family), k.panel(lang.L("confirm.where"), where)))
	// The sentence, then the two questions a parent may have, each opening
	// its answer right below it, where the eye already is; then the details.
	body := container.NewVBox(s.Sentence)
	if notes := s.notes(d); notes != nil {
		body.Add(notes)
	}
	s.ShowEvidence = k.button(lang.L("confirm.showEvidence"), theme.ListIcon(), s.toggleEvidence)
	s.evidencePanel = k.panel(lang.L("confirm.evidence"), checks)
	if size := k.win.Canvas().Size(); size.Height <= size.Width {
		s.evidencePanel.Hide()
	} else {
		// A portrait panel has the height: the evidence is open from the start.
		s.ShowEvidence.SetText(lang.L("confirm.hideEvidence"))
	}
	s.WrongInfo = k.button(lang.L("confirm.wrongInfo"), theme.QuestionIcon(), s.toggleHelp)
	s.Help = k.notice()
	body.Add(container.NewHBox(k.touchSized(s.ShowEvidence, 3), k.touchSized(s.WrongInfo, 3)))
	body.Add(s.Help.object())
	body.Add(s.evidencePanel)
	body.Add(top)

	s.Nav = k.nav(k.showChildID, k.primary(lang.L("confirm.next"), theme.NavigateNextIcon(), k.afterConfirm))
	s.content = k.frame(stepCheck, lang.L("confirm.title"), k.scroll(body), s.Nav)
	return s
}

// toggleEvidence opens the evidence in place, or closes it again.
func (s *ConfirmScreen) toggleEvidence() {
	if s.evidencePanel.Visible() {
		s.evidencePanel.Hide()
		s.ShowEvidence.SetText(lang.L("confirm.showEvidence"))
	} else {
		s.evidencePanel.Show()
		s.ShowEvidence.SetText(lang.L("confirm.hideEvidence"))
	}
	s.k.relayout()
}

// EvidenceShown reports whether the evidence is open.
func (s *ConfirmScreen) EvidenceShown() bool { return s.evidencePanel.Visible() }

// toggleHelp says where to get help when something is wrong, or hides it.
func (s *ConfirmScreen) toggleHelp() {
	if s.Help.Kind != "" {
		s.Help.clear()
		return
	}
	s.Help.set(noticeInfo, s.k.helpText())
}

// helpText says where a family gets help: the policy's counter and
// hotline, or the hall's counter when the policy names none.
func (k *Kiosk) helpText() string {
	n := k.svc.Notice
	if n.Counter == "" || n.Hotline == "" {
		return lang.L("confirm.helpCounter")
	}
	return lang.L("confirm.help", map[string]any{"Counter": n.Counter, "Hotline": n.Hotline})
}

// afterConfirm goes on to the school ranking in a multi-school zone; a
// single-school zone has nothing to choose (the sentence named the school).
func (k *Kiosk) afterConfirm() {
	if k.sess == nil || k.sess.result == nil {
		return
	}
	if k.sess.result.Decision.Zone.MultiSchool() {
		k.showSchool()
		return
	}
	k.showPhone()
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
	s.Help.clear()
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

// showConfirm is step 4's answer.
func (k *Kiosk) showConfirm() {
	if k.sess == nil || k.sess.result == nil {
		return
	}
	k.show(newConfirmScreen(k, k.sess.result))
}
