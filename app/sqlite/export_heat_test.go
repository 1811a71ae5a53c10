package sqlite

import (
	"context"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// ExplainHeatCount is the query plan of the heat map's count.
func ExplainHeatCount(d *DB) ([]string, error) {
	rows, err := d.db.Query(`EXPLAIN QUERY PLAN `+heatCount, 2027, "primary")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// HeatRecount counts as HeatCounts does, straight from the applications.
func (s *EngineStore) HeatRecount(ctx context.Context, year int, stage core.Stage) ([]engineapi.HeatCount, error) {
	rows, err := s.db.QueryContext(ctx, heatRecount, year, string(stage))
	if err != nil {
		return nil, err
	}
	return scanHeat(rows, nil)
}
