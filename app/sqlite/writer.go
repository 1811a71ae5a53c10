package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"enrolldesk/core"
)

// cityTables are the tables a bulk load fills; their secondary indexes are
// dropped while an empty city is loaded and built once at Flush, which is
// several times faster than keeping them up to date row by row.
func cityTables() []string {
	return []string{
		"households", "household_members", "properties", "property_owners",
		"contracts", "contract_buyers", "rentals", "insurance", "businesses",
		"enterprise_roles", "residence_permits", "births", "students", "seat_uses",
		"zone_rules",
	}
}

// DefaultBatchRows is how many rows a Writer inserts per transaction.
const DefaultBatchRows = 50_000

// loadCacheKiB is the page cache a load may use (256 MiB).
const loadCacheKiB = 256 << 10

// Writer loads a city in bulk: it holds one connection, inserts with
// prepared statements in transactions of BatchRows rows, and runs that
// connection with synchronous=OFF and a large cache until Flush, which
// commits, builds the deferred indexes and restores the settings. If the
// process dies mid-load, the batches committed so far stay and the next
// Open rebuilds the indexes; a power cut during a load may damage the file
// (synchronous=OFF), so a city is loaded into a file that can be made
// again. After a Put fails, Close the Writer (Flush would commit the rows
// put so far). A Writer is not safe for concurrent use.
type Writer struct {
	db *DB

	// BatchRows is the number of rows per transaction; 0 means DefaultBatchRows.
	BatchRows int

	conn     *sql.Conn
	ins      *inserts
	rows     int
	restore  []string
	deferred bool
}

var _ core.CityWriter = (*Writer)(nil)

// Writer starts a bulk load. Call Flush when done (the records are not
// visible before), or Close to abandon the batch still open.
func (d *DB) Writer() (*Writer, error) {
	w := &Writer{db: d}
	if err := w.begin(context.Background()); err != nil {
		return nil, err
	}
	return w, nil
}

// begin pins a connection, tunes it for loading and opens a transaction.
func (w *Writer) begin(ctx context.Context) (err error) {
	conn, err := w.db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: connect: %w", err)
	}
	w.conn = conn
	defer func() {
		if err != nil {
			err = errors.Join(err, w.release(ctx))
		}
	}()
	if err := w.tune(ctx); err != nil {
		return err
	}
	if err := w.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if err := w.deferIndexes(ctx); err != nil {
		return errors.Join(err, w.exec(ctx, "ROLLBACK"))
	}
	ins, err := prepareInserts(ctx, conn)
	if err != nil {
		return errors.Join(err, w.exec(ctx, "ROLLBACK"))
	}
	w.ins = ins
	return nil
}

func (w *Writer) exec(ctx context.Context, q string, args ...any) error {
	if _, err := w.conn.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("bulk load: %s: %w", firstWords(q), err)
	}
	return nil
}

func firstWords(q string) string {
	f := strings.Fields(q)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

// tune switches the connection to loading settings and remembers how to
// switch back. Durability is not needed while loading: a failed load is
// loaded again.
func (w *Writer) tune(ctx context.Context) error {
	var cache int64
	if err := w.conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		return fmt.Errorf("bulk load: read cache_size: %w", err)
	}
	w.restore = []string{
		fmt.Sprintf("PRAGMA cache_size = %d", cache),
		"PRAGMA synchronous = " + string(w.db.sync),
		"PRAGMA temp_store = DEFAULT",
	}
	for _, p := range []string{
		"PRAGMA synchronous = OFF",
		fmt.Sprintf("PRAGMA cache_size = %d", -loadCacheKiB),
		"PRAGMA temp_store = MEMORY",
	} {
		if err := w.exec(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// deferIndexes drops the city tables' secondary indexes when the city is
// empty, recording their definitions so Flush (or the next Open) can build
// them again. Loading into a city that already holds records keeps them:
// rebuilding a large index for a few rows would cost more than it saves.
func (w *Writer) deferIndexes(ctx context.Context) error {
	empty, err := w.cityEmpty(ctx)
	if err != nil || !empty {
		return err
	}
	list := "'" + strings.Join(cityTables(), "','") + "'"
	rec := `INSERT OR REPLACE INTO bulk_deferred_indexes (name, sql)
		SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (` + list + `)`
	if err := w.exec(ctx, rec); err != nil {
		return err
	}
	names, err := w.deferredNames(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := w.exec(ctx, `DROP INDEX IF EXISTS "`+n+`"`); err != nil {
			return err
		}
	}
	w.deferred = true
	return nil
}

func (w *Writer) cityEmpty(ctx context.Context) (bool, error) {
	for _, t := range cityTables() {
		var found bool
		if err := w.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&found); err != nil {
			return false, fmt.Errorf("bulk load: count %s: %w", t, err)
		}
		if found {
			return false, nil
		}
	}
	return true, nil
}

func (w *Writer) deferredNames(ctx context.Context) ([]string, error) {
	rows, err := w.conn.QueryContext(ctx, `SELECT name FROM bulk_deferred_indexes ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("bulk load: list deferred indexes: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("bulk load: list deferred indexes: %w", err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// added counts inserted rows and commits when a batch is full.
func (w *Writer) added(ctx context.Context, n int) error {
	w.rows += n
	if w.rows < w.batchRows() {
		return nil
	}
	w.rows = 0
	if err := w.exec(ctx, "COMMIT"); err != nil {
		return err
	}
	return w.exec(ctx, "BEGIN IMMEDIATE")
}

func (w *Writer) batchRows() int {
	if w.BatchRows > 0 {
		return w.BatchRows
	}
	return DefaultBatchRows
}

// active makes sure a load is under way, starting another after a Flush.
func (w *Writer) active(ctx context.Context) error {
	if w.conn != nil {
		return nil
	}
	return w.begin(ctx)
}

// Flush implements core.CityWriter: it commits, builds the deferred indexes
// and gives the connection back with its usual settings. The Writer may be
// used again afterwards.
func (w *Writer) Flush() error {
	if w.conn == nil {
		return nil
	}
	ctx := context.Background()
	err := w.exec(ctx, "COMMIT")
	if err == nil && w.deferred {
		err = w.buildIndexes(ctx)
	}
	return errors.Join(err, w.release(ctx))
}

// buildIndexes creates the deferred indexes in one transaction.
func (w *Writer) buildIndexes(ctx context.Context) error {
	if err := w.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if err := recreateIndexes(ctx, w.conn); err != nil {
		return errors.Join(fmt.Errorf("bulk load: %w", err), w.exec(ctx, "ROLLBACK"))
	}
	w.deferred = false
	return w.exec(ctx, "COMMIT")
}

// Close abandons the open batch (rows committed by earlier batches stay),
// builds any deferred indexes and releases the connection. After Flush it
// does nothing.
func (w *Writer) Close() error {
	if w.conn == nil {
		return nil
	}
	ctx := context.Background()
	err := w.exec(ctx, "ROLLBACK")
	if w.deferred {
		err = errors.Join(err, w.buildIndexes(ctx))
	}
	return errors.Join(err, w.release(ctx))
}

// release closes the insert statements, restores the connection's settings
// and returns it to the pool.
func (w *Writer) release(ctx context.Context) error {
	var errs []error
	if w.ins != nil {
		errs = append(errs, w.ins.close())
		w.ins = nil
	}
	for _, p := range w.restore {
		errs = append(errs, w.exec(ctx, p))
	}
	w.restore = nil
	errs = append(errs, w.conn.Close())
	w.conn, w.rows = nil, 0
	return errors.Join(errs...)
}
