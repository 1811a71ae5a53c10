package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
)

// WelcomeScreen asks which grade the child enters, and offers the
// language, the large-text mode and, small in a corner, the staff door.
type WelcomeScreen struct {
	Primary   *widget.Button // 小学一年级
	Junior    *widget.Button // 初中一年级
	Chinese   *widget.Button
	English   *widget.Button
	LargeText *widget.Button
	Staff     *widget.Button
	Title     *widget.Label
	Blocked   *widget.Label // shown instead of the grade buttons while the kiosk is alarmed

	content fyne.CanvasObject
}

// Name implements Screen.
func (s *WelcomeScreen) Name() string { return ScreenWelcome }

// Content implements Screen.
func (s *WelcomeScreen) Content() fyne.CanvasObject { return s.content }

func newWelcomeScreen(k *Kiosk) *WelcomeScreen {
	s := &WelcomeScreen{}
	s.Title = k.heading(lang.L("welcome.title"))
	s.Title.SizeName = sizeDisplay
	s.Title.Alignment = fyne.TextAlignCenter
	s.Title.Importance = widget.HighImportance
	ask := k.subheading(lang.L("welcome.question"))
	ask.Alignment = fyne.TextAlignCenter

	var primary, junior fyne.CanvasObject
	s.Primary, primary = k.bigButton(lang.L("welcome.primary"), lang.L("welcome.primaryHint"), func() { k.startSession(core.Primary) })
	s.Junior, junior = k.bigButton(lang.L("welcome.junior"), lang.L("welcome.juniorHint"), func() { k.startSession(core.Junior) })
	var choices fyne.CanvasObject = container.NewGridWithColumns(2, primary, junior)

	bring := k.text(lang.L("welcome.bring"))
	bring.Alignment = fyne.TextAlignCenter
	noCard := k.text(lang.L("welcome.noCard"))
	noCard.Alignment = fyne.TextAlignCenter
	if k.blocked() {
		s.Blocked, choices = k.blockedNotice(ask, bring, noCard)
	}

	s.Chinese = k.button(lang.L("lang.zh"), nil, func() { k.switchLanguage(LangChinese) })
	s.English = k.button(lang.L("lang.en"), nil, func() { k.switchLanguage(LangEnglish) })
	for _, b := range []struct {
		btn *widget.Button
		tag string
	}{{s.Chinese, LangChinese}, {s.English, LangEnglish}} {
		if k.language == b.tag {
			b.btn.Importance = widget.HighImportance
			b.btn.Icon = theme.ConfirmIcon()
		}
	}
	largeText, largeIcon := lang.L("welcome.largeOff"), theme.CheckButtonIcon()
	if k.large {
		largeText, largeIcon = lang.L("welcome.largeOn"), theme.CheckButtonCheckedIcon()
	}
	s.LargeText = k.button(largeText, largeIcon, func() { k.switchLarge() })
	// The staff door is an icon only: staff know it, and a parent should
	// not take it for a step.
	s.Staff = k.button("", theme.SettingsIcon(), k.showStaffPIN)
	s.Staff.Importance = widget.LowImportance
	if k.svc.Maintenance == nil {
		s.Staff.Hide()
	}

	langs := container.NewHBox(k.touchSized(s.Chinese, 1.4), k.touchSized(s.English, 1.4))
	foot := container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, langs, k.touchSized(s.Staff, 0.6), container.NewCenter(k.touchSized(s.LargeText, 2))))
	middle := container.NewVBox(layout.NewSpacer(), ask, choices, bring, noCard, layout.NewSpacer())
	// The middle scrolls rather than push the window past a short panel
	// (English in large text at 768 px); elsewhere it has room to spare.
	s.content = k.pad(container.NewBorder(s.Title, foot, nil, nil, container.NewVScroll(middle)))
	return s
}

// bigButton is a huge button with a heading-sized title and a hint line;
// the returned button is what a test taps, the object what is laid out.
func (k *Kiosk) bigButton(title, hint string, tapped func()) (*widget.Button, fyne.CanvasObject) {
	b := k.button("", nil, tapped)
	b.Importance = widget.HighImportance
	on := k.theme.Color(theme.ColorNameForegroundOnPrimary, 0)
	t := canvas.NewText(title, on)
	t.TextSize = k.size(sizeDisplay)
	t.Alignment = fyne.TextAlignCenter
	h := canvas.NewText(hint, on)
	h.TextSize = k.size(theme.SizeNameText)
	h.Alignment = fyne.TextAlignCenter
	// Two of these stand side by side on the narrowest panel: a long line
	// (English, large text) gets smaller rather than wider.
	for _, line := range []*canvas.Text{t, h} {
		if w, most := fyne.MeasureText(line.Text, line.TextSize, line.TextStyle).Width, k.size(sizeCard)/2; w > most {
			line.TextSize *= most / w
		}
	}
	label := container.NewCenter(container.NewVBox(t, h))
	return b, container.New(&minLayout{min: fyne.NewSize(0, k.size(sizeChoice))}, container.NewStack(b, label))
}

// showWelcome shows the first screen.
func (k *Kiosk) showWelcome() { k.show(newWelcomeScreen(k)) }

func (k *Kiosk) switchLanguage(tag string) {
	k.setLanguage(tag)
	k.showWelcome()
}

func (k *Kiosk) switchLarge() {
	k.setLarge(!k.large)
	k.showWelcome()
}
