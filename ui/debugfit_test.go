package ui_test

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func culprits(o fyne.CanvasObject, limit float32, depth int) []string {
	if o == nil || !o.Visible() || o.MinSize().Width <= limit {
		return nil
	}
	var kids []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		kids = v.Objects
	case *container.Scroll:
		kids = []fyne.CanvasObject{v.Content}
	case *widget.Card:
		kids = []fyne.CanvasObject{v.Content}
	}
	var out []string
	for _, c := range kids {
		out = append(out, culprits(c, limit, depth+1)...)
	}
	if len(out) == 0 {
		desc := fmt.Sprintf("%T", o)
		switch v := o.(type) {
		case *widget.Label:
			desc += " " + v.Text
		case *widget.Button:
			desc += " " + v.Text
		case *fyne.Container:
			desc += fmt.Sprintf(" %T n=%d", v.Layout, len(v.Objects))
			for _, c := range v.Objects {
				desc += fmt.Sprintf(" [%T %v]", c, c.MinSize().Width)
			}
		}
		out = append(out, fmt.Sprintf("%v: %s", o.MinSize().Width, desc))
	}
	return out
}
