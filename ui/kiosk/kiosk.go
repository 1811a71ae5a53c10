package kiosk

import (
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Defaults of Options.
const (
	DefaultIdle      = 90 * time.Second
	DefaultCountdown = 60 * time.Second
)

// Screen names, as Kiosk.ScreenName reports them and screenshots are named.
const (
	ScreenWelcome        = "welcome"
	ScreenGuardianCard   = "guardian-card"
	ScreenGuardianKeypad = "guardian-keypad"
	ScreenChildCard      = "child-card"
	ScreenChildKeypad    = "child-keypad"
	ScreenLooking        = "looking"
	ScreenConfirm        = "confirm"
	ScreenNotEligible    = "not-eligible"
	ScreenSchool         = "school"
	ScreenPhone          = "phone"
	ScreenConsent        = "consent"
	ScreenReceipt        = "receipt"
	ScreenStaffPIN       = "staff-pin"
	ScreenStaffStatus    = "staff-status"
)

// The steps the step indicator counts. The privacy notice comes first:
// nothing is asked of a department before the family agrees (PIPL). The
// check and the school ranking are one step, because a single-school zone
// has no ranking and its family must not see the count jump. Screens that
// end a visit without an application (not eligible) show no step (0).
const (
	stepConsent  = 1
	stepGuardian = 2
	stepChild    = 3
	stepCheck    = 4 // looking, confirm and, in a multi-school zone, school
	stepPhone    = 5
	stepReceipt  = 6
	totalSteps   = 6
)

// Screen is one kiosk screen. Tests reach a screen's widgets through its
// concrete type (*ConfirmScreen …), whose exported fields are the handles.
type Screen interface {
	Name() string
	Content() fyne.CanvasObject
}

// clearer is a screen that shows personal data and can blank it.
type clearer interface{ clear() }

// leaver is a screen that waits for something (a card) and stops waiting
// when it goes off screen.
type leaver interface{ leave() }

// arriver is a screen that starts waiting for something (a card) once it
// is on screen, however it got there.
type arriver interface{ arrive() }

// Stats counts what the current (or last) session asked of the person:
// touches and screens from choosing the grade to the end.
type Stats struct {
	Touches int
	Screens int
	Shown   []string // screen names in order
}

// Kiosk is the parent-facing kiosk: one window, one session at a time.
type Kiosk struct {
	app fyne.App
	win fyne.Window
	svc Services
	opt Options

	font     fyne.Resource
	theme    *kioskTheme
	large    bool
	language string
	cat      catalog

	body    *fyne.Container // holds the current screen
	overlay *IdleOverlay
	idle    *idleClock

	sess    *session
	current Screen
	shownAt time.Time    // when current appeared (wall clock, for the tap guard)
	name    atomic.Value // string: the current screen's name, readable from any goroutine

	mu      sync.Mutex
	stats   Stats
	pending atomic.Int32 // background jobs not yet back on the UI goroutine

	stop     chan struct{}
	stopOnce sync.Once

	fit fitState // the step indicator on show; the layout report (frame.go)
}

// NewKiosk builds the kiosk in w: it sets the theme and the language,
// shows the welcome screen and starts the idle clock. Call Close when the
// window goes away.
func NewKiosk(a fyne.App, w fyne.Window, svc Services, opt Options) *Kiosk {
	if opt.Idle <= 0 {
		opt.Idle = DefaultIdle
	}
	if opt.Countdown <= 0 {
		opt.Countdown = DefaultCountdown
	}
	opt.Language = normalLanguage(opt.Language)
	k := &Kiosk{app: a, win: w, svc: svc, opt: opt, font: bundledFont(), cat: loadCatalog(),
		idle: newIdleClock(opt.Idle, opt.Countdown), stop: make(chan struct{})}
	k.body = container.NewStack()
	k.overlay = newIdleOverlay(k)
	w.SetContent(k.overlay.around(k.body))
	k.setLanguage(opt.Language)
	k.setLarge(false)
	w.Resize(fyne.NewSize(1280, 1024)) // the kiosk's screen; full screen in the hall
	k.showWelcome()
	if !opt.ManualClock {
		go k.runClock()
	}
	return k
}

// Close stops the idle clock.
func (k *Kiosk) Close() {
	k.stopOnce.Do(func() {
		close(k.stop)
		// A card read in progress, or waiting to listen again, ends with
		// the kiosk: nothing of a closed kiosk keeps the reader busy.
		fyne.Do(func() {
			if k.sess != nil {
				k.sess.end()
			}
		})
	})
}

// closed reports whether Close was called.
func (k *Kiosk) closed() bool {
	select {
	case <-k.stop:
		return true
	default:
		return false
	}
}

// Screen returns the screen on show.
func (k *Kiosk) Screen() Screen { return k.current }

// ScreenName returns the name of the screen on show; safe from any goroutine.
func (k *Kiosk) ScreenName() string {
	s, _ := k.name.Load().(string)
	return s
}

// Stats returns the counts of the current or last session.
func (k *Kiosk) Stats() Stats {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.stats
	s.Shown = append([]string(nil), s.Shown...)
	return s
}

// Language returns "zh-Hans" or "en".
func (k *Kiosk) Language() string { return k.language }

// LargeText reports whether the large-text, high-contrast mode is on.
func (k *Kiosk) LargeText() bool { return k.large }

// Idle returns the idle overlay, for tests.
func (k *Kiosk) Idle() *IdleOverlay { return k.overlay }

func (k *Kiosk) now() time.Time {
	if k.svc.Now != nil {
		return k.svc.Now()
	}
	return time.Now()
}

func (k *Kiosk) words() words { return words{english: k.language == LangEnglish, cat: k.cat} }

func (k *Kiosk) size(n fyne.ThemeSizeName) float32 { return k.theme.Size(n) }

// wrap is how long text breaks: anywhere in Chinese, between words in English.
func (k *Kiosk) wrap() fyne.TextWrap {
	if k.language == LangEnglish {
		return fyne.TextWrapWord
	}
	return fyne.TextWrapBreak
}

// show puts a screen on the window and counts it for the session.
func (k *Kiosk) show(s Screen) {
	if l, ok := k.current.(leaver); ok {
		l.leave()
	}
	k.current = s
	k.shownAt = time.Now()
	k.body.Objects = []fyne.CanvasObject{s.Content()}
	k.relayout()
	k.idle.setActive(s.Name() != ScreenWelcome, k.now())
	if k.sess != nil {
		k.mu.Lock()
		k.stats.Screens++
		k.stats.Shown = append(k.stats.Shown, s.Name())
		k.mu.Unlock()
	}
	k.name.Store(s.Name())
	if a, ok := s.(arriver); ok {
		a.arrive()
	}
}

// touch records that someone touched the kiosk: every button goes through it.
func (k *Kiosk) touch() {
	k.idle.touch(k.now())
	k.overlay.hide()
	if k.sess != nil {
		k.mu.Lock()
		k.stats.Touches++
		k.mu.Unlock()
	}
}

// button makes a button whose taps are touches. A tap within
// Options.TapGuard of a new screen appearing is dropped: it is the second
// half of a double tap meant for the screen before, and must not answer
// the new screen's question.
func (k *Kiosk) button(text string, icon fyne.Resource, tapped func()) *widget.Button {
	return widget.NewButtonWithIcon(text, icon, func() {
		if k.opt.TapGuard > 0 && time.Since(k.shownAt) < k.opt.TapGuard {
			return
		}
		k.touch()
		tapped()
	})
}

// primary makes the screen's main button.
func (k *Kiosk) primary(text string, icon fyne.Resource, tapped func()) *widget.Button {
	b := k.button(text, icon, tapped)
	b.Importance = widget.HighImportance
	b.IconPlacement = widget.ButtonIconTrailingText
	return b
}

// later runs work off the UI goroutine, then done on it if owner is still
// the screen on show: a result that arrives after the person has moved on,
// or after a wipe, is dropped.
func (k *Kiosk) later(owner Screen, work func(), done func()) {
	k.pending.Add(1)
	go func() {
		work()
		fyne.Do(func() {
			defer k.pending.Add(-1)
			if k.current == owner {
				done()
			}
		})
	}()
}

// Busy reports whether background work (a card read, a look-up, a
// submission, a print) has yet to come back to the screen; safe from any
// goroutine. Tests wait for it before reading widgets.
func (k *Kiosk) Busy() bool { return k.pending.Load() > 0 }

// setLanguage switches the language; screens built afterwards speak it.
func (k *Kiosk) setLanguage(tag string) {
	k.language = normalLanguage(tag)
	if err := SetLanguage(k.language); err != nil {
		fyne.LogError("enrolldesk: loading translations", err)
	}
	k.win.SetTitle(lang.L("app.title"))
}

// setLarge switches the large-text, high-contrast mode and re-applies the theme.
func (k *Kiosk) setLarge(on bool) {
	k.large = on
	k.theme = newKioskTheme(k.font, on)
	k.app.Settings().SetTheme(k.theme)
}

// wipe ends the session: it blanks what the screen shows, forgets the
// session and shows the welcome screen. resetPrefs also restores the
// language and text size for the next person.
func (k *Kiosk) wipe(resetPrefs bool) {
	if c, ok := k.current.(clearer); ok {
		c.clear()
	}
	if k.sess != nil {
		k.sess.end()
	}
	k.sess = nil
	k.overlay.hide()
	if resetPrefs {
		if k.large {
			k.setLarge(false)
		}
		if k.language != k.opt.Language {
			k.setLanguage(k.opt.Language)
		}
	}
	k.showWelcome()
}

// restart is 重新开始: back to the welcome screen, keeping the language and
// text size the person chose.
func (k *Kiosk) restart() { k.wipe(false) }

// finish ends a visit: the next person starts from the defaults.
func (k *Kiosk) finish() { k.wipe(true) }
