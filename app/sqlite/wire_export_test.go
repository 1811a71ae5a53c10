package sqlite

import "context"

// SetNonceSync sets the nonce connection's synchronous level, so the
// benchmark can price FULL against the NORMAL it replaced.
func (s *EngineStore) SetNonceSync(ctx context.Context, level Synchronous) error {
	_, err := s.nonceConn.ExecContext(ctx, `PRAGMA synchronous = `+string(level))
	return err
}
