package staff

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core/engineapi"
)

// ConflictsScreen lists second applications refused for a child already
// applied for, and items the engine refused without storing them.
type ConflictsScreen struct {
	Conflicts *widget.Table
	Refused   *widget.Table
	Message   *widget.Label
	Refresh   *widget.Button
	// Duplicates are the open duplicate sets (review roles); choosing one
	// opens its first member, where the set is resolved.
	Duplicates *widget.Table
	DupMessage *widget.Label
	dups       []engineapi.DuplicateSet
	list       engineapi.ConflictList
	content    fyne.CanvasObject
	d          *Desk
}

func (d *Desk) showConflicts() {
	d.conflict = newConflictsScreen(d)
	d.framed(ScreenConflicts, d.conflict.content)
	d.conflict.load()
}

var conflictColumns = []struct {
	key   string
	width float32
}{{"desk.col.regNo", 150}, {"desk.col.child", 160}, {"desk.col.kept", 150}, {"desk.col.device", 140}, {"desk.col.at", 150}, {"desk.col.reason", 420}}

var refusedColumns = []struct {
	key   string
	width float32
}{{"desk.col.regNo", 150}, {"desk.col.child", 160}, {"desk.col.stage", 90}, {"desk.col.device", 140}, {"desk.col.at", 150}, {"desk.col.reason", 480}}

func newConflictsScreen(d *Desk) *ConflictsScreen {
	s := &ConflictsScreen{d: d}
	w := d.words
	s.Conflicts = table(len(conflictColumns), func() int { return len(s.list.Conflicts) }, func(row, col int) string {
		c := s.list.Conflicts[row]
		return []string{c.RegNo, c.Child, c.KeptRegNo, c.DeviceID, w.DateTime(c.At), c.Reason}[col]
	}, func(col int) (string, float32) { return lang.L(conflictColumns[col].key), conflictColumns[col].width })
	s.Refused = table(len(refusedColumns), func() int { return len(s.list.Refused) }, func(row, col int) string {
		r := s.list.Refused[row]
		return []string{r.RegNo, r.Child, w.Stage(r.Stage), r.DeviceID, w.DateTime(r.At), r.Reason}[col]
	}, func(col int) (string, float32) { return lang.L(refusedColumns[col].key), refusedColumns[col].width })
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Refresh = widget.NewButtonWithIcon(lang.L("desk.refresh"), theme.ViewRefreshIcon(), s.load)
	lead := wordLabel(lang.L("desk.conflicts.lead"))
	var split fyne.CanvasObject = container.NewVSplit(
		container.NewBorder(heading(lang.L("desk.conflicts.second")), nil, nil, nil, s.Conflicts),
		container.NewBorder(heading(lang.L("desk.conflicts.refused")), nil, nil, nil, s.Refused))
	s.DupMessage = widget.NewLabel("")
	s.Duplicates = table(len(dupColumns), func() int { return len(s.dups) }, s.dupCell,
		func(col int) (string, float32) { return lang.L(dupColumns[col].key), dupColumns[col].width })
	s.Duplicates.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.dups) && len(s.dups[id.Row].Members) > 0 {
			s.Duplicates.UnselectAll()
			d.openApp(s.dups[id.Row].Members[0].AppID)
		}
	}
	if hasRole(reviewRoles, d.actor.Role) {
		lead := wordLabel(lang.L("desk.conflicts.dupLead"))
		split = container.NewAppTabs(
			container.NewTabItem(lang.L("desk.conflicts.dups"), container.NewBorder(container.NewVBox(lead, s.DupMessage), nil, nil, nil, s.Duplicates)),
			container.NewTabItem(lang.L("desk.conflicts.secondTab"), split))
	}
	s.content = container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, s.Refresh, heading(lang.L("desk.conflicts.title"))), lead, s.Message),
		nil, nil, nil, split)
	return s
}

// List is what the engine last answered.
func (s *ConflictsScreen) List() engineapi.ConflictList { return s.list }

func (s *ConflictsScreen) load() {
	s.loadDuplicates()
	var list engineapi.ConflictList
	s.d.later(func(ctx context.Context) error {
		var err error
		list, err = s.d.be.Conflicts(ctx)
		return err
	}, func(err error) {
		if err != nil {
			say(s.Message, err.Error())
			return
		}
		s.list = list
		say(s.Message, lang.L("desk.conflicts.count", map[string]any{"N": len(list.Conflicts), "M": len(list.Refused)}))
		s.Conflicts.Refresh()
		s.Refused.Refresh()
	})
}

// table is a read-only table with a header row.
func table(cols int, rows func() int, cell func(row, col int) string, header func(col int) (string, float32)) *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return rows(), cols },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < rows() {
				o.(*widget.Label).SetText(cell(id.Row, id.Col))
			}
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < cols {
			text, _ := header(id.Col)
			o.(*widget.Label).SetText(text)
		}
	}
	for i := 0; i < cols; i++ {
		_, w := header(i)
		t.SetColumnWidth(i, w)
	}
	return t
}
