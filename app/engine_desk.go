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
// it in the device registry as engineapi.DeskDeviceID(key), so walk-in
// receipts and reprints verify against the registry like a kiosk's. A
// desk that cannot open — its key unreadable, or revoked by an admin —
// is logged and the desk has no key: walk-ins and reprints answer 503,
// find and verify work, kiosks keep syncing. A new key (the directory moved away) is a new registry entry;
// the old one stays, so its receipts still verify.
func (e *Engine) openDesk(ctx context.Context, notice core.Notice) *engine.WalkInDesk {
	dir := e.cfg.DeskKeyDir
	if dir == "" {
		dir = filepath.Join(e.cfg.DataDir, "engine-desk")
	}
	closed := &engine.WalkInDesk{Store: e.store, Notice: notice} // find still works
	key, err := keys.LoadOrCreate(dir)
	if err != nil {
		e.cfg.Logger.Error("walk-ins and reprints are closed: the desk key could not be read", "dir", dir, "err", err)
		closed.Closed = "引擎读不到窗口签名密钥"
		return closed
	}
	pub := key.Public().(ed25519.PublicKey)
	d, err := e.store.EnsureDesk(ctx, engineapi.Device{ID: engineapi.DeskDeviceID(pub), Name: engineapi.DeskDeviceName, PublicKey: pub}, e.cfg.Now())
	switch {
	case err != nil:
		e.cfg.Logger.Error("walk-ins and reprints are closed: the desk key is not in the registry", "dir", dir, "err", err)
		closed.Closed = "窗口签名密钥没有登记"
		return closed
	case d.Revoked():
		e.cfg.Logger.Error("walk-ins and reprints are closed: the desk key was revoked; move the key directory away and restart to make a new one",
			"device", d.ID, "dir", dir)
		closed.Closed = "窗口签名密钥已被停用（" + d.ID + "）"
		return closed
	}
	return &engine.WalkInDesk{Store: e.store, Key: key, DeviceID: d.ID, Notice: notice}
}
