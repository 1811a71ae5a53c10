package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"enrolldesk/core"
	"enrolldesk/internal/atomicfile"
	"enrolldesk/internal/passhash"
	kioskui "enrolldesk/ui/kiosk"
)

// The staff PIN's files in the data directory: its argon2id hash (never
// the PIN) and the count of wrong tries, which outlives a restart so that
// pulling the plug does not buy five more guesses.
const (
	staffPINFile   = "staff-pin"
	staffTriesFile = "staff-pin-tries.json"
)

// Staff PIN lockout: MaxPINTries wrong PINs in a row lock the staff screen
// for PINLockout.
const (
	MaxPINTries = 5
	PINLockout  = 5 * time.Minute
)

// PIN lengths the staff keypad can enter.
const (
	minPINLen = 4
	maxPINLen = 8
)

// errNoPIN is OpenKiosk's refusal to run a real kiosk with no staff PIN.
var errNoPIN = errors.New("no staff PIN is set for this kiosk")

// validPIN checks a PIN staff can type on the keypad: 4 to 8 digits.
func validPIN(pin string) error {
	if len(pin) < minPINLen || len(pin) > maxPINLen || strings.Trim(pin, "0123456789") != "" {
		return core.Errorf(core.EINVALID, "维护密码应为%d到%d位数字（屏幕上的密码键盘只有数字）。", minPINLen, maxPINLen)
	}
	return nil
}

// SetStaffPIN stores pin's argon2id hash in the data directory (mode 0600,
// replaced atomically) and clears any lockout. The PIN itself is never
// written.
func SetStaffPIN(dir, pin string) error {
	if err := validPIN(pin); err != nil {
		return err
	}
	h, err := passhash.New(pin)
	if err != nil {
		return err
	}
	if err := writePrivate(filepath.Join(dir, staffPINFile), []byte(h.String()+"\n")); err != nil {
		return fmt.Errorf("staff PIN: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, staffTriesFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("staff PIN: reset the wrong tries: %w", err)
	}
	return nil
}

// writePrivate writes data to path through a synced temporary file and a
// rename, readable by the owner only.
func writePrivate(path string, data []byte) error { return atomicfile.WritePrivate(path, data) }

// staffLock is the staff PIN and its wrong tries. Safe for concurrent use.
type staffLock struct {
	dir       string
	hash      passhash.Hash
	isDefault bool // the demo's DefaultPIN, hashed in memory only
	now       func() time.Time

	mu    sync.Mutex
	tries pinTries
}

// pinTries is the persisted count of wrong tries.
type pinTries struct {
	Failures    int   `json:"failures"`     // wrong PINs since the last right one or lockout
	LockedUntil int64 `json:"locked_until"` // unix seconds; 0: not locked
}

// openStaffLock loads the PIN for a kiosk. A stored hash wins. Without one,
// a PIN given in the configuration (--pin, ENROLLDESK_PIN) is hashed into
// the data directory at once; a demo kiosk without either uses DefaultPIN,
// hashed in memory only (its wrong tries are still counted on disk); a
// kiosk of a real engine refuses to start.
func openStaffLock(cfg KioskConfig, demo bool) (*staffLock, error) {
	l := &staffLock{dir: cfg.DataDir, now: cfg.Now}
	path := filepath.Join(cfg.DataDir, staffPINFile)
	stored, err := os.ReadFile(path)
	switch {
	case err == nil:
		if l.hash, err = passhash.Parse(string(stored)); err != nil {
			return nil, fmt.Errorf("staff PIN file %s is damaged (%v): set the PIN again with `enrolldesk kiosk pin set --data %s`", path, err, cfg.DataDir)
		}
		if cfg.PIN != "" && !l.hash.Matches(cfg.PIN) {
			logprintf(cfg.Logf, "the staff PIN given with --pin or ENROLLDESK_PIN is ignored: %s holds one; change it with `enrolldesk kiosk pin set`", path)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read the staff PIN: %w", err)
	case cfg.PIN != "":
		if err := SetStaffPIN(cfg.DataDir, cfg.PIN); err != nil {
			return nil, err
		}
		logprintf(cfg.Logf, "the staff PIN is now stored as an argon2id hash in %s: remove --pin / ENROLLDESK_PIN from the start command", path)
		return openStaffLock(KioskConfig{DataDir: cfg.DataDir, Now: cfg.Now}, demo)
	case demo:
		l.isDefault = true // hashed at the first try, not at every start
	default:
		return nil, fmt.Errorf("%w: a kiosk of a real engine has no default. Set one with `enrolldesk kiosk pin set --data %s` (it asks for the PIN and stores only an argon2id hash), then start the kiosk again", errNoPIN, cfg.DataDir)
	}
	if err := l.load(); err != nil {
		return nil, err
	}
	return l, nil
}

// usesDefault reports whether the lock is the demo's built-in PIN.
func (l *staffLock) usesDefault() bool { return l.isDefault }

func (l *staffLock) load() error {
	b, err := os.ReadFile(filepath.Join(l.dir, staffTriesFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		err = json.NewDecoder(bytes.NewReader(b)).Decode(&l.tries)
	}
	if err != nil {
		// A damaged count must not reopen the door: treat it as a lockout.
		l.tries = pinTries{LockedUntil: l.now().Add(PINLockout).Unix()}
	}
	return nil
}

func (l *staffLock) save() error {
	b, err := json.Marshal(l.tries)
	if err != nil {
		return err
	}
	return writePrivate(filepath.Join(l.dir, staffTriesFile), b)
}

// Check tries pin. While locked it does not look at the PIN at all. The
// count is written before the answer, so a wrong try survives a crash.
func (l *staffLock) Check(pin string) kioskui.PINCheck {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if until := time.Unix(l.tries.LockedUntil, 0); l.tries.LockedUntil != 0 && now.Before(until) {
		if limit := now.Add(PINLockout); until.After(limit) {
			until = limit // a clock set back must not stretch the lockout
		}
		return kioskui.PINCheck{LockedUntil: until}
	}
	if l.tries.LockedUntil != 0 { // the lockout has passed: five new tries
		l.tries = pinTries{}
	}
	if l.isDefault && l.hash.IsZero() {
		var err error
		if l.hash, err = passhash.New(DefaultPIN); err != nil {
			return kioskui.PINCheck{Err: err}
		}
	}
	if pin != "" && l.hash.Matches(pin) {
		if l.tries != (pinTries{}) {
			l.tries = pinTries{}
			if err := l.save(); err != nil {
				return kioskui.PINCheck{Err: err}
			}
		}
		return kioskui.PINCheck{OK: true}
	}
	l.tries.Failures++
	res := kioskui.PINCheck{Remaining: MaxPINTries - l.tries.Failures}
	if res.Remaining <= 0 {
		res.Remaining, res.LockedUntil = 0, now.Add(PINLockout)
		l.tries = pinTries{LockedUntil: res.LockedUntil.Unix()}
	}
	if err := l.save(); err != nil {
		// Unrecorded tries would be free guesses: refuse the screen.
		return kioskui.PINCheck{Err: err, LockedUntil: res.LockedUntil}
	}
	return res
}
