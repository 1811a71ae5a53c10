package staff

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui"
)

// queueStates are the states the state filter offers, in queue order.
var queueStates = []core.State{core.StateNeedsReview, core.StateVerified, core.StateReceived,
	core.StateApproved, core.StateReturned, core.StateRejected}

// queueProblems are the problem codes the problem filter offers.
var queueProblems = []string{core.PDecisionChanged, core.PPendingCheck, core.PGuardianMismatch, core.PDataConflict,
	core.PInsuranceShort, core.PNoResidence, core.PPropertyLocked, core.PShareTooSmall, core.POutOfZone,
	core.PZoneAmbiguous, core.PGuardianNotParent, core.PNoBasis}

// queueColumns are the table's columns: translation key and width.
var queueColumns = []struct {
	key   string
	width float32
}{
	{"desk.col.regNo", 132}, {"desk.col.child", 90}, {"desk.col.school", 125}, {"desk.col.category", 88},
	{"desk.col.state", 100}, {"desk.col.problems", 112}, {"desk.col.evidence", 70}, {"desk.col.due", 172},
	{"desk.col.assignee", 72}, {"desk.col.note", 60}, // the due date with its ageing must show whole: it orders the queue
}

// QueueScreen is the review queue: filters, one page of applications at a
// time (the engine pages by cursor, so 100,000 cost no more than 50), and
// the bulk approval of verified applications.
type QueueScreen struct {
	School   *widget.SelectEntry
	Category *widget.SelectEntry
	State    *widget.Select
	Problem  *widget.Select
	Evidence *widget.Select
	Mine     *widget.Check
	Overdue  *widget.Check
	Apply    *widget.Button
	Clear    *widget.Button
	Saved    *widget.Select // the person's saved filters; choosing one applies it
	SaveName *widget.Entry
	Save     *widget.Button
	Table    *widget.Table
	Prev     *widget.Button
	Next     *widget.Button
	PageInfo *widget.Label
	Message  *widget.Label
	Bulk     *widget.Button // 批量批准已核验 (review roles)
	Verify   *widget.Button // 批量核验材料: the pending evidence of the filter's applications (review roles)
	// BulkConfirm and BulkCancel confirm or drop the bulk action asked
	// for; BulkAsk says what it will do (for Verify: to how many).
	BulkConfirm *widget.Button
	BulkCancel  *widget.Button
	BulkAsk     *widget.Label
	bulkBar     *fyne.Container

	page        engineapi.QueuePage
	cursors     []string // cursor of each page shown so far; [0] is ""
	filter      engineapi.QueueFilter
	choices     bool // the pickers were filled
	saved       []engineapi.SavedFilter
	savedLoaded bool
	notice      string // shown after the next page arrives
	bottom      *fyne.Container
	actor       engineapi.Actor
	content     fyne.CanvasObject
	d           *Desk
}

// PageSize is how many rows the queue shows at a time.
const PageSize = 50

func (d *Desk) showQueue() {
	if d.queue == nil || d.queue.actor != d.actor {
		d.queue = newQueueScreen(d)
	}
	d.framed(ScreenQueue, d.queue.content)
	d.queue.load()
}

func newQueueScreen(d *Desk) *QueueScreen {
	s := &QueueScreen{d: d, cursors: []string{""}, actor: d.actor}
	s.School = widget.NewSelectEntry(nil)
	s.School.SetPlaceHolder(lang.L("desk.filter.school"))
	s.Category = widget.NewSelectEntry(nil)
	s.Category.SetPlaceHolder(lang.L("desk.filter.category"))
	states := []string{lang.L("desk.filter.any")}
	for _, st := range queueStates {
		states = append(states, d.words.State(st))
	}
	s.State = widget.NewSelect(states, nil)
	s.State.PlaceHolder = lang.L("desk.filter.state")
	problems := []string{lang.L("desk.filter.any")}
	for _, p := range queueProblems {
		problems = append(problems, problemName(p))
	}
	s.Problem = widget.NewSelect(problems, nil)
	s.Problem.PlaceHolder = lang.L("desk.filter.problem")
	s.Evidence = widget.NewSelect([]string{lang.L("desk.filter.any"), evidenceName(engineapi.EvidencePending),
		evidenceName(engineapi.EvidenceVerified), evidenceName(engineapi.EvidenceDoubtful)}, nil)
	s.Evidence.PlaceHolder = lang.L("desk.filter.evidence")
	s.Mine = widget.NewCheck(lang.L("desk.filter.mine"), nil)
	s.Overdue = widget.NewCheck(lang.L("desk.filter.overdue"), nil)
	s.Apply = widget.NewButtonWithIcon(lang.L("desk.filter.apply"), theme.SearchIcon(), s.applyFilter)
	s.Apply.Importance = widget.HighImportance
	s.Clear = widget.NewButton(lang.L("desk.filter.clear"), s.clearFilter)
	s.Saved = widget.NewSelect(nil, s.useSaved)
	s.Saved.PlaceHolder = lang.L("desk.filter.saved")
	s.SaveName = widget.NewEntry()
	s.SaveName.SetPlaceHolder(lang.L("desk.filter.saveName"))
	s.SaveName.OnSubmitted = func(string) { s.saveFilter() }
	s.Save = widget.NewButtonWithIcon(lang.L("desk.filter.save"), theme.DocumentSaveIcon(), s.saveFilter)
	s.School.OnSubmitted = func(string) { s.applyFilter() }
	s.Category.OnSubmitted = func(string) { s.applyFilter() }

	s.Table = widget.NewTableWithHeaders(
		func() (int, int) { return len(s.page.Items), len(queueColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row >= len(s.page.Items) {
				l.SetText("")
				return
			}
			l.SetText(s.cell(s.page.Items[id.Row], id.Col))
		})
	s.Table.ShowHeaderColumn = false
	s.Table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	s.Table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(queueColumns) {
			o.(*widget.Label).SetText(lang.L(queueColumns[id.Col].key))
		}
	}
	for i, c := range queueColumns {
		s.Table.SetColumnWidth(i, c.width)
	}
	s.Table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.page.Items) {
			s.Table.UnselectAll()
			d.openApp(s.page.Items[id.Row].AppID)
		}
	}
	s.Prev = widget.NewButtonWithIcon(lang.L("desk.queue.prev"), theme.NavigateBackIcon(), s.prev)
	s.Next = widget.NewButtonWithIcon(lang.L("desk.queue.next"), theme.NavigateNextIcon(), s.next)
	s.Next.IconPlacement = widget.ButtonIconTrailingText
	s.PageInfo = widget.NewLabel("")
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord

	title := heading(lang.L("desk.queue.title"))
	filters := container.NewGridWithColumns(5, s.School, s.Category, s.State, s.Problem, s.Evidence)
	checks := []fyne.CanvasObject{s.Overdue}
	if d.actor.Role != engineapi.RoleHall {
		checks = append([]fyne.CanvasObject{s.Mine}, checks...)
	}
	checks = append(checks, layout.NewSpacer(), container.New(&widthLayout{width: 170}, s.Saved),
		container.New(&widthLayout{width: 150}, s.SaveName), s.Save, s.Clear, s.Apply)
	top := []fyne.CanvasObject{title, filters, container.NewHBox(checks...)}
	if hasRole(reviewRoles, d.actor.Role) {
		s.Bulk = widget.NewButtonWithIcon(lang.L("desk.queue.bulk"), theme.ConfirmIcon(), s.askBulk)
		s.Verify = widget.NewButtonWithIcon(lang.L("desk.queue.verify"), theme.DocumentIcon(), s.askVerify)
		s.BulkConfirm = widget.NewButton(lang.L("desk.queue.bulkConfirm"), s.bulk)
		s.BulkConfirm.Importance = widget.HighImportance
		s.BulkCancel = widget.NewButton(lang.L("desk.action.cancel"), func() { s.bulkBar.Hide() })
		s.BulkAsk = widget.NewLabel(lang.L("desk.queue.bulkAsk"))
		s.BulkAsk.Wrapping = fyne.TextWrapWord
		s.bulkBar = container.NewBorder(nil, nil, nil, container.NewHBox(s.BulkCancel, s.BulkConfirm), s.BulkAsk)
		s.bulkBar.Hide()
		top = append(top, s.bulkBar)
	}
	bottom := []fyne.CanvasObject{s.Prev, s.PageInfo, s.Next, layout.NewSpacer()}
	if s.Bulk != nil {
		bottom = append(bottom, s.Verify, s.Bulk)
	}
	s.Message.Hide()
	s.bottom = container.NewVBox(s.Message, container.NewHBox(bottom...))
	s.content = container.NewBorder(container.NewVBox(top...), s.bottom, nil, nil, fillLast(s.Table, columnWidths(queueColumns)))
	return s
}

// cell is the text of one table cell.
func (s *QueueScreen) cell(it engineapi.QueueItem, col int) string {
	w := s.d.words
	switch col {
	case 0:
		if it.Duplicate {
			return it.RegNo + " " + lang.L("desk.queue.dup")
		}
		return it.RegNo
	case 1:
		if it.ChildName != "" {
			return it.ChildName
		}
		return it.Child
	case 2:
		if name := s.d.schools[it.School]; name != "" {
			return name
		}
		return it.School
	case 3:
		return it.Category
	case 4:
		return w.State(it.State)
	case 5:
		names := make([]string, 0, len(it.Problems))
		for _, p := range it.Problems {
			names = append(names, problemName(p))
		}
		return strings.Join(names, "、")
	case 6:
		return evidenceName(it.Evidence)
	case 7:
		due := lang.L("desk.queue.due", map[string]any{"Due": it.Due.Format("01-02"), "Age": it.AgeDays})
		if it.Overdue {
			due += " " + lang.L("desk.queue.overdue")
		}
		return due
	case 8:
		return s.d.personName(it.Assignee)
	case 9:
		return it.Note
	}
	return ""
}

// Rows are the applications of the page on show.
func (s *QueueScreen) Rows() []engineapi.QueueItem { return s.page.Items }

// Total is how many applications match the filter, all pages.
func (s *QueueScreen) Total() int { return s.page.Total }

// PageNumber is the page on show, from 1.
func (s *QueueScreen) PageNumber() int { return len(s.cursors) }

// currentFilter reads the filter fields.
func (s *QueueScreen) currentFilter() engineapi.QueueFilter {
	f := engineapi.QueueFilter{School: strings.TrimSpace(s.School.Text), Category: strings.TrimSpace(s.Category.Text),
		Mine: s.Mine.Checked, Overdue: s.Overdue.Checked, Limit: PageSize}
	if i := s.State.SelectedIndex(); i > 0 {
		f.State = queueStates[i-1]
	}
	if i := s.Problem.SelectedIndex(); i > 0 {
		f.Problem = queueProblems[i-1]
	}
	switch s.Evidence.SelectedIndex() {
	case 1:
		f.Evidence = engineapi.EvidencePending
	case 2:
		f.Evidence = engineapi.EvidenceVerified
	case 3:
		f.Evidence = engineapi.EvidenceDoubtful
	}
	return f
}

func (s *QueueScreen) applyFilter() {
	s.filter = s.currentFilter()
	s.cursors = []string{""}
	s.load()
}

func (s *QueueScreen) clearFilter() {
	s.School.SetText("")
	s.Category.SetText("")
	s.State.ClearSelected()
	s.Problem.ClearSelected()
	s.Evidence.ClearSelected()
	s.Mine.SetChecked(false)
	s.Overdue.SetChecked(false)
	s.applyFilter()
}

func (s *QueueScreen) next() {
	if s.page.Next == "" {
		return
	}
	s.cursors = append(s.cursors, s.page.Next)
	s.load()
}

func (s *QueueScreen) prev() {
	if len(s.cursors) < 2 {
		return
	}
	s.cursors = s.cursors[:len(s.cursors)-1]
	s.load()
}

// load asks the engine for the page at the current cursor.
func (s *QueueScreen) load() {
	f := s.filter
	f.Limit = PageSize
	f.Cursor = s.cursors[len(s.cursors)-1]
	say(s.Message, lang.L("desk.loading"))
	var page engineapi.QueuePage
	s.d.later(func(ctx context.Context) error {
		var err error
		page, err = s.d.be.Queue(ctx, f)
		return err
	}, func(err error) {
		if err != nil {
			say(s.Message, err.Error())
			return
		}
		s.page = page
		if page.Items == nil {
			s.page.Items = []engineapi.QueueItem{}
		}
		msg := s.notice
		if len(page.Items) == 0 { // after a bulk action, what it did and that none are left
			msg = strings.TrimSpace(msg + " " + lang.L("desk.queue.empty"))
		}
		say(s.Message, msg)
		s.notice = ""
		pages := (page.Total + PageSize - 1) / PageSize
		s.PageInfo.SetText(lang.L("desk.queue.page", map[string]any{"N": len(s.cursors), "Pages": max(pages, 1), "Total": page.Total}))
		if len(s.cursors) > 1 {
			s.Prev.Enable()
		} else {
			s.Prev.Disable()
		}
		if page.Next != "" {
			s.Next.Enable()
		} else {
			s.Next.Disable()
		}
		s.Table.Refresh()
		s.Table.ScrollToTop()
		if c, ok := s.content.(*fyne.Container); ok {
			c.Refresh() // the page line and the message changed size
		}
	})
	s.loadChoices()
	if !s.savedLoaded {
		s.savedLoaded = true
		s.filters(engineapi.FilterRequest{Op: "list"})
	}
}

// filters lists, saves or deletes saved filters and shows the list.
func (s *QueueScreen) filters(req engineapi.FilterRequest) {
	var list engineapi.FilterList
	s.d.later(func(ctx context.Context) error {
		var err error
		list, err = s.d.be.Filters(ctx, req)
		return err
	}, func(err error) {
		if err != nil {
			if req.Op == "save" {
				say(s.Message, err.Error())
			}
			return
		}
		s.saved = list.Filters
		names := make([]string, 0, len(list.Filters))
		for _, f := range list.Filters {
			names = append(names, f.Name)
		}
		s.Saved.SetOptions(names)
		if req.Op == "save" {
			s.SaveName.SetText("")
			say(s.Message, lang.L("desk.filter.savedDone", map[string]any{"Name": req.Name}))
		}
	})
}

func (s *QueueScreen) saveFilter() {
	name := strings.TrimSpace(s.SaveName.Text)
	if name == "" {
		say(s.Message, lang.L("desk.filter.nameFirst"))
		return
	}
	f := s.currentFilter()
	f.Limit = 0
	s.filters(engineapi.FilterRequest{Op: "save", Name: name, Filter: f})
}

// useSaved puts a saved filter in the fields and applies it.
func (s *QueueScreen) useSaved(name string) {
	for _, sf := range s.saved {
		if sf.Name != name {
			continue
		}
		f := sf.Filter
		s.School.SetText(f.School)
		s.Category.SetText(f.Category)
		s.State.ClearSelected()
		for i, st := range queueStates {
			if st == f.State {
				s.State.SetSelectedIndex(i + 1)
			}
		}
		s.Problem.ClearSelected()
		for i, p := range queueProblems {
			if p == f.Problem {
				s.Problem.SetSelectedIndex(i + 1)
			}
		}
		s.Evidence.ClearSelected()
		for i, e := range []string{engineapi.EvidencePending, engineapi.EvidenceVerified, engineapi.EvidenceDoubtful} {
			if e == f.Evidence {
				s.Evidence.SetSelectedIndex(i + 1)
			}
		}
		s.Mine.SetChecked(f.Mine)
		s.Overdue.SetChecked(f.Overdue)
		s.applyFilter()
	}
}

// loadChoices fills the school and category pickers from the heat map
// once (the city's schools and the policy's categories).
func (s *QueueScreen) loadChoices() {
	if s.choices {
		return
	}
	var m engineapi.HeatMap
	var people engineapi.ReviewerList
	s.d.later(func(ctx context.Context) error {
		var err error
		if people, err = s.d.be.Reviewers(ctx); err != nil && sessionEnded(err) {
			return err
		}
		m, err = s.d.be.HeatMap(ctx, "")
		return err
	}, func(err error) {
		for _, p := range people.Reviewers {
			s.d.people[p.ID] = p.Name
		}
		if len(people.Reviewers) > 0 {
			s.d.reviewers = people.Reviewers
		}
		if err != nil {
			return // the fields take typed codes as well
		}
		s.choices = true
		var schools []string
		for _, sc := range m.Schools {
			schools = append(schools, sc.Code)
			s.d.schools[sc.Code] = sc.Name
		}
		s.Table.Refresh()
		s.School.SetOptions(schools)
		var tiers []string
		for _, t := range m.Tiers {
			if t != engineapi.TierNone {
				tiers = append(tiers, t)
			}
		}
		s.Category.SetOptions(tiers)
	})
}

func (s *QueueScreen) askBulk() {
	s.BulkAsk.SetText(lang.L("desk.queue.bulkAsk"))
	s.BulkConfirm.SetText(lang.L("desk.queue.bulkConfirm"))
	s.BulkConfirm.OnTapped = s.bulk
	s.showBulkBar()
}

// askVerify asks before marking the pending evidence of every
// application the filter matches verified, naming how many.
func (s *QueueScreen) askVerify() {
	s.BulkAsk.SetText(lang.L("desk.queue.verifyAsk", map[string]any{"N": s.page.Total}))
	s.BulkConfirm.SetText(lang.L("desk.queue.verifyConfirm"))
	s.BulkConfirm.OnTapped = s.verify
	s.showBulkBar()
}

// verify marks the pending evidence of the filter's applications verified.
func (s *QueueScreen) verify() { s.runBulk(s.d.be.BulkVerify, "desk.queue.verifyDone") }

func (s *QueueScreen) showBulkBar() {
	s.bulkBar.Show()
	if c, ok := s.content.(*fyne.Container); ok {
		c.Refresh()
	}
}

// bulk approves every verified application the filter matches.
func (s *QueueScreen) bulk() { s.runBulk(s.d.be.BulkApprove, "desk.queue.bulkDone") }

// runBulk applies a bulk action to every application the filter matches
// (not only the page shown), then shows its count from the top.
func (s *QueueScreen) runBulk(act func(context.Context, engineapi.QueueFilter) (engineapi.BulkResult, error), doneKey string) {
	s.bulkBar.Hide()
	f := s.filter
	f.Cursor, f.Limit = "", 0
	var res engineapi.BulkResult
	say(s.Message, lang.L("desk.loading"))
	s.d.later(func(ctx context.Context) error {
		var err error
		res, err = act(ctx, f)
		return err
	}, func(err error) {
		if err != nil {
			say(s.Message, err.Error())
			return
		}
		s.cursors = []string{""}
		s.notice = lang.L(doneKey, map[string]any{"N": res.Count, "Skipped": res.Skipped})
		s.load()
	})
}

// heading is walkin.go's: a bold subheading.

// problemName is a problem code in the window's language.
func problemName(code string) string { return catalog.Text("desk.problem."+code, code) }

// catalog knows the translation keys, for texts keyed by data.
var catalog = ui.LoadCatalog()

func evidenceName(status string) string {
	switch status {
	case engineapi.EvidencePending:
		return lang.L("desk.evidence.pending")
	case engineapi.EvidenceVerified:
		return lang.L("desk.evidence.verified")
	case engineapi.EvidenceDoubtful:
		return lang.L("desk.evidence.doubtful")
	}
	return status
}

func columnWidths(cols []struct {
	key   string
	width float32
}) []float32 {
	out := make([]float32, len(cols))
	for i, c := range cols {
		out[i] = c.width
	}
	return out
}

// fillLast lays t out at its container's size and widens its last column
// to take what the others leave, so a wide window shows more of the notes
// and reasons instead of empty space.
func fillLast(t *widget.Table, widths []float32) fyne.CanvasObject {
	return container.New(&fillLastLayout{t: t, widths: widths}, t)
}

type fillLastLayout struct {
	t      *widget.Table
	widths []float32
	last   float32
}

func (l *fillLastLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	used := float32(0)
	for _, w := range l.widths[:len(l.widths)-1] {
		used += w + theme.Padding()
	}
	last := max(l.widths[len(l.widths)-1], size.Width-used-theme.ScrollBarSize()-2*theme.Padding())
	if last != l.last {
		l.last = last
		l.t.SetColumnWidth(len(l.widths)-1, last)
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l *fillLastLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }
