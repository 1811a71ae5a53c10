package ui

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
	counting  bool
}

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
	elapsed := now.Sub(c.last)
	switch {
	case elapsed < c.idle:
		if c.counting {
			c.counting = false
			return idleHide, 0
		}
		return idleNone, 0
	case elapsed >= c.idle+c.countdown:
		c.active, c.counting = false, false
		return idleExpire, 0
	}
	c.counting = true
	left := c.idle + c.countdown - elapsed
	return idleCount, int(math.Ceil(left.Seconds()))
}

// Tick advances the idle clock to now: after Options.Idle without a touch
// the countdown overlay shows; after Options.Countdown more, the session is
// wiped. A ticker calls it every second; tests call it with their own times.
func (k *Kiosk) Tick(now time.Time) {
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
				k.reportResized()
			})
		}
	}
}

// IdleOverlay is the in-window countdown shown when nobody has touched the
// kiosk for a while: not a dialog, a layer over the screen that takes
// every tap.
type IdleOverlay struct {
	Continue *widget.Button
	Seconds  *widget.Label
	Message  *widget.Label

	k       *Kiosk
	layer   *fyne.Container
	visible bool
}

func newIdleOverlay(k *Kiosk) *IdleOverlay {
	o := &IdleOverlay{k: k, layer: container.NewStack()}
	o.layer.Hide()
	return o
}

// Visible reports whether the countdown is on screen.
func (o *IdleOverlay) Visible() bool { return o.visible }

func (o *IdleOverlay) show(secondsLeft int) {
	if !o.visible {
		o.build()
		o.visible = true
		o.layer.Show()
	}
	o.Seconds.SetText(lang.L("idle.seconds", map[string]any{"N": secondsLeft}))
}

func (o *IdleOverlay) hide() {
	if !o.visible {
		return
	}
	o.visible = false
	o.layer.Hide()
	o.layer.Objects = nil
}

// build makes the overlay afresh, so it always wears the current theme
// and language.
func (o *IdleOverlay) build() {
	k := o.k
	th := k.theme
	o.Message = k.subheading(lang.L("idle.question"))
	o.Message.Alignment = fyne.TextAlignCenter
	o.Seconds = widget.NewLabel("")
	o.Seconds.SizeName = sizeHuge
	o.Seconds.Alignment = fyne.TextAlignCenter
	o.Seconds.Importance = widget.WarningImportance
	explain := k.text(lang.L("idle.explain"))
	explain.Alignment = fyne.TextAlignCenter
	o.Continue = k.primary(lang.L("idle.continue"), theme.ConfirmIcon(), func() {})
	card := container.NewVBox(o.Message, o.Seconds, explain,
		container.New(&minLayout{min: fyne.NewSize(0, k.size(sizeChoice)/2)}, o.Continue))
	panel := canvas.NewRectangle(th.Color(colorPanel, 0))
	panel.StrokeColor = th.Color(theme.ColorNamePrimary, 0)
	panel.StrokeWidth = 4
	panel.CornerRadius = 16
	boxed := container.NewStack(panel, container.NewPadded(container.NewPadded(card)))
	sized := container.New(&minLayout{min: fyne.NewSize(k.size(sizeCard), 0)}, boxed)
	o.layer.Objects = []fyne.CanvasObject{newTapCatcher(th.Color(colorScrim, 0), k.touch), container.NewCenter(sized)}
	o.layer.Refresh()
}

// tapCatcher dims what is behind the overlay and takes its taps: a touch
// anywhere means someone is still there.
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
