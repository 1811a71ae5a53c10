package audit

import (
	"context"
	"math"
)

// Reader is a store's chain as a verifier reads it.
type Reader interface {
	// WalkAudit calls fn for every entry in Seq order, stopping at the
	// first error fn returns (and returning it).
	WalkAudit(ctx context.Context, fn func(Entry) error) error
}

// RangeReader is a Reader that can also walk part of the chain, so Verify
// reads two halves at once on two cores.
type RangeReader interface {
	Reader
	// AuditLastSeq returns the highest Seq stored, 0 when there is none.
	AuditLastSeq(ctx context.Context) (int64, error)
	// WalkAuditRange is WalkAudit over the entries with after < Seq <= upto.
	WalkAuditRange(ctx context.Context, after, upto int64, fn func(Entry) error) error
	// AuditHashAt returns the stored hash of entry seq; ok false when none.
	AuditHashAt(ctx context.Context, seq int64) (h Hash, ok bool, err error)
}

// splitAbove is the chain length from which Verify reads two halves at
// once (a variable for the tests).
var splitAbove int64 = 100_000

// verifyChunk is how many entries the reading goroutine hands over at once.
const verifyChunk = 1024

// Verify walks r's chain against anchors (none for the plain check): it
// returns the number of entries and the head when the chain is whole, or
// the first broken entry. err is a failure to read the store. The store is
// read on one goroutine while the hashes are checked on another, so a
// second core halves the time of a long walk.
//
// A RangeReader's long chain is read as two halves at once, each checked
// from where the other ends (the stored hash of the middle entry); that
// only ever answers "whole" — when either half is not, or the halves do
// not meet, the chain is walked again from the start to name the first
// broken entry exactly as a single walk does.
func Verify(ctx context.Context, r Reader, anchors []Anchor) (count int64, head Head, brk *Break, err error) {
	if rr, ok := r.(RangeReader); ok {
		n, h, whole, err := verifyHalves(ctx, rr, anchors)
		if err != nil {
			return 0, Head{}, nil, err
		}
		if whole {
			return n, h, nil, nil
		}
	}
	return verifyOne(ctx, r, anchors)
}

// verifyHalves checks a long chain as two halves at once; whole false
// means "walk it again": too short to split, or not whole.
func verifyHalves(ctx context.Context, r RangeReader, anchors []Anchor) (count int64, head Head, whole bool, err error) {
	last, err := r.AuditLastSeq(ctx)
	if err != nil || last < splitAbove {
		return 0, Head{}, false, err
	}
	mid := last / 2
	seam, ok, err := r.AuditHashAt(ctx, mid)
	if err != nil || !ok {
		return 0, Head{}, false, err
	}
	lo, hi := NewVerifier(), &Verifier{want: mid + 1, prev: seam}
	for _, a := range anchors {
		if a.Seq <= mid {
			lo.Expect([]Anchor{a})
		} else {
			hi.Expect([]Anchor{a})
		}
	}
	walk := func(v *Verifier, after, upto int64) error {
		err := r.WalkAuditRange(ctx, after, upto, func(e Entry) error {
			if v.Add(e) != nil {
				return errStop{}
			}
			return nil
		})
		if _, stop := err.(errStop); stop {
			return nil
		}
		return err
	}
	loErr := make(chan error, 1)
	go func() { loErr <- walk(lo, math.MinInt64, mid) }()
	hiErr := walk(hi, mid, last)
	if err := <-loErr; err != nil {
		return 0, Head{}, false, err
	}
	if hiErr != nil {
		return 0, Head{}, false, hiErr
	}
	nLo, hLo, bLo := lo.Finish()
	_, hHi, bHi := hi.Finish()
	if bLo != nil || bHi != nil || nLo != mid || hLo.Hash != seam || hHi.Seq != last {
		return 0, Head{}, false, nil
	}
	return last, hHi, true, nil
}

// verifyOne walks the whole chain once.
func verifyOne(ctx context.Context, r Reader, anchors []Anchor) (count int64, head Head, brk *Break, err error) {
	v := NewVerifier()
	v.Expect(anchors)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan []Entry, 4)
	free := make(chan []Entry, 6)
	var walkErr error
	go func() {
		defer close(full)
		buf := make([]Entry, 0, verifyChunk)
		send := func() error {
			select {
			case full <- buf:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case buf = <-free:
				buf = buf[:0]
			default:
				buf = make([]Entry, 0, verifyChunk)
			}
			return nil
		}
		walkErr = r.WalkAudit(ctx, func(e Entry) error {
			buf = append(buf, e)
			if len(buf) == verifyChunk {
				return send()
			}
			return nil
		})
		if walkErr == nil && len(buf) > 0 {
			walkErr = send()
		}
	}()
	for chunk := range full {
		if brk == nil {
			for i := range chunk {
				if brk = v.Add(chunk[i]); brk != nil {
					cancel() // the first break is the answer: stop reading
					break
				}
			}
		}
		select {
		case free <- chunk:
		default:
		}
	}
	if brk == nil && walkErr != nil {
		return 0, Head{}, nil, walkErr
	}
	count, head, brk = v.Finish()
	return count, head, brk, nil
}

// errStop ends a walk at the first break.
type errStop struct{}

func (errStop) Error() string { return "stop" }
