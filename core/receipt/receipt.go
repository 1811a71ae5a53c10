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
	RegNo          string     `json:"reg_no"` // registration number, ASCII, e.g. "4522-4354-0861"
	AppID          string     `json:"app_id"` // application UUID, the idempotency key
	Stage          core.Stage `json:"stage"`  // primary or junior
	ChildName      string     `json:"child_name"`
	ChildMasked    string     `json:"child_masked"` // masked resident ID, e.g. 370811********123X
	GuardianName   string     `json:"guardian_name"`
	GuardianMasked string     `json:"guardian_masked"`
	Category       string     `json:"category"`     // admission category in Chinese, e.g. 房户一致; may be empty
	Schools        []string   `json:"schools"`      // school names in the parent's order
	SchoolCodes    []string   `json:"school_codes"` // ASCII school codes, same order as Schools
	Status         string     `json:"status"`       // status in Chinese, e.g. 已提交
	StatusCode     string     `json:"status_code"`  // ASCII status, e.g. "submitted", "needs_review", "queued"
	KioskID        string     `json:"kiosk_id"`     // ASCII kiosk identifier
	Time           time.Time  `json:"time"`         // when the application was stored; printed in its own time zone
	// Next is what happens next — when the results come by SMS, the
	// counter, the hotline — from the policy; not part of the signed token.
	Next core.Notice `json:"next"`
	// Operator is the staff member who registered a walk-in at the desk,
	// printed as 办理人; "" for a kiosk's receipt. Not part of the token.
	Operator string `json:"operator,omitempty"`
	// Token, when set, is the receipt's signed token made elsewhere (the
	// engine signs walk-in receipts with its desk key); a printer prints
	// it as it is instead of signing. "" for a kiosk's own receipts.
	Token string `json:"token,omitempty"`
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
