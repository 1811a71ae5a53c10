// Package journal is the kiosk's second durable copy of every submitted
// application: an append-only file beside the database, written and
// fsync'd before a receipt prints, and trimmed as the engine acknowledges.
// When the database loses what it had committed (a damaged WAL, a bad
// page), the journal is where the kiosk gets it back.
//
// The file is a header and a run of records, each
//
//	magic "EDR1" | length uint32 LE | CRC-32C uint32 LE | payload
//
// where the checksum covers the length and the payload, and the payload is
// the record's ID (uint16 LE length, bytes) and its body. An append that
// never finished (the power went mid-write) leaves a torn last record:
// Open ignores it and cuts it off. A bad record with good ones after it is
// damage in the middle of the file: Open keeps what it can read and says
// so (ErrDamaged), because what the bad bytes held is unknown.
package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync"
)

// header starts every journal file; its last byte is the format version.
var header = []byte("EDJOURN\x01")

// recMagic starts every record, so a reader can find the next good record
// after damaged bytes.
var recMagic = []byte("EDR1")

const (
	recHead = 12       // magic, length, checksum
	maxBody = 16 << 20 // a length beyond this is damage, not a record
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrDamaged is the cause of an Open or Scan that found unreadable bytes
// with readable records after them.
var ErrDamaged = errors.New("journal damaged")

// DamageError says where a journal is damaged. The records around the
// damage are still read.
type DamageError struct {
	Path    string
	Offset  int64 // where the first unreadable bytes start
	Skipped int64 // unreadable bytes in all
}

func (e *DamageError) Error() string {
	return fmt.Sprintf("journal %s: %d unreadable bytes from offset %d, with readable records after them", e.Path, e.Skipped, e.Offset)
}

// Unwrap makes errors.Is(err, ErrDamaged) true.
func (e *DamageError) Unwrap() error { return ErrDamaged }

// Record is one journaled item: an ID (the application's) and its bytes.
type Record struct {
	ID   string
	Body []byte
}

// Contents is what a scan of a journal file found.
type Contents struct {
	Records []Record // readable records, in file order, the last of each ID
	Torn    int64    // bytes of a torn last record (an append that never finished)
	Damage  *DamageError
	end     int64 // where the readable file ends (before a torn tail)
}

// Scan reads a journal file without changing it; a missing file is empty.
// Damage in the middle of the file is reported in Contents.Damage, not as
// an error; the error is for a file that cannot be read at all.
func Scan(path string) (Contents, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Contents{}, nil
	}
	if err != nil {
		return Contents{}, fmt.Errorf("read journal: %w", err)
	}
	return parse(path, data), nil
}

// parse reads records out of a whole file.
func parse(path string, data []byte) Contents {
	var c Contents
	index := map[string]int{}
	add := func(r Record) {
		if i, ok := index[r.ID]; ok {
			c.Records[i] = r
			return
		}
		index[r.ID] = len(c.Records)
		c.Records = append(c.Records, r)
	}
	off := int64(0)
	if len(data) >= len(header) && bytes.Equal(data[:len(header)], header) {
		off = int64(len(header))
	} else if next := findRecord(data, 0); next < 0 {
		// No header and nothing readable: a creation that never finished.
		c.Torn = int64(len(data))
		return c
	} else {
		c.Damage = &DamageError{Path: path, Offset: 0, Skipped: next}
		off = next
	}
	for off < int64(len(data)) {
		if r, n, ok := recordAt(data, off); ok {
			add(r)
			off += n
			continue
		}
		next := findRecord(data, off+1)
		if next < 0 {
			c.Torn = int64(len(data)) - off
			break
		}
		if c.Damage == nil {
			c.Damage = &DamageError{Path: path, Offset: off}
		}
		c.Damage.Skipped += next - off
		off = next
	}
	c.end = off
	return c
}

// recordAt decodes the record at off: it, its size, and whether it is whole
// and its checksum right.
func recordAt(data []byte, off int64) (Record, int64, bool) {
	rest := data[off:]
	if len(rest) < recHead || !bytes.Equal(rest[:4], recMagic) {
		return Record{}, 0, false
	}
	n := binary.LittleEndian.Uint32(rest[4:8])
	if n < 2 || n > maxBody || int64(len(rest)) < recHead+int64(n) {
		return Record{}, 0, false
	}
	payload := rest[recHead : recHead+int(n)]
	if crc32.Update(crc32.Checksum(rest[4:8], castagnoli), castagnoli, payload) != binary.LittleEndian.Uint32(rest[8:12]) {
		return Record{}, 0, false
	}
	idLen := int(binary.LittleEndian.Uint16(payload))
	if 2+idLen > len(payload) || idLen == 0 {
		return Record{}, 0, false
	}
	body := make([]byte, len(payload)-2-idLen)
	copy(body, payload[2+idLen:])
	return Record{ID: string(payload[2 : 2+idLen]), Body: body}, recHead + int64(n), true
}

// findRecord is the offset of the first good record at or after from, or -1.
func findRecord(data []byte, from int64) int64 {
	for from < int64(len(data)) {
		i := bytes.Index(data[from:], recMagic)
		if i < 0 {
			return -1
		}
		if _, _, ok := recordAt(data, from+int64(i)); ok {
			return from + int64(i)
		}
		from += int64(i) + 1
	}
	return -1
}

// encode is one record's bytes.
func encode(r Record) ([]byte, error) {
	if r.ID == "" || len(r.ID) > 0xFFFF || 2+len(r.ID)+len(r.Body) > maxBody {
		return nil, fmt.Errorf("journal: record %q: empty or too large", r.ID)
	}
	n := 2 + len(r.ID) + len(r.Body)
	buf := make([]byte, recHead+n)
	copy(buf, recMagic)
	binary.LittleEndian.PutUint32(buf[4:8], uint32(n))
	binary.LittleEndian.PutUint16(buf[recHead:], uint16(len(r.ID)))
	copy(buf[recHead+2:], r.ID)
	copy(buf[recHead+2+len(r.ID):], r.Body)
	sum := crc32.Update(crc32.Checksum(buf[4:8], castagnoli), castagnoli, buf[recHead:])
	binary.LittleEndian.PutUint32(buf[8:12], sum)
	return buf, nil
}

// Journal is an open journal file. Its methods are safe for concurrent use.
type Journal struct {
	path string

	mu      sync.Mutex
	f       *os.File
	end     int64             // where the next record goes
	records map[string][]byte // what the file holds, by ID
	order   []string          // IDs in file order
}

// Open opens the journal at path, creating it (and fsyncing its directory)
// when missing. A torn last record is cut off and reported in torn bytes.
// Damage in the middle comes back as a *DamageError together with a usable
// Journal holding the readable records: appending still works, but what
// the damaged bytes held is lost from this copy.
func Open(path string) (j *Journal, torn int64, err error) {
	c, err := Scan(path)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("open journal: %w", err)
	}
	j = &Journal{path: path, f: f, records: map[string][]byte{}}
	if c.end == 0 {
		// New, or a creation that never finished: write the header afresh.
		err = errors.Join(f.Truncate(0), writeAt(f, header, 0), f.Sync(), syncDir(filepath.Dir(path)))
		j.end = int64(len(header))
	} else {
		j.end = c.end
		if c.Torn > 0 {
			err = errors.Join(f.Truncate(c.end), f.Sync())
		}
	}
	if err != nil {
		return nil, 0, errors.Join(fmt.Errorf("open journal: %w", err), f.Close())
	}
	for _, r := range c.Records {
		j.records[r.ID] = r.Body
		j.order = append(j.order, r.ID)
	}
	if c.Damage != nil {
		return j, c.Torn, c.Damage
	}
	return j, c.Torn, nil
}

func writeAt(f *os.File, b []byte, off int64) error {
	_, err := f.WriteAt(b, off)
	return err
}

// Append adds a record and fsyncs the file before returning: once it
// returns nil the record survives a power cut. A record whose ID the
// journal holds already is not written again.
func (j *Journal) Append(id string, body []byte) error {
	buf, err := encode(Record{ID: id, Body: body})
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal: closed")
	}
	if _, ok := j.records[id]; ok {
		return nil
	}
	if err := writeAt(j.f, buf, j.end); err != nil {
		// Cut off what was written, so the next append is not behind it.
		return errors.Join(fmt.Errorf("journal append: %w", err), j.f.Truncate(j.end))
	}
	if err := j.f.Sync(); err != nil {
		return errors.Join(fmt.Errorf("journal sync: %w", err), j.f.Truncate(j.end))
	}
	j.end += int64(len(buf))
	j.records[id] = bytes.Clone(body)
	j.order = append(j.order, id)
	return nil
}

// Has reports whether the journal holds a record for id.
func (j *Journal) Has(id string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.records[id]
	return ok
}

// Len is how many records the journal holds.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.order)
}

// Records returns the journal's records in the order they were written.
func (j *Journal) Records() []Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Record, len(j.order))
	for i, id := range j.order {
		out[i] = Record{ID: id, Body: j.records[id]}
	}
	return out
}

// Remove takes the records of ids out of the journal. The file is
// rewritten without them — to a temporary file, fsync'd, renamed over the
// journal, the directory fsync'd — so their bytes physically leave it
// (damaged bytes of a damaged file go too). IDs it does not hold are
// ignored; with none held the file is not touched. It returns how many
// records went.
func (j *Journal) Remove(ids ...string) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return 0, errors.New("journal: closed")
	}
	gone := map[string]bool{}
	for _, id := range ids {
		if _, ok := j.records[id]; ok {
			gone[id] = true
		}
	}
	if len(gone) == 0 {
		return 0, nil
	}
	return len(gone), j.rewrite(gone)
}

// Rewrite writes the journal afresh from the records it holds, dropping
// damaged bytes; used once staff have recovered a damaged journal.
func (j *Journal) Rewrite() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal: closed")
	}
	return j.rewrite(nil)
}

func (j *Journal) rewrite(gone map[string]bool) error {
	var buf bytes.Buffer
	buf.Write(header)
	var order []string
	for _, id := range j.order {
		if gone[id] {
			continue
		}
		b, err := encode(Record{ID: id, Body: j.records[id]})
		if err != nil {
			return err
		}
		buf.Write(b)
		order = append(order, id)
	}
	tmp := j.path + ".tmp"
	if err := writeFile(tmp, buf.Bytes()); err != nil {
		return errors.Join(fmt.Errorf("journal rewrite: %w", err), os.Remove(tmp))
	}
	// Closed before the rename: Windows will not rename over an open file.
	cerr := j.f.Close()
	j.f = nil
	rerr := os.Rename(tmp, j.path)
	f, oerr := os.OpenFile(j.path, os.O_RDWR, 0o600)
	if oerr != nil {
		return errors.Join(fmt.Errorf("journal rewrite: %w", oerr), rerr, cerr)
	}
	j.f = f
	if rerr != nil {
		return errors.Join(fmt.Errorf("journal rewrite: %w", rerr), os.Remove(tmp))
	}
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		return fmt.Errorf("journal rewrite: %w", err)
	}
	j.end, j.order = int64(buf.Len()), order
	for id := range gone {
		delete(j.records, id)
	}
	return nil
}

// writeFile writes b to a new file at path and fsyncs it.
func writeFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return errors.Join(err, f.Close())
	}
	return errors.Join(f.Sync(), f.Close())
}

// Path is the journal file's path.
func (j *Journal) Path() string { return j.path }

// Close closes the file. Closing twice is harmless.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
