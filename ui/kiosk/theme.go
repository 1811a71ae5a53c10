package kiosk

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"enrolldesk/ui"
)

// Sizes the kiosk's screens ask the theme for, beyond Fyne's own names.
const (
	sizeHuge      fyne.ThemeSizeName = "enrolldesk.huge"      // the registration number
	sizeDisplay   fyne.ThemeSizeName = "enrolldesk.display"   // digits typed on the keypad
	sizeRank      fyne.ThemeSizeName = "enrolldesk.rank"      // a school's rank 1, 2, 3
	sizeKeyWidth  fyne.ThemeSizeName = "enrolldesk.keyWidth"  // one keypad key
	sizeKeyHeight fyne.ThemeSizeName = "enrolldesk.keyHeight" // one keypad key
	sizeChoice    fyne.ThemeSizeName = "enrolldesk.choice"    // the welcome screen's two grade buttons
	sizeTouch     fyne.ThemeSizeName = "enrolldesk.touch"     // the least height of anything touched
	sizeCard      fyne.ThemeSizeName = "enrolldesk.card"      // width of centred panels (idle overlay)
)

// Colours the kiosk asks for beyond Fyne's own names.
const (
	colorScrim   = ui.ColorScrim
	colorPanel   = ui.ColorPanel
	colorOutline = ui.ColorOutline
)

// kioskTheme is the shared theme with kiosk-sized text and touch targets.
type kioskTheme = ui.Theme

func newKioskTheme(font fyne.Resource, large bool) *kioskTheme {
	if large {
		return ui.NewTheme(font, true, largeSizes)
	}
	return ui.NewTheme(font, false, normalSizes)
}

func bundledFont() fyne.Resource { return ui.BundledFont() }

// Text sizes follow DESIGN.md §6: body ≥ 24 px, headings larger; paddings
// make every button at least 64 px high. Large-text mode makes body text
// 1.5 × and the keys taller; headings grow less, as they are big already.
var normalSizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:           26,
	theme.SizeNameSubHeadingText: 32,
	theme.SizeNameHeadingText:    40,
	theme.SizeNameCaptionText:    22,
	theme.SizeNamePadding:        8,
	theme.SizeNameInnerPadding:   14,
	theme.SizeNameLineSpacing:    8,
	theme.SizeNameInlineIcon:     34,
	theme.SizeNameInputBorder:    3,
	theme.SizeNameInputRadius:    8,
	theme.SizeNameScrollBar:      20,
	theme.SizeNameScrollBarSmall: 10,
	sizeHuge:                     72,
	sizeDisplay:                  52,
	sizeRank:                     56,
	sizeKeyWidth:                 132,
	sizeKeyHeight:                80,
	sizeChoice:                   220,
	sizeTouch:                    72,
	sizeCard:                     760,
}

var largeSizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:           40,
	theme.SizeNameSubHeadingText: 44,
	theme.SizeNameHeadingText:    46,
	theme.SizeNameCaptionText:    33,
	theme.SizeNamePadding:        8,
	theme.SizeNameInnerPadding:   12,
	theme.SizeNameLineSpacing:    10,
	theme.SizeNameInlineIcon:     42,
	theme.SizeNameInputBorder:    4,
	theme.SizeNameInputRadius:    8,
	theme.SizeNameScrollBar:      24,
	theme.SizeNameScrollBarSmall: 12,
	sizeHuge:                     84,
	sizeDisplay:                  56,
	sizeRank:                     64,
	sizeKeyWidth:                 150,
	sizeKeyHeight:                88,
	sizeChoice:                   220,
	sizeTouch:                    84,
	sizeCard:                     900,
}
