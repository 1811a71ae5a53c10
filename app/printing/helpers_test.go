package printing_test

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
