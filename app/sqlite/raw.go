package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// RawRead runs one of the city's prepared read statements by its source
// name ("household", "properties", "contracts", "rentals", "insurance",
// "businesses", "roles", "permits", "birth", "student", "seats", "rules",
// "zone") and counts the rows, scanning the columns as raw bytes into no Go
// structure. It is the baseline the look-up benchmark compares against:
// the same indexed reads with none of the domain work.
func (c *City) RawRead(ctx context.Context, name string, args ...any) (int, error) {
	st := c.byName(name)
	if st == nil {
		return 0, fmt.Errorf("raw read: unknown statement %q", name)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return 0, fmt.Errorf("raw read %s: %w", name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, fmt.Errorf("raw read %s: %w", name, err)
	}
	dest := make([]any, len(cols))
	for i := range dest {
		dest[i] = new(sql.RawBytes)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, fmt.Errorf("raw read %s: %w", name, err)
		}
		n++
	}
	return n, rows.Err()
}

func (c *City) byName(name string) *sql.Stmt {
	switch name {
	case "household":
		return c.household
	case "properties":
		return c.properties
	case "contracts":
		return c.contracts
	case "rentals":
		return c.rentals
	case "insurance":
		return c.insurance
	case "businesses":
		return c.businesses
	case "roles":
		return c.roles
	case "permits":
		return c.permits
	case "birth":
		return c.birth
	case "student":
		return c.student
	case "seats":
		return c.seats
	case "rules":
		return c.rules
	case "zone":
		return c.zone
	}
	return nil
}
