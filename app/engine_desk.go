package app

import (
	"context"
	"crypto/ed25519"
	"path/filepath"

	"enrolldesk/app/engine"
	"enrolldesk/app/keys"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// openDesk loads (creating on first start) the engine desk's key and lists
// it in the device registry, so walk-in receipts and reprints verify
// against the registry like a kiosk's. A desk that cannot open is logged
// and left out: the walk-in paths answer 503, kiosks keep syncing.
func (e *Engine) openDesk(ctx context.Context, notice core.Notice) *engine.WalkInDesk {
	dir := e.cfg.DeskKeyDir
	if dir == "" {
		dir = filepath.Join(e.cfg.DataDir, "engine-desk")
	}
	key, err := keys.LoadOrCreate(dir)
	if err != nil {
		e.cfg.Logger.Error("the walk-in desk is closed: its key could not be read", "dir", dir, "err", err)
		return nil
	}
	d := engineapi.Device{ID: engineapi.DeskDeviceID, Name: engineapi.DeskDeviceName, PublicKey: key.Public().(ed25519.PublicKey)}
	if err := e.store.EnsureDesk(ctx, d, e.cfg.Now()); err != nil {
		e.cfg.Logger.Error("the walk-in desk is closed", "dir", dir, "err", err)
		return nil
	}
	return &engine.WalkInDesk{Store: e.store, Key: key, Notice: notice}
}
