// Package pdftest helps tests read what EnrollDesk prints: the text of a
// PDF and the QR code on its first page, with real decoders (pdftoppm +
// gozxing, zbarimg as a second opinion).
package pdftest

import (
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Need returns the path of a command the test needs, or fails the test
// saying which package installs it.
func Need(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Fatalf("%s is needed for this test (apt-get install poppler-utils zbar-tools cups): %v", name, err)
	}
	return p
}

// Text returns the text of a PDF (pdftotext, UTF-8).
func Text(tb testing.TB, path string) string {
	tb.Helper()
	out, err := exec.Command(Need(tb, "pdftotext"), "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// DecodeQR rasterises the first page of the PDF at 200 dpi and reads the
// QR code: with gozxing on the page, then on its lower part, then with
// zbarimg as a second opinion.
func DecodeQR(tb testing.TB, pdfPath string) string {
	tb.Helper()
	prefix := filepath.Join(tb.TempDir(), "page")
	if out, err := exec.Command(Need(tb, "pdftoppm"), "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile", pdfPath, prefix).CombinedOutput(); err != nil {
		tb.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pngPath := prefix + ".png"
	f, err := os.Open(pngPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	b := img.Bounds()
	lower := image.Rect(b.Min.X, b.Min.Y+b.Dy()/2, b.Max.X, b.Max.Y)
	for i, candidate := range []image.Image{img, crop(img, lower)} {
		if text, err := zxing(candidate); err == nil {
			tb.Logf("QR code read by gozxing (%s)", [...]string{"whole page", "lower half"}[i])
			return text
		}
	}
	out, err := exec.Command(Need(tb, "zbarimg"), "--raw", "-q", pngPath).Output()
	if err != nil {
		tb.Fatalf("no QR code found in %s by gozxing or zbarimg: %v", pngPath, err)
	}
	tb.Logf("QR code read by zbarimg")
	return strings.TrimSpace(string(out))
}

func zxing(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

func crop(img image.Image, r image.Rectangle) image.Image {
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Bounds(), img, r.Min, draw.Src)
	return out
}
