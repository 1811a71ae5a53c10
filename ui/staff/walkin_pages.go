package staff

import (
	"fyne.io/fyne/v2/theme"

	"enrolldesk/core/engineapi"
)

// The walk-in and find pages join the navigation: walk-ins for hall staff
// and bureau admins (the engine refuses the rest), find for every role.
func init() {
	RegisterPage(Page{Key: ScreenWalkIn, Title: "walkin.nav", Icon: theme.AccountIcon(),
		Roles: []engineapi.Role{engineapi.RoleHall, engineapi.RoleBureauAdmin}, Show: func(d *Desk) { d.showWalkIn() }})
	RegisterPage(Page{Key: ScreenFind, Title: "find.nav", Icon: theme.SearchIcon(), Roles: allRoles, Show: func(d *Desk) { d.showFind() }})
}

// showWalkIn shows a fresh walk-in form: nothing of the last family.
func (d *Desk) showWalkIn() {
	d.walkIn = NewWalkInScreen(d.be, d.opt.Printer, d.later)
	d.framed(ScreenWalkIn, d.walkIn.Content())
	d.walkIn.FocusFirst(d.win.Canvas())
}

// showFind shows the find page with the cursor in its field.
func (d *Desk) showFind() {
	d.find = NewFindScreen(d.be, d.opt.Printer, d.later)
	d.framed(ScreenFind, d.find.Content())
	d.find.FocusQuery(d.win.Canvas())
}

// WalkIn is the walk-in page, when shown.
func (d *Desk) WalkIn() *WalkInScreen { return d.walkIn }

// Find is the find page, when shown.
func (d *Desk) Find() *FindScreen { return d.find }
