package engineapi

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// Walk-in registration and finding a receipt at the staff desk (issue 9).
//
// Hall staff register a family that came to the counter: the same look-up
// and decision as a kiosk, done by the engine itself, and the application
// records the operator. Its receipt is signed with the engine's desk key,
// which the engine keeps in its data directory and lists in its device
// registry (engine_devices) as the desk "device" DeskDeviceID(key), so that a
// walk-in receipt verifies exactly like a kiosk's: against the registry.
//
// Find takes whatever the staff member typed or a keyboard-wedge scanner
// typed: a receipt token (the QR code's text), a child's ID number or a
// registration number. A token is checked against every registered
// device key; the engine's own record is shown beside what the paper says.
//
// Roles: walk-in look-up and submit admit RoleHall and RoleBureauAdmin;
// find and reprint admit RoleHall, RoleReviewer, RoleBureauAdmin and
// RoleSchoolAdmin, the last for applications that rank their school only.
const (
	PathStaffWalkInLookup = "/v1/staff/walkin/lookup" // POST WalkInLookupRequest → WalkInLookupResponse
	PathStaffWalkInSubmit = "/v1/staff/walkin/submit" // POST WalkInSubmitRequest → WalkInSubmitResponse
	PathStaffFind         = "/v1/staff/find"          // POST FindRequest → FindResponse
	PathStaffReprint      = "/v1/staff/reprint"       // POST ReprintRequest → ReprintResponse
)

// DeskDevicePrefix starts the engine desk's entries in the device
// registry: the "device" whose key signs walk-in receipts and reprints is
// DeskDeviceID(its key). A new desk key is a new entry, so receipts of an
// old (or revoked) one still verify for their time.
const DeskDevicePrefix = "KD-DESK-"

// DeskDeviceID is the registry ID of the desk key pub: DeskDevicePrefix
// and the key's receipt key ID.
func DeskDeviceID(pub ed25519.PublicKey) string { return DeskDevicePrefix + receipt.KeyID(pub) }

// IsDesk reports whether a device ID is an engine desk's.
func IsDesk(deviceID string) bool { return strings.HasPrefix(deviceID, DeskDevicePrefix) }

// DeskDeviceName is how the registry names it.
const DeskDeviceName = "教育局工作人员窗口（引擎签发）"

// Reasons of walk-in and find refusals, beside those of api.go and staff.go.
const (
	ReasonNoConsent = "no_consent" // 400: the consent was not read out to the parent
	ReasonConflict  = "conflict"   // 409: the child already has an application; the message names its number
)

// WalkInLookupRequest is the look-up at the desk: the same as a kiosk's.
type WalkInLookupRequest struct {
	Guardian string     `json:"guardian"` // the applying guardian's ID number, as typed or read
	Child    string     `json:"child"`
	Stage    core.Stage `json:"stage"`
}

// WalkInLookupResponse is the engine's decision with its evidence and the
// draft as staff may see it (every ID number masked). DraftID is the
// application ID the submit carries, so a submit retried after a lost
// answer is the same application, not a second one.
type WalkInLookupResponse struct {
	DraftID  string               `json:"draft_id"`
	Decision core.Decision        `json:"decision"`
	Draft    core.ApplicationView `json:"draft"`
}

// WalkInSubmitRequest is the application staff completed with the parent.
// The ID numbers travel again (the desk keeps them only while the form is
// open); the engine looks the family up again and decides.
type WalkInSubmitRequest struct {
	DraftID  string     `json:"draft_id"` // from the look-up
	Guardian string     `json:"guardian"`
	Child    string     `json:"child"`
	Stage    core.Stage `json:"stage"`
	// Choices are the zone's school codes in the parent's order (may be
	// empty for a single-school zone).
	Choices []string `json:"choices"`
	Phone   string   `json:"phone"`
	// ConsentReadOut says the staff member read the privacy notice out to
	// the parent and the parent agreed (已向家长宣读并取得同意). Required.
	ConsentReadOut bool `json:"consent_read_out"`
}

// WalkInSubmitResponse is the stored application and its receipt.
type WalkInSubmitResponse struct {
	Outcome     string               `json:"outcome"` // ItemAccepted, or ItemDuplicate for a retried submit
	Application core.ApplicationView `json:"application"`
	State       core.State           `json:"state"` // the engine's decision: verified, needs_review or rejected
	Operator    string               `json:"operator"`
	// Receipt is what to print, with Receipt.Token signed by the desk key
	// and Receipt.Operator set (printed as 办理人).
	Receipt receipt.Receipt `json:"receipt"`
}

// FindRequest is what was typed in the find field.
type FindRequest struct {
	Query string `json:"query"`
}

// What a find query was taken for.
const (
	FindByToken = "token"    // a receipt token (EDR1.…)
	FindByChild = "child_id" // an 18-character resident ID number
	FindByRegNo = "reg_no"   // a registration number
)

// Reason of a token signed by a device after it was revoked, beside the
// receipt package's ETokenMalformed, ETokenUnknownKey, ETokenBadSignature.
const ETokenRevokedKey = "token_revoked_key"

// TokenCheck is the verdict on a scanned receipt.
type TokenCheck struct {
	Valid bool `json:"valid"`
	// Reason is "" when valid, else receipt.ETokenMalformed,
	// receipt.ETokenUnknownKey, receipt.ETokenBadSignature or
	// ETokenRevokedKey; Message says it in plain words with what to do.
	Reason  string          `json:"reason,omitempty"`
	Message string          `json:"message"`
	Claims  *receipt.Claims `json:"claims,omitempty"` // what the paper says, when the signature holds
	// Signer is the device whose key signed it, and its name.
	SignerID   string `json:"signer_id,omitempty"`
	SignerName string `json:"signer_name,omitempty"`
}

// FindResponse answers a find (200 also when nothing matched: Note says
// so). A refused token has no records (its claims
// cannot be trusted): search by the number printed on the paper instead.
type FindResponse struct {
	By      string        `json:"by"` // FindByToken, FindByChild or FindByRegNo
	Token   *TokenCheck   `json:"token,omitempty"`
	Records []FoundRecord `json:"records"`
	// Note says in plain words what staff should know: nothing found, the
	// engine has not received it yet, a refused second application.
	Note string `json:"note,omitempty"`
}

// FoundRecord is the engine's own record of one application, masked, with
// (for a token) what the paper says beside it.
type FoundRecord struct {
	Application core.ApplicationView `json:"application"`
	Problems    []core.Problem       `json:"problems,omitempty"`
	Operator    string               `json:"operator,omitempty"` // who registered a walk-in
	DeviceID    string               `json:"device_id"`          // the kiosk (or the desk) that took it
	Phone       string               `json:"phone,omitempty"`    // masked, 138****5678
	CreatedAt   time.Time            `json:"created_at"`
	History     []core.Transition    `json:"history"`
	// Compare lists, for a token, each fact of the paper beside the
	// engine's record; Differs is set when any of them differs.
	Compare []ClaimCheck `json:"compare,omitempty"`
	Differs bool         `json:"differs,omitempty"`
}

// ClaimCheck is one fact of the paper beside the engine's record.
type ClaimCheck struct {
	Field   string `json:"field"` // the claim's JSON name: reg_no, app_id, stage, child_masked, status_code, school_codes, kiosk_id
	Label   string `json:"label"` // in Chinese, for the screen
	Paper   string `json:"paper"`
	Engine  string `json:"engine"`
	Differs bool   `json:"differs"`
	Note    string `json:"note,omitempty"` // e.g. the status moved on since the paper was printed
}

// ReprintRequest asks for a receipt to print again.
type ReprintRequest struct {
	AppID string `json:"app_id"`
}

// ReprintResponse is the receipt to print: the engine's record now
// (state, schools), signed with the desk key.
type ReprintResponse struct {
	Receipt receipt.Receipt `json:"receipt"`
}

// WalkInStore is what the walk-in desk needs of the engine's store beside
// Store. *sqlite.EngineStore implements it; an engine whose store does not
// answers the walk-in paths 503 ReasonNoStaffDesk.
type WalkInStore interface {
	// EnsureDesk records d (ID, name, public key) as a registered device,
	// or checks that the device of that ID holds the same key (a
	// different one is EINVALID), and returns the device as registered
	// (a revoked desk stays revoked).
	EnsureDesk(ctx context.Context, d Device, now time.Time) (Device, error)
	// ApplicationIDsByChild lists the IDs of the applications held for a
	// child's full ID number, oldest first.
	ApplicationIDsByChild(ctx context.Context, childID string) ([]string, error)
}

// The staff desktop's screens speak to the engine through these (ui/staff
// declares them as WalkInBackend and FindBackend; app/staffclient
// implements them over HTTP). An error is best an *Error-carrying one
// whose Message the screen shows.
//
//	WalkInLookup(ctx, WalkInLookupRequest) (WalkInLookupResponse, error)
//	WalkInSubmit(ctx, WalkInSubmitRequest) (WalkInSubmitResponse, error)
//	Find(ctx, FindRequest) (FindResponse, error)
//	Reprint(ctx, ReprintRequest) (ReprintResponse, error)

// OperatorOf is how an application records the staff member who
// registered it: "name（staff:ID）".
func OperatorOf(a Actor) string {
	if a.Name == "" {
		return a.Label()
	}
	return a.Name + "（" + a.Label() + "）"
}

// OperatorName is the name part of an Operator, what the receipt prints
// as 办理人.
func OperatorName(op string) string {
	if i := strings.Index(op, "（"); i > 0 {
		return op[:i]
	}
	return op
}

// DeskReceipt is the receipt the engine prints for an application it
// holds (a walk-in, or a reprint at the desk): masked ID numbers, the
// engine's state in plain words, its ranked schools, the operator of a
// walk-in, and notice (what happens next). The desk key signs it.
func DeskReceipt(a core.Application, notice core.Notice) receipt.Receipt {
	r := receipt.Receipt{RegNo: a.RegNo, AppID: a.ID, Stage: a.Stage, ChildName: a.Child.Name,
		ChildMasked: a.Child.ID.Masked(), Category: a.Decision.CategoryName, KioskID: a.KioskID, Time: a.CreatedAt,
		StatusCode: string(a.State), Status: a.State.Label(), Next: notice, Operator: OperatorName(a.Operator)}
	switch a.State {
	case core.StateReceived, core.StateVerified, core.StateNeedsReview:
		r.Status = "已收到，" + a.State.Label()
	}
	if g, ok := a.Applicant(); ok {
		r.GuardianName, r.GuardianMasked = g.Name, g.ID.Masked()
	}
	for _, s := range a.Choices {
		r.Schools = append(r.Schools, s.Name)
		r.SchoolCodes = append(r.SchoolCodes, s.Code)
	}
	return r
}

// CheckToken verifies a receipt token against the registry of device
// keys: every registered device (kiosks and the desk), revoked ones too,
// for a receipt issued before the revocation is still genuine. It returns
// the verdict and, when valid, the claims. `enrolldesk verify --engine-db`
// runs the same check.
func CheckToken(token string, devices []Device) (TokenCheck, receipt.Claims) {
	ring := receipt.KeyRing{}
	byKey := map[string]Device{}
	for _, d := range devices {
		if !d.Registered() {
			continue
		}
		if id, err := ring.Add(d.PublicKey); err == nil {
			byKey[id] = d
		}
	}
	claims, err := receipt.Verify(strings.TrimSpace(token), ring)
	if err != nil {
		return TokenCheck{Reason: core.ErrorCode(err), Message: core.ErrorMessage(err)}, receipt.Claims{}
	}
	d := byKey[claims.KeyID]
	chk := TokenCheck{Valid: true, Claims: &claims, SignerID: d.ID, SignerName: d.Name,
		Message: "回执真实有效：签名与登记的设备“" + orDefault(d.Name, d.ID) + "”相符。"}
	if d.Revoked() && claims.Issued.After(d.RevokedAt) {
		return TokenCheck{Reason: ETokenRevokedKey, SignerID: d.ID, SignerName: d.Name,
			Message: fmt.Sprintf("这张回执的签发时间（%s）晚于设备“%s”被停用的时间（%s），不能认定为真：请按登记号查找教育局的记录并核实。",
				claims.Issued.Local().Format("2006-01-02 15:04"), orDefault(d.Name, d.ID), d.RevokedAt.Local().Format("2006-01-02 15:04"))}, receipt.Claims{}
	}
	return chk, claims
}

// CompareClaims lists each fact of a genuine receipt beside the engine's
// record. The status moves on after printing, so a different status is
// noted, not flagged.
func CompareClaims(c receipt.Claims, a core.Application) []ClaimCheck {
	codes := make([]string, len(a.Choices))
	for i, s := range a.Choices {
		codes[i] = s.Code
	}
	check := func(field, label, paper, engine string) ClaimCheck {
		return ClaimCheck{Field: field, Label: label, Paper: paper, Engine: engine, Differs: paper != engine}
	}
	out := []ClaimCheck{
		check("reg_no", "登记号", c.RegNo, a.RegNo),
		check("app_id", "申请编号", c.AppID, a.ID),
		check("stage", "学段", c.Stage.Label(), a.Stage.Label()),
		check("child_masked", "孩子身份证", c.ChildMasked, a.Child.ID.Masked()),
		check("school_codes", "学校（代码，按顺序）", strings.Join(c.SchoolCodes, ", "), strings.Join(codes, ", ")),
		check("kiosk_id", "办理设备", c.KioskID, a.KioskID),
		check("issued", "办理时间", c.Issued.Local().Format("2006-01-02 15:04:05"), a.CreatedAt.Local().Format("2006-01-02 15:04:05")),
	}
	st := ClaimCheck{Field: "status_code", Label: "状态", Paper: c.StatusCode, Engine: string(a.State)}
	if c.StatusCode != string(a.State) {
		st.Note = "回执打印后状态会变化：现在是“" + a.State.Label() + "”。"
	}
	return append(out, st)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
