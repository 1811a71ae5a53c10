package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RawApplication is one row of engine_applications as the engine would
// write it: the columns and the JSON body, already encoded.
type RawApplication struct {
	ID, RegNo, Stage, ChildID, State string
	Body, Claim                      string
	Year                             int
	Category, KioskCategory          string
}

// RawIngest writes rows into engine_applications and engine_changes in one
// transaction with the engine's own prepared statements, and nothing else:
// no checks, no encoding, no conflict handling. It is the baseline the
// ingest benchmark compares the whole HTTP path against.
func (s *EngineStore) RawIngest(ctx context.Context, deviceID string, rows []RawApplication, now time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		insApp, insChange := tx.StmtContext(ctx, s.stmts.insertApp), tx.StmtContext(ctx, s.stmts.insertChange)
		for _, r := range rows {
			if _, err := insApp.ExecContext(ctx, r.ID, r.RegNo, r.Stage, r.ChildID, deviceID, r.State, now.Unix(), r.Body,
				r.Year, r.Category, r.KioskCategory, false, r.Claim); err != nil {
				return err
			}
			if _, err := insChange.ExecContext(ctx, deviceID, r.ID, r.RegNo, r.State, "", now.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("raw ingest: %w", err)
	}
	return nil
}
