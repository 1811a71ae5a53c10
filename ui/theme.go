package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"enrolldesk/assets"
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

// Colours beyond Fyne's own names.
const (
	colorScrim fyne.ThemeColorName = "enrolldesk.scrim" // dims the screen behind the idle overlay
	colorPanel fyne.ThemeColorName = "enrolldesk.panel" // background of framed panels
	// colorOutline rings every button, so that its edge stands out at
	// ≥ 3:1 from the background even where its fill hardly does.
	colorOutline fyne.ThemeColorName = "enrolldesk.outline"
)

// kioskTheme is Fyne's light theme with the bundled CJK font, kiosk-sized
// text and touch targets, and a large-text, high-contrast variant (dark
// background, white and yellow text) for people who see poorly.
type kioskTheme struct {
	base  fyne.Theme
	font  fyne.Resource
	large bool
}

var _ fyne.Theme = (*kioskTheme)(nil)

func newKioskTheme(font fyne.Resource, large bool) *kioskTheme {
	return &kioskTheme{base: theme.DefaultTheme(), font: font, large: large}
}

// bundledFont is the one font of every style, so Chinese renders on a host
// with no CJK fonts installed.
func bundledFont() fyne.Resource {
	return fyne.NewStaticResource(assets.FontName, assets.FontRegular())
}

func (t *kioskTheme) Font(fyne.TextStyle) fyne.Resource { return t.font }

func (t *kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

func (t *kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if t.large {
		if c, ok := contrastPalette[n]; ok {
			return c
		}
		return t.base.Color(n, theme.VariantDark)
	}
	if c, ok := lightPalette[n]; ok {
		return c
	}
	return t.base.Color(n, theme.VariantLight)
}

func (t *kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	sizes := normalSizes
	if t.large {
		sizes = largeSizes
	}
	if s, ok := sizes[n]; ok {
		return s
	}
	return t.base.Size(n)
}

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

func rgb(r, g, b uint8) color.Color { return color.NRGBA{R: r, G: g, B: b, A: 0xff} }

// lightPalette: calm, with dark text; every text colour is ≥ 4.5:1 on white.
var lightPalette = map[fyne.ThemeColorName]color.Color{
	theme.ColorNameBackground:          rgb(0xf7, 0xf8, 0xfa),
	theme.ColorNameForeground:          rgb(0x1a, 0x1a, 0x1a),
	theme.ColorNamePrimary:             rgb(0x1d, 0x5a, 0xa8), // 6.7:1 with white
	theme.ColorNameForegroundOnPrimary: rgb(0xff, 0xff, 0xff),
	theme.ColorNameButton:              rgb(0xe3, 0xe8, 0xef),
	theme.ColorNameDisabledButton:      rgb(0xec, 0xee, 0xf1),
	theme.ColorNameDisabled:            rgb(0x6b, 0x6b, 0x6b), // 5.3:1, still readable
	theme.ColorNameError:               rgb(0xb3, 0x26, 0x1e),
	theme.ColorNameSuccess:             rgb(0x1e, 0x6b, 0x34),
	theme.ColorNameWarning:             rgb(0x8a, 0x4b, 0x00),
	theme.ColorNameInputBackground:     rgb(0xff, 0xff, 0xff),
	theme.ColorNameInputBorder:         rgb(0x8a, 0x93, 0xa0),
	theme.ColorNamePlaceHolder:         rgb(0x5f, 0x66, 0x70),
	theme.ColorNameSeparator:           rgb(0xc9, 0xcf, 0xd8),
	colorScrim:                         color.NRGBA{A: 0xb0},
	colorPanel:                         rgb(0xff, 0xff, 0xff),
	colorOutline:                       rgb(0x6b, 0x74, 0x80), // 4.5:1 on the background
}

// contrastPalette: black background, white text, yellow for what matters.
var contrastPalette = map[fyne.ThemeColorName]color.Color{
	theme.ColorNameBackground:          rgb(0x00, 0x00, 0x00),
	theme.ColorNameForeground:          rgb(0xff, 0xff, 0xff),
	theme.ColorNamePrimary:             rgb(0xff, 0xd6, 0x0a), // yellow: 14:1 on black
	theme.ColorNameForegroundOnPrimary: rgb(0x00, 0x00, 0x00),
	theme.ColorNameButton:              rgb(0x26, 0x26, 0x26),
	theme.ColorNameDisabledButton:      rgb(0x1a, 0x1a, 0x1a),
	theme.ColorNameDisabled:            rgb(0xa8, 0xa8, 0xa8),
	theme.ColorNameError:               rgb(0xff, 0x8a, 0x80),
	theme.ColorNameSuccess:             rgb(0x7c, 0xf0, 0x9a),
	theme.ColorNameWarning:             rgb(0xff, 0xd6, 0x0a),
	theme.ColorNameHyperlink:           rgb(0xff, 0xd6, 0x0a),
	theme.ColorNameInputBackground:     rgb(0x12, 0x12, 0x12),
	theme.ColorNameInputBorder:         rgb(0xff, 0xff, 0xff),
	theme.ColorNamePlaceHolder:         rgb(0xc8, 0xc8, 0xc8),
	theme.ColorNameSeparator:           rgb(0x80, 0x80, 0x80),
	theme.ColorNameHover:               rgb(0x3a, 0x3a, 0x3a),
	theme.ColorNameFocus:               rgb(0xff, 0xd6, 0x0a),
	colorScrim:                         color.NRGBA{A: 0xd8},
	colorPanel:                         rgb(0x14, 0x14, 0x14),
	colorOutline:                       rgb(0xc8, 0xc8, 0xc8), // 12:1 on black
}
