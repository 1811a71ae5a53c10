package printing_test

import (
	"testing"

	"enrolldesk/app/printing"
)

// BenchmarkReceipt is the work behind one printed receipt: sign the token,
// lay out the page, encode the QR code and write the PDF.
func BenchmarkReceipt(b *testing.B) {
	r := mustRenderer(b)
	rc := sample()
	var size int
	for b.Loop() {
		token, err := sign(rc)
		if err != nil {
			b.Fatal(err)
		}
		pdf, err := r.Receipt(rc, token)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "bytes/receipt")
}

// BenchmarkRendererStart is the one-off cost of reading the bundled font.
func BenchmarkRendererStart(b *testing.B) {
	for b.Loop() {
		if _, err := printing.NewRenderer(); err != nil {
			b.Fatal(err)
		}
	}
}
