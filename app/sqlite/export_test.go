package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
)

// Migrate runs the migrations in fsys (a "migrations" directory of
// NNNN_name.sql files): tests use it to add a step that fails.
func (d *DB) Migrate(ctx context.Context, fsys fs.FS) error { return d.migrate(ctx, fsys) }

// SQL exposes the underlying handle for tests that inspect the schema.
func (d *DB) SQL() *sql.DB { return d.db }

// SetAuditOff stops the store appending audit entries: the audit
// benchmark ingests the same batches with and without the hook.
func (s *EngineStore) SetAuditOff(off bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audit.off = off
}
