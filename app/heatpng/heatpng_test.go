package heatpng_test

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"
	"time"

	"enrolldesk/app/heatpng"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/heat"
)

func sample() engineapi.HeatMap {
	var schools []core.School
	var counts []engineapi.HeatCount
	demand := []int{40, 85, 110, 150} // calm, busy, full, oversubscribed at 100 seats
	for i, c := range core.Counties {
		for j := range 5 {
			st, code := core.Primary, c.Code+"P00"+string(rune('1'+j))
			if j >= 3 {
				st, code = core.Junior, c.Code+"J00"+string(rune('1'+j))
			}
			schools = append(schools, core.School{Code: code, Name: c.Name + "第" + string(rune('一'+j)) + "学校", Stage: st, County: c.Code, Capacity: 100})
			counts = append(counts, engineapi.HeatCount{School: code, Stage: st, Tier: "房户一致", N: demand[(i+j)%4]})
		}
	}
	return heat.Build(2027, "", []string{"房户一致", engineapi.TierNone}, schools, counts, time.Date(2027, 6, 10, 9, 0, 0, 0, time.UTC))
}

func TestPNGDecodesAtItsSizeWithEveryLevelsColour(t *testing.T) {
	m := sample()
	for _, size := range [][2]int{{0, 0}, {1366, 768}} {
		var buf bytes.Buffer
		if err := heatpng.Encode(&buf, m, size[0], size[1]); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("the PNG does not decode: %v", err)
		}
		w, h := size[0], size[1]
		if w == 0 {
			w, h = heatpng.Size(m)
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("picture is %v; want %d×%d", b.Size(), w, h)
		}
		seen := map[color.RGBA]int{}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 3 {
			for x := b.Min.X; x < b.Max.X; x += 3 {
				r, g, bl, a := img.At(x, y).RGBA()
				seen[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}]++
			}
		}
		for _, l := range engineapi.Levels {
			if seen[heatpng.FillOf(l)] < 50 {
				t.Errorf("%d×%d: level %s's colour covers %d sampled pixels; want tiles of it", w, h, l, seen[heatpng.FillOf(l)])
			}
		}
		if len(seen) < 20 {
			t.Errorf("%d×%d: only %d colours: no text drawn?", w, h, len(seen))
		}
	}
}

func TestTooSmallIsRefused(t *testing.T) {
	if _, err := heatpng.Render(sample(), 100, 80); err == nil {
		t.Error("a 100×80 picture was drawn; want a refusal naming the minimum")
	}
}

// TestSmallPictureKeepsTheLegendWhole: at the size the staff window gives
// the picture at 1366×768, the legend goes on a row of its own under the
// map, every level's colour in it.
func TestSmallPictureKeepsTheLegendWhole(t *testing.T) {
	img, err := heatpng.Render(sample(), 580, 550)
	if err != nil {
		t.Fatal(err)
	}
	found := map[engineapi.Level]bool{}
	for y := 550 - 60; y < 550; y++ {
		for x := 0; x < 580; x++ {
			c := img.RGBAAt(x, y)
			for _, l := range []engineapi.Level{engineapi.LevelCalm, engineapi.LevelBusy, engineapi.LevelFull, engineapi.LevelOversubscribed} {
				if c == heatpng.FillOf(l) {
					found[l] = true
				}
			}
		}
	}
	if len(found) != 4 {
		t.Errorf("the legend strip under a 580×550 map shows %d of the 4 levels' colours", len(found))
	}
}
