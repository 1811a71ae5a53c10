// Package heatpng draws the demand heat map (入学热度) as a picture: a
// schematic grid of the city's districts, one coloured tile per school
// (calm → oversubscribed on a colour-blind-safe blue → orange → red ramp,
// with the ratio and level written on it too), a legend and a title with
// the date, in Chinese with the bundled Noto Sans SC. `enrolldesk heatmap`
// writes it as a PNG; the staff window shows the same image (ui cannot
// import app, so app hands the window a func that calls Render).
package heatpng

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"enrolldesk/assets"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Colours of the levels: ColorBrewer's 4-class RdYlBu, safe for the common
// forms of colour blindness and in greyscale (lightness differs too), and
// every tile also says its level in words.
var (
	levelFill = map[engineapi.Level]color.RGBA{
		engineapi.LevelCalm:           {0x2c, 0x7b, 0xb6, 0xff},
		engineapi.LevelBusy:           {0xab, 0xd9, 0xe9, 0xff},
		engineapi.LevelFull:           {0xfd, 0xae, 0x61, 0xff},
		engineapi.LevelOversubscribed: {0xd7, 0x19, 0x1c, 0xff},
		engineapi.LevelNoSeats:        {0xbd, 0xbd, 0xbd, 0xff},
	}
	levelInk = map[engineapi.Level]color.RGBA{
		engineapi.LevelCalm:           {0xff, 0xff, 0xff, 0xff},
		engineapi.LevelBusy:           {0x10, 0x10, 0x10, 0xff},
		engineapi.LevelFull:           {0x10, 0x10, 0x10, 0xff},
		engineapi.LevelOversubscribed: {0xff, 0xff, 0xff, 0xff},
		engineapi.LevelNoSeats:        {0x10, 0x10, 0x10, 0xff},
	}
	paper    = color.RGBA{0xfa, 0xfa, 0xf7, 0xff}
	cellFill = color.RGBA{0xee, 0xee, 0xe8, 0xff}
	ink      = color.RGBA{0x20, 0x20, 0x20, 0xff}
	soft     = color.RGBA{0x60, 0x60, 0x60, 0xff}
)

// FillOf is a level's tile colour, for a table that colours its rows alike.
func FillOf(l engineapi.Level) color.RGBA { return levelFill[l] }

// Tile and layout sizes in pixels at the natural size.
const (
	tileW, tileH = 104, 50
	gap          = 4
	cellPad      = 10
	cellHead     = 30
	titleH       = 78
	margin       = 16
	// Below smallW pixels the title is shorter and smaller; a district
	// cell narrower than legendMinW puts the legend in a strip of
	// stripH under the map.
	smallW      = 900
	smallTitleH = 56
	legendMinW  = 250
	stripH      = 44
)

var (
	fontOnce sync.Once
	fontTTF  *opentype.Font
	fontErr  error
)

func loadFont() (*opentype.Font, error) {
	fontOnce.Do(func() { fontTTF, fontErr = opentype.Parse(assets.FontRegular()) })
	return fontTTF, fontErr
}

// layout is the grid: columns and rows of districts, tile columns and rows
// inside each district cell, and the tile size after scaling to w×h.
type layout struct {
	gx, gy     int
	tc, tr     int
	tw, th     int
	cw, ch     int
	x0, y0     int
	legend     image.Point // the grid cell of the legend
	legendFree bool
}

func plan(m engineapi.HeatMap) layout {
	l := layout{gx: 1, gy: 1}
	used := map[image.Point]bool{}
	for _, d := range m.Districts {
		l.gx, l.gy = max(l.gx, d.GridX+1), max(l.gy, d.GridY+1)
		used[image.Pt(d.GridX, d.GridY)] = true
	}
	// Tile columns: the fewest that keep every district's block of tiles
	// (primary rows, then junior rows) no taller than it is wide.
	counts := stageCounts(m)
	l.tc = 1
	for ; l.tc < 40; l.tc++ {
		if l.rowsFor(counts)*(tileH+gap) <= l.tc*(tileW+gap) {
			break
		}
	}
	l.tr = max(l.rowsFor(counts), 1)
	l.legend = image.Pt(l.gx-1, 1)
	for y := 0; y < l.gy && !l.legendFree; y++ {
		for x := l.gx - 1; x >= 0; x-- {
			if !used[image.Pt(x, y)] {
				l.legend, l.legendFree = image.Pt(x, y), true
				break
			}
		}
	}
	if !l.legendFree {
		l.legend = image.Pt(0, l.gy)
		l.gy++
	}
	return l
}

// stageCounts is each district's number of primary and junior schools.
func stageCounts(m engineapi.HeatMap) map[string]*[2]int {
	out := map[string]*[2]int{}
	for _, s := range m.Schools {
		c := out[s.District]
		if c == nil {
			c = &[2]int{}
			out[s.District] = c
		}
		if s.Stage == core.Junior {
			c[1]++
		} else {
			c[0]++
		}
	}
	return out
}

// rowsFor is the most tile rows a district needs with l.tc columns, each
// stage starting on a row of its own.
func (l layout) rowsFor(counts map[string]*[2]int) int {
	most := 0
	for _, c := range counts {
		most = max(most, (c[0]+l.tc-1)/l.tc+(c[1]+l.tc-1)/l.tc)
	}
	return most
}

// Size is the natural size of the picture of m: every tile large enough
// for a school's name, its ratio and its level.
func Size(m engineapi.HeatMap) (w, h int) {
	l := plan(m)
	cw := max(l.tc*(tileW+gap)-gap+2*cellPad, 340)
	ch := max(l.tr*(tileH+gap)-gap+2*cellPad+cellHead, 200)
	return 2*margin + l.gx*cw + (l.gx-1)*gap*2, titleH + margin + l.gy*ch + (l.gy-1)*gap*2
}

// Render draws m at w×h pixels (0, 0: Size(m)). Labels shrink or drop
// where tiles get too small; the colours always show.
func Render(m engineapi.HeatMap, w, h int) (*image.RGBA, error) {
	if w <= 0 || h <= 0 {
		w, h = Size(m)
	}
	if w < 200 || h < 150 {
		return nil, fmt.Errorf("heat map picture %d×%d is too small: give at least 200×150", w, h)
	}
	f, err := loadFont()
	if err != nil {
		return nil, fmt.Errorf("heat map font: %w", err)
	}
	r := &renderer{img: image.NewRGBA(image.Rect(0, 0, w, h)), f: f, faces: map[float64]font.Face{}}
	defer r.close()
	fill(r.img, r.img.Bounds(), paper)
	r.title(m, w)

	l := plan(m)
	l.cw = (w - 2*margin - (l.gx-1)*gap*2) / l.gx
	// A district cell too narrow for the legend's words: the legend
	// goes on a row of its own under the map, one line across.
	strip := 0
	if l.cw < legendMinW {
		strip = stripH
		if !l.legendFree {
			l.gy-- // the row plan added for the legend
		}
	}
	top := titleH
	if w < smallW {
		top = smallTitleH
	}
	l.ch = (h - top - margin - strip - (l.gy-1)*gap*2) / l.gy
	l.x0, l.y0 = margin, top
	l.tw = max((l.cw-2*cellPad-(l.tc-1)*gap)/l.tc, 4)
	l.th = max(min((l.ch-2*cellPad-cellHead-(l.tr-1)*gap)/l.tr, l.tw*tileH/tileW), 4)

	byDistrict := map[string][]engineapi.SchoolDemand{}
	for _, s := range m.Schools {
		byDistrict[s.District] = append(byDistrict[s.District], s)
	}
	for _, d := range m.Districts {
		r.district(l, d, byDistrict[d.Code])
	}
	if strip > 0 {
		r.legendStrip(image.Rect(margin, h-margin-strip+gap, w-margin, h-margin/2), m)
	} else {
		r.legendBox(l, m)
	}
	return r.img, nil
}

// Encode writes m as a PNG of w×h (0, 0: the natural size).
func Encode(out io.Writer, m engineapi.HeatMap, w, h int) error {
	img, err := Render(m, w, h)
	if err != nil {
		return err
	}
	return png.Encode(out, img)
}

type renderer struct {
	img   *image.RGBA
	f     *opentype.Font
	faces map[float64]font.Face
}

func (r *renderer) close() {
	for _, f := range r.faces {
		f.Close()
	}
}

func (r *renderer) face(size float64) font.Face {
	if f, ok := r.faces[size]; ok {
		return f
	}
	f, err := opentype.NewFace(r.f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil
	}
	r.faces[size] = f
	return f
}

// text draws s with its baseline at (x, y), clipped to maxW pixels with an
// ellipsis; it returns the width drawn (0 when nothing fits).
func (r *renderer) text(s string, size float64, c color.Color, x, y, maxW int) int {
	face := r.face(size)
	if face == nil || s == "" {
		return 0
	}
	d := &font.Drawer{Dst: r.img, Src: image.NewUniform(c), Face: face}
	if maxW > 0 && d.MeasureString(s).Ceil() > maxW {
		rs := []rune(s)
		for len(rs) > 0 && d.MeasureString(string(rs)+"…").Ceil() > maxW {
			rs = rs[:len(rs)-1]
		}
		if len(rs) == 0 {
			return 0
		}
		s = string(rs) + "…"
	}
	d.Dot = fixed.P(x, y)
	d.DrawString(s)
	return d.MeasureString(s).Ceil()
}

func (r *renderer) width(s string, size float64) int {
	face := r.face(size)
	if face == nil {
		return 0
	}
	return font.MeasureString(face, s).Ceil()
}

func (r *renderer) title(m engineapi.HeatMap, w int) {
	stage := "小学、初中"
	if m.Stage != "" {
		stage = m.Stage.Label()
	}
	seats := 0
	for _, s := range m.Schools {
		seats += s.Capacity
	}
	if w < smallW {
		r.fit(margin, 28, w-2*margin, ink,
			cand{fmt.Sprintf("入学热度 · %d年%s", m.Year, stage), 20}, cand{fmt.Sprintf("入学热度 · %d年", m.Year), 18})
		unplaced := ""
		if m.Unplaced > 0 {
			unplaced = fmt.Sprintf("　未落学区 %d", m.Unplaced)
		}
		r.fit(margin, 48, w-2*margin, soft,
			cand{fmt.Sprintf("截至 %s　%d 所学校　报名 %d / 学位 %d%s", m.At.Format("01-02 15:04"), len(m.Schools), m.Total, seats, unplaced), 13},
			cand{fmt.Sprintf("截至 %s　报名 %d / 学位 %d", m.At.Format("01-02 15:04"), m.Total, seats), 12},
			cand{fmt.Sprintf("报名 %d / 学位 %d", m.Total, seats), 12})
		return
	}
	r.text(fmt.Sprintf("入学热度 · %d年%s · 各校报名人数与学位数", m.Year, stage), 26, ink, margin, 38, w-2*margin)
	sub := fmt.Sprintf("截至 %s　共 %d 所学校　报名 %d 人（按第一志愿）　学位 %d 个",
		m.At.Format("2006-01-02 15:04"), len(m.Schools), m.Total, seats)
	if m.Unplaced > 0 {
		sub += fmt.Sprintf("　未落学区 %d 人", m.Unplaced)
	}
	r.text(sub, 15, soft, margin, 64, w-2*margin)
}

func (r *renderer) cellRect(l layout, gx, gy int) image.Rectangle {
	x := l.x0 + gx*(l.cw+2*gap)
	y := l.y0 + gy*(l.ch+2*gap)
	return image.Rect(x, y, x+l.cw, y+l.ch)
}

func (r *renderer) district(l layout, d engineapi.District, schools []engineapi.SchoolDemand) {
	cell := r.cellRect(l, d.GridX, d.GridY)
	fill(r.img, cell, cellFill)
	total, seats := 0, 0
	for _, s := range schools {
		total += s.Total
		seats += s.Capacity
	}
	head := d.Name
	nw := r.text(head, 17, ink, cell.Min.X+cellPad, cell.Min.Y+cellPad+15, cell.Dx()-2*cellPad)
	if seats > 0 { // the words that fit, never cut short
		r.fit(cell.Min.X+cellPad+nw+8, cell.Min.Y+cellPad+15, cell.Dx()-2*cellPad-nw-8, soft,
			cand{fmt.Sprintf("报名 %d / 学位 %d", total, seats), 13},
			cand{fmt.Sprintf("报名 %d / 学位 %d", total, seats), 11},
			cand{fmt.Sprintf("%d / %d", total, seats), 11},
			cand{fmt.Sprintf("%d/%d", total, seats), 10})
	}
	row, col, stage := 0, 0, core.Stage("")
	for _, s := range schools {
		if stage != "" && s.Stage != stage && col > 0 {
			row, col = row+1, 0 // junior schools start a row of their own
		}
		stage = s.Stage
		x := cell.Min.X + cellPad + col*(l.tw+gap)
		y := cell.Min.Y + cellPad + cellHead + row*(l.th+gap)
		if y+l.th > cell.Max.Y {
			break
		}
		r.tile(image.Rect(x, y, x+l.tw, y+l.th), s, d.Name)
		if col++; col == l.tc {
			row, col = row+1, 0
		}
	}
}

// tile is one school: its colour, and as much of its name, ratio and level
// as fits.
func (r *renderer) tile(rect image.Rectangle, s engineapi.SchoolDemand, district string) {
	fill(r.img, rect, levelFill[s.Level])
	c := levelInk[s.Level]
	name := strings.TrimPrefix(s.Name, district)
	if name == "" {
		name = s.Name
	}
	ratio := strconv.FormatFloat(s.Ratio, 'f', 2, 64)
	if s.Level == engineapi.LevelNoSeats {
		ratio = "—"
	}
	w, h := rect.Dx()-8, rect.Dy()
	x := rect.Min.X + 4
	switch {
	case h >= 40 && w >= 40:
		size := min(13, float64(h)/3.6)
		r.text(name, size, c, x, rect.Min.Y+int(size)+3, w)
		line := ratio + " " + s.Level.Label()
		if r.width(line, size+1) > w {
			line = ratio
		}
		r.text(line, size+1, c, x, rect.Max.Y-6, w)
	case h >= 22 && w >= 70:
		// One line: the name, then the ratio at the right.
		size := min(13, float64(h)-8)
		rw := r.width(ratio, size)
		base := rect.Min.Y + (h+int(size))/2 - 1
		r.text(ratio, size, c, rect.Max.X-4-rw, base, 0)
		r.text(name, size, c, x, base, w-rw-6)
	case h >= 14 && w >= 24:
		size := min(12, float64(h)-3)
		r.text(ratio, size, c, x, rect.Min.Y+(h+int(size))/2-1, w)
	}
}

func (r *renderer) legendBox(l layout, m engineapi.HeatMap) {
	cell := r.cellRect(l, l.legend.X, l.legend.Y)
	x, y := cell.Min.X+cellPad, cell.Min.Y+cellPad+16
	r.text("图例：报名人数 ÷ 学位数", 16, ink, x, y, cell.Dx()-2*cellPad)
	rows := []struct {
		l    engineapi.Level
		text string
	}{
		{engineapi.LevelCalm, "平稳　低于 0.80"},
		{engineapi.LevelBusy, "较热　0.80 – 0.99"},
		{engineapi.LevelFull, "满额　1.00 – 1.20"},
		{engineapi.LevelOversubscribed, "超额　高于 1.20"},
	}
	sw := 34
	step := max(min((cell.Dy()-2*cellPad-70)/len(rows), 30), 18)
	for i, row := range rows {
		ty := y + 12 + i*step
		fill(r.img, image.Rect(x, ty, x+sw, ty+step-6), levelFill[row.l])
		n := 0
		for _, s := range m.Schools {
			if s.Level == row.l {
				n++
			}
		}
		r.text(fmt.Sprintf("%s　%d 所", row.text, n), 14, ink, x+sw+8, ty+step/2+3, cell.Dx()-2*cellPad-sw-8)
	}
	ny := y + 12 + len(rows)*step + 16
	r.text("按第一志愿计；不含不予通过和退回补充", 12, soft, x, ny, cell.Dx()-2*cellPad)
	r.text("区县位置为示意，非比例地图", 12, soft, x, ny+17, cell.Dx()-2*cellPad)
}

// cand is a text at a size for fit.
type cand struct {
	s    string
	size float64
}

// fit draws the first candidate that fits maxW whole, nothing when none
// does: a shorter wording instead of a cut-off one.
func (r *renderer) fit(x, y, maxW int, c color.Color, cands ...cand) {
	for _, k := range cands {
		if r.width(k.s, k.size) <= maxW {
			r.text(k.s, k.size, c, x, y, 0)
			return
		}
	}
}

// legendStrip is the legend on one row under the map (small pictures):
// each level's colour, its range and how many schools, then the notes.
func (r *renderer) legendStrip(box image.Rectangle, m engineapi.HeatMap) {
	rows := []struct {
		l          engineapi.Level
		long, mini string
	}{
		{engineapi.LevelCalm, "平稳 <0.80", "平稳"},
		{engineapi.LevelBusy, "较热 0.80–0.99", "较热"},
		{engineapi.LevelFull, "满额 1.00–1.20", "满额"},
		{engineapi.LevelOversubscribed, "超额 >1.20", "超额"},
	}
	counts := map[engineapi.Level]int{}
	for _, s := range m.Schools {
		counts[s.Level]++
	}
	const sw, size = 16, 12.0
	item := func(i int, long bool) string {
		t := rows[i].mini
		if long {
			t = rows[i].long
		}
		return fmt.Sprintf("%s %d所", t, counts[rows[i].l])
	}
	long := true
	for _, lg := range []bool{true, false} {
		total := 0
		for i := range rows {
			total += sw + 4 + r.width(item(i, lg), size) + 12
		}
		long = lg
		if total <= box.Dx() {
			break
		}
	}
	x, y := box.Min.X, box.Min.Y+14
	for i, row := range rows {
		fill(r.img, image.Rect(x, y-11, x+sw, y+1), levelFill[row.l])
		x += sw + 4
		x += r.text(item(i, long), size, ink, x, y, box.Max.X-x) + 12
	}
	r.fit(box.Min.X, y+18, box.Dx(), soft,
		cand{"比例 = 报名人数 ÷ 学位数，按第一志愿计；不含不予通过和退回补充；区县位置为示意", 11},
		cand{"报名 ÷ 学位，按第一志愿；区县位置为示意", 11})
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}
