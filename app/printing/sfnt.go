package printing

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Why this file exists: gofpdf parses a whole TrueType font for every
// document, and for the 10 MB, 30 000-glyph CJK font that costs about
// 40 ms per receipt, most of it spent walking the cmap and the per-glyph
// tables. The Renderer instead reads the font's tables once and, per
// receipt, hands gofpdf a small font holding only the glyphs that receipt
// uses (renumbered from 1, composite glyphs with their components), which
// gofpdf parses in well under a millisecond.

// sfnt is a parsed TrueType font: its tables and glyph offsets, read once.
type sfnt struct {
	tables    map[string][]byte
	glyf      []byte
	loca      []uint32 // numGlyphs+1 offsets into glyf
	numGlyphs int
	// numHMetrics is how many glyphs have a full entry in hmtx.
	numHMetrics int
	unitsPerEm  int
}

// keptTables are copied unchanged into each per-receipt font: what gofpdf
// reads as is, plus the hinting tables it passes on to the PDF.
func keptTables() []string {
	return []string{"OS/2", "name", "cvt ", "fpgm", "prep", "gasp"}
}

func parseSFNT(b []byte) (*sfnt, error) {
	if len(b) < 12 || binary.BigEndian.Uint32(b) != 0x00010000 {
		return nil, errors.New("not a single TrueType (glyf) font")
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < 12+16*n {
		return nil, errors.New("truncated table directory")
	}
	f := &sfnt{tables: make(map[string][]byte, n)}
	for i := 0; i < n; i++ {
		rec := b[12+16*i:]
		off, size := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(size) > uint64(len(b)) {
			return nil, fmt.Errorf("table %q runs past the end of the file", rec[:4])
		}
		f.tables[string(rec[:4])] = b[off : off+size]
	}
	for _, t := range []string{"head", "hhea", "hmtx", "maxp", "loca", "glyf", "OS/2", "name", "post"} {
		if len(f.tables[t]) == 0 {
			return nil, fmt.Errorf("font has no %q table", t)
		}
	}
	return f, f.readLoca()
}

func (f *sfnt) readLoca() error {
	head, maxp := f.tables["head"], f.tables["maxp"]
	if len(head) < 54 || len(maxp) < 6 || len(f.tables["hhea"]) < 36 || len(f.tables["post"]) < 32 {
		return errors.New("short head, maxp, hhea or post table")
	}
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	f.numHMetrics = int(binary.BigEndian.Uint16(f.tables["hhea"][34:]))
	if f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:])); f.unitsPerEm == 0 {
		return errors.New("unitsPerEm is zero")
	}
	if f.numHMetrics == 0 || f.numHMetrics > f.numGlyphs ||
		len(f.tables["hmtx"]) < 4*f.numHMetrics+2*(f.numGlyphs-f.numHMetrics) {
		return errors.New("bad hhea or hmtx table")
	}
	f.glyf = f.tables["glyf"]
	loca, long := f.tables["loca"], binary.BigEndian.Uint16(head[50:]) == 1
	f.loca = make([]uint32, f.numGlyphs+1)
	for i := range f.loca {
		switch {
		case long && len(loca) >= 4*i+4:
			f.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		case !long && len(loca) >= 2*i+2:
			f.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		default:
			return errors.New("short loca table")
		}
		if f.loca[i] > uint32(len(f.glyf)) || (i > 0 && f.loca[i] < f.loca[i-1]) {
			return fmt.Errorf("bad loca entry for glyph %d", i)
		}
	}
	return nil
}

// advance returns the advance width of glyph gid in font units.
func (f *sfnt) advance(gid uint16) uint16 {
	i := min(int(gid), f.numHMetrics-1)
	if int(gid) >= f.numGlyphs {
		return 0
	}
	return binary.BigEndian.Uint16(f.tables["hmtx"][4*i:])
}

// glyph returns the outline data of glyph gid.
func (f *sfnt) glyph(gid uint16) []byte {
	if int(gid) >= f.numGlyphs {
		return nil
	}
	return f.glyf[f.loca[gid]:f.loca[gid+1]]
}

// subset returns a TrueType font that maps exactly the runes of cmap (all
// in the Basic Multilingual Plane, to glyph IDs of f) and holds only the
// glyphs they need.
func (f *sfnt) subset(cmap map[rune]uint16) ([]byte, error) {
	old := f.closure(cmap)
	renum := make(map[uint16]uint16, len(old))
	for i, gid := range old {
		renum[gid] = uint16(i)
	}
	newCmap := make(map[rune]uint16, len(cmap))
	for r, gid := range cmap {
		newCmap[r] = renum[gid]
	}
	cm, err := cmap4(newCmap)
	if err != nil {
		return nil, err
	}
	glyf, loca := f.glyfLoca(old, renum)
	n := uint16(len(old))
	out := map[string][]byte{"cmap": cm, "glyf": glyf, "loca": loca, "hmtx": f.hmtx(old),
		"head": patch16(f.tables["head"], 50, 1), // long loca offsets
		"hhea": patch16(f.tables["hhea"], 34, n), // every glyph has a full metric
		"maxp": patch16(f.tables["maxp"], 4, n),
		"post": patch16(f.tables["post"][:32], 0, 3), // version 3: no glyph names to renumber
	}
	binary.BigEndian.PutUint32(out["head"][8:], 0) // checksum adjustment, unused by gofpdf
	for _, t := range keptTables() {
		if data := f.tables[t]; len(data) > 0 {
			out[t] = data
		}
	}
	return assemble(out), nil
}

// patch16 returns a copy of table with the 16-bit value at off replaced.
func patch16(table []byte, off int, v uint16) []byte {
	out := append([]byte(nil), table...)
	binary.BigEndian.PutUint16(out[off:], v)
	return out
}

// hmtx returns a metrics table with one full entry per kept glyph.
func (f *sfnt) hmtx(old []uint16) []byte {
	src, nhm := f.tables["hmtx"], f.numHMetrics
	out := make([]byte, 4*len(old))
	for i, gid := range old {
		switch {
		case int(gid) < nhm:
			copy(out[4*i:], src[4*int(gid):4*int(gid)+4])
		default: // the last advance repeats; left side bearings follow the metrics
			copy(out[4*i:], src[4*(nhm-1):4*(nhm-1)+2])
			copy(out[4*i+2:], src[4*nhm+2*(int(gid)-nhm):])
		}
	}
	return out
}

// closure returns the glyphs to keep in ascending order: .notdef, the
// mapped glyphs and, for composite glyphs, their components.
func (f *sfnt) closure(cmap map[rune]uint16) []uint16 {
	keep := map[uint16]bool{0: true}
	stack := []uint16{0}
	for _, gid := range cmap {
		if !keep[gid] {
			keep[gid] = true
			stack = append(stack, gid)
		}
	}
	for len(stack) > 0 {
		gid := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range components(f.glyph(gid)) {
			if !keep[c.gid] && int(c.gid) < f.numGlyphs {
				keep[c.gid] = true
				stack = append(stack, c.gid)
			}
		}
	}
	ids := make([]uint16, 0, len(keep))
	for gid := range keep {
		ids = append(ids, gid)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// Composite glyph flags (TrueType glyf table).
const (
	argWords    = 0x0001
	haveScale   = 0x0008
	moreComps   = 0x0020
	haveXYScale = 0x0040
	have2x2     = 0x0080
)

// component is one part of a composite glyph: the glyph it uses and where
// that glyph ID sits in the composite's data.
type component struct {
	gid uint16
	at  int
}

// components lists the parts of a composite glyph; nil for a simple one.
func components(g []byte) []component {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	var out []component
	for p := 10; p+4 <= len(g); {
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, component{gid: binary.BigEndian.Uint16(g[p+2:]), at: p + 2})
		p += 4 + 2
		if flags&argWords != 0 {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&have2x2 != 0:
			p += 8
		}
		if flags&moreComps == 0 {
			break
		}
	}
	return out
}

// glyfLoca builds glyf and long-format loca tables for the kept glyphs,
// pointing composite glyphs at their components' new IDs.
func (f *sfnt) glyfLoca(old []uint16, renum map[uint16]uint16) (glyf, loca []byte) {
	loca = make([]byte, 4*(len(old)+1))
	for i, gid := range old {
		binary.BigEndian.PutUint32(loca[4*i:], uint32(len(glyf)))
		start := len(glyf)
		g := f.glyph(gid)
		glyf = append(glyf, g...)
		for _, c := range components(g) {
			binary.BigEndian.PutUint16(glyf[start+c.at:], renum[c.gid])
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
	}
	binary.BigEndian.PutUint32(loca[4*len(old):], uint32(len(glyf)))
	return glyf, loca
}

// cmap4 builds a cmap table with one Windows Unicode BMP (3,1) subtable of
// format 4: one segment per rune, plus the closing 0xFFFF segment.
func cmap4(m map[rune]uint16) ([]byte, error) {
	runes := make([]int, 0, len(m))
	for r := range m {
		if r < 0 || r >= 0xFFFF {
			return nil, fmt.Errorf("rune %U cannot go into a format 4 cmap", r)
		}
		runes = append(runes, int(r))
	}
	sort.Ints(runes)
	seg := len(runes) + 1
	sub := make([]byte, 16+8*seg)
	be := binary.BigEndian
	be.PutUint16(sub[0:], 4)
	be.PutUint16(sub[2:], uint16(len(sub)))
	be.PutUint16(sub[6:], uint16(2*seg))
	sr, es := searchParams(seg, 2)
	be.PutUint16(sub[8:], uint16(sr))
	be.PutUint16(sub[10:], uint16(es))
	be.PutUint16(sub[12:], uint16(2*seg-sr))
	ends, starts, deltas := sub[14:], sub[16+2*seg:], sub[16+4*seg:] // idRangeOffsets stay 0
	for i, r := range append(runes, 0xFFFF) {
		gid := uint16(0) // 0xFFFF maps to .notdef
		if r != 0xFFFF {
			gid = m[rune(r)]
		}
		be.PutUint16(ends[2*i:], uint16(r))
		be.PutUint16(starts[2*i:], uint16(r))
		be.PutUint16(deltas[2*i:], gid-uint16(r))
	}
	header := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	return append(header, sub...), nil
}

// searchParams returns searchRange and entrySelector for n entries of
// unit bytes: the largest power of two ≤ n, times unit, and its log2.
func searchParams(n, unit int) (searchRange, entrySelector int) {
	p := 1
	for p*2 <= n {
		p *= 2
		entrySelector++
	}
	return p * unit, entrySelector
}

// assemble writes an sfnt file with tables in tag order, each 4-byte
// aligned and with its checksum.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 12 + 16*len(tables)
	for t, data := range tables {
		tags = append(tags, t)
		size += (len(data) + 3) &^ 3
	}
	sort.Strings(tags)
	out := make([]byte, 12+16*len(tags), size)
	be := binary.BigEndian
	be.PutUint32(out, 0x00010000)
	be.PutUint16(out[4:], uint16(len(tags)))
	sr, es := searchParams(len(tags), 16)
	be.PutUint16(out[6:], uint16(sr))
	be.PutUint16(out[8:], uint16(es))
	be.PutUint16(out[10:], uint16(16*len(tags)-sr))
	for i, t := range tags {
		rec := out[12+16*i:]
		copy(rec, t)
		be.PutUint32(rec[4:], checksum(tables[t]))
		be.PutUint32(rec[8:], uint32(len(out)))
		be.PutUint32(rec[12:], uint32(len(tables[t])))
		out = append(out, tables[t]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
