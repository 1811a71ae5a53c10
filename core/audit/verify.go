package audit

import "fmt"

// Kind is what went wrong at the first broken entry.
type Kind string

// The kinds of break a verifier names.
const (
	Changed   Kind = "changed"   // the entry's contents no longer match its hash
	Deleted   Kind = "deleted"   // the entry is missing
	Inserted  Kind = "inserted"  // the entry is not part of the chain: it was added
	Reordered Kind = "reordered" // the entry is out of its place
	Rewritten Kind = "rewritten" // the chain no longer matches an anchor written earlier
)

// Break is the first broken entry of a chain: its Seq, what is wrong, and
// why in plain words.
type Break struct {
	Seq  int64
	Kind Kind
	Why  string
}

func (b *Break) Error() string {
	return fmt.Sprintf("entry %d %s: %s", b.Seq, b.Kind, b.Why)
}

// Verifier walks a chain's entries in the order the store keeps them
// (by Seq) and finds the first broken one. Feed it with Add, then call
// Finish. It holds one entry back, to tell an inserted or swapped entry
// from a changed one by the entry after it.
type Verifier struct {
	want     int64 // the Seq the next entry should have
	prev     Hash  // the hash of the last good entry
	prevprev Hash  // the hash of the good entry before it
	lastSeq  int64 // the Seq of the last entry seen
	pending  Entry
	held     bool // pending holds an entry
	brk      *Break
	anchors  map[int64]Anchor
	maxAnch  Anchor
}

// NewVerifier starts at an empty chain: the first entry should be Seq 1
// with Prev = Genesis.
func NewVerifier() *Verifier { return &Verifier{want: 1} }

// Expect adds anchors that the chain must still match: the entry at each
// anchor's Seq must have the anchor's Hash, and the chain must reach it.
func (v *Verifier) Expect(anchors []Anchor) {
	if v.anchors == nil {
		v.anchors = make(map[int64]Anchor, len(anchors))
	}
	for _, a := range anchors {
		if old, ok := v.anchors[a.Seq]; ok && old.Hash != a.Hash {
			// Two anchors disagree: keep the older one, the one written
			// before any rewrite could have happened.
			if !a.At.Before(old.At) {
				continue
			}
		}
		v.anchors[a.Seq] = a
		if a.Seq > v.maxAnch.Seq {
			v.maxAnch = a
		}
	}
}

// Add feeds the next entry. It returns the first break once one is found;
// later entries are then ignored.
func (v *Verifier) Add(e Entry) *Break {
	if v.brk != nil {
		return v.brk
	}
	if v.held {
		v.check(&v.pending, &e)
	}
	if v.brk == nil {
		v.pending, v.held = e, true
	}
	return v.brk
}

// Finish checks the last entry and the anchors beyond it. It returns how
// many entries were whole and the head, or the first break.
func (v *Verifier) Finish() (count int64, head Head, brk *Break) {
	if v.brk == nil && v.held {
		v.check(&v.pending, nil)
		v.held = false
	}
	if v.brk == nil && v.maxAnch.Seq >= v.want {
		a := v.maxAnch
		v.brk = &Break{Seq: v.want, Kind: Deleted, Why: fmt.Sprintf(
			"the log ends at entry %d but the anchor written %s names entry %d: entries from %d on were deleted",
			v.want-1, a.At.UTC().Format("2006-01-02 15:04:05 UTC"), a.Seq, v.want)}
	}
	if v.brk != nil {
		return v.brk.Seq - 1, Head{}, v.brk
	}
	return v.want - 1, Head{Seq: v.want - 1, Hash: v.prev}, nil
}

// check verifies e, the entry after the last good one, with next (the
// entry after e, or nil at the end) to tell what happened.
func (v *Verifier) check(e *Entry, next *Entry) {
	fail := func(seq int64, k Kind, format string, args ...any) {
		v.brk = &Break{Seq: seq, Kind: k, Why: fmt.Sprintf(format, args...)}
	}
	switch {
	case v.lastSeq > 0 && e.Seq <= v.lastSeq:
		fail(e.Seq, Reordered, "it comes after entry %d: the log is out of order", v.lastSeq)
		return
	case e.Seq > v.want && next != nil && next.Seq < e.Seq:
		fail(e.Seq, Reordered, "it comes before entry %d: the log is out of order", next.Seq)
		return
	case e.Seq > v.want:
		if e.Seq == v.want+1 {
			fail(v.want, Deleted, "it is missing: the log goes from entry %d to entry %d", v.want-1, e.Seq)
		} else {
			fail(v.want, Deleted, "it is missing, with the %d entries after it: the log goes from entry %d to entry %d",
				e.Seq-v.want-1, v.want-1, e.Seq)
		}
		return
	case e.Seq < v.want:
		fail(e.Seq, Reordered, "it comes where entry %d should be: the log is out of order", v.want)
		return
	}
	v.lastSeq = e.Seq
	sum := e.Sum()
	if e.Prev != v.prev {
		switch {
		case v.want >= 2 && e.Prev == v.prevprev:
			fail(v.want-1, Inserted, "it is not part of the chain: entry %d follows entry %d directly", e.Seq, e.Seq-2)
		case next != nil && next.Prev == v.prev && e.Prev == next.Hash:
			fail(e.Seq, Reordered, "it was swapped with entry %d: each follows the other in the chain", next.Seq)
		case next != nil && next.Prev == v.prev:
			fail(e.Seq, Inserted, "it is not part of the chain: entry %d follows entry %d directly", next.Seq, e.Seq-1)
		case sum != e.Hash && renumbered(*e, +1):
			fail(e.Seq, Deleted, "it is missing: the entry now numbered %d was entry %d, and the entries after it were renumbered", e.Seq, e.Seq+1)
		case sum != e.Hash && renumbered(*e, -1):
			fail(e.Seq-1, Inserted, "it is not part of the chain: the entry now numbered %d was entry %d, and the entries after it were renumbered", e.Seq, e.Seq-1)
		case sum != e.Hash && movedFrom(*e) != 0:
			fail(e.Seq, Reordered, "it is entry %d, moved here", movedFrom(*e))
		case sum == e.Hash:
			fail(e.Seq, Reordered, "it does not follow entry %d: an entry was removed, added or moved here", e.Seq-1)
		default:
			fail(e.Seq, Changed, "its link to entry %d and its contents no longer match its hash", e.Seq-1)
		}
		return
	}
	if sum != e.Hash {
		if next != nil && next.Prev == e.Prev {
			fail(e.Seq, Inserted, "it is not part of the chain: entry %d follows entry %d directly", next.Seq, e.Seq-1)
		} else {
			fail(e.Seq, Changed, "its contents no longer match its hash")
		}
		return
	}
	if a, ok := v.anchors[e.Seq]; ok && a.Hash != e.Hash {
		fail(e.Seq, Rewritten, "its hash differs from the anchor written %s: the chain was rewritten at or before this entry",
			a.At.UTC().Format("2006-01-02 15:04:05 UTC"))
		return
	}
	v.prevprev, v.prev = v.prev, e.Hash
	v.want++
}

// renumbered reports whether e's hash matches its contents had its Seq been
// off by delta: the entry was moved by renumbering.
func renumbered(e Entry, delta int64) bool {
	e.Seq += delta
	return e.Sum() == e.Hash
}

// moveWindow is how far from its place a moved entry is looked for.
const moveWindow = 100_000

// movedFrom returns the Seq at which e's hash matches its contents, within
// moveWindow of where it is, or 0: the entry was moved there from.
func movedFrom(e Entry) int64 {
	at := e.Seq
	for d := int64(1); d <= moveWindow; d++ {
		for _, k := range [2]int64{at + d, at - d} {
			if k < 1 {
				continue
			}
			e.Seq = k
			if e.Sum() == e.Hash {
				return k
			}
		}
	}
	return 0
}
