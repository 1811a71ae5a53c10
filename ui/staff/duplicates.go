package staff

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core/engineapi"
)

// ruleName is a duplicate rule in the window's language.
func ruleName(rule string) string { return catalog.Text("desk.dup.rule."+rule, rule) }

// duplicates lays out the duplicate sets of the application on show: an
// open set as a banner naming its members, with 保留这份 (keep this
// application, the others are marked duplicates) and 不是同一个孩子
// (different children) for the review roles — the engine refuses any
// decision while the set is open; a resolved set as one line saying how.
func (s *DetailScreen) duplicates(det engineapi.Detail) fyne.CanvasObject {
	box := container.NewVBox()
	w := s.d.words
	for _, set := range det.Duplicates {
		var lines []string
		for _, m := range set.Members {
			line := strings.Join(nonEmpty(m.RegNo, m.ChildName, m.Child, s.d.schoolName(m.School), w.State(m.State), w.DateTime(m.Received)), "  ")
			if m.AppID == det.App.ID {
				line += " " + lang.L("desk.dup.this")
			}
			if m.Marked {
				line += " " + lang.L("desk.dup.marked")
			}
			lines = append(lines, "• "+line)
		}
		members := wordLabel(strings.Join(lines, "\n"))
		if set.Resolved {
			var how string
			if set.Distinct {
				how = lang.L("desk.dup.wasDistinct", map[string]any{"By": set.By, "At": w.DateTime(set.At)})
			} else {
				how = lang.L("desk.dup.wasKept", map[string]any{"RegNo": regNoOf(set, set.Keep), "By": set.By, "At": w.DateTime(set.At)})
			}
			box.Add(wordLabel(lang.L("desk.dup.resolved", map[string]any{"Rule": ruleName(set.Rule)}) + how))
			box.Add(members)
			continue
		}
		head := widget.NewLabelWithStyle(lang.L("desk.dup.banner", map[string]any{"Rule": ruleName(set.Rule)}),
			fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.Wrapping = fyne.TextWrapWord
		head.Importance = widget.WarningImportance
		card := container.NewVBox(head, members)
		if hasRole(reviewRoles, s.d.actor.Role) {
			setID := set.ID
			keep := widget.NewButtonWithIcon(lang.L("desk.dup.keep"), theme.ConfirmIcon(), func() {
				s.resolve(engineapi.ResolveRequest{SetID: setID, Keep: s.AppID}, lang.L("desk.dup.keptNotice"))
			})
			keep.Importance = widget.HighImportance
			distinct := widget.NewButton(lang.L("desk.dup.distinct"), func() {
				s.resolve(engineapi.ResolveRequest{SetID: setID, Distinct: true}, lang.L("desk.dup.distinctNotice"))
			})
			s.Keep[setID], s.Distinct[setID] = keep, distinct
			card.Add(container.NewHBox(keep, distinct, layout.NewSpacer()))
		}
		box.Add(container.NewPadded(container.NewStack(canvasBox(), container.NewPadded(card)))) // the frame inside the scroll, whole
	}
	return box
}

// resolve asks the engine to resolve a duplicate set, then shows the
// application again with notice.
func (s *DetailScreen) resolve(req engineapi.ResolveRequest, notice string) {
	s.d.later(func(ctx context.Context) error {
		_, err := s.d.be.Resolve(ctx, req)
		return err
	}, func(err error) {
		if err != nil {
			s.Message.Importance = widget.DangerImportance
			say(s.Message, err.Error())
			return
		}
		s.notice = notice
		s.reload()
	})
}

// OpenDuplicates reports whether the application on show is in a
// duplicate set nobody has resolved yet.
func (s *DetailScreen) OpenDuplicates() bool {
	for _, set := range s.detail.Duplicates {
		if !set.Resolved {
			return true
		}
	}
	return false
}

func regNoOf(set engineapi.DuplicateSet, appID string) string {
	for _, m := range set.Members {
		if m.AppID == appID {
			return m.RegNo
		}
	}
	return appID
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// dupColumns are the columns of the open duplicate sets on the conflicts
// screen.
var dupColumns = []struct {
	key   string
	width float32
}{{"desk.col.rule", 230}, {"desk.col.members", 560}, {"desk.col.at", 200}}

// loadDuplicates fills the conflicts screen's list of open duplicate sets
// (review roles: the engine lists them to those only).
func (s *ConflictsScreen) loadDuplicates() {
	if !hasRole(reviewRoles, s.d.actor.Role) {
		return
	}
	var list engineapi.DuplicateList
	s.d.later(func(ctx context.Context) error {
		var err error
		list, err = s.d.be.Duplicates(ctx, engineapi.DuplicatesRequest{})
		return err
	}, func(err error) {
		if err != nil {
			say(s.DupMessage, err.Error())
			return
		}
		s.dups = list.Sets
		say(s.DupMessage, lang.L("desk.conflicts.dupCount", map[string]any{"N": len(list.Sets)}))
		s.Duplicates.Refresh()
	})
}

// Sets are the open duplicate sets the engine last listed.
func (s *ConflictsScreen) Sets() []engineapi.DuplicateSet { return s.dups }

func (s *ConflictsScreen) dupCell(row, col int) string {
	set := s.dups[row]
	switch col {
	case 0:
		return ruleName(set.Rule)
	case 1:
		var ms []string
		for _, m := range set.Members {
			ms = append(ms, strings.Join(nonEmpty(m.RegNo, m.ChildName, s.d.words.State(m.State)), " "))
		}
		return strings.Join(ms, "；")
	}
	var at string
	for _, m := range set.Members {
		if t := s.d.words.DateTime(m.Received); at == "" || t > at {
			at = t
		}
	}
	return at
}

// schoolName is a school's name when the heat map named it, else its code.
func (d *Desk) schoolName(code string) string {
	if n := d.schools[code]; n != "" {
		return n
	}
	return code
}

// canvasBox is the banner's frame: the warning colour around a light fill.
func canvasBox() fyne.CanvasObject {
	r := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	r.StrokeColor = theme.Color(theme.ColorNameWarning)
	r.StrokeWidth = 2
	r.CornerRadius = theme.InputRadiusSize()
	return r
}
