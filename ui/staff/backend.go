// Package staff is the staff desktop window (issue 9): sign-in, the
// review queue, an application opened for review with its evidence side by
// side, approve / return / reject, conflicts and the demand heat map. It
// speaks to the engine only through Backend; app/staffclient implements it
// over the engine's staff HTTP API.
package staff

import (
	"context"
	"errors"
	"image"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Backend is what the window needs of the engine: one method per staff
// endpoint (core/engineapi staff.go, review.go, heat.go, walkin.go).
// Errors are shown to staff as they are, so an implementation returns the
// engine's plain-words message; a *Refusal carries the engine's reason so
// that the window can tell an ended session (engineapi.ReasonNoSession)
// from the rest.
type Backend interface {
	Login(ctx context.Context, req engineapi.LoginRequest) (engineapi.LoginResponse, error)
	Logout(ctx context.Context) error
	Me(ctx context.Context) (engineapi.Actor, error)

	Queue(ctx context.Context, f engineapi.QueueFilter) (engineapi.QueuePage, error)
	Open(ctx context.Context, appID string) (engineapi.Detail, error)
	Approve(ctx context.Context, req engineapi.DecideRequest) (engineapi.StatusChange, error)
	Return(ctx context.Context, req engineapi.DecideRequest) (engineapi.StatusChange, error)
	Reject(ctx context.Context, req engineapi.DecideRequest) (engineapi.StatusChange, error)
	BulkApprove(ctx context.Context, f engineapi.QueueFilter) (engineapi.BulkResult, error)
	// BulkVerify marks every pending evidence item of the applications
	// the filter matches verified (doubtful ones stay doubtful).
	BulkVerify(ctx context.Context, f engineapi.QueueFilter) (engineapi.BulkResult, error)
	// Duplicates lists the duplicate sets (the open ones, or all).
	Duplicates(ctx context.Context, req engineapi.DuplicatesRequest) (engineapi.DuplicateList, error)
	// Resolve resolves a duplicate set: keep one application, or declare
	// the members different children.
	Resolve(ctx context.Context, req engineapi.ResolveRequest) (engineapi.DuplicateSet, error)
	Assign(ctx context.Context, req engineapi.AssignRequest) (engineapi.Assignment, error)
	Reviewers(ctx context.Context) (engineapi.ReviewerList, error)
	SaveNote(ctx context.Context, req engineapi.NoteRequest) (engineapi.Note, error)
	SetEvidence(ctx context.Context, req engineapi.EvidenceRequest) (engineapi.EvidenceItem, error)
	Filters(ctx context.Context, req engineapi.FilterRequest) (engineapi.FilterList, error)
	Reasons(ctx context.Context, req engineapi.ReasonsRequest) (engineapi.ReasonList, error)
	Conflicts(ctx context.Context) (engineapi.ConflictList, error)
	HeatMap(ctx context.Context, stage core.Stage) (engineapi.HeatMap, error)

	WalkInBackend
	FindBackend
}

// HeatImager draws a heat map as a picture of about width × height pixels
// (app/heatpng); nil shows the table alone.
type HeatImager func(m engineapi.HeatMap, width, height int) (image.Image, error)

// Refusal is the engine's answer to a request it refused: the HTTP
// status, the reason code (engineapi.Reason…) and the message in plain
// words, which is what Error returns.
type Refusal struct {
	Status  int
	Reason  string
	Message string
	// RetryAfter is when to try again (429), zero when not said.
	RetryAfter time.Duration
}

func (r *Refusal) Error() string { return r.Message }

// sessionEnded reports whether err says the session is over: the window
// then signs in again, keeping what the person was writing.
func sessionEnded(err error) bool {
	var r *Refusal
	return errors.As(err, &r) && r.Reason == engineapi.ReasonNoSession
}

// DemoAccount is an account of the demo engine, shown on the sign-in
// screen in demo mode only.
type DemoAccount struct {
	Name     string
	Password string
	Role     engineapi.Role
	School   string
}

// Options configure the window.
type Options struct {
	Demo       []DemoAccount    // demo accounts to show on the sign-in screen; nil outside demo mode
	HeatImage  HeatImager       // draws the heat map; nil: table only
	HeatEvery  time.Duration    // heat map refresh while on show; 0 takes 5 s, negative never
	Now        func() time.Time // the clock for ageing words; time.Now when nil
	Language   string           // ui.LangChinese (default) or ui.LangEnglish
	EngineName string           // shown under the title: the engine's URL or 本机演示引擎
	Printer    ReceiptPrinter   // prints walk-in receipts and reprints; nil: not printed (the page says so)
	Reader     CardReader       // the desk's ID-card reader for walk-ins; nil: numbers are typed
	// Report, when set, is told the screen on show and where its main
	// controls are, after every change and answer: the real-window
	// screenshots click by it.
	Report func(Report)
}

// Report is the screen on show, whether an answer is awaited, and the
// window positions (centres, in Fyne units) of the controls a script may
// click: nav.<screen>, signout, demo.<role> (a demo account's button on
// the sign-in screen, which fills name and password), row0 (the queue's first row), approve,
// return, reject, confirm, reason0.
type Report struct {
	Screen  string                `json:"screen"`
	Busy    bool                  `json:"busy"`
	Targets map[string][2]float32 `json:"targets"`
}
