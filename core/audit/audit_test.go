package audit

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"enrolldesk/core/engineapi"
)

func chain(n int) []Entry {
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	evs := make([]engineapi.AuditEvent, n)
	for i := range evs {
		evs[i] = engineapi.AuditEvent{Actor: "device:K1", At: t0.Add(time.Duration(i) * time.Second),
			Action: "ingest", Subject: "APP" + string(rune('a'+i%26)), After: "verified"}
	}
	es, _ := Head{}.Chain(evs)
	return es
}

func verify(es []Entry, anchors ...Anchor) (int64, *Break) {
	v := NewVerifier()
	v.Expect(anchors)
	for _, e := range es {
		if v.Add(e) != nil {
			break
		}
	}
	n, _, b := v.Finish()
	return n, b
}

func wantBreak(t *testing.T, es []Entry, seq int64, k Kind, anchors ...Anchor) {
	t.Helper()
	_, b := verify(es, anchors...)
	if b == nil {
		t.Fatalf("verify passed a tampered chain; want entry %d %s", seq, k)
	}
	if b.Seq != seq || b.Kind != k {
		t.Fatalf("verify said %v; want entry %d %s", b, seq, k)
	}
}

func TestWholeChainVerifies(t *testing.T) {
	es := chain(10)
	n, b := verify(es)
	if b != nil || n != 10 {
		t.Fatalf("whole chain: %d, %v", n, b)
	}
	if n, b := verify(nil); b != nil || n != 0 {
		t.Fatalf("empty chain: %d, %v", n, b)
	}
}

func TestEncodingIsUnambiguous(t *testing.T) {
	a := Entry{Actor: "ab", Action: "c"}
	b := Entry{Actor: "a", Action: "bc"}
	if bytes.Equal(a.Encode(), b.Encode()) || a.Sum() == b.Sum() {
		t.Fatal("moving a character between fields kept the encoding")
	}
}

func TestChangedByteIsNamed(t *testing.T) {
	es := chain(10)
	es[4].Subject = "APPz"
	wantBreak(t, es, 5, Changed)
	es = chain(10)
	es[9].At = es[9].At.Add(time.Nanosecond)
	wantBreak(t, es, 10, Changed)
}

func TestDeletedEntryIsNamed(t *testing.T) {
	es := chain(10)
	es = append(es[:3], es[4:]...)
	wantBreak(t, es, 4, Deleted)
	// Deleted and the later ones renumbered down to close the gap.
	es = chain(10)
	es = append(es[:3], es[4:]...)
	for i := 3; i < len(es); i++ {
		es[i].Seq--
	}
	wantBreak(t, es, 4, Deleted)
}

func TestInsertedEntryIsNamed(t *testing.T) {
	// Inserted with a proper link and hash, later ones renumbered up.
	es := chain(10)
	forged, _ := Head{Seq: 3, Hash: es[2].Hash}.Next(engineapi.AuditEvent{Actor: "staff:x", Action: "state", At: es[2].At})
	out := append(append(append([]Entry{}, es[:3]...), forged), es[3:]...)
	for i := 4; i < len(out); i++ {
		out[i].Seq++
	}
	wantBreak(t, out, 4, Inserted)
	// Inserted with a made-up hash.
	forged.Hash = Hash{1}
	out[3] = forged
	wantBreak(t, out, 4, Inserted)
}

func TestSwappedEntriesAreNamed(t *testing.T) {
	es := chain(10)
	es[5], es[6] = es[6], es[5]
	es[5].Seq, es[6].Seq = 6, 7
	wantBreak(t, es, 6, Reordered)
	// Fed out of Seq order.
	es = chain(10)
	es[5], es[6] = es[6], es[5]
	wantBreak(t, es, 7, Reordered)
}

func TestAnchorsCatchARewrite(t *testing.T) {
	es := chain(10)
	anchor := Anchor{Seq: 6, Hash: es[5].Hash, At: time.Now()}
	// Rewrite from entry 3 on, every hash recomputed.
	es[2].Reason = "changed"
	h := Head{Seq: 2, Hash: es[1].Hash}
	for i := 2; i < len(es); i++ {
		es[i], h = h.Next(es[i].Event())
	}
	if _, b := verify(es); b != nil {
		t.Fatalf("a rewritten chain is self-consistent, got %v", b)
	}
	wantBreak(t, es, 6, Rewritten, anchor)
	br, err := CheckAnchors([]Anchor{anchor}, func(seq int64) (Hash, bool, error) { return es[seq-1].Hash, true, nil })
	if err != nil || br == nil || br.Seq != 6 {
		t.Fatalf("CheckAnchors: %v %v", br, err)
	}
	// Cut short: the anchor names an entry that is gone.
	es = chain(10)
	anchor = Anchor{Seq: 10, Hash: es[9].Hash, At: time.Now()}
	wantBreak(t, es[:8], 9, Deleted, anchor)
	if _, b := verify(es, anchor); b != nil {
		t.Fatalf("matching anchor refused: %v", b)
	}
}

func TestAnchorLineRoundTrips(t *testing.T) {
	a := Anchor{Seq: 42, Hash: chain(1)[0].Hash, At: time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)}
	file := "# copied off the engine\n\n" + string(AnchorLine(a))
	got, err := ReadAnchors(strings.NewReader(file))
	if err != nil || len(got) != 1 || got[0].Seq != 42 || got[0].Hash != a.Hash || !got[0].At.Equal(a.At) {
		t.Fatalf("read back %v, %v", got, err)
	}
	_, err = ReadAnchors(strings.NewReader(string(AnchorLine(a)) + "garbage\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("a damaged line should be named: %v", err)
	}
}

func TestIDNumbersAreMasked(t *testing.T) {
	for in, want := range map[string]string{
		"child 11010520180312001X returned":  "child 110105********001X returned",
		"110105201803120014":                 "110105********0014",
		"phone 1381234567890123456789 long":  "phone 1381234567890123456789 long",
		"a:110105201803120014,b:11010520180": "a:110105********0014,b:11010520180",
	} {
		if got := MaskIDs(in); got != want {
			t.Errorf("MaskIDs(%q) = %q, want %q", in, got, want)
		}
	}
	e, _ := Head{}.Next(engineapi.AuditEvent{Reason: "ID 110105201803120014 wrong"})
	if strings.Contains(e.Reason, "20180312") {
		t.Fatalf("entry kept the full ID: %q", e.Reason)
	}
}

func TestMovedEntryIsNamed(t *testing.T) {
	es := chain(30)
	moved := es[20]
	moved.Seq = 4
	es[3] = moved
	wantBreak(t, es, 4, Reordered)
}

type sliceReader struct {
	es  []Entry
	err error // returned after the entries
}

func (r sliceReader) WalkAudit(ctx context.Context, fn func(Entry) error) error {
	for _, e := range r.es {
		if err := fn(e); err != nil {
			return err
		}
	}
	return r.err
}

func TestVerifyOverAReader(t *testing.T) {
	ctx := context.Background()
	es := chain(5000)
	n, head, brk, err := Verify(ctx, sliceReader{es: es}, nil)
	if err != nil || brk != nil || n != 5000 || head.Hash != es[4999].Hash {
		t.Fatalf("whole: %d %v %v", n, brk, err)
	}
	es[3000].Detail = "x"
	if _, _, brk, err := Verify(ctx, sliceReader{es: es}, nil); err != nil || brk == nil || brk.Seq != 3001 {
		t.Fatalf("changed: %v %v", brk, err)
	}
	if _, _, _, err := Verify(ctx, sliceReader{es: chain(10), err: errors.New("disk")}, nil); err == nil {
		t.Fatal("a read error must be reported, not a verdict")
	}
}

// rangeReader is a sliceReader that can walk ranges, as the SQLite store.
type rangeReader struct{ sliceReader }

func (r rangeReader) AuditLastSeq(context.Context) (int64, error) {
	var m int64
	for _, e := range r.es {
		m = max(m, e.Seq)
	}
	return m, nil
}

func (r rangeReader) WalkAuditRange(ctx context.Context, after, upto int64, fn func(Entry) error) error {
	for _, e := range r.es {
		if e.Seq > after && e.Seq <= upto {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r rangeReader) AuditHashAt(_ context.Context, seq int64) (Hash, bool, error) {
	for _, e := range r.es {
		if e.Seq == seq {
			return e.Hash, true, nil
		}
	}
	return Hash{}, false, nil
}

// Reading two halves at once gives the same answer as one walk, whatever
// was done to the chain, at the seam or away from it.
func TestVerifyInHalvesAgreesWithOneWalk(t *testing.T) {
	old := splitAbove
	splitAbove = 10
	defer func() { splitAbove = old }()
	ctx := context.Background()
	for name, tamper := range map[string]func([]Entry) []Entry{
		"whole":         func(es []Entry) []Entry { return es },
		"changed low":   func(es []Entry) []Entry { es[3].Reason = "x"; return es },
		"changed seam":  func(es []Entry) []Entry { es[49].Reason = "x"; return es },
		"changed after": func(es []Entry) []Entry { es[50].Reason = "x"; return es },
		"changed high":  func(es []Entry) []Entry { es[90].Reason = "x"; return es },
		"deleted seam":  func(es []Entry) []Entry { return append(es[:49:49], es[50:]...) },
		"deleted after": func(es []Entry) []Entry { return append(es[:50:50], es[51:]...) },
		"swapped seam":  func(es []Entry) []Entry { es[49], es[50] = es[50], es[49]; es[49].Seq, es[50].Seq = 50, 51; return es },
		"inserted": func(es []Entry) []Entry {
			f, _ := Head{Seq: 60, Hash: es[59].Hash}.Next(es[0].Event())
			return append(es[:60:60], append([]Entry{f}, es[60:]...)...)
		},
		"cut tail":     func(es []Entry) []Entry { return es[:70] },
		"negative seq": func(es []Entry) []Entry { es[0].Seq = -1; return es },
	} {
		es := tamper(chain(100))
		anchors := []Anchor{{Seq: 80, Hash: chain(100)[79].Hash}}
		n1, h1, b1, err1 := Verify(ctx, rangeReader{sliceReader{es: es}}, anchors)
		n2, h2, b2, err2 := verifyOne(ctx, sliceReader{es: es}, anchors)
		if err1 != nil || err2 != nil || n1 != n2 || h1 != h2 || (b1 == nil) != (b2 == nil) || (b1 != nil && *b1 != *b2) {
			t.Errorf("%s: halves %d %v %v, one walk %d %v %v", name, n1, b1, err1, n2, b2, err2)
		}
		if name == "whole" {
			if _, _, whole, err := verifyHalves(ctx, rangeReader{sliceReader{es: es}}, anchors); !whole || err != nil || b1 != nil || n1 != 100 {
				t.Errorf("whole chain not verified in halves: %v %v; %d %v", whole, err, n1, b1)
			}
		}
	}
}
