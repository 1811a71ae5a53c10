package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"enrolldesk/app/pgstore"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
)

// errKeyDirPG is the answer when a PostgreSQL engine has no --key-dir:
// the key cannot live "beside" a database on another machine, and every
// engine process must sign with the same one.
var errKeyDirPG = core.Errorf(core.EINVALID, "with --db postgres://… give --key-dir DIR: the directory of the engine's signing key "+
	"(engine.key), the same key on every engine process of the deployment (kiosks pin it)")

// runEngineMigrate creates or updates the engine's tables, so a new
// release's schema is in place before its processes start (they would
// apply it themselves, one at a time, on start).
func runEngineMigrate(stdio IO, args []string) int {
	fs := newFlags("engine migrate", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file or postgres://USER@HOST:PORT/DB URL")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 || strings.TrimSpace(*path) == "" {
		return fail(stdio.Err, ExitUsage, "engine migrate takes --db PATH (a SQLite file) or --db postgres://USER@HOST:PORT/DB")
	}
	ctx := context.Background()
	if pgstore.IsURL(*path) {
		pg, err := pgstore.Open(ctx, *path) // connects and migrates
		if err != nil {
			return fail(stdio.Err, exitFor(err), "engine migrate: %s", errText(err))
		}
		pg.Close()
		fmt.Fprintln(stdio.Err, "engine migrate: the PostgreSQL database has the engine's latest schema")
		return ExitOK
	}
	db, err := sqlite.Open(*path) // creates and migrates
	if err != nil {
		return fail(stdio.Err, ExitFail, "engine migrate: %v", err)
	}
	if err := db.Close(); err != nil {
		return fail(stdio.Err, ExitFail, "engine migrate: %v", err)
	}
	fmt.Fprintf(stdio.Err, "engine migrate: %s has the engine's latest schema\n", *path)
	return ExitOK
}

// runEngineBackup copies a SQLite engine database while the engine runs.
func runEngineBackup(stdio IO, args []string) int {
	fs := newFlags("engine backup", stdio.Err)
	path := fs.String("db", "", "the engine's SQLite file")
	to := fs.String("to", "", "the backup file to write (must not exist)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	if fs.NArg() > 0 || *path == "" || *to == "" {
		return fail(stdio.Err, ExitUsage, "engine backup takes --db ENGINE.db --to FILE")
	}
	if pgstore.IsURL(*path) {
		return fail(stdio.Err, ExitUsage, "engine backup copies a SQLite engine; back up PostgreSQL with pg_dump (see docs/operations.md)")
	}
	db, err := sqlite.Open(*path)
	if err != nil {
		return fail(stdio.Err, ExitFail, "engine backup: %v", err)
	}
	err = db.Backup(context.Background(), *to)
	if err = errors.Join(err, db.Close()); err != nil {
		return fail(stdio.Err, exitFor(err), "engine backup: %s", errText(err))
	}
	fmt.Fprintf(stdio.Err, "engine backup: %s written; restore by stopping the engine and putting it in place of %s\n", *to, *path)
	return ExitOK
}
