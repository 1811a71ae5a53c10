package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"enrolldesk/assets"
)

// Colours beyond Fyne's own names, shared by the kiosk and the staff desk.
const (
	ColorScrim fyne.ThemeColorName = "enrolldesk.scrim" // dims the screen behind an overlay
	ColorPanel fyne.ThemeColorName = "enrolldesk.panel" // background of framed panels
	// ColorOutline rings every button, so that its edge stands out at
	// ≥ 3:1 from the background even where its fill hardly does.
	ColorOutline fyne.ThemeColorName = "enrolldesk.outline"
)

// Theme is Fyne's light theme with the bundled CJK font and the sizes its
// caller gives (the kiosk's touch sizes, the staff desk's desktop sizes),
// and a large-text, high-contrast variant (dark background, white and
// yellow text) for people who see poorly.
type Theme struct {
	base  fyne.Theme
	font  fyne.Resource
	large bool
	sizes map[fyne.ThemeSizeName]float32
}

var _ fyne.Theme = (*Theme)(nil)

// NewTheme is a theme with font and sizes; large picks the high-contrast
// palette. Sizes it does not name are Fyne's own.
func NewTheme(font fyne.Resource, large bool, sizes map[fyne.ThemeSizeName]float32) *Theme {
	return &Theme{base: theme.DefaultTheme(), font: font, large: large, sizes: sizes}
}

// BundledFont is the one font of every style, so Chinese renders on a host
// with no CJK fonts installed.
func BundledFont() fyne.Resource {
	return fyne.NewStaticResource(assets.FontName, assets.FontRegular())
}

// Font is the bundled font for every style.
func (t *Theme) Font(fyne.TextStyle) fyne.Resource { return t.font }

// Icon is Fyne's own icon.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

// Color is the palette's colour for n.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
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

// Size is the caller's size for n, or Fyne's own.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	if s, ok := t.sizes[n]; ok {
		return s
	}
	return t.base.Size(n)
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
	ColorScrim:                         color.NRGBA{A: 0xb0},
	ColorPanel:                         rgb(0xff, 0xff, 0xff),
	ColorOutline:                       rgb(0x6b, 0x74, 0x80), // 4.5:1 on the background
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
	ColorScrim:                         color.NRGBA{A: 0xd8},
	ColorPanel:                         rgb(0x14, 0x14, 0x14),
	ColorOutline:                       rgb(0xc8, 0xc8, 0xc8), // 12:1 on black
}
