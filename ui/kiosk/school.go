package kiosk

import (
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// SchoolScreen lets the parent of a multi-school zone rank the zone's
// schools: they tap them in the order they want them. The list reads top
// down: ranked schools move to the top in their order, each with its rank
// in big figures inside its button, the schools still to rank below. One
// line says what the order means. 下一步 waits until every school has a rank.
type SchoolScreen struct {
	Schools []*widget.Button // in the zone's order (not the order shown)
	Ranks   []*canvas.Text   // "1", "2" … inside each school's button; "" unranked
	Meaning *widget.Label    // 第一所满了，再排第二所
	Reset   *widget.Button   // 重选
	Status  *Notice
	Nav

	names   []*canvas.Text // the school names drawn large over the buttons
	marks   []*widget.Icon
	rows    []fyne.CanvasObject // each school's row, in the zone's order
	list    *fyne.Container     // the rows in the order shown
	k       *Kiosk
	zone    []core.School
	order   []int // indexes into zone, in the order tapped
	content fyne.CanvasObject
}

// Name implements Screen.
func (s *SchoolScreen) Name() string { return ScreenSchool }

// Content implements Screen.
func (s *SchoolScreen) Content() fyne.CanvasObject { return s.content }

func newSchoolScreen(k *Kiosk, d core.Decision, chosen []core.School) *SchoolScreen {
	s := &SchoolScreen{k: k, zone: d.Schools(), Status: k.notice()}
	next := k.primary(lang.L("nav.next"), theme.NavigateNextIcon(), s.next)
	s.Nav = k.nav(k.showConfirm, next)
	for _, c := range chosen {
		for i, z := range s.zone {
			if z.Code == c.Code {
				s.order = append(s.order, i)
			}
		}
	}
	s.content = k.frame(stepCheck, lang.L("school.multiTitle"), k.scroll(s.multi()), s.Nav)
	s.render()
	return s
}

func (s *SchoolScreen) multi() fyne.CanvasObject {
	k := s.k
	intro := k.subheading(lang.L("school.multiIntro"))
	s.Meaning = k.text(lang.L("school.meaning"))
	s.Meaning.TextStyle = fyne.TextStyle{Bold: true}
	s.list = container.NewVBox()
	for i, sc := range s.zone {
		b := k.button("", nil, func() { s.tap(i) })
		name := canvas.NewText(sc.Name, nil)
		name.TextSize = k.size(theme.SizeNameSubHeadingText)
		mark := widget.NewIcon(nil)
		rank := canvas.NewText("", nil) // drawn in the button's own text colour
		rank.TextSize = k.size(sizeRank)
		rank.Alignment = fyne.TextAlignCenter
		rank.TextStyle = fyne.TextStyle{Bold: true}
		s.Schools = append(s.Schools, b)
		s.Ranks = append(s.Ranks, rank)
		s.names = append(s.names, name)
		s.marks = append(s.marks, mark)
		badge := container.New(&minLayout{min: fyne.NewSize(k.size(sizeKeyWidth), k.size(sizeKeyHeight))}, container.NewCenter(rank))
		face := container.NewHBox(badge, container.NewCenter(mark), container.NewCenter(name))
		s.rows = append(s.rows, container.New(&minLayout{min: fyne.NewSize(0, k.size(sizeKeyHeight)*1.2)},
			container.NewStack(b, container.NewPadded(face))))
	}
	s.Reset = k.button(lang.L("school.reset"), theme.ContentUndoIcon(), s.reset)
	return container.NewVBox(intro, s.Meaning, s.list, container.NewHBox(k.touchSized(s.Reset, 2)), s.Status.object())
}

// tap gives a school the next rank; a school keeps its rank until 重选.
func (s *SchoolScreen) tap(i int) {
	for _, j := range s.order {
		if j == i {
			return
		}
	}
	s.order = append(s.order, i)
	s.render()
}

func (s *SchoolScreen) reset() {
	s.order = nil
	s.render()
}

func (s *SchoolScreen) render() {
	th := s.k.theme
	for i := range s.Ranks {
		s.Ranks[i].Text = ""
		s.Ranks[i].Refresh()
		s.Schools[i].Importance = widget.MediumImportance
		s.Schools[i].Refresh()
		s.marks[i].SetResource(theme.NewThemedResource(theme.RadioButtonIcon()))
		s.names[i].Color = th.Color(theme.ColorNameForeground, 0)
		s.names[i].Refresh()
	}
	for r, i := range s.order {
		s.Ranks[i].Text = strconv.Itoa(r + 1)
		s.Ranks[i].Color = th.Color(theme.ColorNameForegroundOnSuccess, 0)
		s.Ranks[i].Refresh()
		s.Schools[i].Importance = widget.SuccessImportance
		s.Schools[i].Refresh()
		s.marks[i].SetResource(theme.NewColoredResource(theme.ConfirmIcon(), theme.ColorNameForegroundOnSuccess))
		s.names[i].Color = th.Color(theme.ColorNameForegroundOnSuccess, 0)
		s.names[i].Refresh()
	}
	s.list.Objects = s.list.Objects[:0]
	for _, i := range s.shownOrder() {
		s.list.Add(s.rows[i])
	}
	s.k.relayout()
	left := len(s.zone) - len(s.order)
	if left > 0 {
		s.Status.set(noticeInfo, lang.L("school.left", map[string]any{"N": left}))
		s.Next.Disable()
		return
	}
	s.Status.set(noticeOK, lang.L("school.done"))
	s.Next.Enable()
}

// shownOrder is the order of the rows on screen: the ranked schools in
// rank order, then the others in the zone's order.
func (s *SchoolScreen) shownOrder() []int {
	out := append([]int(nil), s.order...)
	for i := range s.zone {
		if !slices.Contains(s.order, i) {
			out = append(out, i)
		}
	}
	return out
}

// Shown returns the schools' names as the list shows them, top first.
func (s *SchoolScreen) Shown() []string {
	var out []string
	for _, i := range s.shownOrder() {
		out = append(out, s.zone[i].Name)
	}
	return out
}

// Choices returns the ranking so far.
func (s *SchoolScreen) Choices() []core.School {
	out := make([]core.School, 0, len(s.order))
	for _, i := range s.order {
		out = append(out, s.zone[i])
	}
	return out
}

func (s *SchoolScreen) next() {
	if s.k.sess == nil || len(s.order) != len(s.Schools) {
		return
	}
	s.k.sess.choices = s.Choices()
	s.k.showPhone()
}

// showSchool is the ranking, still step 4. A single-school zone has
// nothing to rank: the confirmation named its school.
func (k *Kiosk) showSchool() {
	if k.sess == nil || k.sess.result == nil {
		return
	}
	if k.sess.result.Decision.Pending() { // no zone yet: back from the phone is the pending screen
		k.showPending()
		return
	}
	if !k.sess.result.Decision.Zone.MultiSchool() {
		k.showConfirm()
		return
	}
	k.show(newSchoolScreen(k, k.sess.result.Decision, k.sess.choices))
}
