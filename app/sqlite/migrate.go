package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migrationFiles are the numbered schema steps, NNNN_name.sql, applied in
// number order. A step is never edited once released: add the next number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrate applies, each in its own transaction, the steps in fsys's
// migrations directory that schema_migrations does not list yet.
func (d *DB) migrate(ctx context.Context, fsys fs.FS) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL)`
	if _, err := d.db.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	steps, err := readMigrations(fsys)
	if err != nil {
		return err
	}
	for _, m := range steps {
		if err := d.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// readMigrations lists and parses the steps in number order.
func readMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name must start with a number and '_'", base)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		out = append(out, migration{version: v, name: base, sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have the same number", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// apply runs one step and records it in the same transaction, unless it
// has run before.
func (d *DB) apply(ctx context.Context, m migration) (err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", m.name, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, rollback(tx))
		}
	}()
	var done bool
	q := `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`
	if err := tx.QueryRowContext(ctx, q, m.version).Scan(&done); err != nil {
		return fmt.Errorf("migration %s: check: %w", m.name, err)
	}
	if done {
		return tx.Rollback()
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	rec := `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
	if _, err := tx.ExecContext(ctx, rec, m.version, m.name, d.Now().Unix()); err != nil {
		return fmt.Errorf("migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}

func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// restoreDeferredIndexes recreates the indexes a bulk load dropped and did
// not get to recreate (the process died mid-load), so that a half-loaded
// city is slow to load again but never slow to read.
func (d *DB) restoreDeferredIndexes(ctx context.Context) error {
	var exists bool
	q := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bulk_deferred_indexes')`
	if err := d.db.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return fmt.Errorf("look for deferred indexes: %w", err)
	}
	if !exists {
		return nil
	}
	return recreateIndexes(ctx, d.db)
}

// execer is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// recreateIndexes creates every index listed in bulk_deferred_indexes and
// empties the list.
func recreateIndexes(ctx context.Context, db execer) error {
	rows, err := db.QueryContext(ctx, `SELECT name, sql FROM bulk_deferred_indexes ORDER BY name`)
	if err != nil {
		return fmt.Errorf("list deferred indexes: %w", err)
	}
	var stmts [][2]string
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			return errors.Join(fmt.Errorf("list deferred indexes: %w", err), rows.Close())
		}
		stmts = append(stmts, [2]string{name, ddl})
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("list deferred indexes: %w", err)
	}
	for _, s := range stmts {
		if err := recreateIndex(ctx, db, s[0], s[1]); err != nil {
			return fmt.Errorf("recreate index %s: %w", s[0], err)
		}
	}
	return nil
}

// recreateIndex runs an index's stored CREATE statement unless the index
// exists, then strikes it from the list.
func recreateIndex(ctx context.Context, db execer, name, ddl string) error {
	rows, err := db.QueryContext(ctx, `SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?`, name)
	if err != nil {
		return err
	}
	exists := rows.Next()
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if !exists {
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	_, err = db.ExecContext(ctx, `DELETE FROM bulk_deferred_indexes WHERE name = ?`, name)
	return err
}
