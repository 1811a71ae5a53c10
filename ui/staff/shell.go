package staff

import (
	"context"

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

// Page is one entry of the left navigation: the roles that see it and
// how to show it. The walk-in and find screens add theirs with
// RegisterPage from an init function.
type Page struct {
	Key   string           // screen name, e.g. ScreenQueue
	Title string           // translation key of the nav label
	Icon  fyne.Resource    // nil for none
	Roles []engineapi.Role // who sees it; the engine refuses the rest anyway
	Show  func(d *Desk)    // shows the page (d.Frame(name, content))
}

var morePages []Page

// RegisterPage adds a page to the navigation, after the built-in ones.
func RegisterPage(p Page) { morePages = append(morePages, p) }

var allRoles = []engineapi.Role{engineapi.RoleHall, engineapi.RoleReviewer, engineapi.RoleSchoolAdmin, engineapi.RoleBureauAdmin}

// reviewRoles browse the queue and act on applications (approve, return,
// reject, bulk); hall staff do not (the engine refuses them the queue).
var reviewRoles = []engineapi.Role{engineapi.RoleReviewer, engineapi.RoleSchoolAdmin, engineapi.RoleBureauAdmin}

// walkInRoles register walk-ins (the engine's walk-in paths admit these).
var walkInRoles = []engineapi.Role{engineapi.RoleHall, engineapi.RoleBureauAdmin}

func builtinPages() []Page {
	return []Page{
		{Key: ScreenWalkIn, Title: "desk.nav.walkin", Icon: theme.AccountIcon(), Roles: walkInRoles, Show: func(d *Desk) { d.showWalkIn() }},
		{Key: ScreenFind, Title: "desk.nav.find", Icon: theme.SearchIcon(), Roles: allRoles, Show: func(d *Desk) { d.showFind() }},
		{Key: ScreenQueue, Title: "desk.nav.queue", Icon: theme.ListIcon(), Roles: reviewRoles, Show: func(d *Desk) { d.showQueue() }},
		{Key: ScreenConflicts, Title: "desk.nav.conflicts", Icon: theme.WarningIcon(), Roles: allRoles, Show: func(d *Desk) { d.showConflicts() }},
		{Key: ScreenHeat, Title: "desk.nav.heat", Icon: theme.GridIcon(), Roles: allRoles, Show: func(d *Desk) { d.showHeat() }},
	}
}

func hasRole(roles []engineapi.Role, r engineapi.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// Shell is the signed-in frame: the navigation on the left with who is
// signed in, the page on the right.
type Shell struct {
	Person  *widget.Label
	Role    *widget.Label
	Nav     map[string]*widget.Button // by page key; only the pages the role sees
	SignOut *widget.Button
	pages   []Page
	page    *fyne.Container
	content fyne.CanvasObject
	d       *Desk
}

func newShell(d *Desk) *Shell {
	s := &Shell{d: d, Nav: map[string]*widget.Button{}}
	for _, p := range append(builtinPages(), morePages...) {
		if hasRole(p.Roles, d.actor.Role) {
			s.pages = append(s.pages, p)
		}
	}
	title := widget.NewLabelWithStyle(lang.L("desk.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	s.Person = widget.NewLabelWithStyle(d.actor.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	role := roleName(d.actor.Role)
	if d.actor.School != "" {
		role += " · " + d.actor.School
	}
	s.Role = widget.NewLabel(role)
	s.Role.Wrapping = fyne.TextWrapWord
	items := []fyne.CanvasObject{title, widget.NewSeparator(), s.Person, s.Role, widget.NewSeparator()}
	for _, p := range s.pages {
		p := p
		b := widget.NewButtonWithIcon(lang.L(p.Title), p.Icon, func() { s.goTo(p) })
		b.Alignment = widget.ButtonAlignLeading
		s.Nav[p.Key] = b
		items = append(items, b)
	}
	s.SignOut = widget.NewButtonWithIcon(lang.L("desk.nav.signout"), theme.LogoutIcon(), d.signOut)
	s.SignOut.Alignment = widget.ButtonAlignLeading
	items = append(items, layout.NewSpacer(), s.SignOut)
	nav := container.NewStack(canvas.NewRectangle(theme.Color(ui.ColorPanel)),
		container.NewPadded(container.New(&widthLayout{width: 190}, container.NewVBox(items...))))
	s.page = container.NewStack()
	s.content = container.NewBorder(nil, nil, container.NewHBox(nav, widget.NewSeparator()), nil, container.NewPadded(s.page))
	return s
}

// allowed reports whether the role sees the page with key.
func (s *Shell) allowed(key string) bool { _, ok := s.Nav[key]; return ok }

func (s *Shell) first() Page {
	for _, p := range s.pages { // the review queue, except for hall staff: walk-ins
		if (p.Key == ScreenQueue) != (s.d.actor.Role == engineapi.RoleHall) && (p.Key == ScreenQueue || p.Key == ScreenWalkIn) {
			return p
		}
	}
	if len(s.pages) == 0 {
		return Page{Key: ScreenQueue, Show: func(d *Desk) { d.framed(ScreenQueue, widget.NewLabel(lang.L("desk.nav.nothing"))) }}
	}
	return s.pages[0]
}

func (s *Shell) goTo(p Page) {
	s.d.draft = Draft{}
	p.Show(s.d)
}

// setPage puts a page in the frame and marks its nav entry.
func (s *Shell) setPage(name string, page fyne.CanvasObject) {
	for key, b := range s.Nav {
		if key == name || (name == ScreenDetail && key == ScreenQueue) {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.MediumImportance
		}
		b.Refresh()
	}
	s.page.Objects = []fyne.CanvasObject{page}
	s.page.Refresh()
}

// Frame shows content as the named page inside the signed-in frame; for
// pages added with RegisterPage.
func (d *Desk) Frame(name string, content fyne.CanvasObject) { d.framed(name, content) }

// Backend is the engine the window speaks to, for added pages.
func (d *Desk) Backend() Backend { return d.be }

// Later runs work off Fyne's goroutine and done back on it; an ended
// session returns to sign-in. For added pages.
func (d *Desk) Later(work func(ctx context.Context) error, done func(error)) { d.later(work, done) }

func (d *Desk) showWalkIn() {
	if d.walkIn == nil || d.walkInFor != d.actor {
		d.walkIn, d.walkInFor = NewWalkInScreen(d.be, d.opt.Printer, d.later).UseReader(d.opt.Reader), d.actor
	}
	d.framed(ScreenWalkIn, d.walkIn.Content())
	d.walkIn.FocusFirst(d.win.Canvas())
}

func (d *Desk) showFind() {
	if d.find == nil || d.findFor != d.actor {
		d.find, d.findFor = NewFindScreen(d.be, d.opt.Printer, d.later), d.actor
	}
	d.framed(ScreenFind, d.find.Content())
	d.find.FocusQuery(d.win.Canvas())
}
