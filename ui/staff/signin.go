package staff

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core/engineapi"
	"enrolldesk/ui"
)

// SignInScreen asks for a name and a password. A refusal (wrong
// password, a locked account and until when, an engine that cannot be
// reached) shows in plain words under the fields.
type SignInScreen struct {
	Name     *widget.Entry
	Password *widget.Entry
	Submit   *widget.Button
	Message  *widget.Label // the refusal or the reason for signing in again
	Demo     []*widget.Button
	content  fyne.CanvasObject
	d        *Desk
}

func newSignInScreen(d *Desk, message string) *SignInScreen {
	s := &SignInScreen{d: d}
	s.Name = widget.NewEntry()
	s.Name.SetPlaceHolder(lang.L("desk.signin.namePH"))
	s.Password = widget.NewPasswordEntry()
	s.Password.SetPlaceHolder(lang.L("desk.signin.passwordPH"))
	s.Name.OnSubmitted = func(string) { d.win.Canvas().Focus(s.Password) }
	s.Password.OnSubmitted = func(string) { s.submit() }
	s.Submit = widget.NewButtonWithIcon(lang.L("desk.signin.submit"), theme.LoginIcon(), s.submit)
	s.Submit.Importance = widget.HighImportance
	s.Message = widget.NewLabel(message)
	s.Message.Wrapping = fyne.TextWrapWord
	s.Message.Importance = widget.DangerImportance
	if message == lang.L("desk.signin.out") {
		s.Message.Importance = widget.MediumImportance
	}

	title := widget.NewLabelWithStyle(lang.L("desk.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	sub := widget.NewLabel(lang.L("desk.signin.lead"))
	sub.Wrapping = fyne.TextWrapWord
	form := container.New(layout.NewFormLayout(),
		widget.NewLabel(lang.L("desk.signin.name")), s.Name,
		widget.NewLabel(lang.L("desk.signin.password")), s.Password)
	items := []fyne.CanvasObject{title, sub}
	if d.opt.EngineName != "" {
		eng := widget.NewLabel(lang.L("desk.signin.engine", map[string]any{"Engine": d.opt.EngineName}))
		eng.Importance = widget.LowImportance
		items = append(items, eng)
	}
	items = append(items, widget.NewSeparator(), form, container.NewHBox(layout.NewSpacer(), s.Submit), s.Message)
	card := container.NewVBox(items...)
	panel := container.NewStack(canvas.NewRectangle(theme.Color(ui.ColorPanel)), container.NewPadded(card))
	main := container.New(&widthLayout{width: 460}, panel)
	body := []fyne.CanvasObject{main}
	if len(d.opt.Demo) > 0 {
		body = append(body, s.demoPanel())
	}
	s.content = container.NewCenter(container.NewHBox(body...))
	return s
}

// demoPanel lists the demo accounts (demo mode only); a click fills them in.
func (s *SignInScreen) demoPanel() fyne.CanvasObject {
	head := widget.NewLabelWithStyle(lang.L("desk.signin.demo"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	note := widget.NewLabel(lang.L("desk.signin.demoNote"))
	note.Wrapping = fyne.TextWrapWord
	rows := []fyne.CanvasObject{head, note}
	for _, a := range s.d.opt.Demo {
		a := a
		text := fmt.Sprintf("%s / %s — %s", a.Name, a.Password, roleName(a.Role))
		if a.School != "" {
			text += " (" + a.School + ")"
		}
		b := widget.NewButton(text, func() {
			s.Name.SetText(a.Name)
			s.Password.SetText(a.Password)
			s.d.win.Canvas().Focus(s.Password)
		})
		b.Alignment = widget.ButtonAlignLeading
		s.Demo = append(s.Demo, b)
		rows = append(rows, b)
	}
	panel := container.NewStack(canvas.NewRectangle(theme.Color(ui.ColorPanel)), container.NewPadded(container.NewVBox(rows...)))
	return container.New(&widthLayout{width: 440}, panel)
}

func (s *SignInScreen) submit() {
	name, pw := strings.TrimSpace(s.Name.Text), s.Password.Text
	if name == "" || pw == "" {
		s.refuse(lang.L("desk.signin.empty"))
		return
	}
	s.Submit.Disable()
	s.Message.SetText(lang.L("desk.signin.checking"))
	s.Message.Importance = widget.MediumImportance
	var resp engineapi.LoginResponse
	s.d.later(func(ctx context.Context) error {
		var err error
		resp, err = s.d.be.Login(ctx, engineapi.LoginRequest{Name: name, Password: pw})
		return err
	}, func(err error) {
		s.Submit.Enable()
		if err != nil {
			s.Password.SetText("")
			s.refuse(err.Error())
			s.d.win.Canvas().Focus(s.Password)
			return
		}
		s.d.signedIn(resp.Actor)
	})
}

func (s *SignInScreen) refuse(msg string) {
	s.Message.Importance = widget.DangerImportance
	s.Message.SetText(msg)
}

// widthLayout lays its objects one over the other at a fixed width (or
// the least they need, if more) and their least height.
type widthLayout struct{ width float32 }

func (l *widthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (l *widthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(l.width, 0)
	for _, o := range objs {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height = max(s.Height, m.Height)
	}
	return s
}

// roleName is a role in the window's language.
func roleName(r engineapi.Role) string {
	switch r {
	case engineapi.RoleHall:
		return lang.L("desk.role.hall")
	case engineapi.RoleReviewer:
		return lang.L("desk.role.reviewer")
	case engineapi.RoleSchoolAdmin:
		return lang.L("desk.role.school_admin")
	case engineapi.RoleBureauAdmin:
		return lang.L("desk.role.bureau_admin")
	}
	return string(r)
}
