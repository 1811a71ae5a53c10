// Package dirlock makes sure one process at a time does a job on a data
// directory (the kiosk's sync worker): an advisory lock on a file, held
// until the process ends or releases it, and a note of who holds it, so the
// second process can say whom it is waiting for.
package dirlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Holder is who holds a lock.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

func (h Holder) String() string {
	return fmt.Sprintf("pid %d (%s) since %s", h.PID, h.Command, h.Since.Local().Format("2006-01-02 15:04:05"))
}

// ErrHeld is the cause of a Lock another process holds.
var ErrHeld = errors.New("lock held by another process")

// HeldError says who holds the lock.
type HeldError struct {
	Path   string
	Holder Holder // zero when the holder wrote no note (yet)
}

func (e *HeldError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("%s is held by another process", e.Path)
	}
	return fmt.Sprintf("%s is held by %s", e.Path, e.Holder)
}

// Unwrap makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Unwrap() error { return ErrHeld }

// Lock is a held lock.
type Lock struct {
	f *os.File
}

// Acquire takes the lock on path (creating the file) without waiting, and
// writes who holds it: this process, command. A lock held by another
// process is a *HeldError naming the holder. The operating system drops
// the lock when the process dies, however it dies.
func Acquire(path, command string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			h, _ := Read(path)
			return nil, &HeldError{Path: path, Holder: h}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	note, _ := json.Marshal(Holder{PID: os.Getpid(), Command: command, Since: time.Now()})
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt(append(note, '\n'), 0)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("lock %s: %w", path, err), unlockFile(f), f.Close())
	}
	return &Lock{f: f}, nil
}

// Read returns the holder noted in the lock file at path (whether or not
// the lock is held now).
func Read(path string) (Holder, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Holder{}, err
	}
	var h Holder
	err = json.Unmarshal([]byte(strings.TrimSpace(string(b))), &h)
	return h, err
}

// Release gives the lock up. Releasing twice is harmless.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := errors.Join(l.f.Truncate(0), unlockFile(l.f), l.f.Close())
	l.f = nil
	return err
}
