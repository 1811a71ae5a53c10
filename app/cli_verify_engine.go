package app

import (
	"os"

	"enrolldesk/app/pgstore"
	"enrolldesk/app/verify"
	"enrolldesk/core"
)

// openVerifyRegistry opens an existing engine database (a SQLite file or
// a postgres:// URL) for verify; it never creates a SQLite file.
func openVerifyRegistry(path string) (verify.Registry, func() error, error) {
	if !pgstore.IsURL(path) {
		if _, err := os.Stat(path); err != nil {
			return nil, nil, core.Errorf(core.ENOTFOUND, "没有这个文件：%s（请给出引擎的数据库文件，例如 engine.db）", path)
		}
	}
	store, closeStore, err := openEngineStore(path)
	if err != nil {
		return nil, nil, err
	}
	return store, closeStore, nil
}
