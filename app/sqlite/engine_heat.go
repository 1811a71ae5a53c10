package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

var _ engineapi.HeatStore = (*EngineStore)(nil)

// heatCount sums the running totals of migration 0012 (kept by triggers
// on engine_applications) for the live applications of a year and stage
// by first-choice school and category. Rejected and returned applications
// are not demand (a returned one counts again when the family resubmits).
const heatCount = `SELECT stage, school, category, SUM(n)
	FROM engine_heat
	WHERE year = ? AND stage = ? AND state NOT IN ('rejected', 'returned')
	GROUP BY school, category HAVING SUM(n) > 0`

// heatRecount is the same count straight from the applications, for the
// test that holds the totals to it.
const heatRecount = `SELECT stage, COALESCE(json_extract(body, '$.choices[0].code'), ''), category, COUNT(*)
	FROM engine_applications
	WHERE year = ? AND stage = ? AND state NOT IN ('rejected', 'returned')
	GROUP BY 2, 3`

// HeatCounts counts the engine's live applications by first-choice school
// and category for the heat map (engineapi.HeatStore).
func (s *EngineStore) HeatCounts(ctx context.Context, year int, stage core.Stage) ([]engineapi.HeatCount, error) {
	stages := []core.Stage{core.Primary, core.Junior}
	if stage != "" {
		stages = []core.Stage{stage}
	}
	var out []engineapi.HeatCount
	for _, st := range stages {
		rows, err := s.db.QueryContext(ctx, heatCount, year, string(st))
		if err != nil {
			return nil, fmt.Errorf("heat counts: %w", err)
		}
		out, err = scanHeat(rows, out)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanHeat(rows *sql.Rows, out []engineapi.HeatCount) ([]engineapi.HeatCount, error) {
	defer rows.Close()
	for rows.Next() {
		var c engineapi.HeatCount
		if err := rows.Scan(&c.Stage, &c.School, &c.Tier, &c.N); err != nil {
			return nil, fmt.Errorf("heat counts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("heat counts: %w", err)
	}
	return out, nil
}

var _ engineapi.SchoolDirectory = (*DB)(nil)

// Schools lists the city's schools of a stage ("" for both) with their
// seats, by county, stage and code (engineapi.SchoolDirectory).
func (d *DB) Schools(ctx context.Context, stage core.Stage) ([]core.School, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT code, name, stage, county, capacity FROM schools
		WHERE ?1 = '' OR stage = ?1 ORDER BY county, stage DESC, code`, string(stage))
	if err != nil {
		return nil, fmt.Errorf("schools: %w", err)
	}
	defer rows.Close()
	var out []core.School
	for rows.Next() {
		var s core.School
		if err := rows.Scan(&s.Code, &s.Name, &s.Stage, &s.County, &s.Capacity); err != nil {
			return nil, fmt.Errorf("schools: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schools: %w", err)
	}
	return out, nil
}
