package sqlite

import (
	"context"
	"fmt"
	"strconv"

	"enrolldesk/core"
)

// NextRegSeq is the sequence number of the next registration number with
// prefix (core.PrefixedRegNo): one after the highest this kiosk holds. It
// reads every number with the prefix (a kiosk takes thousands a season,
// not millions), so a kiosk.db rebuilt from the journal goes on from where
// it was, never repeating a number.
func (d *DB) NextRegSeq(ctx context.Context, prefix int) (int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT reg_no FROM applications WHERE reg_no LIKE ? || '-%'`, strconv.Itoa(prefix))
	if err != nil {
		return 0, fmt.Errorf("next registration number: %w", err)
	}
	defer rows.Close()
	var top int64
	for rows.Next() {
		var reg string
		if err := rows.Scan(&reg); err != nil {
			return 0, fmt.Errorf("next registration number: %w", err)
		}
		if seq, ok := core.RegSeq(reg, prefix); ok && seq > top {
			top = seq
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("next registration number: %w", err)
	}
	return top + 1, nil
}
