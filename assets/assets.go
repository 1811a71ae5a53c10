// Package assets embeds what EnrollDesk ships inside its binary: the CJK
// font, the translations and the admission policy files.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed fonts/NotoSansSC-Regular.ttf
var fontRegular []byte

//go:embed policy/*.toml
var policies embed.FS

//go:embed translations
var translations embed.FS

// FontName is the bundled font's file name, for PDF generators that key
// fonts by name.
const FontName = "NotoSansSC-Regular.ttf"

// FontRegular returns Noto Sans SC Regular (TrueType, SIL OFL 1.1): the one
// font used on screen and on paper, so Chinese renders on a host with none.
func FontRegular() []byte { return fontRegular }

// Policies returns the policy files, one per district and year, at the root
// of the returned file system (e.g. "jining-2027.toml").
func Policies() fs.FS {
	sub, err := fs.Sub(policies, "policy")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// DefaultPolicy is the demo city's policy file name in Policies.
const DefaultPolicy = "jining-2027.toml"

// TranslationsEmbed returns the embedded translations and their directory,
// in the form fyne's lang.AddTranslationsFS takes.
func TranslationsEmbed() (embed.FS, string) { return translations, "translations" }

// Translations returns the UI translation files (zh-Hans.json, en.json) at
// the root of the returned file system.
func Translations() fs.FS {
	sub, err := fs.Sub(translations, "translations")
	if err != nil {
		panic(err)
	}
	return sub
}

//go:embed icon.png
var icon []byte

// Icon returns the application icon (512×512 PNG): the window icon, and the
// one FyneApp.toml gives the packaging tool for the Linux bundle.
func Icon() []byte { return icon }
