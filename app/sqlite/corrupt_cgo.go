//go:build cgo

package sqlite

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// driverCorrupt reports SQLite's own word for a damaged file:
// SQLITE_CORRUPT or SQLITE_NOTADB.
func driverCorrupt(err error) bool {
	var e sqlite3.Error
	if errors.As(err, &e) {
		return e.Code == sqlite3.ErrCorrupt || e.Code == sqlite3.ErrNotADB
	}
	return false
}
