// Package ui holds EnrollDesk's Fyne screens. Screens get what they need
// through the interfaces below, built by the app package; ui never imports
// an adapter (SQLite, printing, HTTP).
package kiosk

import (
	"context"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// Registrar looks up and classifies one guardian and child (core.Registrar).
type Registrar interface {
	Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error)
}

// Submitter makes a confirmed application durable: the application and its
// sync-outbox row in one transaction, before anything prints. Submitting
// the same draft ID twice returns the stored application, not a second one.
type Submitter interface {
	Submit(ctx context.Context, s core.Submission) (core.Application, error)
}

// Printer prints an application's receipt, or keeps it for a reprint.
type Printer interface {
	Print(ctx context.Context, a core.Application) (receipt.Outcome, error)
	// Discard removes anything kept for the application (spooled receipt)
	// once it has printed; called when a session ends.
	Discard(regNo string) error
}

// CardReader reads a resident ID card placed on the kiosk's reader.
type CardReader interface {
	// Read waits for a card and returns its number; ctx ends the wait.
	Read(ctx context.Context) (core.ResidentID, error)
}

// DemoCards is implemented by a simulated card reader: the demo shows the
// personas' cards so a visitor can "place" one.
type DemoCards interface {
	Personas() []core.Persona
	// Place puts a card on the simulated reader; the next Read returns it.
	Place(id core.ResidentID)
}

// Maintenance is what hall staff see behind the PIN.
type Maintenance interface {
	// CheckPIN tries a staff PIN; wrong tries count toward a lockout that
	// outlives a restart.
	CheckPIN(pin string) PINCheck
	Status(ctx context.Context) (KioskStatus, error)
	// Reprint prints a kept receipt again by registration number.
	Reprint(ctx context.Context, regNo string) (receipt.Outcome, error)
}

// PINCheck is the answer to a staff PIN.
type PINCheck struct {
	OK          bool
	Remaining   int       // wrong tries left before the lockout
	LockedUntil time.Time // non-zero: too many wrong tries; the screen is locked until then
	Err         error     // the try could not be recorded: refused, for the log
}

// KioskStatus is the maintenance screen's summary.
type KioskStatus struct {
	DeviceID    string
	Printer     string // printer name, or "" for spool-only
	Spooled     int    // receipts kept for reprint
	QueueLength int    // applications not yet synced to the engine
	DeadLetters int    // applications the engine refused for good
	LastSync    time.Time
	Version     string
	// EngineStates counts the kiosk's applications by the state the
	// engine last gave them (its decision arrives by the status pull).
	EngineStates map[core.State]int
	// Alarm is damage the kiosk cannot repair, in plain words with what
	// staff should do; while set the kiosk takes no registrations.
	Alarm string
	// SyncNote says why the kiosk runs no sync worker of its own ("": it does).
	SyncNote string
}

// Services bundles the kiosk's dependencies.
type Services struct {
	Registrar   Registrar
	Submitter   Submitter
	Printer     Printer
	Reader      CardReader // nil: keypad only
	Maintenance Maintenance
	KioskID     string
	Now         func() time.Time // nil: time.Now
	// Blocked reports that the kiosk must not take registrations now
	// (nil: never): the welcome screen sends parents to the counter.
	Blocked func() bool
	// Notice is what happens next (results date, counter, hotline): the
	// policy's [notice]; zero values fall back to "the hall's counter".
	Notice core.Notice
}

// Options tune the kiosk.
type Options struct {
	Idle      time.Duration // no touch for this long starts the countdown (default 90 s)
	Countdown time.Duration // the visible countdown before the wipe (default 60 s)
	Language  string        // "zh-Hans" (default) or "en"
	// TapGuard drops taps this soon after a screen appears, so the second
	// tap of a double tap does not land on the next screen (0: off).
	TapGuard time.Duration
	// LayoutReport, when set, names a file that gets the layout of every
	// screen shown (Kiosk.Layout, as JSON): the real-window check reads it.
	LayoutReport string
	// ManualClock leaves the one-second clock (idle countdown, refit after
	// a resize) to the caller's Kiosk.Tick. For tests on Fyne's test
	// driver, where fyne.Do runs on the calling goroutine: a clock of its
	// own would touch the widgets while the test taps them.
	ManualClock bool
}
