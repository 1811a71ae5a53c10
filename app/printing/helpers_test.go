package printing_test

import (
	"crypto/ed25519"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"enrolldesk/app/printing"
	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// testPriv is a fixed signing key so failures reproduce.
func testPriv() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed([]byte(strings.Repeat("k", ed25519.SeedSize)))
}

func testRing(tb testing.TB) receipt.KeyRing {
	tb.Helper()
	ring := receipt.KeyRing{}
	if _, err := ring.Add(testPriv().Public().(ed25519.PublicKey)); err != nil {
		tb.Fatal(err)
	}
	return ring
}

func sign(r receipt.Receipt) (string, error) { return receipt.Sign(testPriv(), r) }

// sample is a typical receipt: two ranked schools, one of them long.
func sample() receipt.Receipt {
	return receipt.Receipt{
		RegNo: "JN27P-4F7K-9Q2M", AppID: "3f2a9c4e-1b7d-4e2f-9a3b-5c6d7e8f9a0b", Stage: core.Primary,
		ChildName: "王小明", ChildMasked: "370811********123X", GuardianName: "王建国", GuardianMasked: "370811********0017",
		Category: "房户一致", Schools: []string{"济宁市任城区文昌第二实验小学", "文昌小学"}, SchoolCodes: []string{"P002", "P001"},
		Status: "已提交", StatusCode: "submitted", KioskID: "JN-RC-01",
		Time: time.Date(2027, 5, 12, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)),
	}
}

// renderer is shared by the tests: it is safe for concurrent use and
// parsing the font once keeps the tests fast.
var renderer = sync.OnceValues(printing.NewRenderer)

func mustRenderer(tb testing.TB) *printing.Renderer {
	tb.Helper()
	r, err := renderer()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// render signs and renders rc and writes the PDF to a temporary file.
func render(tb testing.TB, rc receipt.Receipt) (path, token string) {
	tb.Helper()
	token, err := sign(rc)
	if err != nil {
		tb.Fatal(err)
	}
	pdf, err := mustRenderer(tb).Receipt(rc, token)
	if err != nil {
		tb.Fatal(err)
	}
	path = filepath.Join(tb.TempDir(), "receipt.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path, token
}

// need returns the path of a command the test cannot do without.
func need(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Fatalf("%s is needed for this test (apt-get install poppler-utils zbar-tools cups): %v", name, err)
	}
	return p
}

func pdftotext(tb testing.TB, path string) string {
	tb.Helper()
	out, err := exec.Command(need(tb, "pdftotext"), "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// decodeQR rasterises the first page of the PDF at 200 dpi and reads the
// QR code: with gozxing on the page, then on its lower part, then with
// zbarimg as a second opinion.
func decodeQR(tb testing.TB, pdfPath string) string {
	tb.Helper()
	prefix := filepath.Join(tb.TempDir(), "page")
	if out, err := exec.Command(need(tb, "pdftoppm"), "-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile", pdfPath, prefix).CombinedOutput(); err != nil {
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
	out, err := exec.Command(need(tb, "zbarimg"), "--raw", "-q", pngPath).Output()
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
