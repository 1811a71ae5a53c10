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

// Journal is a journal file. Several processes may use one (the kiosk and
// `enrolldesk sync`): every change is made under an exclusive lock on a
// file beside it (path + ".lock"), on what the file holds at that moment.
// Its methods are safe for concurrent use.
type Journal struct {
	path string
	mu   sync.Mutex
}

// Open opens the journal at path, creating it (and fsyncing its directory)
// when missing. A torn last record is cut off and reported in torn bytes.
// Damage in the middle comes back as a *DamageError together with a usable
// Journal: appending still works, its readable records are still read.
func Open(path string) (j *Journal, torn int64, err error) {
	j = &Journal{path: path}
	var damage *DamageError
	err = j.locked(func(c Contents) error {
		torn, damage = c.Torn, c.Damage
		switch {
		case c.end == 0:
			// New, or a creation that never finished: write the header afresh.
			return errors.Join(writeFile(path, header), syncDir(filepath.Dir(path)))
		case c.Torn > 0:
			return j.write(func(f *os.File) error { return f.Truncate(c.end) })
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("open journal: %w", err)
	}
	if damage != nil {
		return j, torn, damage
	}
	return j, torn, nil
}

// locked runs fn under the journal's lock with the file as it is now.
func (j *Journal) locked(fn func(c Contents) error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	lf, err := os.OpenFile(j.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close()
	if err := lockFile(lf); err != nil {
		return err
	}
	defer unlockFile(lf) //nolint:errcheck // closing the file drops the lock too
	data, err := os.ReadFile(j.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return fn(parse(j.path, data))
}

// write changes the journal file in place with fn and fsyncs it; the
// caller holds the lock. The file is closed again at once: Windows will
// not rename over an open file.
func (j *Journal) write(fn func(f *os.File) error) error {
	f, err := os.OpenFile(j.path, os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return errors.Join(err, f.Close())
	}
	return errors.Join(f.Sync(), f.Close())
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
	err = j.locked(func(c Contents) error {
		for _, r := range c.Records {
			if r.ID == id {
				return nil
			}
		}
		if c.end == 0 {
			if err := errors.Join(writeFile(j.path, header), syncDir(filepath.Dir(j.path))); err != nil {
				return err
			}
			c.end = int64(len(header))
		}
		// Written over a torn tail, if any; on failure what was written is
		// cut off, so the next append is not behind it.
		return j.write(func(f *os.File) error {
			err := errors.Join(writeAt(f, buf, c.end), f.Truncate(c.end+int64(len(buf))))
			if err != nil {
				return errors.Join(err, f.Truncate(c.end))
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("journal append: %w", err)
	}
	return nil
}

// Records returns the journal's readable records in the order they were
// written, and the damage it found, if any.
func (j *Journal) Records() ([]Record, *DamageError, error) {
	var c Contents
	err := j.locked(func(got Contents) error {
		c = got
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read journal: %w", err)
	}
	return c.Records, c.Damage, nil
}

// Remove takes the records of ids out of the journal. The file is
// rewritten without them — to a temporary file, fsync'd, renamed over the
// journal, the directory fsync'd — so their bytes physically leave it.
// IDs it does not hold are ignored; with none held the file is not
// touched. A damaged journal is not rewritten (the damaged bytes are kept
// for staff; see Rewrite): its error is returned. It returns how many
// records went.
func (j *Journal) Remove(ids ...string) (int, error) {
	n := 0
	err := j.locked(func(c Contents) error {
		gone := map[string]bool{}
		for _, id := range ids {
			gone[id] = true
		}
		var keep []Record
		for _, r := range c.Records {
			if gone[r.ID] {
				n++
			} else {
				keep = append(keep, r)
			}
		}
		if n == 0 {
			return nil
		}
		if c.Damage != nil {
			n = 0
			return c.Damage
		}
		return j.rewrite(keep)
	})
	if err != nil {
		return n, fmt.Errorf("journal trim: %w", err)
	}
	return n, nil
}

// Rewrite writes the journal afresh from its readable records, dropping
// damaged bytes: what staff do once a damaged journal has been recovered.
func (j *Journal) Rewrite() error {
	return j.locked(func(c Contents) error { return j.rewrite(c.Records) })
}

// rewrite replaces the file with one holding recs; the caller holds the lock.
func (j *Journal) rewrite(recs []Record) error {
	var buf bytes.Buffer
	buf.Write(header)
	for _, r := range recs {
		b, err := encode(r)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	tmp := j.path + ".tmp"
	if err := writeFile(tmp, buf.Bytes()); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	if err := os.Rename(tmp, j.path); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return syncDir(filepath.Dir(j.path))
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
