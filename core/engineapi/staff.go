package engineapi

import (
	"context"
	"time"
)

// The staff desktop speaks to the engine under PathStaffPrefix with a
// session token (Authorization: Bearer …) from PathStaffLogin; every staff
// path names the roles it admits, and the engine refuses the rest with 403
// whatever the window shows.
const (
	PathStaffPrefix = "/v1/staff/"
	PathStaffLogin  = "/v1/staff/login"  // POST LoginRequest → LoginResponse (no session needed)
	PathStaffLogout = "/v1/staff/logout" // POST {} → {}
	PathStaffMe     = "/v1/staff/me"     // POST {} → Actor
)

// Reasons of staff refusals, beside those of api.go.
const (
	ReasonNoSession   = "no_session"   // 401: not signed in, or the session ended (30 idle minutes)
	ReasonForbidden   = "forbidden"    // 403: the role (or the school) does not allow this
	ReasonLocked      = "locked"       // 403: five failed sign-ins; the message says until when
	ReasonBadLogin    = "bad_login"    // 401: wrong name or password
	ReasonRateLimited = "rate_limited" // 429: too many look-ups a minute; Retry-After says when to try again
	ReasonNoStaffDesk = "no_staff"     // 503: this engine's store has no staff desk
)

// Role is what a staff account may do.
type Role string

// The roles. A school admin sees and acts on one school's applications.
const (
	RoleHall        Role = "hall"         // hall staff: walk-ins, find, reprint
	RoleReviewer    Role = "reviewer"     // review queue and decisions, all schools
	RoleSchoolAdmin Role = "school_admin" // one school's applications
	RoleBureauAdmin Role = "bureau_admin" // everything, accounts, audit
)

// Roles lists every role, for forms and the role matrix tests.
var Roles = []Role{RoleHall, RoleReviewer, RoleSchoolAdmin, RoleBureauAdmin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Actor is who is acting: a signed-in staff member, a device or the engine.
type Actor struct {
	ID     string `json:"id"`               // account ID (staff) or device ID
	Name   string `json:"name"`             // the person's name as the bureau entered it
	Role   Role   `json:"role,omitempty"`   // empty for a device
	School string `json:"school,omitempty"` // the school of a school admin
}

// Label is the actor as logs, history and receipts name it:
// "staff:<id>" for a person, "device:<id>" for a kiosk.
func (a Actor) Label() string {
	if a.Role == "" {
		return "device:" + a.ID
	}
	return "staff:" + a.ID
}

// SeesSchool reports whether the actor may see an application of school
// code: everyone but a school admin sees every school.
func (a Actor) SeesSchool(code string) bool {
	return a.Role != RoleSchoolAdmin || (a.School != "" && a.School == code)
}

// LoginRequest signs a staff member in.
type LoginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// LoginResponse carries the session token and who it belongs to.
type LoginResponse struct {
	Token   string    `json:"token"`
	Actor   Actor     `json:"actor"`
	Expires time.Time `json:"expires"` // if idle until then; every request moves it on
}

// AuditEvent is one entry of the engine's audit log before it is chained:
// who did what to what, when, with the state before and after and why.
// Subject names an application by ID or a person by masked ID number,
// never in full.
type AuditEvent struct {
	Actor   string    `json:"actor"`  // Actor.Label(), or "engine"
	At      time.Time `json:"at"`     // the engine's clock
	Action  string    `json:"action"` // e.g. "ingest", "state", "lookup", "search", "open", "login"
	Subject string    `json:"subject,omitempty"`
	Before  string    `json:"before,omitempty"`
	After   string    `json:"after,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Detail  string    `json:"detail,omitempty"` // e.g. a search's filters and result count
}

// AuditLog appends events to the engine's tamper-evident log. State changes
// are appended by the store inside their own transactions; reads and
// look-ups by the server after it answers.
type AuditLog interface {
	Append(ctx context.Context, events []AuditEvent) error
}
