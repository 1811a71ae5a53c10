package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// SchoolScreen shows the catchment school; in a multi-school zone the
// parent taps the schools in the order they want them, and each shows its
// rank in big figures. 下一步 waits until every school has a rank.
type SchoolScreen struct {
	Schools []*widget.Button // in the zone's order
	Ranks   []*widget.Label  // "1", "2" … beside each school; "" unranked
	Reset   *widget.Button   // 重选; nil for a single-school zone
	Status  *Notice
	Nav

	names   []*canvas.Text // the school names drawn large over the buttons
	marks   []*widget.Icon
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
	if !d.Zone.MultiSchool() {
		s.content = k.frame(4, lang.L("school.singleTitle"), s.single(), s.Nav)
		return s
	}
	for _, c := range chosen {
		for i, z := range s.zone {
			if z.Code == c.Code {
				s.order = append(s.order, i)
			}
		}
	}
	s.content = k.frame(4, lang.L("school.multiTitle"), k.scroll(s.multi()), s.Nav)
	s.render()
	return s
}

func (s *SchoolScreen) single() fyne.CanvasObject {
	k := s.k
	intro := k.subheading(lang.L("school.singleIntro"))
	intro.Alignment = fyne.TextAlignCenter
	names := container.NewVBox()
	for _, sc := range s.zone {
		name := widget.NewLabel(sc.Name)
		name.SizeName = sizeHuge
		name.Importance = widget.HighImportance
		name.Alignment = fyne.TextAlignCenter
		names.Add(name)
	}
	note := k.text(lang.L("school.singleNote"))
	note.Alignment = fyne.TextAlignCenter
	return container.NewVBox(intro, k.panel("", names), note)
}

func (s *SchoolScreen) multi() fyne.CanvasObject {
	k := s.k
	list := container.NewVBox(k.subheading(lang.L("school.multiIntro")))
	for i, sc := range s.zone {
		b := k.button("", nil, func() { s.tap(i) })
		name := canvas.NewText(sc.Name, nil)
		name.TextSize = k.size(theme.SizeNameSubHeadingText)
		mark := widget.NewIcon(nil)
		rank := widget.NewLabel("")
		rank.SizeName = sizeRank
		rank.Alignment = fyne.TextAlignCenter
		rank.Importance = widget.HighImportance
		s.Schools = append(s.Schools, b)
		s.Ranks = append(s.Ranks, rank)
		s.names = append(s.names, name)
		s.marks = append(s.marks, mark)
		badge := container.New(&minLayout{min: fyne.NewSize(k.size(sizeKeyWidth)*2, k.size(sizeKeyHeight))}, rank)
		face := container.NewHBox(container.NewCenter(mark), container.NewCenter(name))
		tall := container.New(&minLayout{min: fyne.NewSize(0, k.size(sizeKeyHeight)*1.2)}, container.NewStack(b, container.NewPadded(face)))
		list.Add(container.NewBorder(nil, nil, badge, nil, tall))
	}
	s.Reset = k.button(lang.L("school.reset"), theme.ContentUndoIcon(), s.reset)
	list.Add(container.NewHBox(k.touchSized(s.Reset, 2)))
	list.Add(s.Status.object())
	return list
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
		s.Ranks[i].SetText("")
		s.Schools[i].Importance = widget.MediumImportance
		s.Schools[i].Refresh()
		s.marks[i].SetResource(theme.NewThemedResource(theme.RadioButtonIcon()))
		s.names[i].Color = th.Color(theme.ColorNameForeground, 0)
		s.names[i].Refresh()
	}
	for r, i := range s.order {
		s.Ranks[i].SetText(lang.L("school.rank", map[string]any{"N": r + 1}))
		s.Schools[i].Importance = widget.SuccessImportance
		s.Schools[i].Refresh()
		s.marks[i].SetResource(theme.NewColoredResource(theme.ConfirmIcon(), theme.ColorNameForegroundOnSuccess))
		s.names[i].Color = th.Color(theme.ColorNameForegroundOnSuccess, 0)
		s.names[i].Refresh()
	}
	left := len(s.zone) - len(s.order)
	if left > 0 {
		s.Status.set(noticeInfo, lang.L("school.left", map[string]any{"N": left}))
		s.Next.Disable()
		return
	}
	s.Status.set(noticeOK, lang.L("school.done"))
	s.Next.Enable()
}

// Choices returns the ranking so far.
func (s *SchoolScreen) Choices() []core.School {
	if len(s.Schools) == 0 {
		return s.zone
	}
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

// showSchool is step 4.
func (k *Kiosk) showSchool() {
	if k.sess == nil || k.sess.result == nil {
		return
	}
	if k.sess.result.Decision.Pending() { // no zone yet: back from the phone is the pending screen
		k.showPending()
		return
	}
	k.show(newSchoolScreen(k, k.sess.result.Decision, k.sess.choices))
}
