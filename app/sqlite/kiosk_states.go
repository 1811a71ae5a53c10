package sqlite

import (
	"context"
	"fmt"

	"enrolldesk/core"
)

// CountByState counts the kiosk's applications by state: after sync, the
// state the engine last gave each (its decision arrives by the status
// pull), for the staff screen.
func (d *DB) CountByState(ctx context.Context) (map[core.State]int, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT state, count(*) FROM applications GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count applications by state: %w", err)
	}
	defer rows.Close()
	out := map[core.State]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count applications by state: %w", err)
		}
		out[core.State(st)] = n
	}
	return out, rows.Err()
}
