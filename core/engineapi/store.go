package engineapi

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"enrolldesk/core"
)

// Store is what the engine keeps: devices and their keys, the nonces seen,
// the applications pushed, the conflicts refused and the log of status
// changes each kiosk pulls. SQLite implements it; a city that outgrows one
// machine implements it on PostgreSQL. Errors a caller can act on are
// *core.Error values: ENOTFOUND for an unknown device, application or
// enrollment code, ECONFLICT for a state change that does not fit.
type Store interface {
	// AddDevice creates a device an admin issued; codeHash is HashCode of its
	// one-time enrollment code, valid until d.CodeExpires. The store gives
	// it a registration-number prefix (RegPrefixMin..RegPrefixMax) no other
	// device has, whatever d.RegPrefix says (Device returns it);
	// ECONFLICT when every prefix is taken.
	AddDevice(ctx context.Context, d Device, codeHash string) error
	// RegisterDevice binds pub to the device whose unused, unexpired code
	// hashes to codeHash, and uses the code up. Presenting the same code
	// and key again before the code expires returns the same device, so a
	// kiosk that lost the answer can retry. Any other use is ENOTFOUND. A
	// key already bound to another device that is not revoked is
	// ECONFLICT: one public key belongs to one live device (a unique
	// index, not a check in Go); after a revocation an admin's new code
	// may take the same kiosk back.
	RegisterDevice(ctx context.Context, codeHash string, pub ed25519.PublicKey, name string, now time.Time) (Device, error)
	// Device returns a device by ID, or ENOTFOUND.
	Device(ctx context.Context, id string) (Device, error)
	// Devices lists every device, oldest first.
	Devices(ctx context.Context) ([]Device, error)
	// RevokeDevice refuses the device's requests from now on.
	RevokeDevice(ctx context.Context, id string, now time.Time) error
	// UseNonce records a request nonce and reports whether it was fresh.
	// The store may forget it after expires; it prunes expired nonces itself.
	UseNonce(ctx context.Context, deviceID, nonce string, expires, now time.Time) (bool, error)
	// Ingest stores a batch pushed by a device, decided by a Decider, in
	// one transaction and answers each item in order (see the Item*
	// outcomes). A known application ID is a duplicate whatever the item
	// says; an item with Refused set is answered that way; an item whose
	// registration number another application holds is rejected
	// (ReasonBadRegNo, a unique index); one child,
	// stage and year is kept once (a conflict), except that an application
	// in state returned is replaced by the new one (accepted), its history
	// kept before the new one's. An error means nothing was stored.
	Ingest(ctx context.Context, deviceID string, items []Intake, now time.Time) ([]ItemResult, error)
	// Application returns a stored application by ID, or ENOTFOUND.
	Application(ctx context.Context, id string) (core.Application, error)
	// Changes returns up to limit status changes of the device's
	// applications with Seq > after, in Seq order.
	Changes(ctx context.Context, deviceID string, after int64, limit int) ([]StatusChange, error)
	// SetState moves a stored application to another state (staff review,
	// admission) and appends the change to its device's log.
	SetState(ctx context.Context, appID string, to core.State, actor, reason string, now time.Time) (StatusChange, error)
	// Conflicts lists the refused second applications, oldest first.
	Conflicts(ctx context.Context) ([]Conflict, error)
	// Claim returns the application as the kiosk pushed it (its decision
	// and its history), or ENOTFOUND.
	Claim(ctx context.Context, id string) (core.Application, error)
	// Applications lists what the engine holds, oldest first, filtered.
	Applications(ctx context.Context, f Filter) ([]Summary, error)
	// Return sends an application back to the family for more (退回补充):
	// verified and needs_review applications move to returned, with the
	// reason, through needs_review where needed; the change is logged for
	// its device. ENOTFOUND, ECONFLICT (another state) or EINVALID (no reason).
	Return(ctx context.Context, appID, actor, reason string, now time.Time) (StatusChange, error)
}

// Filter narrows Applications; zero fields do not filter.
type Filter struct {
	State core.State
	RegNo string
}

// Summary is one application the engine holds, as staff list it: the
// engine's state and category beside the category the kiosk showed.
type Summary struct {
	AppID         string     `json:"app_id"`
	RegNo         string     `json:"reg_no"`
	DeviceID      string     `json:"device_id"`
	Stage         core.Stage `json:"stage"`
	Year          int        `json:"year"`
	Child         string     `json:"child"` // masked ID number
	State         core.State `json:"state"`
	Category      string     `json:"category"`       // the engine's, "" for none
	KioskCategory string     `json:"kiosk_category"` // what the kiosk showed, "" for none
	KioskPending  bool       `json:"kiosk_pending"`  // the kiosk took it without a data check (待核验)
	ReceivedAt    time.Time  `json:"received_at"`
}

// Device is a kiosk the engine knows. PublicKey is nil until the kiosk
// registers with its enrollment code.
type Device struct {
	ID           string
	Name         string
	PublicKey    ed25519.PublicKey
	CreatedAt    time.Time
	CodeExpires  time.Time
	RegisteredAt time.Time // zero until registered
	RevokedAt    time.Time // zero unless revoked
	// RegPrefix is the first group of every registration number the
	// device prints once enrolled (RegPrefixMin..RegPrefixMax).
	RegPrefix int
}

// Registered reports whether a key is bound to the device.
func (d Device) Registered() bool { return len(d.PublicKey) == ed25519.PublicKeySize }

// Revoked reports whether an admin revoked the device.
func (d Device) Revoked() bool { return !d.RevokedAt.IsZero() }

// Status names the device's state for an admin: pending, active or revoked.
func (d Device) Status() string {
	switch {
	case d.Revoked():
		return "revoked"
	case d.Registered():
		return "active"
	}
	return "pending"
}

// Conflict is a pushed application the engine refused because the same
// child already had one for the stage: staff see both registration numbers.
type Conflict struct {
	AppID     string // the refused application
	RegNo     string // its registration number, on the family's second receipt
	DeviceID  string // the kiosk that pushed it
	KeptID    string // the application kept
	KeptRegNo string // and its registration number
	Stage     core.Stage
	Child     string // the child's ID number, masked
	Reason    string // the plain words the kiosk was answered with
	At        time.Time
}

// CodeTTL is how long an enrollment code stays valid.
const CodeTTL = 24 * time.Hour

// NewDeviceID returns a random device ID such as KD-7Q2MX4HPNC.
func NewDeviceID() string { return "KD-" + randomBase32(10) }

// NewEnrollmentCode returns a random one-time code in four groups of four
// characters (80 bits), easy to type on a kiosk's keyboard.
func NewEnrollmentCode() string {
	s := randomBase32(16)
	return s[:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:]
}

// HashCode is how an enrollment code is stored: the codes are random
// enough that a plain SHA-256 cannot be reversed. Case, spaces and dashes
// do not matter.
func HashCode(code string) string {
	norm := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte("enrolldesk-enrollment:" + norm))
	return hex.EncodeToString(sum[:])
}

var codeEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

func randomBase32(n int) string {
	b := make([]byte, (n*5+7)/8)
	if _, err := rand.Read(b); err != nil {
		panic("engineapi: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return codeEncoding.EncodeToString(b)[:n]
}

// checkPushed refuses an application no kiosk should have sent.
func checkPushed(a *core.Application) error {
	switch {
	case a.ID == "" || len(a.ID) > 64:
		return core.Errorf(core.EINVALID, "报名缺少编号。")
	case a.RegNo == "" || len(a.RegNo) > 64:
		return core.Errorf(core.EINVALID, "报名缺少登记号。")
	case !a.Stage.Valid():
		return core.Errorf(core.EINVALID, "报名学段“%s”不正确。", truncate(string(a.Stage), 20))
	}
	if _, err := core.ParseResidentID(string(a.Child.ID), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		return core.Errorf(core.EINVALID, "孩子的身份证号码无效：%s", core.ErrorMessage(err))
	}
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ConflictReason is the plain-words answer for a second application for a
// child: it names the registration number the engine kept.
func ConflictReason(stage core.Stage, keptRegNo string) string {
	return fmt.Sprintf("孩子已经报过%s，登记号 %s，以先到的报名为准；这份报名不再受理。如有疑问，请到人工窗口。", stage.Label(), keptRegNo)
}
