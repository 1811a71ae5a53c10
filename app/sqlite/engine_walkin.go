package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

var _ engineapi.WalkInStore = (*EngineStore)(nil)

// EnsureDesk implements engineapi.WalkInStore: the desk key is a device of
// the registry, registered from the start and with no enrollment code (its
// code_hash can never be the hash of a code).
func (s *EngineStore) EnsureDesk(ctx context.Context, d engineapi.Device, now time.Time) (engineapi.Device, error) {
	if d.ID == "" || len(d.PublicKey) != ed25519.PublicKeySize {
		return engineapi.Device{}, fmt.Errorf("ensure desk: needs an ID and an Ed25519 public key")
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var key []byte
		err := tx.QueryRowContext(ctx, `SELECT public_key FROM engine_devices WHERE id = `+arg, d.ID).Scan(&key)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO engine_devices (id, name, code_hash, code_expires, public_key, created_at, registered_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, d.ID, d.Name, "desk:"+d.ID, now.Unix(), []byte(d.PublicKey), now.Unix(), now.Unix())
			return err
		case err != nil:
			return err
		case !ed25519.PublicKey(key).Equal(d.PublicKey):
			return core.Errorf(core.EINVALID, "设备登记表里的 %s 是另一把密钥：窗口签名密钥被换过，用旧密钥签发的回执将无法核验。请恢复原来的密钥文件", d.ID)
		}
		return nil
	})
	if err != nil {
		return engineapi.Device{}, fmt.Errorf("ensure desk: %w", err)
	}
	return s.Device(ctx, d.ID)
}

// ApplicationIDsByChild implements engineapi.WalkInStore.
func (s *EngineStore) ApplicationIDsByChild(ctx context.Context, childID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM engine_applications WHERE child_id = `+arg+` ORDER BY received_at, id`, childID)
	if err != nil {
		return nil, fmt.Errorf("applications by child: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("applications by child: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
