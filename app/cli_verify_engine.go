package app

import (
	"errors"
	"os"

	"enrolldesk/app/verify"
	"enrolldesk/core"
)

// openVerifyRegistry opens an existing engine database for verify; it
// never creates one.
func openVerifyRegistry(path string) (verify.Registry, func() error, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, core.Errorf(core.ENOTFOUND, "没有这个文件：%s（请给出引擎的数据库文件，例如 engine.db）", path)
	}
	db, store, err := openEngineStore(path)
	if err != nil {
		return nil, nil, err
	}
	return store, func() error { return errors.Join(store.Close(), db.Close()) }, nil
}
