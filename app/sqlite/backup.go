package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"

	"enrolldesk/core"
)

// Backup writes a consistent copy of the database to path (VACUUM INTO)
// while the engine keeps reading and writing: the copy is a whole SQLite
// file, compacted, that sqlite.Open opens as it is. path must not exist.
func (d *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return core.Errorf(core.EINVALID, "%s exists already: give a new file name (a backup never overwrites)", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := d.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
