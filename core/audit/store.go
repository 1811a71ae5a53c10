package audit

import "context"

// Reader is a store's chain as a verifier reads it.
type Reader interface {
	// WalkAudit calls fn for every entry in Seq order, stopping at the
	// first error fn returns (and returning it).
	WalkAudit(ctx context.Context, fn func(Entry) error) error
}

// errStop ends a walk at the first break.
type errStop struct{}

func (errStop) Error() string { return "stop" }

// Verify walks r's chain against anchors (none for the plain check): it
// returns the number of entries and the head when the chain is whole, or
// the first broken entry. err is a failure to read the store.
func Verify(ctx context.Context, r Reader, anchors []Anchor) (count int64, head Head, brk *Break, err error) {
	v := NewVerifier()
	v.Expect(anchors)
	err = r.WalkAudit(ctx, func(e Entry) error {
		if v.Add(e) != nil {
			return errStop{}
		}
		return nil
	})
	if err != nil {
		if _, ok := err.(errStop); !ok {
			return 0, Head{}, nil, err
		}
	}
	count, head, brk = v.Finish()
	return count, head, brk, nil
}
