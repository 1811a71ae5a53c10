package printing

import (
	"fmt"
	"strconv"

	"github.com/jung-kurt/gofpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// qrBlock is the QR code, centred, drawn as vector squares rather than an
// image so that it stays sharp at any printer resolution and costs no PNG
// encoding. The receipt's white margins are its quiet zone.
type qrBlock struct {
	size    float64  // side in mm
	modules [][]bool // true = dark, without quiet zone
}

// newQR encodes payload at error correction level Medium (15 %), enough
// for a creased or slightly faded slip.
func newQR(payload string, size float64) (*qrBlock, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("printing: encode QR code: %w", err)
	}
	q.DisableBorder = true
	return &qrBlock{size: size, modules: q.Bitmap()}, nil
}

func (*qrBlock) texts() []string { return nil }

func (b *qrBlock) measure(measurer, float64) float64 { return b.size }

// draw fills one path made of the horizontal runs of dark modules, written
// as raw PDF rectangles ("re") in one fill: a single fill leaves no
// hairline seams between neighbouring modules when the page is rasterised,
// and thousands of gofpdf path calls would cost more than the rest of the
// receipt. A transformation matrix maps one unit to one module (y
// downwards), so each run is a few integers.
func (b *qrBlock) draw(p *gofpdf.Fpdf, x, y, width float64) {
	n := len(b.modules)
	if n == 0 {
		return
	}
	k := p.GetConversionRatio() // points per mm
	_, pageH := p.GetPageSize()
	m := b.size / float64(n) * k
	left, top := (x+(width-b.size)/2)*k, (pageH-y)*k // PDF y grows upwards
	buf := make([]byte, 0, 12*n*n/4)
	buf = fmt.Appendf(buf, "q %.4f 0 0 %.4f %.3f %.3f cm\n", m, -m, left, top)
	for r, cells := range b.modules {
		for c := 0; c < len(cells); {
			if !cells[c] {
				c++
				continue
			}
			start := c
			for c < len(cells) && cells[c] {
				c++
			}
			buf = strconv.AppendInt(buf, int64(start), 10)
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(r), 10)
			buf = append(buf, ' ')
			buf = strconv.AppendInt(buf, int64(c-start), 10)
			buf = append(buf, " 1 re\n"...)
		}
	}
	p.SetFillColor(0, 0, 0)
	p.RawWriteStr(string(buf) + "f Q")
}
