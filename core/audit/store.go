package audit

import "context"

// Reader is a store's chain as a verifier reads it.
type Reader interface {
	// WalkAudit calls fn for every entry in Seq order, stopping at the
	// first error fn returns (and returning it).
	WalkAudit(ctx context.Context, fn func(Entry) error) error
}

// verifyChunk is how many entries the reading goroutine hands over at once.
const verifyChunk = 1024

// Verify walks r's chain against anchors (none for the plain check): it
// returns the number of entries and the head when the chain is whole, or
// the first broken entry. err is a failure to read the store. The store is
// read on one goroutine while the hashes are checked on another, so a
// second core halves the time of a long walk.
func Verify(ctx context.Context, r Reader, anchors []Anchor) (count int64, head Head, brk *Break, err error) {
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
