package staff

import (
	"context"
	"fmt"
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// HeatScreen is the demand heat map: the picture (from Options.HeatImage)
// beside a table of every school that sorts by any column. It refreshes
// every few seconds while on show, as kiosks' syncs arrive.
type HeatScreen struct {
	Stage   *widget.RadioGroup
	Image   *canvas.Image
	Table   *widget.Table
	Sort    *widget.Select
	Message *widget.Label
	Updated *widget.Label
	heat    engineapi.HeatMap
	rows    []engineapi.SchoolDemand
	sortBy  int
	loading bool
	loads   int
	content fyne.CanvasObject
	d       *Desk
}

var heatColumns = []struct {
	key   string
	width float32
}{{"desk.heat.school", 160}, {"desk.heat.stage", 50}, {"desk.heat.capacity", 55}, {"desk.heat.total", 55}, {"desk.heat.ratio", 55}, {"desk.heat.level", 70}}

func (d *Desk) showHeat() {
	if d.heat == nil {
		d.heat = newHeatScreen(d)
	}
	d.framed(ScreenHeat, d.heat.content)
	d.heat.load()
}

func newHeatScreen(d *Desk) *HeatScreen {
	s := &HeatScreen{d: d, sortBy: 4}
	s.Stage = widget.NewRadioGroup([]string{lang.L("desk.heat.both"), d.words.Stage(core.Primary), d.words.Stage(core.Junior)}, func(string) { s.load() })
	s.Stage.Horizontal = true
	s.Stage.Selected = lang.L("desk.heat.both")
	s.Image = canvas.NewImageFromImage(nil)
	s.Image.FillMode = canvas.ImageFillContain
	s.Image.SetMinSize(fyne.NewSize(360, 300))
	var sorts []string
	for _, c := range heatColumns {
		sorts = append(sorts, lang.L(c.key))
	}
	s.Sort = widget.NewSelect(sorts, func(v string) {
		for i, c := range heatColumns {
			if lang.L(c.key) == v {
				s.sortBy = i
			}
		}
		s.sortRows()
	})
	s.Sort.SetSelectedIndex(s.sortBy)
	s.Table = table(len(heatColumns), func() int { return len(s.rows) }, s.cell,
		func(col int) (string, float32) { return lang.L(heatColumns[col].key), heatColumns[col].width })
	s.Table.OnSelected = func(id widget.TableCellID) { // a click on a header-like first row sorts too
		s.Table.UnselectAll()
	}
	s.Message = widget.NewLabel("")
	s.Message.Wrapping = fyne.TextWrapWord
	s.Updated = widget.NewLabel("")
	s.Updated.Importance = widget.LowImportance
	legend := widget.NewLabel(lang.L("desk.heat.legend"))
	legend.Wrapping = fyne.TextWrapWord
	sortRow := container.NewBorder(nil, nil, widget.NewLabel(lang.L("desk.heat.sort")), nil, s.Sort)
	right := container.NewBorder(sortRow, nil, nil, nil, fillLast(s.Table, columnWidths(heatColumns)))
	left := container.NewBorder(nil, legend, nil, nil, container.New(&redrawLayout{s: s}, s.Image))
	split := container.NewHSplit(left, right)
	split.Offset = 0.55
	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.Updated, heading(lang.L("desk.heat.title"))), s.Stage, s.Message)
	s.content = container.NewBorder(top, nil, nil, nil, split)
	return s
}

// Map is the heat map as the engine last answered.
func (s *HeatScreen) Map() engineapi.HeatMap { return s.heat }

// Rows are the table's schools in the order shown.
func (s *HeatScreen) Rows() []engineapi.SchoolDemand { return s.rows }

// Loads counts the heat maps the screen received (each refresh adds one).
func (s *HeatScreen) Loads() int { return s.loads }

// SortBy sorts the table by column col (0 school … 5 level); ratio and
// counts largest first.
func (s *HeatScreen) SortBy(col int) { s.Sort.SetSelectedIndex(col) }

func (s *HeatScreen) cell(row, col int) string {
	r := s.rows[row]
	switch col {
	case 0:
		return r.Name
	case 1:
		if r.Stage == core.Junior {
			return lang.L("desk.stage.junior")
		}
		return lang.L("desk.stage.primary")
	case 2:
		return fmt.Sprint(r.Capacity)
	case 3:
		return fmt.Sprint(r.Total)
	case 4:
		if r.Capacity == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f%%", r.Ratio*100)
	case 5:
		return levelName(r.Level)
	}
	return ""
}

func levelName(l engineapi.Level) string { return catalog.Text("desk.level."+string(l), l.Label()) }

func (s *HeatScreen) stage() core.Stage {
	switch s.Stage.Selected {
	case s.d.words.Stage(core.Primary):
		return core.Primary
	case s.d.words.Stage(core.Junior):
		return core.Junior
	}
	return ""
}

func (s *HeatScreen) load() {
	if s.loading {
		return
	}
	s.loading = true
	stage := s.stage()
	var m engineapi.HeatMap
	s.d.later(func(ctx context.Context) error {
		var err error
		m, err = s.d.be.HeatMap(ctx, stage)
		return err
	}, func(err error) {
		s.loading = false
		if err != nil {
			say(s.Message, err.Error())
			return
		}
		s.loads++
		s.heat = m
		say(s.Message, lang.L("desk.heat.summary", map[string]any{"Total": m.Total, "Unplaced": m.Unplaced, "Schools": len(m.Schools)}))
		s.Updated.SetText(lang.L("desk.heat.updated", map[string]any{"At": s.d.words.DateTime(m.At)}))
		s.rows = append(s.rows[:0], m.Schools...)
		s.sortRows()
		s.draw()
	})
}

func (s *HeatScreen) sortRows() {
	col := s.sortBy
	sort.SliceStable(s.rows, func(i, j int) bool {
		a, b := s.rows[i], s.rows[j]
		switch col {
		case 0:
			return a.Name < b.Name
		case 1:
			return a.Stage < b.Stage
		case 2:
			return a.Capacity > b.Capacity
		case 3:
			return a.Total > b.Total
		case 5:
			return levelRank(a.Level) > levelRank(b.Level)
		}
		return a.Ratio > b.Ratio
	})
	if s.Table != nil {
		s.Table.Refresh()
	}
}

func levelRank(l engineapi.Level) int {
	for i, x := range engineapi.Levels {
		if x == l {
			return i
		}
	}
	return -1
}

// redrawLayout gives the picture its room and draws it again when the
// room changes size (the window or the split moved).
type redrawLayout struct {
	s     *HeatScreen
	drawn fyne.Size
}

func (l *redrawLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	if d := l.drawn; l.s.loads > 0 && (abs(d.Width-size.Width) > 8 || abs(d.Height-size.Height) > 8) {
		l.drawn = size
		l.s.draw()
	}
}

func (l *redrawLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// draw renders the picture at the size it has on screen.
func (s *HeatScreen) draw() {
	if s.d.opt.HeatImage == nil {
		s.Image.Hide()
		return
	}
	size := s.Image.Size()
	scale := s.d.win.Canvas().Scale()
	w, h := int(size.Width*scale), int(size.Height*scale)
	if w < 200 || h < 200 {
		w, h = 840, 760
	}
	img, err := s.d.opt.HeatImage(s.heat, w, h)
	if err != nil {
		say(s.Message, err.Error())
		return
	}
	s.Image.Image = img
	s.Image.Refresh()
}
