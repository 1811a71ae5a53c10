// Package printing turns a receipt into an 80 mm PDF with a signed QR code
// and gets it onto paper through CUPS, keeping it in a private spool when
// the printer cannot take it.
package printing

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/jung-kurt/gofpdf"

	"enrolldesk/assets"
	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// Receipt geometry in millimetres.
const (
	PaperWidth = 80.0 // the roll width of kiosk receipt printers
	margin     = 5.0
	qrSize     = 44.0
	labelWidth = 15.0
	bodySize   = 11.0 // pt
	fontFamily = "NotoSansSC"
)

// Renderer draws receipt PDFs with the bundled font. It reads the font once
// and gives each document a font cut down to the characters it uses, so a
// receipt costs a few milliseconds instead of a full font parse. A Renderer
// is safe for concurrent use.
type Renderer struct {
	glyphs *GlyphChecker
	font   *sfnt
}

// NewRenderer parses the bundled font. Create one Renderer per process.
func NewRenderer() (*Renderer, error) {
	ttf := assets.FontRegular()
	g, err := newGlyphChecker(ttf)
	if err != nil {
		return nil, err
	}
	f, err := parseSFNT(ttf)
	if err != nil {
		return nil, fmt.Errorf("printing: read font %s: %w", assets.FontName, err)
	}
	return &Renderer{glyphs: g, font: f}, nil
}

// Glyphs returns the checker the Renderer prints through, for screens that
// want to warn about a name when it is entered.
func (r *Renderer) Glyphs() *GlyphChecker { return r.glyphs }

// Check returns the characters of rc that the receipt cannot print and will
// show as □, each once; nil when everything prints. Staff should check a
// name that has any.
func (r *Renderer) Check(rc receipt.Receipt) []rune {
	var out []rune
	for _, s := range fields(rc) {
		for _, m := range r.glyphs.Missing(s) {
			if !containsRune(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// fields are the receipt's free-text fields, where unprintable characters
// can come from.
func fields(rc receipt.Receipt) []string {
	return append([]string{rc.RegNo, rc.ChildName, rc.ChildMasked, rc.GuardianName, rc.GuardianMasked,
		rc.Category, rc.Status, rc.KioskID, rc.Operator, rc.Next.Counter, rc.Next.Hotline}, rc.Schools...)
}

// Receipt returns rc as a one-page PDF 80 mm wide, as tall as its content,
// with token in the QR code. Characters the font cannot print come out as □
// (see Check); the PDF's dates are rc.Time, so the same input gives the same
// bytes.
func (r *Renderer) Receipt(rc receipt.Receipt, token string) (pdf []byte, err error) {
	if token == "" || !isASCII(token) {
		return nil, fmt.Errorf("printing: QR token must be non-empty ASCII")
	}
	q, err := newQR(token, qrSize)
	if err != nil {
		return nil, err
	}
	blocks := r.blocks(rc, q)
	// gofpdf panics on some inputs instead of returning an error; a receipt
	// must fail as an error the kiosk can report, never as a crash.
	defer func() {
		if v := recover(); v != nil {
			pdf, err = nil, fmt.Errorf("printing: PDF library failed on receipt %s: %v", rc.RegNo, v)
		}
	}()
	return r.render(rc, blocks)
}

func (r *Renderer) render(rc receipt.Receipt, blocks []block) ([]byte, error) {
	sub, err := r.fontFor(blocks)
	if err != nil {
		return nil, err
	}
	// Measure with the font's own metrics, then open the document at the
	// measured height, a whole number of millimetres, so its only page
	// size is the one lp is asked for (see MediaFor).
	width, heights := PaperWidth-2*margin, make([]float64, len(blocks))
	total := 2 * margin
	m := &fontMetrics{glyphs: r.glyphs, font: r.font}
	for i, b := range blocks {
		heights[i] = b.measure(m, width)
		total += heights[i]
	}
	p := newDoc(rc, sub, math.Ceil(total))
	p.AddPage()
	y := margin
	for i, b := range blocks {
		b.draw(p, margin, y, width)
		y += heights[i]
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("printing: write PDF for receipt %s: %w", rc.RegNo, err)
	}
	return buf.Bytes(), nil
}

// newDoc starts a PDF of one receipt-wide page size with the font set and
// the dates pinned to the receipt's time, so output is reproducible.
func newDoc(rc receipt.Receipt, font []byte, height float64) *gofpdf.Fpdf {
	p := gofpdf.NewCustom(&gofpdf.InitType{UnitStr: "mm", Size: gofpdf.SizeType{Wd: PaperWidth, Ht: height}})
	p.SetCatalogSort(true)
	p.SetCreationDate(rc.Time)
	p.SetModificationDate(rc.Time)
	p.SetTitle("义务教育入学报名回执 "+rc.RegNo, true)
	p.SetCreator("EnrollDesk", true)
	p.SetMargins(0, 0, 0)
	p.SetCellMargin(0)
	p.SetAutoPageBreak(false, 0)
	p.AddUTF8FontFromBytes(fontFamily, "", font)
	p.SetFont(fontFamily, "", bodySize)
	return p
}

// fontMetrics measures text with the advance widths of the full font, so
// layout needs no PDF document.
type fontMetrics struct {
	glyphs *GlyphChecker
	font   *sfnt
	size   float64 // pt
}

// SetFontSize sets the size in points for later measurements.
func (m *fontMetrics) SetFontSize(size float64) { m.size = size }

// GetStringWidth returns the width of s in mm; runes without a glyph count
// as zero (they never reach the page).
func (m *fontMetrics) GetStringWidth(s string) float64 {
	units := 0
	for _, r := range s {
		if gid, ok := m.glyphs.glyph(r); ok {
			units += int(m.font.advance(uint16(gid)))
		}
	}
	return float64(units) / float64(m.font.unitsPerEm) * m.size * ptToMM
}

// fontFor cuts the font down to the characters the blocks print.
func (r *Renderer) fontFor(blocks []block) ([]byte, error) {
	cmap := map[rune]uint16{' ': 0}
	for _, b := range blocks {
		for _, s := range b.texts() {
			for _, c := range s {
				gid, ok := r.glyphs.glyph(c)
				if !ok {
					return nil, fmt.Errorf("printing: %U reached the PDF without a glyph", c)
				}
				cmap[c] = uint16(gid)
			}
		}
	}
	if gid, ok := r.glyphs.glyph(' '); ok {
		cmap[' '] = uint16(gid)
	}
	sub, err := r.font.subset(cmap)
	if err != nil {
		return nil, fmt.Errorf("printing: subset font: %w", err)
	}
	return sub, nil
}

// blocks lays out the receipt from top to bottom; every string goes through
// the glyph checker first.
func (r *Renderer) blocks(rc receipt.Receipt, q *qrBlock) []block {
	pr := r.glyphs.Printable
	row := func(label string, values ...string) *row {
		return &row{size: bodySize, labelWidth: labelWidth, label: label, values: values}
	}
	bs := []block{
		&centered{size: 15, text: "义务教育入学报名回执"},
		rule{space: 2.5},
		&centered{size: 11, text: "登记号（查询、补打都用这串数字）"},
		&fitted{size: 30, minSize: 12, text: pr(rc.RegNo)},
		rule{space: 2.5},
		row("儿童", pr(rc.ChildName), pr(rc.ChildMasked)),
	}
	if rc.GuardianName != "" || rc.GuardianMasked != "" {
		bs = append(bs, row("监护人", pr(rc.GuardianName), pr(rc.GuardianMasked)))
	}
	bs = append(bs, row("学段", rc.Stage.Label()))
	if rc.Category != "" {
		bs = append(bs, row("类别", pr(rc.Category)))
	}
	if len(rc.Schools) > 0 {
		bs = append(bs, row("学校", schoolLines(rc.Schools, pr)...))
	}
	bs = append(bs, row("状态", pr(rc.Status)), row("时间", rc.Time.Format("2006-01-02 15:04")))
	if rc.KioskID != "" {
		bs = append(bs, row("设备", pr(rc.KioskID)))
	}
	if rc.Operator != "" {
		// A walk-in registered at the desk: who did it for the family.
		bs = append(bs, row("办理人", pr(rc.Operator)))
	}
	bs = append(bs, nextSteps(rc.Next, pr)...)
	return append(bs, rule{space: 2.5}, gap(1), q, gap(2.5),
		&centered{size: 10, text: "凭此回执可查询报名进度"},
		&centered{size: 10, text: "请妥善保管，不要折叠二维码"})
}

// nextSteps tells the family what happens after the kiosk, in plain words:
// when the result comes and that it comes by SMS, where the counter is and
// the hotline. Nothing is printed for a policy without a notice.
func nextSteps(n core.Notice, pr func(string) string) []block {
	var rows []block
	row := func(label string, values ...string) *row {
		return &row{size: bodySize, labelWidth: labelWidth, label: label, values: values}
	}
	if d := n.Results(); !d.IsZero() {
		rows = append(rows, row("结果", d.Format("2006年1月2日")+"左右发短信通知"))
	}
	if n.Counter != "" {
		rows = append(rows, row("窗口", pr(n.Counter)))
	}
	if n.Hotline != "" {
		rows = append(rows, row("电话", pr(n.Hotline)))
	}
	if len(rows) == 0 {
		return nil
	}
	return append([]block{rule{space: 2.5}, &centered{size: 12, text: "接下来"}}, rows...)
}

// schoolLines numbers the schools in the parent's order when there is a
// choice; a single school needs no number.
func schoolLines(schools []string, pr func(string) string) []string {
	if len(schools) == 1 {
		return []string{pr(schools[0])}
	}
	out := make([]string, len(schools))
	for i, s := range schools {
		out[i] = strconv.Itoa(i+1) + ". " + pr(s)
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
