package kiosk

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Keypad keys that are not characters.
const (
	KeyDelete = "del"
	KeyClear  = "clear"
)

// keypadMode says what a keypad takes.
type keypadMode struct {
	max    int   // characters at most
	groups []int // display grouping, e.g. 6-8-4 for an ID number
	x      bool  // the X key of ID numbers
	secret bool  // show dots (a PIN)
	exact  bool  // only a number of max characters is whole (not a PIN)
}

var (
	idKeypad    = keypadMode{max: 18, groups: []int{6, 8, 4}, x: true, exact: true}
	phoneKeypad = keypadMode{max: 11, groups: []int{3, 4, 4}, exact: true}
	pinKeypad   = keypadMode{max: 8, groups: []int{8}, secret: true}
)

// Keypad is the on-screen number pad: digits, X for ID numbers, 删除 and
// 清空, keys at least 64 × 64 px, and what was typed shown in big digits
// in groups (6-8-4 for an ID number). X can be pressed only as the 18th
// character, and the screen's 确定 only when the number is whole.
type Keypad struct {
	Keys    map[string]*widget.Button // "0"–"9", "X", KeyDelete, KeyClear
	Display *widget.Label
	Count   *widget.Label // how many typed and what to do next; always shown
	Message *Notice       // what is wrong, right under the count

	k        *Kiosk
	mode     keypadMode
	value    []rune
	confirm  *widget.Button          // enabled only when the number is whole
	faces    map[string]*canvas.Text // the large figures over the keys
	onChange func()
	onHint   func(string) // a key that cannot be taken now, in words
}

func newKeypad(k *Kiosk, mode keypadMode, initial string) *Keypad {
	p := &Keypad{k: k, mode: mode, Keys: map[string]*widget.Button{}}
	p.Display = widget.NewLabel("")
	p.Display.SizeName = sizeDisplay
	p.Display.Alignment = fyne.TextAlignCenter
	p.Count = k.text("")
	p.Count.TextStyle = fyne.TextStyle{Bold: true}
	p.Message = k.notice()
	for _, d := range "0123456789" {
		p.addKey(string(d), string(d), nil)
	}
	if mode.x {
		p.addKey("X", "X", nil)
	}
	p.addKey(KeyDelete, lang.L("keypad.delete"), theme.ContentUndoIcon())
	p.addKey(KeyClear, lang.L("keypad.clear"), theme.ContentClearIcon())
	p.value = []rune(strings.ToUpper(initial))
	p.render()
	return p
}

func (p *Keypad) addKey(key, label string, icon fyne.Resource) {
	p.Keys[key] = p.k.button(label, icon, func() { p.press(key) })
}

// Value returns what was typed.
func (p *Keypad) Value() string { return string(p.value) }

// confirms ties the screen's 确定 to the keypad: for an ID or phone number
// it can be pressed only once every character is in.
func (p *Keypad) confirms(b *widget.Button) {
	p.confirm = b
	p.render()
}

// whole reports whether what was typed is a whole number for the mode.
func (p *Keypad) whole() bool { return !p.mode.exact || len(p.value) == p.mode.max }

func (p *Keypad) press(key string) {
	switch key {
	case KeyDelete:
		if len(p.value) > 0 {
			p.value = p.value[:len(p.value)-1]
		}
	case KeyClear:
		p.value = nil
	case "X":
		if len(p.value) != p.mode.max-1 {
			p.hint(lang.L("keypad.xLast"))
			return
		}
		p.value = append(p.value, 'X')
	default:
		if len(p.value) >= p.mode.max {
			p.hint(lang.L("keypad.full", map[string]any{"Max": p.mode.max}))
			return
		}
		p.value = append(p.value, []rune(key)...)
	}
	p.render()
	if p.onChange != nil {
		p.onChange()
	}
	p.k.relayout() // the count's new words break by the rules too
}

func (p *Keypad) hint(s string) {
	if p.onHint != nil {
		p.onHint(s)
	}
}

// render shows the typed characters in groups, with a place for each one
// still to type.
func (p *Keypad) render() {
	var b strings.Builder
	i := 0
	for g, n := range p.mode.groups {
		if g > 0 {
			b.WriteString("  ")
		}
		for j := 0; j < n; j++ {
			switch {
			case i < len(p.value) && p.mode.secret:
				b.WriteString("●")
			case i < len(p.value):
				b.WriteRune(p.value[i])
			default:
				b.WriteString("_")
			}
			i++
		}
	}
	p.Display.SetText(b.String())
	n, left := len(p.value), p.mode.max-len(p.value)
	switch {
	case !p.mode.exact:
		p.Count.SetText(lang.L("keypad.count", map[string]any{"N": n, "Max": p.mode.max}))
	case left > 0:
		p.Count.SetText(lang.L("keypad.left", map[string]any{"N": n, "Left": left}))
	default:
		// Name the button the screen really has (确定, or 提交报名 on the phone).
		button := lang.L("nav.ok")
		if p.confirm != nil {
			button = p.confirm.Text
		}
		p.Count.SetText(lang.L("keypad.whole", map[string]any{"Max": p.mode.max, "Button": button}))
	}
	if x, ok := p.Keys["X"]; ok {
		enable([]*widget.Button{x}, left == 1) // X is only ever the 18th character
		if f := p.faces["X"]; f != nil {
			f.Color = p.k.theme.Color(theme.ColorNameForeground, 0)
			if x.Disabled() {
				f.Color = p.k.theme.Color(theme.ColorNameDisabled, 0)
			}
			f.Refresh()
		}
	}
	if p.confirm != nil {
		enable([]*widget.Button{p.confirm}, p.whole())
	}
}

// clear forgets what was typed.
func (p *Keypad) clear() {
	p.value = nil
	p.render()
}

// object lays the keypad out: the digits typed across the top, then the
// keys on the right and, beside them, what the screen says (side), the
// count and any message, so that the whole pad fits a landscape panel's
// height and the count stays in view.
func (p *Keypad) object(side ...fyne.CanvasObject) fyne.CanvasObject {
	k := p.k
	key := fyne.NewSize(k.size(sizeKeyWidth), k.size(sizeKeyHeight))
	sized := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.New(&minLayout{min: fyne.NewSize(key.Width*w, key.Height)}, k.outlined(o))
	}
	grid := container.NewGridWithColumns(3)
	for _, d := range "123456789" {
		grid.Add(sized(p.bigKey(string(d)), 1))
	}
	var last fyne.CanvasObject = sized(p.bigKey("0"), 3)
	if p.mode.x {
		last = container.NewBorder(nil, nil, sized(p.bigKey("X"), 1), nil, sized(p.bigKey("0"), 2))
	}
	digits := container.NewVBox(grid, last)
	edit := container.NewGridWithRows(2, sized(p.Keys[KeyDelete], 1.4), sized(p.Keys[KeyClear], 1.4))
	pad := container.NewHBox(digits, edit)
	p.render() // the faces now exist: colour X by whether it can be pressed
	words := container.NewVBox(side...)
	words.Add(p.Count)
	words.Add(p.Message.object())
	// On a wide panel the words stay beside the keys, not across the screen.
	return container.New(&capLayout{max: key.Width * 8}, container.NewBorder(p.displayBox(), nil, nil, container.NewVBox(pad), words))
}

// bigKey shows a character key's label in large figures over its button.
func (p *Keypad) bigKey(key string) fyne.CanvasObject {
	b := p.Keys[key]
	b.SetText("")
	t := canvas.NewText(key, p.k.theme.Color(theme.ColorNameForeground, 0))
	t.TextSize = p.k.size(sizeDisplay) * 0.8
	t.Alignment = fyne.TextAlignCenter
	if p.faces == nil {
		p.faces = map[string]*canvas.Text{}
	}
	p.faces[key] = t
	return container.NewStack(b, container.NewCenter(t))
}

func (p *Keypad) displayBox() fyne.CanvasObject {
	th := p.k.theme
	bg := canvas.NewRectangle(th.Color(theme.ColorNameInputBackground, 0))
	bg.StrokeColor = th.Color(theme.ColorNameInputBorder, 0)
	bg.StrokeWidth = th.Size(theme.SizeNameInputBorder)
	bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	side := th.Size(theme.SizeNamePadding) * 2
	return container.NewCenter(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(0, 0, side, side), p.Display)))
}
