package kiosk

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Rect is a rectangle on the window's canvas, in Fyne units from its top
// left corner.
type Rect struct {
	X, Y, W, H float32
}

// Inside reports whether r lies wholly inside o, allowing half a unit for
// rounding.
func (r Rect) Inside(o Rect) bool {
	const e = 0.5
	return r.X >= o.X-e && r.Y >= o.Y-e && r.X+r.W <= o.X+o.W+e && r.Y+r.H <= o.Y+o.H+e
}

// LaidButton is one button of the screen on show, named by the handle
// the screen keeps for it ("Next", "Pad.Keys[1]", "Demo[consistent]").
type LaidButton struct {
	Name     string
	Text     string
	Rect     Rect
	Primary  bool  // the screen's main action (high importance)
	Disabled bool  `json:",omitempty"`
	Viewport *Rect `json:",omitempty"` // the scrolling area it lies in, if any
}

// LayoutReport is where the screen on show put what a person must see and
// reach: the window's canvas, the step indicator and every visible button.
// Tests and the real-window check (Options.LayoutReport) assert on it.
type LayoutReport struct {
	Screen  string
	Canvas  Rect    // the window's canvas: X and Y are 0
	Scale   float32 // pixels per unit
	MinSize fyne.Size
	Steps   *Rect `json:",omitempty"` // nil where the screen has no step indicator
	Buttons []LaidButton
}

// Layout reports where the screen on show laid out its step indicator and
// its buttons. The buttons are found through the screen's exported handles
// (fields of type *widget.Button, slices and maps of them, Nav, *Keypad),
// so every screen is covered without a list to keep up to date.
func (k *Kiosk) Layout() LayoutReport {
	c := k.win.Canvas()
	rep := LayoutReport{Screen: k.ScreenName(), Canvas: Rect{W: c.Size().Width, H: c.Size().Height},
		Scale: c.Scale()}
	content := c.Content()
	if content == nil || k.current == nil {
		return rep
	}
	rep.MinSize = content.MinSize()
	places := map[fyne.CanvasObject]place{}
	layoutWalk(content, content.Position(), nil, true, places)
	if k.fit.steps != nil {
		if p, ok := places[k.fit.steps.box]; ok && p.visible {
			r := p.rect(k.fit.steps.box)
			rep.Steps = &r
		}
	}
	handles := map[string]*widget.Button{}
	collectButtons(reflect.ValueOf(k.current), "", handles, 0)
	if k.overlay.visible && k.overlay.Continue != nil {
		handles["Idle.Continue"] = k.overlay.Continue
	}
	names := make([]string, 0, len(handles))
	for n := range handles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b := handles[n]
		p, ok := places[b]
		if !ok || !p.visible {
			continue
		}
		lb := LaidButton{Name: n, Text: b.Text, Rect: p.rect(b), Primary: b.Importance == widget.HighImportance,
			Disabled: b.Disabled(), Viewport: p.viewport}
		rep.Buttons = append(rep.Buttons, lb)
	}
	return rep
}

// place is where the walk found an object: its absolute position, whether
// it and all that hold it are visible, and the scroll area around it.
type place struct {
	pos      fyne.Position
	visible  bool
	viewport *Rect
}

func (p place) rect(o fyne.CanvasObject) Rect {
	return Rect{X: p.pos.X, Y: p.pos.Y, W: o.Size().Width, H: o.Size().Height}
}

// layoutWalk records the absolute place of every object under o, whose
// absolute position is pos.
func layoutWalk(o fyne.CanvasObject, pos fyne.Position, viewport *Rect, visible bool, out map[fyne.CanvasObject]place) {
	if o == nil {
		return
	}
	visible = visible && o.Visible()
	out[o] = place{pos: pos, visible: visible, viewport: viewport}
	child := func(c fyne.CanvasObject, vp *Rect) {
		if c != nil {
			layoutWalk(c, pos.Add(c.Position()), vp, visible, out)
		}
	}
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			child(c, viewport)
		}
	case *container.Scroll:
		vp := &Rect{X: pos.X, Y: pos.Y, W: v.Size().Width, H: v.Size().Height}
		child(v.Content, vp)
	case *widget.Card:
		// A card places its content inside its own padding; its renderer
		// positions the content, so the content's position is relative to it.
		child(v.Content, viewport)
	}
}

// collectButtons finds the buttons among the exported fields of a screen.
func collectButtons(v reflect.Value, path string, out map[string]*widget.Button, depth int) {
	if depth > 4 || !v.IsValid() {
		return
	}
	if b, ok := v.Interface().(*widget.Button); ok {
		if b != nil {
			out[path] = b
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		collectButtons(v.Elem(), path, out, depth)
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name // an embedded Nav's buttons go by their own names
			switch {
			case f.Anonymous:
				name = path
			case path != "":
				name = path + "." + f.Name
			}
			collectButtons(v.Field(i), name, out, depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			collectButtons(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out, depth+1)
		}
	case reflect.Map:
		for _, key := range v.MapKeys() {
			collectButtons(v.MapIndex(key), fmt.Sprintf("%s[%v]", path, key.Interface()), out, depth+1)
		}
	}
}

// reportLayout writes the layout of the screen on show to the file of
// Options.LayoutReport, once the window has drawn it: the real-window
// check reads it to find the buttons and to prove nothing is cut off.
func (k *Kiosk) reportLayout() {
	if k.opt.LayoutReport == "" {
		return
	}
	shown := k.current
	time.AfterFunc(400*time.Millisecond, func() {
		fyne.Do(func() {
			if k.current != shown {
				return
			}
			k.writeLayout()
		})
	})
}

// refit lays the screen out again when the window's size changed since
// the last layout: a real window goes full screen, or is turned, after the
// screen was built, and wrapped lines need their new heights. It writes
// the layout report again too. The idle clock's tick calls it.
func (k *Kiosk) refit() {
	c := k.win.Canvas()
	if c.Content() == nil || c.Size() == k.fit.laidFor {
		return
	}
	k.fit.laidFor = c.Size()
	c.Content().Refresh()
	k.relayout()
	if k.opt.LayoutReport != "" {
		k.writeLayout()
	}
}

func (k *Kiosk) writeLayout() {
	data, err := json.Marshal(k.Layout())
	if err == nil {
		tmp := k.opt.LayoutReport + ".tmp"
		if err = os.WriteFile(tmp, data, 0o644); err == nil {
			err = os.Rename(tmp, k.opt.LayoutReport)
		}
	}
	if err != nil {
		fyne.LogError("enrolldesk: writing the layout report", err)
	}
}
