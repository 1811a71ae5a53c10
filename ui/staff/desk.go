package staff

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"

	"enrolldesk/core/engineapi"
	"enrolldesk/ui"
)

// Names of the screens, for tests and the screenshot files.
const (
	ScreenSignIn    = "signin"
	ScreenQueue     = "queue"
	ScreenDetail    = "detail"
	ScreenConflicts = "conflicts"
	ScreenHeat      = "heat"
)

// callTimeout bounds one request to the engine.
const callTimeout = 30 * time.Second

// deskSizes are desktop sizes: text for a 1366 × 768 screen read at arm's
// length, compact paddings, a mouse rather than a finger.
var deskSizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:           15,
	theme.SizeNameSubHeadingText: 19,
	theme.SizeNameHeadingText:    24,
	theme.SizeNameCaptionText:    13,
	theme.SizeNamePadding:        5,
	theme.SizeNameInnerPadding:   8,
	theme.SizeNameLineSpacing:    4,
	theme.SizeNameInlineIcon:     20,
	theme.SizeNameInputBorder:    2,
	theme.SizeNameInputRadius:    5,
	theme.SizeNameScrollBar:      14,
	theme.SizeNameScrollBarSmall: 6,
}

// Draft is what the person was writing when the session ended: it is
// given back after signing in again.
type Draft struct {
	AppID  string // the application on show
	Action string // "return", "reject", "note" or ""
	Reason string // the chosen library reason
	Text   string // the typed text
}

// Desk is the staff window's controller: who is signed in and which
// screen is on show. Its methods run on Fyne's goroutine.
type Desk struct {
	app   fyne.App
	win   fyne.Window
	be    Backend
	opt   Options
	words ui.Words

	actor    engineapi.Actor
	root     *fyne.Container
	current  string
	signIn   *SignInScreen
	shell    *Shell
	queue    *QueueScreen
	detail   *DetailScreen
	conflict *ConflictsScreen
	heat     *HeatScreen
	walkIn   *WalkInScreen
	find     *FindScreen
	// the account the walk-in and find pages were built for
	walkInFor, findFor engineapi.Actor

	draft     Draft
	reasons   []engineapi.ReasonText // the reason library, as last loaded
	schools   map[string]string      // school names by code (from the heat map)
	people    map[string]string      // staff names by account ID (the reviewers)
	reviewers []engineapi.Reviewer   // whom applications may be given to
	pending   atomic.Int32
	mu        sync.Mutex
	cb        sync.Mutex // held while an answer is put on screen
	closed    bool
	stop      chan struct{}
}

// NewDesk builds the window's content on w and shows the sign-in screen.
func NewDesk(a fyne.App, w fyne.Window, be Backend, opt Options) *Desk {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.HeatEvery == 0 {
		opt.HeatEvery = 5 * time.Second
	}
	opt.Language = ui.NormalLanguage(opt.Language)
	if err := ui.SetLanguage(opt.Language); err != nil {
		fyne.LogError("enrolldesk: loading translations", err)
	}
	d := &Desk{app: a, win: w, be: be, opt: opt, stop: make(chan struct{}), schools: map[string]string{}, people: map[string]string{},
		words: ui.Words{English: opt.Language == ui.LangEnglish, Cat: ui.LoadCatalog()}}
	a.Settings().SetTheme(ui.NewTheme(ui.BundledFont(), false, deskSizes))
	w.SetTitle(lang.L("desk.title"))
	d.root = container.NewStack()
	w.SetContent(d.root)
	w.Canvas().SetOnTypedRune(d.typedRune)
	w.Canvas().SetOnTypedKey(d.typedKey)
	d.showSignIn("")
	if opt.HeatEvery > 0 {
		go d.tick(opt.HeatEvery)
	}
	return d
}

// Close stops the heat map's refreshing.
func (d *Desk) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		close(d.stop)
	}
}

// ScreenName is the screen on show.
// Safe from any goroutine: it waits for an answer being put on screen.
func (d *Desk) ScreenName() string {
	d.cb.Lock()
	defer d.cb.Unlock()
	return d.current
}

// Busy reports whether a request to the engine has yet to come back;
// tests wait for it before reading widgets.
func (d *Desk) Busy() bool { return d.pending.Load() > 0 }

// Actor is who is signed in (zero when nobody is).
func (d *Desk) Actor() engineapi.Actor { return d.actor }

// SignIn is the sign-in screen (also while another screen is on show:
// the one that will show next).
func (d *Desk) SignIn() *SignInScreen { return d.signIn }

// Shell is the signed-in frame with its navigation; nil before sign-in.
func (d *Desk) Shell() *Shell { return d.shell }

// Queue is the review queue screen; nil before it was first shown.
func (d *Desk) Queue() *QueueScreen { return d.queue }

// Detail is the application on show; nil before one was opened.
func (d *Desk) Detail() *DetailScreen { return d.detail }

// Conflicts is the conflicts screen.
func (d *Desk) Conflicts() *ConflictsScreen { return d.conflict }

// Heat is the heat map screen.
func (d *Desk) Heat() *HeatScreen { return d.heat }

// WalkIn is the walk-in page; nil before it was first shown.
func (d *Desk) WalkIn() *WalkInScreen { return d.walkIn }

// Find is the find page; nil before it was first shown.
func (d *Desk) Find() *FindScreen { return d.find }

// Draft is what is kept of the person's writing.
func (d *Desk) Draft() Draft { return d.draft }

// later runs work off Fyne's goroutine with a timeout and then done on
// it. An ended session goes back to sign-in instead (keeping the draft).
func (d *Desk) later(work func(ctx context.Context) error, done func(err error)) {
	d.pending.Add(1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		err := work(ctx)
		cancel()
		fyne.Do(func() {
			d.cb.Lock() // one answer at a time, also where fyne.Do does not serialise (the test driver)
			defer d.cb.Unlock()
			defer d.pending.Add(-1)
			if sessionEnded(err) && d.current != ScreenSignIn {
				d.sessionOver(err)
				return
			}
			done(err)
			relayout(d.root)
			d.report()
		})
	}()
}

// show puts content on screen as the named screen.
func (d *Desk) show(name string, content fyne.CanvasObject) {
	d.current = name
	d.root.Objects = []fyne.CanvasObject{content}
	d.root.Refresh()
	d.win.Canvas().Unfocus()
	d.report()
}

func (d *Desk) showSignIn(message string) {
	d.signIn = newSignInScreen(d, message)
	d.show(ScreenSignIn, d.signIn.content)
	if d.opt.Report != nil && len(d.opt.Demo) > 0 {
		// Once the window is up and sized, say again where the demo
		// accounts' buttons are (the first report came before layout).
		time.AfterFunc(time.Second, func() {
			fyne.Do(func() {
				if d.current == ScreenSignIn {
					relayout(d.root)
					d.report()
				}
			})
		})
	}
	d.win.Canvas().Focus(d.signIn.Name)
}

// signedIn starts the shell for the actor and shows the queue, or, after
// a session ended, the application and draft the person was at.
func (d *Desk) signedIn(a engineapi.Actor) {
	d.actor = a
	d.shell = newShell(d)
	if d.draft.AppID != "" && d.shell.allowed(ScreenQueue) {
		d.openApp(d.draft.AppID)
		return
	}
	d.shell.goTo(d.shell.first())
}

// sessionOver keeps what was being written and asks to sign in again.
func (d *Desk) sessionOver(err error) {
	if d.detail != nil && d.current == ScreenDetail {
		d.draft = d.detail.draft()
	}
	name := d.actor.Name
	d.actor = engineapi.Actor{}
	d.shell = nil
	msg := lang.L("desk.signin.ended")
	if err != nil && err.Error() != "" {
		msg = err.Error()
	}
	if d.draft.Text != "" || d.draft.Reason != "" {
		msg += " " + lang.L("desk.signin.kept")
	}
	d.showSignIn(msg)
	d.signIn.Name.SetText(name)
	if name != "" {
		d.win.Canvas().Focus(d.signIn.Password)
	}
}

// signOut ends the session on the engine and shows sign-in; nothing of
// the person's work is kept.
func (d *Desk) signOut() {
	d.draft = Draft{}
	d.later(func(ctx context.Context) error { return d.be.Logout(ctx) }, func(error) {
		d.actor = engineapi.Actor{}
		d.shell = nil
		d.showSignIn(lang.L("desk.signin.out"))
	})
}

// framed shows a page inside the shell.
func (d *Desk) framed(name string, page fyne.CanvasObject) {
	d.shell.setPage(name, page)
	d.show(name, d.shell.content)
}

func (d *Desk) openApp(appID string) {
	d.detail = newDetailScreen(d, appID)
	d.framed(ScreenDetail, d.detail.content)
	d.detail.load()
}

// typedRune is the keyboard outside text fields: A, R, J act on the
// application on show.
func (d *Desk) typedRune(r rune) {
	if d.current == ScreenDetail && d.detail != nil {
		d.detail.shortcut(r)
	}
	if d.current == ScreenFind && d.find != nil {
		d.find.strayRune(r) // a scan after a click elsewhere
	}
}

func (d *Desk) typedKey(e *fyne.KeyEvent) {
	if d.current == ScreenFind && d.find != nil {
		d.find.strayKey(e) // a scan after a click elsewhere
		return
	}
	if d.current != ScreenDetail || d.detail == nil {
		return
	}
	switch e.Name {
	case fyne.KeyEscape:
		d.detail.escape()
	case fyne.KeyReturn, fyne.KeyEnter:
		d.detail.enter()
	}
}

// tick refreshes the heat map while it is on show.
func (d *Desk) tick(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			fyne.Do(func() {
				d.cb.Lock()
				defer d.cb.Unlock()
				if d.current == ScreenHeat && d.heat != nil && !d.heat.loading {
					d.heat.load()
				}
			})
		}
	}
}

// personName is a staff account by name: 我 for the one signed in, — for
// none, the account ID when the name is not known.
func (d *Desk) personName(id string) string {
	switch {
	case id == "":
		return "—"
	case id == d.actor.ID:
		return lang.L("desk.queue.me")
	case d.people[id] != "":
		return d.people[id]
	}
	return id
}

// relayout lays every container under o out again, parents first: labels
// whose text an answer changed get their new size at once.
func relayout(o fyne.CanvasObject) {
	c, ok := o.(*fyne.Container)
	if !ok || !c.Visible() {
		return
	}
	if c.Layout != nil {
		c.Layout.Layout(c.Objects, c.Size())
	}
	for _, x := range c.Objects {
		relayout(x)
	}
}

// report tells Options.Report where things are.
func (d *Desk) report() {
	if d.opt.Report == nil {
		return
	}
	r := Report{Screen: d.current, Busy: d.pending.Load() > 1, Targets: map[string][2]float32{}}
	drv := d.app.Driver()
	put := func(name string, o fyne.CanvasObject, dx, dy float32) {
		if o == nil || !o.Visible() || o.Size().Width == 0 {
			return
		}
		p := drv.AbsolutePositionForObject(o)
		if dx < 0 {
			dx = o.Size().Width / 2
		}
		if dy < 0 {
			dy = o.Size().Height / 2
		}
		r.Targets[name] = [2]float32{p.X + dx, p.Y + dy}
	}
	if d.shell != nil {
		for key, b := range d.shell.Nav {
			put("nav."+key, b, -1, -1)
		}
		put("signout", d.shell.SignOut, -1, -1)
	}
	if d.current == ScreenSignIn && d.signIn != nil && len(d.signIn.Demo) > 0 {
		for i, b := range d.signIn.Demo {
			if i < len(d.opt.Demo) {
				put("demo."+string(d.opt.Demo[i].Role), b, -1, -1)
			}
		}
	}
	if d.current == ScreenQueue && d.queue != nil && len(d.queue.page.Items) > 0 {
		put("row0", d.queue.Table, 60, 60)
	}
	if d.current == ScreenDetail && d.detail != nil {
		put("approve", d.detail.Approve, -1, -1)
		put("return", d.detail.Return, -1, -1)
		put("reject", d.detail.Reject, -1, -1)
		if d.detail.Action != "" {
			put("confirm", d.detail.Confirm, -1, -1)
			put("reason0", d.detail.Reasons, 16, -1)
		}
	}
	d.opt.Report(r)
}
