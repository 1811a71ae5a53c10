package engineapi

import (
	"context"
	"time"

	"enrolldesk/core"
)

// The review desk's paths (issue 9, "Review"). Every one is POST with a
// JSON body, under PathStaffPrefix, so it passes the staff session and
// role check. Roles: reviewers and bureau admins do everything; a school
// admin does everything on the applications of their own school (any
// other school's application answers 404 not_found, so its existence does
// not leak); hall staff may read the queue, open an application and list
// conflicts (they answer a family at the counter) but take no review
// action.
const (
	PathReviewQueue       = "/v1/staff/review/queue"              // QueueFilter → QueuePage (audit: "search")
	PathReviewOpen        = "/v1/staff/review/open"               // AppRef → Detail (audit: "open")
	PathReviewApprove     = "/v1/staff/review/approve"            // DecideRequest → StatusChange
	PathReviewReturn      = "/v1/staff/review/return"             // DecideRequest (reason from the library) → StatusChange
	PathReviewReject      = "/v1/staff/review/reject"             // DecideRequest (reason required) → StatusChange
	PathReviewBulkApprove = "/v1/staff/review/bulk-approve"       // QueueFilter → BulkResult (verified ones only)
	PathReviewAssign      = "/v1/staff/review/assign"             // AssignRequest → Assignment
	PathReviewReviewers   = "/v1/staff/review/reviewers"          // {} → ReviewerList (whom an application may be assigned to)
	PathReviewEvidence    = "/v1/staff/review/evidence"           // EvidenceRequest → EvidenceItem
	PathReviewBulkVerify  = "/v1/staff/review/bulk-verify"        // QueueFilter → BulkResult (pending evidence → verified)
	PathReviewNotes       = "/v1/staff/review/notes"              // NoteRequest → Note (add, or edit by the author)
	PathReviewFilters     = "/v1/staff/review/filters"            // FilterRequest → FilterList (list, save, delete; the caller's own)
	PathReviewReasons     = "/v1/staff/review/reasons"            // ReasonsRequest → ReasonList (list the library)
	PathReviewReasonSave  = "/v1/staff/review/reasons/save"       // ReasonSave → ReasonText (bureau admins and reviewers)
	PathReviewDuplicates  = "/v1/staff/review/duplicates"         // DuplicatesRequest → DuplicateList
	PathReviewResolve     = "/v1/staff/review/duplicates/resolve" // ResolveRequest → DuplicateSet
	PathReviewConflicts   = "/v1/staff/review/conflicts"          // {} → ConflictList (second applications and refused items)
)

// Reasons of review refusals, beside those of api.go and staff.go.
const (
	ReasonDuplicateOpen = "duplicate_open" // 409: an unresolved duplicate set holds this application; resolve it first
	ReasonReasonFrozen  = "reason_frozen"  // 409: the reason version was sent to families; save a new version
	ReasonNotAuthor     = "not_author"     // 403: only a note's author edits it
	ReasonStale         = "stale"          // 409: the reason or state changed since the window read it; reload
)

// MaxQueueLimit is the largest page of the queue; DefaultQueueLimit is
// what a zero limit takes.
const (
	DefaultQueueLimit = 50
	MaxQueueLimit     = 200
)

// Evidence statuses a reviewer sets per source; every item starts pending.
const (
	EvidencePending  = "pending"  // not looked at yet
	EvidenceVerified = "verified" // the reviewer checked it
	EvidenceDoubtful = "doubtful" // the reviewer doubts it: approval is refused until it is verified
)

// Reason kinds of the library.
const (
	ReasonKindReturn = "return" // 退回补充: what the family must bring
	ReasonKindReject = "reject" // 不予通过: why not
)

// QueueFilter narrows the queue; zero fields do not filter. The same
// filter drives the bulk actions and is what a saved filter keeps.
type QueueFilter struct {
	School   string     `json:"school,omitempty"`   // school code (the application's school: its first choice, see docs/review.md)
	Category string     `json:"category,omitempty"` // the engine's category name, e.g. 房户一致
	State    core.State `json:"state,omitempty"`    // e.g. needs_review
	Problem  string     `json:"problem,omitempty"`  // a problem code of the engine's decision, e.g. decision_changed
	Assignee string     `json:"assignee,omitempty"` // a staff account ID; "-" for unassigned
	Mine     bool       `json:"mine,omitempty"`     // assigned to the caller ("my queue")
	Evidence string     `json:"evidence,omitempty"` // EvidencePending, EvidenceVerified or EvidenceDoubtful (the application's overall evidence status)
	Overdue  bool       `json:"overdue,omitempty"`  // past the review due date and still undecided
	Cursor   string     `json:"cursor,omitempty"`   // QueuePage.Next of the page before; "" for the first page
	Limit    int        `json:"limit,omitempty"`    // 1..MaxQueueLimit; 0 takes DefaultQueueLimit
}

// QueueItem is one row of the queue: enough to choose what to open, with
// the child's ID number masked.
type QueueItem struct {
	AppID     string     `json:"app_id"`
	RegNo     string     `json:"reg_no"`
	Child     string     `json:"child"`      // masked ID number
	ChildName string     `json:"child_name"` // as the registers give it; "" when unknown
	School    string     `json:"school"`     // school code, "" when the application has none (not eligible)
	Category  string     `json:"category"`   // the engine's category name, "" for none
	State     core.State `json:"state"`
	Problems  []string   `json:"problems"` // problem codes of the engine's decision
	Evidence  string     `json:"evidence"` // overall evidence status (Evidence* constants)
	Received  time.Time  `json:"received_at"`
	Due       time.Time  `json:"due"`       // the review deadline (policy review_days after receipt)
	AgeDays   int        `json:"age_days"`  // whole days since receipt
	Overdue   bool       `json:"overdue"`   // past Due and still undecided (verified or needs_review)
	Assignee  string     `json:"assignee"`  // staff account ID, "" when unassigned
	Duplicate bool       `json:"duplicate"` // in an unresolved duplicate set
	Note      string     `json:"note"`      // the first line of the latest internal note
}

// QueuePage is one page of the queue in queue order: needs_review first,
// then by due date, then by received time (and ID, for ties).
type QueuePage struct {
	Items []QueueItem `json:"items"`
	Next  string      `json:"next,omitempty"` // cursor of the next page; "" on the last page
	Total int         `json:"total"`          // applications matching the filter, all pages
}

// AppRef names one application.
type AppRef struct {
	AppID string `json:"app_id"`
}

// EvidenceItem is one source of an application as a reviewer sees it: the
// engine's evidence beside the kiosk's claim, and the reviewer's status.
type EvidenceItem struct {
	Source core.Source     `json:"source"`           // hukou, property, contract, rental, insurance, business, permit, birth, student
	Label  string          `json:"label"`            // 户籍, 不动产, 网签, 租赁, 参保, 工商, 居住证, 出生证明, 学籍
	Used   bool            `json:"used"`             // the engine's look-up checked this source: the reviewer marks it
	Engine []core.Evidence `json:"engine"`           // what the engine's look-up found
	Kiosk  []core.Evidence `json:"kiosk"`            // what the kiosk showed the family
	Status string          `json:"status"`           // Evidence* constant
	SetBy  string          `json:"set_by,omitempty"` // staff account ID of the last status change
	SetAt  time.Time       `json:"set_at,omitzero"`
}

// Note is an internal note on an application; only its author edits it.
type Note struct {
	ID         int64     `json:"id"`
	AppID      string    `json:"app_id"`
	Author     string    `json:"author"` // staff account ID
	AuthorName string    `json:"author_name"`
	Text       string    `json:"text"`
	At         time.Time `json:"at"`
	Edited     time.Time `json:"edited,omitzero"`
}

// Detail is one application opened for review.
type Detail struct {
	App          core.ApplicationView `json:"app"`           // the engine's record, ID numbers masked
	Claim        core.ApplicationView `json:"claim"`         // the application as the kiosk pushed it (its category, schools), IDs masked
	Phone        string               `json:"phone"`         // the family's phone, for a reviewer who calls
	Decision     core.Decision        `json:"decision"`      // the engine's decision (evidence, problems, zone)
	Kiosk        core.Decision        `json:"kiosk"`         // the decision the kiosk showed the family
	KioskPending bool                 `json:"kiosk_pending"` // the kiosk took it 待核验, with no decision of its own
	History      []core.Transition    `json:"history"`       // the engine's history
	KioskHistory []core.Transition    `json:"kiosk_history"` // the history the kiosk wrote
	Evidence     []EvidenceItem       `json:"evidence"`      // one per source, in the order of EvidenceSources
	Notes        []Note               `json:"notes"`         // oldest first
	Duplicates   []DuplicateSet       `json:"duplicates"`    // the sets this application is in
	School       string               `json:"school"`
	Assignee     string               `json:"assignee"`
	Received     time.Time            `json:"received_at"`
	Due          time.Time            `json:"due"`
	AgeDays      int                  `json:"age_days"`
	Overdue      bool                 `json:"overdue"`
	Actions      []string             `json:"actions"` // what the caller may do now: approve, return, reject
}

// DecideRequest approves, returns or rejects one application. Return
// needs a reason of the library; reject needs a library reason or Text.
type DecideRequest struct {
	AppID         string            `json:"app_id"`
	State         core.State        `json:"state,omitempty"`          // the state the window showed; refused as stale when it differs ("" skips the check)
	ReasonID      string            `json:"reason_id,omitempty"`      // a ReasonText.ID
	ReasonVersion int               `json:"reason_version,omitempty"` // 0: the latest version
	Params        map[string]string `json:"params,omitempty"`         // values of the reason's {placeholders} the engine does not fill itself: detail, or school for an application with none
	Text          string            `json:"text,omitempty"`           // reject only: the reason in plain words when no library reason fits
}

// BulkResult counts what a bulk action changed; every one is logged.
type BulkResult struct {
	Count   int      `json:"count"`             // applications changed
	Skipped int      `json:"skipped"`           // matched but left as they were (e.g. in an unresolved duplicate set)
	AppIDs  []string `json:"app_ids,omitempty"` // the changed ones, at most 1000 named
}

// AssignRequest gives an application to a reviewer ("" unassigns).
type AssignRequest struct {
	AppID    string `json:"app_id"`
	Assignee string `json:"assignee"`
}

// Assignment is who has an application now, and who had it.
type Assignment struct {
	AppID    string    `json:"app_id"`
	Assignee string    `json:"assignee"`
	Previous string    `json:"previous"`
	By       string    `json:"by"` // Actor.Label() or "engine" (automatic)
	At       time.Time `json:"at"`
}

// Reviewer is a staff member applications may be assigned to: reviewers
// (of one school, or of all with School "") and school admins.
type Reviewer struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Role   Role   `json:"role"`
	School string `json:"school,omitempty"`
}

// ReviewerList answers PathReviewReviewers.
type ReviewerList struct {
	Reviewers []Reviewer `json:"reviewers"`
}

// EvidenceRequest sets the reviewer's status of one source.
type EvidenceRequest struct {
	AppID  string      `json:"app_id"`
	Source core.Source `json:"source"`
	Status string      `json:"status"` // Evidence* constant
}

// NoteRequest adds a note (ID 0) or edits the caller's own note.
type NoteRequest struct {
	AppID string `json:"app_id"`
	ID    int64  `json:"id,omitempty"`
	Text  string `json:"text"`
}

// SavedFilter is a filter a staff member named and kept.
type SavedFilter struct {
	Name   string      `json:"name"`
	Filter QueueFilter `json:"filter"` // Cursor and Limit are not kept
	Saved  time.Time   `json:"saved"`
}

// FilterRequest lists ("list" or ""), saves ("save": Name and Filter) or
// deletes ("delete": Name) the caller's saved filters.
type FilterRequest struct {
	Op     string      `json:"op,omitempty"`
	Name   string      `json:"name,omitempty"`
	Filter QueueFilter `json:"filter,omitzero"`
}

// FilterList is the caller's saved filters after the request, by name.
type FilterList struct {
	Filters []SavedFilter `json:"filters"`
}

// ReasonText is one version of a reason of the library. Text may carry
// {placeholders} (see core/review.Placeholders) the SMS fills in.
type ReasonText struct {
	ID       string    `json:"id"`                 // stable, e.g. R-PROPERTY
	Version  int       `json:"version"`            // 1, 2, …; a save makes the next one
	Kind     string    `json:"kind"`               // ReasonKindReturn or ReasonKindReject
	Title    string    `json:"title"`              // short name in the picker
	Text     string    `json:"text"`               // what the family is told, with {placeholders}
	Frozen   bool      `json:"frozen"`             // used in a return or rejection sent to a family: never changes again
	FrozenAt time.Time `json:"frozen_at,omitzero"` // when it was first sent
	Latest   bool      `json:"latest"`             // the newest version of its ID
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// ReasonsRequest lists the library: the latest versions, or every version
// with All; Kind narrows to return or reject.
type ReasonsRequest struct {
	Kind string `json:"kind,omitempty"`
	All  bool   `json:"all,omitempty"`
}

// ReasonList answers PathReviewReasons.
type ReasonList struct {
	Reasons []ReasonText `json:"reasons"`
}

// ReasonSave adds a reason (a new ID, BaseVersion 0) or edits one: a new
// version after BaseVersion, which must be the latest (else stale); with
// Amend, BaseVersion itself is corrected in place — refused once it is
// frozen (sent to a family), with the explanation.
type ReasonSave struct {
	ID          string `json:"id"`
	BaseVersion int    `json:"base_version,omitempty"`
	Amend       bool   `json:"amend,omitempty"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	Text        string `json:"text"`
}

// DuplicateMember is one application of a duplicate set.
type DuplicateMember struct {
	AppID     string     `json:"app_id"`
	RegNo     string     `json:"reg_no"`
	Child     string     `json:"child"` // masked
	ChildName string     `json:"child_name"`
	School    string     `json:"school"`
	State     core.State `json:"state"`
	Received  time.Time  `json:"received_at"`
	Marked    bool       `json:"marked"` // marked a duplicate when the set was resolved
}

// DuplicateSet is applications the rules say may be one child twice:
// the same child ID, or the same applying guardian and child birth date.
type DuplicateSet struct {
	ID       string            `json:"id"`   // stable for the same rule and key (a hash: no ID number in it)
	Rule     string            `json:"rule"` // "same_child" or "same_guardian_birth"
	Members  []DuplicateMember `json:"members"`
	Resolved bool              `json:"resolved"`
	Keep     string            `json:"keep,omitempty"`     // the application kept ("" with Distinct)
	Distinct bool              `json:"distinct,omitempty"` // resolved as different children (e.g. twins)
	By       string            `json:"by,omitempty"`
	At       time.Time         `json:"at,omitzero"`
}

// DuplicatesRequest lists duplicate sets: the open ones, or all with All.
type DuplicatesRequest struct {
	All bool `json:"all,omitempty"`
}

// DuplicateList answers PathReviewDuplicates.
type DuplicateList struct {
	Sets []DuplicateSet `json:"sets"`
}

// ResolveRequest resolves a duplicate set: Keep one application (the
// others are marked duplicates: they can be rejected, not approved), or
// declare them Distinct children.
type ResolveRequest struct {
	SetID    string `json:"set_id"`
	Keep     string `json:"keep,omitempty"`
	Distinct bool   `json:"distinct,omitempty"`
}

// RefusedItem is a pushed application the engine refused without storing
// it (e.g. choices_outside_zone): staff see why.
type RefusedItem struct {
	AppID    string     `json:"app_id"`
	RegNo    string     `json:"reg_no"`
	DeviceID string     `json:"device_id"`
	Stage    core.Stage `json:"stage"`
	Child    string     `json:"child"` // masked
	Code     string     `json:"code,omitempty"`
	Reason   string     `json:"reason"`
	At       time.Time  `json:"at"`
}

// ConflictList answers PathReviewConflicts: second applications refused
// for a child already applied, and items the engine refused.
type ConflictList struct {
	Conflicts []Conflict    `json:"conflicts"`
	Refused   []RefusedItem `json:"refused"`
}

// ReviewStore is what the review desk needs of the engine's store; SQLite
// implements it (app/sqlite/engine_review.go). Every method takes the
// acting staff member: a school admin's calls see and change only their
// school's applications, and another school's application is ENOTFOUND.
// Errors a caller can act on are *core.Error values: ENOTFOUND, EINVALID
// (bad input, with what to do), ECONFLICT (a state or a duplicate set
// does not allow it; the message says why and what to do).
type ReviewStore interface {
	// Queue returns one page of the queue in queue order by keyset
	// pagination, and the total matching the filter.
	Queue(ctx context.Context, who Actor, f QueueFilter, now time.Time) (QueuePage, error)
	// Detail returns one application opened for review.
	Detail(ctx context.Context, who Actor, appID string, now time.Time) (Detail, error)
	// Approve moves needs_review or verified to approved.
	Approve(ctx context.Context, who Actor, req DecideRequest, now time.Time) (StatusChange, error)
	// ReturnForMore returns it to the family (退回补充) with a library reason.
	ReturnForMore(ctx context.Context, who Actor, req DecideRequest, now time.Time) (StatusChange, error)
	// Reject refuses it (不予通过) with a reason.
	Reject(ctx context.Context, who Actor, req DecideRequest, now time.Time) (StatusChange, error)
	// BulkApprove approves every verified application the filter matches
	// (whatever its State field says), skipping those in unresolved
	// duplicate sets or with doubtful evidence.
	BulkApprove(ctx context.Context, who Actor, f QueueFilter, now time.Time) (BulkResult, error)
	// Assign gives an application to a reviewer, logged.
	Assign(ctx context.Context, who Actor, req AssignRequest, now time.Time) (Assignment, error)
	// Reviewers lists whom applications can be assigned to (for a school
	// admin: their school's).
	Reviewers(ctx context.Context, who Actor) ([]Reviewer, error)
	// SetReviewers replaces the roster automatic assignment draws on (the
	// staff accounts that review), then assigns every unassigned
	// application that needs review.
	SetReviewers(ctx context.Context, roster []Reviewer, now time.Time) error
	// SetEvidence sets the reviewer's status of one source.
	SetEvidence(ctx context.Context, who Actor, req EvidenceRequest, now time.Time) (EvidenceItem, error)
	// BulkVerify marks every pending evidence item of the matched
	// applications verified (doubtful ones stay doubtful).
	BulkVerify(ctx context.Context, who Actor, f QueueFilter, now time.Time) (BulkResult, error)
	// SaveNote adds a note, or edits the caller's own.
	SaveNote(ctx context.Context, who Actor, req NoteRequest, now time.Time) (Note, error)
	// Filters lists, saves or deletes the caller's saved filters.
	Filters(ctx context.Context, who Actor, req FilterRequest, now time.Time) ([]SavedFilter, error)
	// Reasons lists the library.
	Reasons(ctx context.Context, req ReasonsRequest) ([]ReasonText, error)
	// SaveReason adds or edits a reason (see ReasonSave).
	SaveReason(ctx context.Context, who Actor, req ReasonSave, now time.Time) (ReasonText, error)
	// Duplicates lists duplicate sets the caller may see.
	Duplicates(ctx context.Context, who Actor, all bool, now time.Time) ([]DuplicateSet, error)
	// Resolve resolves a duplicate set.
	Resolve(ctx context.Context, who Actor, req ResolveRequest, now time.Time) (DuplicateSet, error)
	// ConflictList lists the second applications refused (Store.Conflicts)
	// and the items the engine refused without storing them, oldest first;
	// a school admin sees those of their school.
	ConflictList(ctx context.Context, who Actor, now time.Time) (ConflictList, error)
}
