package printing

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/go-text/typesetting/font"

	"enrolldesk/assets"
)

// TestSubsetFont checks the per-receipt font against the full one: every
// requested rune maps to a glyph with the same outline and advance, and
// nothing else is mapped.
func TestSubsetFont(t *testing.T) {
	ttf := assets.FontRegular()
	full, err := parseSFNT(ttf)
	if err != nil {
		t.Fatal(err)
	}
	g, err := newGlyphChecker(ttf)
	if err != nil {
		t.Fatal(err)
	}
	fullFace, err := font.ParseTTF(bytes.NewReader(ttf))
	if err != nil {
		t.Fatal(err)
	}
	cmap := map[rune]uint16{}
	for _, r := range "义务教育入学报名回执 JN27P-4F7K-9Q2M 王䶮□*：，" {
		gid, ok := g.glyph(r)
		if !ok {
			t.Fatalf("no glyph for %q", r)
		}
		if want, _ := fullFace.NominalGlyph(r); want != gid {
			t.Fatalf("%q: checker says glyph %d, go-text's Face %d", r, gid, want)
		}
		cmap[r] = uint16(gid)
	}
	data, err := full.subset(cmap)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 100_000 {
		t.Errorf("subset is %d bytes; want a small font", len(data))
	}
	sub, err := parseSFNT(data)
	if err != nil {
		t.Fatalf("subset does not parse: %v", err)
	}
	face, err := font.ParseTTF(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("go-text rejects the subset: %v", err)
	}
	if sub.numGlyphs > len(cmap)+1 {
		t.Errorf("subset keeps %d glyphs for %d runes", sub.numGlyphs, len(cmap))
	}
	for r, old := range cmap {
		gid, ok := face.NominalGlyph(r)
		if !ok {
			t.Errorf("%q is not mapped in the subset", r)
			continue
		}
		// outlines are copied whole, then padded to 4 bytes
		if o, n := full.glyph(old), sub.glyph(uint16(gid)); !bytes.HasPrefix(n, o) || len(n)-len(o) > 3 {
			t.Errorf("outline of %q differs", r)
		}
		if face.HorizontalAdvance(gid) != fullFace.HorizontalAdvance(font.GID(old)) ||
			float32(full.advance(old)) != fullFace.HorizontalAdvance(font.GID(old)) {
			t.Errorf("advance of %q differs", r)
		}
	}
	if _, ok := face.NominalGlyph('朝'); ok {
		t.Error("the subset maps a rune that was not asked for")
	}
}

func TestComponents(t *testing.T) {
	// A composite glyph: header (10 bytes), then two components: the first
	// with word arguments and a scale, the second with byte arguments.
	g := make([]byte, 10)
	binary.BigEndian.PutUint16(g, 0xFFFF) // numberOfContours = -1
	g = binary.BigEndian.AppendUint16(g, argWords|haveScale|moreComps)
	g = binary.BigEndian.AppendUint16(g, 7)
	g = append(g, 0, 1, 0, 2, 0x40, 0) // two int16 args, one F2Dot14 scale
	g = binary.BigEndian.AppendUint16(g, 0)
	g = binary.BigEndian.AppendUint16(g, 9)
	g = append(g, 1, 2)
	got := components(g)
	if len(got) != 2 || got[0].gid != 7 || got[1].gid != 9 || got[0].at != 12 || got[1].at != 22 {
		t.Fatalf("components = %+v", got)
	}
	if got := components(g[:12]); len(got) != 0 {
		t.Fatalf("a truncated composite yields %v", got)
	}
	simple := []byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	if components(simple) != nil {
		t.Fatal("a simple glyph has components")
	}
}

func TestParseSFNTRejects(t *testing.T) {
	for name, data := range map[string][]byte{
		"Empty": nil,
		"OTF":   []byte("OTTO\x00\x00\x00\x00\x00\x00\x00\x00"),
		"TTC":   []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x00"),
		"Short": {0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0},
	} {
		if _, err := parseSFNT(data); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// TestSubsetComposite checks that a composite glyph keeps its component
// and points at the component's new ID (the bundled font has no composite
// glyphs, so this uses a made-up glyf table).
func TestSubsetComposite(t *testing.T) {
	simple := []byte{0, 1, 0, 0, 0, 0, 0, 5, 0, 5, 0, 0}
	comp := []byte{0xFF, 0xFF, 0, 0, 0, 0, 0, 5, 0, 5}
	comp = binary.BigEndian.AppendUint16(comp, 0) // flags: byte args, last component
	comp = binary.BigEndian.AppendUint16(comp, 3) // uses glyph 3
	comp = append(comp, 0, 0)
	glyphs := [][]byte{nil, simple, simple, simple, simple, comp}
	f := &sfnt{numGlyphs: len(glyphs), loca: make([]uint32, len(glyphs)+1)}
	for i, g := range glyphs {
		f.glyf = append(f.glyf, g...)
		f.loca[i+1] = uint32(len(f.glyf))
	}
	old := f.closure(map[rune]uint16{'A': 5})
	if len(old) != 3 || old[0] != 0 || old[1] != 3 || old[2] != 5 {
		t.Fatalf("closure = %v, want [0 3 5]", old)
	}
	renum := map[uint16]uint16{0: 0, 3: 1, 5: 2}
	glyf, loca := f.glyfLoca(old, renum)
	start := binary.BigEndian.Uint32(loca[8:])
	if got := binary.BigEndian.Uint16(glyf[start+12:]); got != 1 {
		t.Fatalf("composite points at glyph %d, want the component's new ID 1", got)
	}
	if !bytes.Equal(glyf[binary.BigEndian.Uint32(loca[4:]):start], simple) {
		t.Fatal("component outline not copied")
	}
	if comp[13] != 3 {
		t.Fatal("the font's own glyph data was modified")
	}
}
