package staff

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// The actions of Detail.Actions and Draft.Action.
const (
	ActionApprove = "approve"
	ActionReturn  = "return"
	ActionReject  = "reject"
)

// DetailScreen is one application opened for review: the engine's
// decision beside the kiosk's, the evidence per source side by side with
// the reviewer's status, the history and the notes, and the actions the
// caller may take (keys A, R, J; Esc closes an action or goes back).
type DetailScreen struct {
	AppID   string
	Title   *widget.Label
	Summary *widget.Label
	Message *widget.Label
	Back    *widget.Button

	Approve *widget.Button
	Return  *widget.Button
	Reject  *widget.Button

	// The open action: its reasons, text and confirm button.
	Action  string
	Reasons *widget.RadioGroup
	Preview *widget.Label // the chosen reason's words, as the family gets them
	Text    *widget.Entry
	Confirm *widget.Button
	Cancel  *widget.Button

	// Evidence has one status picker per source, by source.
	Assignee *widget.Select // whom the application is given to (review roles)
	Evidence map[core.Source]*widget.Select
	NoteText *widget.Entry
	AddNote  *widget.Button

	// Keep and Distinct resolve an open duplicate set, by set ID: keep
	// this application, or declare the members different children.
	Keep     map[string]*widget.Button
	Distinct map[string]*widget.Button

	detail   engineapi.Detail
	loaded   bool
	reasons  []engineapi.ReasonText // of the open action
	body     *fyne.Container
	panel    *fyne.Container
	bar      *fyne.Container
	content  fyne.CanvasObject
	restored bool
	notice   string // shown when the application is next shown
	d        *Desk
}

func newDetailScreen(d *Desk, appID string) *DetailScreen {
	s := &DetailScreen{d: d, AppID: appID, Evidence: map[core.Source]*widget.Select{}}
	s.Title = heading(lang.L("desk.loading"))
	s.Summary = widget.NewLabel("")
	s.Summary.Wrapping = fyne.TextWrapWord
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Message.Importance = widget.DangerImportance
	s.Message.Hide()
	s.Back = widget.NewButtonWithIcon(lang.L("desk.detail.back"), theme.NavigateBackIcon(), d.showQueue)
	s.Approve = widget.NewButtonWithIcon(lang.L("desk.action.approve"), theme.ConfirmIcon(), func() { s.open(ActionApprove) })
	s.Approve.Importance = widget.SuccessImportance
	s.Return = widget.NewButtonWithIcon(lang.L("desk.action.return"), theme.MailReplyIcon(), func() { s.open(ActionReturn) })
	s.Return.Importance = widget.WarningImportance
	s.Reject = widget.NewButtonWithIcon(lang.L("desk.action.reject"), theme.CancelIcon(), func() { s.open(ActionReject) })
	s.Reject.Importance = widget.DangerImportance
	for _, b := range []*widget.Button{s.Approve, s.Return, s.Reject} {
		b.Hide()
	}
	s.Text = widget.NewEntry()
	s.Text.OnSubmitted = func(string) { s.confirm() }
	s.Text.OnChanged = func(t string) { s.d.draft.Text = t }
	s.Preview = widget.NewLabel("")
	s.Preview.Truncation = fyne.TextTruncateEllipsis
	s.Preview.Importance = widget.LowImportance
	s.Reasons = widget.NewRadioGroup(nil, func(string) {
		s.d.draft.Reason = s.reasonID()
		say(s.Preview, s.reasonText())
		s.relayout()
	})
	s.Confirm = widget.NewButton("", s.confirm)
	s.Confirm.Importance = widget.HighImportance
	s.Cancel = widget.NewButton(lang.L("desk.action.cancel"), s.closeAction)
	s.NoteText = widget.NewEntry()
	s.NoteText.SetPlaceHolder(lang.L("desk.detail.notePH"))
	s.AddNote = widget.NewButtonWithIcon(lang.L("desk.detail.addNote"), theme.ContentAddIcon(), s.saveNote)
	s.NoteText.OnSubmitted = func(string) { s.saveNote() }

	s.body = container.NewVBox()
	s.panel = container.NewVBox()
	s.panel.Hide()
	s.Assignee = widget.NewSelect(nil, nil)
	s.Assignee.PlaceHolder = lang.L("desk.detail.assign")
	s.Assignee.Hide()
	s.bar = container.NewHBox(s.Back, container.New(&widthLayout{width: 190}, s.Assignee), layout.NewSpacer(), s.Approve, s.Return, s.Reject)
	top := container.NewVBox(s.Title, s.Summary, s.Message)
	bottom := container.NewVBox(widget.NewSeparator(), s.panel, s.bar)
	s.content = container.NewBorder(top, bottom, nil, nil, container.NewVScroll(s.body))
	return s
}

// Detail is the application as the engine last answered.
func (s *DetailScreen) Detail() engineapi.Detail { return s.detail }

// Loaded reports whether the engine answered.
func (s *DetailScreen) Loaded() bool { return s.loaded }

// load asks the engine for the application and the reason library.
func (s *DetailScreen) load() {
	var det engineapi.Detail
	var reasons engineapi.ReasonList
	s.d.later(func(ctx context.Context) error {
		var err error
		if det, err = s.d.be.Open(ctx, s.AppID); err != nil {
			return err
		}
		reasons, err = s.d.be.Reasons(ctx, engineapi.ReasonsRequest{})
		if err != nil && !sessionEnded(err) {
			reasons, err = engineapi.ReasonList{}, nil // the actions say so when used
		}
		return err
	}, func(err error) {
		if err != nil {
			s.Title.SetText(lang.L("desk.detail.failed"))
			say(s.Message, err.Error())
			return
		}
		s.d.reasons = reasons.Reasons
		s.show(det)
	})
}

// show lays the application out.
func (s *DetailScreen) show(det engineapi.Detail) {
	s.detail, s.loaded = det, true
	w := s.d.words
	a := det.App
	s.Title.SetText(lang.L("desk.detail.title", map[string]any{"RegNo": a.RegNo, "Child": a.Child.Name, "State": w.State(a.State)}))
	due := w.Date(det.Due)
	if det.Overdue {
		due += " " + lang.L("desk.queue.overdue")
	}
	s.Summary.SetText(lang.L("desk.detail.summary", map[string]any{"Received": w.DateTime(det.Received), "Due": due,
		"Age": det.AgeDays, "Assignee": s.d.personName(det.Assignee), "School": orDash(det.School)}))
	s.Message.Importance = widget.DangerImportance
	say(s.Message, "")
	if s.notice != "" {
		s.Message.Importance = widget.SuccessImportance
		say(s.Message, s.notice)
		s.notice = ""
	}

	s.body.Objects = nil
	s.Keep, s.Distinct = map[string]*widget.Button{}, map[string]*widget.Button{}
	if len(det.Duplicates) > 0 {
		s.body.Add(heading(lang.L("desk.detail.duplicates")))
		s.body.Add(s.duplicates(det))
	}
	s.body.Add(s.people(a))
	s.body.Add(heading(lang.L("desk.detail.decisions")))
	s.body.Add(s.decisions(det))
	s.body.Add(heading(lang.L("desk.detail.evidence")))
	s.body.Add(s.evidence(det.Evidence))
	s.body.Add(heading(lang.L("desk.detail.history")))
	s.body.Add(s.history(det))
	s.body.Add(heading(lang.L("desk.detail.notes")))
	for _, n := range det.Notes {
		s.body.Add(wordLabel(fmt.Sprintf("%s  %s：%s", w.DateTime(n.At), n.AuthorName, n.Text)))
	}
	if len(det.Notes) == 0 {
		s.body.Add(widget.NewLabel(lang.L("desk.detail.noNotes")))
	}
	s.body.Add(container.NewBorder(nil, nil, nil, s.AddNote, s.NoteText))
	s.body.Refresh()

	allowed := map[string]bool{}
	for _, act := range det.Actions {
		allowed[act] = true
	}
	for act, b := range map[string]*widget.Button{ActionApprove: s.Approve, ActionReturn: s.Return, ActionReject: s.Reject} {
		if allowed[act] {
			b.Show()
		} else {
			b.Hide()
		}
	}
	s.showAssignee(det)
	s.d.win.Canvas().Unfocus()
	// After signing in again: the action and the words typed before.
	if dr := s.d.draft; !s.restored && dr.AppID == s.AppID && dr.Action != "" {
		s.restored = true
		if dr.Action == "note" {
			s.NoteText.SetText(dr.Text)
		} else if allowed[dr.Action] {
			s.open(dr.Action)
			s.selectReason(dr.Reason)
			s.Text.SetText(dr.Text)
		}
	}
}

// showAssignee offers the reviewers to give the application to, with
// the present one chosen (review roles only; the engine checks).
func (s *DetailScreen) showAssignee(det engineapi.Detail) {
	if !hasRole(reviewRoles, s.d.actor.Role) || len(s.d.reviewers) == 0 {
		s.Assignee.Hide()
		return
	}
	names := []string{lang.L("desk.detail.unassigned")}
	current := names[0]
	for _, r := range s.d.reviewers {
		names = append(names, r.Name)
		if r.ID == det.Assignee {
			current = r.Name
		}
	}
	s.Assignee.OnChanged = nil
	s.Assignee.SetOptions(names)
	s.Assignee.SetSelected(current)
	s.Assignee.OnChanged = func(name string) {
		id := ""
		for _, r := range s.d.reviewers {
			if r.Name == name {
				id = r.ID
			}
		}
		if id == s.detail.Assignee {
			return
		}
		s.d.later(func(ctx context.Context) error {
			_, err := s.d.be.Assign(ctx, engineapi.AssignRequest{AppID: s.AppID, Assignee: id})
			return err
		}, func(err error) {
			if err != nil {
				say(s.Message, err.Error())
			}
			s.reload()
		})
	}
	s.Assignee.Show()
}

func (s *DetailScreen) people(a core.ApplicationView) fyne.CanvasObject {
	w := s.d.words
	lines := []string{
		lang.L("desk.detail.child", map[string]any{"Name": a.Child.Name, "ID": a.Child.ID, "Sex": a.Child.Sex, "Birth": a.Child.BirthDate, "Stage": w.Stage(a.Stage)}),
	}
	for _, g := range a.Guardians {
		lines = append(lines, lang.L("desk.detail.guardian", map[string]any{"Name": g.Name, "ID": g.ID, "Relation": w.Relation(g.Relation)}))
	}
	lines = append(lines, lang.L("desk.detail.address", map[string]any{"Address": a.Address}))
	return wordLabel(strings.Join(lines, "\n"))
}

// decisions is the engine's decision beside the kiosk's, line by line.
func (s *DetailScreen) decisions(det engineapi.Detail) fyne.CanvasObject {
	kiosk := det.Kiosk
	rows := []fyne.CanvasObject{bold(""), bold(lang.L("desk.detail.engine")), bold(lang.L("desk.detail.kiosk"))}
	add := func(key, engine, kioskText string) {
		if det.KioskPending {
			kioskText = lang.L("desk.detail.kioskPending")
		}
		e, k := wordLabel(engine), wordLabel(kioskText)
		if engine != kioskText && !det.KioskPending {
			e.Importance = widget.WarningImportance
			e.TextStyle.Bold = true
		}
		rows = append(rows, widget.NewLabel(lang.L(key)), e, k)
	}
	add("desk.detail.category", categoryText(det.Decision), categoryText(kiosk))
	add("desk.detail.schools", schoolsText(det.Decision), schoolsText(kiosk))
	add("desk.detail.relation", orDash(det.Decision.Relation), orDash(kiosk.Relation))
	add("desk.detail.problems", s.problemsText(det.Decision), s.problemsText(kiosk))
	return container.New(&columnsLayout{widths: []float32{0.14, 0.43, 0.43}}, rows...)
}

func categoryText(d core.Decision) string {
	if d.CategoryName == "" {
		return lang.L("desk.detail.noCategory")
	}
	return fmt.Sprintf("%s（%s）", d.CategoryName, lang.L("desk.detail.priority", map[string]any{"N": d.Priority}))
}

func schoolsText(d core.Decision) string {
	var names []string
	for _, sc := range d.Schools() {
		names = append(names, sc.Name)
	}
	return orDash(strings.Join(names, "、"))
}

func (s *DetailScreen) problemsText(d core.Decision) string {
	var out []string
	for _, p := range d.Problems {
		out = append(out, s.d.words.Problem(p))
	}
	if len(out) == 0 {
		return lang.L("desk.detail.noProblems")
	}
	return strings.Join(out, "\n")
}

// evidence is one row per source: what the engine found, what the kiosk
// showed, and the reviewer's status.
func (s *DetailScreen) evidence(items []engineapi.EvidenceItem) fyne.CanvasObject {
	rows := []fyne.CanvasObject{bold(lang.L("desk.detail.source")), bold(lang.L("desk.detail.engine")),
		bold(lang.L("desk.detail.kiosk")), bold(lang.L("desk.detail.status"))}
	canSet := len(s.detail.Actions) > 0
	for _, it := range items {
		if !it.Used && len(it.Engine) == 0 && len(it.Kiosk) == 0 {
			continue
		}
		it := it
		statuses := []string{evidenceName(engineapi.EvidencePending), evidenceName(engineapi.EvidenceVerified), evidenceName(engineapi.EvidenceDoubtful)}
		sel := widget.NewSelect(statuses, nil)
		sel.SetSelected(evidenceName(it.Status))
		sel.OnChanged = func(v string) { s.setEvidence(it.Source, v, sel) }
		if !canSet {
			sel.Disable()
		}
		s.Evidence[it.Source] = sel
		rows = append(rows, bold(it.Label), wordLabel(s.evidenceLines(it.Engine)), wordLabel(s.evidenceLines(it.Kiosk)), sel)
	}
	return container.New(&columnsLayout{widths: []float32{0.1, 0.37, 0.37, 0.16}}, rows...)
}

func (s *DetailScreen) evidenceLines(es []core.Evidence) string {
	if len(es) == 0 {
		return "—"
	}
	var out []string
	for _, e := range es {
		status := e.Status.Label()
		if s.d.words.English {
			status = catalog.Text("status."+string(e.Status), status)
		}
		out = append(out, status+"："+e.Detail)
	}
	return strings.Join(out, "\n")
}

func (s *DetailScreen) setEvidence(src core.Source, label string, sel *widget.Select) {
	status := ""
	for _, st := range []string{engineapi.EvidencePending, engineapi.EvidenceVerified, engineapi.EvidenceDoubtful} {
		if evidenceName(st) == label {
			status = st
		}
	}
	for _, it := range s.detail.Evidence {
		if it.Source == src && it.Status == status {
			return // the picker was set from the engine's answer
		}
	}
	s.d.later(func(ctx context.Context) error {
		_, err := s.d.be.SetEvidence(ctx, engineapi.EvidenceRequest{AppID: s.AppID, Source: src, Status: status})
		return err
	}, func(err error) {
		if err != nil {
			say(s.Message, err.Error())
		}
		s.reload()
	})
}

func (s *DetailScreen) history(det engineapi.Detail) fyne.CanvasObject {
	w := s.d.words
	var lines []string
	for _, t := range det.History {
		line := fmt.Sprintf("%s  %s → %s  %s", w.DateTime(t.At), w.State(t.From), w.State(t.To), t.Actor)
		if t.Reason != "" {
			line += "：" + t.Reason
		}
		lines = append(lines, line)
	}
	if len(det.KioskHistory) > 0 {
		lines = append(lines, lang.L("desk.detail.kioskHistory"))
		for _, t := range det.KioskHistory {
			lines = append(lines, fmt.Sprintf("  %s  %s → %s", w.DateTime(t.At), w.State(t.From), w.State(t.To)))
		}
	}
	if len(lines) == 0 {
		return widget.NewLabel("—")
	}
	return wordLabel(strings.Join(lines, "\n"))
}

// can reports whether the engine offers the action on this application.
func (s *DetailScreen) can(action string) bool {
	for _, a := range s.detail.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// open shows the action's panel: approve asks once more; return and
// reject list the library's reasons (and reject takes typed words).
func (s *DetailScreen) open(action string) {
	if !s.loaded || !s.can(action) {
		return
	}
	s.Action = action
	s.d.draft = Draft{AppID: s.AppID, Action: action}
	say(s.Message, "")
	s.reasons = nil
	var titles []string
	kind := map[string]string{ActionReturn: engineapi.ReasonKindReturn, ActionReject: engineapi.ReasonKindReject}[action]
	for _, r := range s.d.reasons {
		if r.Kind == kind && r.Latest {
			s.reasons = append(s.reasons, r)
			titles = append(titles, r.Title)
		}
	}
	s.Reasons.Options = titles
	s.Reasons.Selected = ""
	s.Reasons.Horizontal = len(titles) <= 5
	s.Reasons.Refresh()
	say(s.Preview, "")
	s.Text.SetText("")
	var items []fyne.CanvasObject
	switch action {
	case ActionApprove:
		s.Confirm.SetText(lang.L("desk.action.approveConfirm"))
		items = append(items, wordLabel(lang.L("desk.action.approveAsk", map[string]any{"RegNo": s.detail.App.RegNo})))
	case ActionReturn:
		s.Confirm.SetText(lang.L("desk.action.returnConfirm"))
		s.Text.SetPlaceHolder(lang.L("desk.action.detailPH"))
		items = append(items, bold(lang.L("desk.action.returnAsk")), s.Reasons, s.Preview)
		if len(titles) == 0 {
			items = append(items, wordLabel(lang.L("desk.action.noReasons")))
		}
	case ActionReject:
		s.Confirm.SetText(lang.L("desk.action.rejectConfirm"))
		s.Text.SetPlaceHolder(lang.L("desk.action.rejectPH"))
		items = append(items, bold(lang.L("desk.action.rejectAsk")), s.Reasons, s.Preview)
	}
	buttons := container.NewHBox(s.Cancel, s.Confirm)
	if action == ActionApprove {
		items = append(items, container.NewHBox(layout.NewSpacer(), buttons))
	} else {
		items = append(items, container.NewBorder(nil, nil, nil, buttons, s.Text))
	}
	s.panel.Objects = items
	s.panel.Show()
	s.relayout()
	s.d.report()
	s.d.win.Canvas().Unfocus() // Enter confirms, digits pick a reason
}

func (s *DetailScreen) selectReason(id string) {
	for _, r := range s.reasons {
		if r.ID == id {
			s.Reasons.SetSelected(r.Title)
		}
	}
}

func (s *DetailScreen) reasonText() string {
	for _, r := range s.reasons {
		if r.Title == s.Reasons.Selected {
			return r.Text
		}
	}
	return ""
}

func (s *DetailScreen) reasonID() string {
	for _, r := range s.reasons {
		if r.Title == s.Reasons.Selected {
			return r.ID
		}
	}
	return ""
}

func (s *DetailScreen) closeAction() {
	s.Action = ""
	s.d.draft = Draft{}
	s.panel.Hide()
	s.relayout()
	s.d.win.Canvas().Unfocus()
}

// confirm sends the open action to the engine.
func (s *DetailScreen) confirm() {
	req := engineapi.DecideRequest{AppID: s.AppID, State: s.detail.App.State, ReasonID: s.reasonID()}
	text := strings.TrimSpace(s.Text.Text)
	call := s.d.be.Approve
	switch s.Action {
	case ActionReturn:
		if req.ReasonID == "" {
			say(s.Message, lang.L("desk.action.pickReason"))
			return
		}
		if text != "" {
			req.Params = map[string]string{"detail": text}
		}
		call = s.d.be.Return
	case ActionReject:
		if req.ReasonID == "" && text == "" {
			say(s.Message, lang.L("desk.action.rejectWhy"))
			return
		}
		if req.ReasonID == "" {
			req.Text = text
		} else if text != "" {
			req.Params = map[string]string{"detail": text}
		}
		call = s.d.be.Reject
	case ActionApprove:
	default:
		return
	}
	s.Confirm.Disable()
	var ch engineapi.StatusChange
	s.d.later(func(ctx context.Context) error {
		var err error
		ch, err = call(ctx, req)
		return err
	}, func(err error) {
		s.Confirm.Enable()
		if err != nil {
			s.Message.Importance = widget.DangerImportance
			say(s.Message, err.Error())
			return
		}
		s.closeAction()
		s.notice = lang.L("desk.action.done", map[string]any{"RegNo": ch.RegNo, "State": s.d.words.State(ch.State)})
		s.reload()
	})
}

func (s *DetailScreen) reload() {
	var det engineapi.Detail
	s.d.later(func(ctx context.Context) error {
		var err error
		det, err = s.d.be.Open(ctx, s.AppID)
		return err
	}, func(err error) {
		if err != nil {
			say(s.Message, err.Error())
			return
		}
		s.show(det)
	})
}

func (s *DetailScreen) saveNote() {
	text := strings.TrimSpace(s.NoteText.Text)
	if text == "" {
		return
	}
	s.d.draft = Draft{AppID: s.AppID, Action: "note", Text: text}
	s.d.later(func(ctx context.Context) error {
		_, err := s.d.be.SaveNote(ctx, engineapi.NoteRequest{AppID: s.AppID, Text: text})
		return err
	}, func(err error) {
		if err != nil {
			say(s.Message, err.Error())
			return
		}
		s.d.draft = Draft{}
		s.NoteText.SetText("")
		s.reload()
	})
}

// draft is what is being written, for after the session ended.
func (s *DetailScreen) draft() Draft {
	dr := Draft{AppID: s.AppID, Action: s.Action}
	if s.Action != "" {
		dr.Reason, dr.Text = s.reasonID(), s.Text.Text
	} else if t := strings.TrimSpace(s.NoteText.Text); t != "" {
		dr.Action, dr.Text = "note", s.NoteText.Text
	}
	return dr
}

// relayout lays the screen out again after the action panel changed, so
// that the panel's fields get its width at once.
func (s *DetailScreen) relayout() {
	if c, ok := s.content.(*fyne.Container); ok {
		c.Refresh()
	}
	s.panel.Refresh()
}

// shortcut is a key typed outside text fields: A, R, J open an action;
// with one open, 1–9 pick its reasons.
func (s *DetailScreen) shortcut(r rune) {
	if s.Action != "" && r >= '1' && r <= '9' {
		if i := int(r - '1'); i < len(s.Reasons.Options) {
			s.Reasons.SetSelected(s.Reasons.Options[i])
		}
		return
	}
	switch r {
	case 'a', 'A':
		s.open(ActionApprove)
	case 'r', 'R':
		s.open(ActionReturn)
	case 'j', 'J':
		s.open(ActionReject)
	}
}

// enter confirms the open action.
func (s *DetailScreen) enter() {
	if s.Action != "" && !s.Confirm.Disabled() {
		s.confirm()
	}
}

// escape closes the open action, or goes back to the queue.
func (s *DetailScreen) escape() {
	if s.Action != "" {
		s.closeAction()
		return
	}
	s.d.showQueue()
}

func wordLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func bold(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// columnsLayout lays its objects in rows of len(widths) cells, each
// column the given share of the width; a row is as tall as its tallest cell.
type columnsLayout struct{ widths []float32 }

func (l *columnsLayout) rows(objs []fyne.CanvasObject, width float32) []float32 {
	n := len(l.widths)
	var hs []float32
	for i := 0; i < len(objs); i += n {
		h := float32(0)
		for j := 0; j < n && i+j < len(objs); j++ {
			o := objs[i+j]
			w := width*l.widths[j] - theme.Padding()
			if lab, ok := o.(*widget.Label); ok && lab.Wrapping != fyne.TextWrapOff && w > 0 {
				o.Resize(fyne.NewSize(w, o.MinSize().Height))
			}
			h = max(h, o.MinSize().Height)
		}
		hs = append(hs, h)
	}
	return hs
}

func (l *columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	n := len(l.widths)
	hs := l.rows(objs, size.Width)
	y := float32(0)
	for r, h := range hs {
		x := float32(0)
		for j := 0; j < n && r*n+j < len(objs); j++ {
			w := max(size.Width*l.widths[j]-theme.Padding(), 0)
			objs[r*n+j].Move(fyne.NewPos(x, y))
			objs[r*n+j].Resize(fyne.NewSize(w, h))
			x += size.Width * l.widths[j]
		}
		y += h + theme.Padding()
	}
}

func (l *columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	n := len(l.widths)
	width := float32(0)
	if len(objs) > 0 {
		width = objs[0].Size().Width / l.widths[0]
	}
	if width <= 0 {
		width = 900
	}
	hs := l.rows(objs, width)
	h := float32(0)
	for _, x := range hs {
		h += x + theme.Padding()
	}
	minW := float32(0)
	for i := 0; i < n && i < len(objs); i++ {
		minW += 60
	}
	_ = n
	return fyne.NewSize(minW, h)
}

// say shows text in l, and hides l when there is none (no empty line).
func say(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}
