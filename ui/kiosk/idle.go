package kiosk

import (
	"image/color"
	"math"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// idleClock decides, from the time of the last touch, when to show the
// countdown and when to wipe. It is driven by Tick, so tests step it with
// a made-up clock; times earlier than one already seen are ignored, which
// keeps a test clock and the real ticker from fighting.
type idleClock struct {
	mu        sync.Mutex
	idle      time.Duration
	countdown time.Duration
	last      time.Time // the last touch (or screen change)
	latest    time.Time // the latest time seen
	active    bool      // a session or the staff screen is open
	reading   bool      // the screen on show is one to read: wait longer
	counting  bool
}

// ReadingWait is added to Options.Idle on screens a person reads rather
// than answers (the confirmation, the privacy notice, the receipt): slow
// readers are not rushed.
const ReadingWait = 2 * time.Minute

// readingScreens are the screens that get ReadingWait.
var readingScreens = map[string]bool{ScreenConfirm: true, ScreenConsent: true, ScreenReceipt: true, ScreenNotEligible: true}

type idleAction int

const (
	idleNone idleAction = iota
	idleCount
	idleHide
	idleExpire
)

func newIdleClock(idle, countdown time.Duration) *idleClock {
	return &idleClock{idle: idle, countdown: countdown}
}

func (c *idleClock) seen(now time.Time) time.Time {
	if now.Before(c.latest) {
		return c.latest
	}
	return now
}

func (c *idleClock) touch(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = c.seen(now)
	c.counting = false
}

// setReading says whether the screen on show is read rather than
// answered; it changes nothing while the countdown runs.
func (c *idleClock) setReading(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.counting {
		c.reading = on
	}
}

func (c *idleClock) setActive(active bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active = active
	c.last = c.seen(now)
	c.counting = false
}

// advance moves the clock to now and says what the screen must do, with
// the whole seconds left before the wipe.
func (c *idleClock) advance(now time.Time) (idleAction, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Before(c.latest) {
		return idleNone, 0
	}
	c.latest = now
	if !c.active {
		return idleNone, 0
	}
	elapsed, idle := now.Sub(c.last), c.idle
	if c.reading {
		idle += ReadingWait
	}
	switch {
	case elapsed < idle:
		if c.counting {
			c.counting = false
			return idleHide, 0
		}
		return idleNone, 0
	case elapsed >= idle+c.countdown:
		c.active, c.counting = false, false
		return idleExpire, 0
	}
	c.counting = true
	left := idle + c.countdown - elapsed
	return idleCount, int(math.Ceil(left.Seconds()))
}

// Tick advances the idle clock to now: after Options.Idle without a touch
// (plus ReadingWait on a screen to read) the countdown banner shows; after
// Options.Countdown more, the session is wiped. A ticker calls it every
// second; tests call it with their own times.
func (k *Kiosk) Tick(now time.Time) {
	k.idle.setReading(readingScreens[k.ScreenName()])
	switch action, left := k.idle.advance(now); action {
	case idleCount:
		k.overlay.show(left)
	case idleHide:
		k.overlay.hide()
	case idleExpire:
		k.finish()
	}
}

func (k *Kiosk) runClock() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
			fyne.Do(func() {
				k.Tick(k.now())
				k.refit()
			})
		}
	}
}

// IdleOverlay is the countdown shown when nobody has touched the kiosk
// for a while: a calm banner across the foot of the window, never a layer
// over the screen, so that what the person is reading stays in view. Any
// tap anywhere ends it (Continue is there for whoever looks for a button).
type IdleOverlay struct {
	Continue *widget.Button
	Seconds  *widget.Label
	Message  *widget.Label
	// Anywhere is the window behind the screen: a tap on any part of the
	// screen that is not a button lands on it and counts as a touch.
	Anywhere fyne.Tappable

	k       *Kiosk
	layer   *fyne.Container // the banner's place at the foot of the window
	visible bool
}

func newIdleOverlay(k *Kiosk) *IdleOverlay {
	o := &IdleOverlay{k: k, layer: container.NewStack()}
	o.Anywhere = newTapCatcher(color.Transparent, k.touch)
	o.layer.Hide()
	return o
}

// around lays the window out: the screen over the tap-catching backdrop,
// and the banner's place below the screen, which takes no room while the
// banner is hidden and pushes the screen up, not over, when it shows.
func (o *IdleOverlay) around(body fyne.CanvasObject) fyne.CanvasObject {
	return container.NewStack(o.Anywhere.(fyne.CanvasObject), container.NewBorder(nil, o.layer, nil, nil, body))
}

// Visible reports whether the countdown is on screen.
func (o *IdleOverlay) Visible() bool { return o.visible }

func (o *IdleOverlay) show(secondsLeft int) {
	if !o.visible {
		o.build()
	}
	o.Seconds.SetText(lang.L("idle.seconds", map[string]any{"N": secondsLeft}))
	if !o.visible {
		o.visible = true
		o.layer.Show()
		o.resettle()
	}
	o.layer.Refresh() // "10 秒" and "9 秒" differ in width
}

func (o *IdleOverlay) hide() {
	if !o.visible {
		return
	}
	o.visible = false
	o.layer.Hide()
	o.layer.Objects = nil
	o.resettle()
}

// resettle lays the window out again: the screen above the banner's place
// gets taller or shorter, and its lines break anew.
func (o *IdleOverlay) resettle() {
	c := o.k.win.Canvas().Content()
	if c == nil {
		return
	}
	// Twice: the banner's words know their width, and so their height,
	// only once the first pass has laid them out.
	c.Refresh()
	o.k.breakLines(o.layer)
	c.Refresh()
	o.k.relayout()
}

// build makes the banner afresh, so it always wears the current theme and
// language: the question and what will happen on the left, the seconds
// left and 继续使用 on the right.
func (o *IdleOverlay) build() {
	k := o.k
	th := k.theme
	o.Message = k.subheading(lang.L("idle.question"))
	o.Message.TextStyle = fyne.TextStyle{Bold: true}
	o.Seconds = k.subheading("")
	o.Seconds.Wrapping = fyne.TextWrapOff // short, and never broken digit by digit
	o.Seconds.Alignment = fyne.TextAlignCenter
	explain := k.text(lang.L("idle.explain"))
	o.Continue = k.primary(lang.L("idle.continue"), theme.ConfirmIcon(), func() {})
	right := container.NewHBox(container.NewCenter(o.Seconds), container.NewCenter(k.touchSized(o.Continue, 2.2)))
	words := container.NewVBox(o.Message, explain)
	panel := canvas.NewRectangle(th.Color(colorPanel, 0))
	panel.StrokeColor = th.Color(theme.ColorNamePrimary, 0)
	panel.StrokeWidth = th.Size(theme.SizeNameInputBorder)
	panel.CornerRadius = th.Size(theme.SizeNameInputRadius)
	banner := container.NewStack(panel, container.NewPadded(container.NewBorder(nil, nil, nil, right, words)))
	o.layer.Objects = []fyne.CanvasObject{container.NewPadded(banner)}
	o.layer.Refresh()
}

// tapCatcher lies behind the screen and takes the taps nothing else takes:
// a touch anywhere means someone is still there.
type tapCatcher struct {
	widget.BaseWidget
	fill  color.Color
	onTap func()
}

func newTapCatcher(fill color.Color, onTap func()) *tapCatcher {
	t := &tapCatcher{fill: fill, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tapCatcher) Tapped(*fyne.PointEvent) { t.onTap() }

func (t *tapCatcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(t.fill))
}
