// Package receipt is the printed proof of an application: what the kiosk
// prints on an 80 mm slip, and the signed token its QR code carries so that
// anyone holding the kiosk's public key can check the slip offline.
//
// The package is pure Go: it knows nothing of PDF, QR codes or printers.
// Adapters render a Receipt and implement Printer.
package receipt

import (
	"context"
	"time"

	"enrolldesk/core"
)

// Receipt is everything printed on one application's receipt. Names and
// labels are in Chinese for people; the ASCII fields also go into the
// signed token. ID numbers appear only masked.
type Receipt struct {
	RegNo          string     // registration number, ASCII, e.g. "4522-4354-0861"
	AppID          string     // application UUID, the idempotency key
	Stage          core.Stage // primary or junior
	ChildName      string
	ChildMasked    string // masked resident ID, e.g. 370811********123X
	GuardianName   string
	GuardianMasked string
	Category       string    // admission category in Chinese, e.g. 房户一致; may be empty
	Schools        []string  // school names in the parent's order
	SchoolCodes    []string  // ASCII school codes, same order as Schools
	Status         string    // status in Chinese, e.g. 已提交
	StatusCode     string    // ASCII status, e.g. "submitted", "needs_review", "queued"
	KioskID        string    // ASCII kiosk identifier
	Time           time.Time // when the application was stored; printed in its own time zone
	// Next is what happens next — when the results come by SMS, the
	// counter, the hotline — from the policy; not part of the signed token.
	Next core.Notice
}

// Printer prints a receipt. It is what the kiosk screen calls after the
// application is stored durably.
type Printer interface {
	// PrintReceipt prints r or keeps it for a later reprint. The returned
	// Outcome's Message is always set and fit for the screen, even when the
	// error is not nil; the error carries details for the log.
	PrintReceipt(ctx context.Context, r Receipt) (Outcome, error)
}

// Outcome is what happened to one receipt, in terms the screen can show.
type Outcome struct {
	Printed bool   // the printer accepted the job
	Spooled string // path of the kept PDF when it was not printed, for a reprint at the staff desk
	Message string // plain Chinese for the person at the kiosk

	// Unprintable lists characters of the names that the receipt font
	// cannot print and that were printed as □; staff should check them.
	Unprintable []rune
}
