package pgstore

import (
	"context"
)

// OpenQuiet opens a store without the background chainer: its entries stay
// in the journal until something chains them.
func OpenQuiet(ctx context.Context, url string) (*Store, error) { return open(ctx, url, 0) }

// Abandon drops the store as a SIGKILL would: no chaining, no flush.
func (s *Store) Abandon() {
	s.stopChainer()
	s.pool.Close()
}

// ChainOnce runs one chaining round, returning how many entries it chained.
func (s *Store) ChainOnce(ctx context.Context) (int, error) { return s.chainAll(ctx, true) }
