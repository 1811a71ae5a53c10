// Package engineapi is the contract between a kiosk and the central engine:
// the JSON bodies of the /v1/ API, the canonical string a kiosk signs for
// every request, and the reason codes of refusals. Pure Go, so the engine
// server, the kiosk's sync client and the tests share one definition.
package engineapi

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"enrolldesk/core"
)

// Paths of the API (all under /v1/ but the probes).
const (
	PathRegister = "/v1/devices/register"  // POST RegisterRequest → RegisterResponse (authorised by the one-time code, not a signature)
	PathPush     = "/v1/applications/push" // POST PushRequest → PushResponse
	PathPull     = "/v1/status/pull"       // POST PullRequest → PullResponse
	PathLookup   = "/v1/lookup"            // POST LookupRequest → LookupResponse
	PathHealth   = "/healthz"
	PathMetrics  = "/metrics"
)

// Headers of a signed request.
const (
	HeaderDevice    = "X-Enrolldesk-Device"    // device ID
	HeaderTimestamp = "X-Enrolldesk-Timestamp" // unix seconds
	HeaderNonce     = "X-Enrolldesk-Nonce"     // 16+ random bytes, base64url, never reused
	HeaderSignature = "X-Enrolldesk-Signature" // base64url Ed25519 signature of Canonical(...)
)

// Limits every implementation keeps.
const (
	MaxSkew      = 5 * time.Minute // a timestamp further from the engine's clock is refused
	MaxBodyBytes = 4 << 20         // larger bodies get 413
	MaxBatch     = 500             // applications in one push
)

// Canonical is the string a kiosk signs: method, path, hex SHA-256 of the
// body, timestamp and nonce, one per line.
func Canonical(method, path string, body []byte, timestamp int64, nonce string) []byte {
	sum := sha256.Sum256(body)
	return []byte(strings.Join([]string{strings.ToUpper(method), path, hex.EncodeToString(sum[:]),
		strconv.FormatInt(timestamp, 10), nonce}, "\n"))
}

// Sign returns the signature header value for a request.
func Sign(priv ed25519.PrivateKey, method, path string, body []byte, timestamp int64, nonce string) string {
	return base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, Canonical(method, path, body, timestamp, nonce)))
}

// Verify checks a signature header value against a device's public key.
func Verify(pub ed25519.PublicKey, method, path string, body []byte, timestamp int64, nonce, signature string) bool {
	sig, err := base64.RawURLEncoding.DecodeString(signature)
	if err != nil || len(sig) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, Canonical(method, path, body, timestamp, nonce), sig)
}

// Reason codes in Error bodies. 401: the engine does not know who is
// asking; 403: it knows and refuses.
const (
	ReasonUnsigned      = "unsigned"       // 401: signature headers missing
	ReasonUnknownDevice = "unknown_device" // 401
	ReasonBadSignature  = "bad_signature"  // 401
	ReasonClockSkew     = "clock_skew"     // 401: timestamp more than MaxSkew away
	ReasonReplay        = "replay"         // 401: nonce seen before
	ReasonRevoked       = "revoked"        // 403: the device was revoked by an admin
	ReasonBadCode       = "bad_code"       // 403: enrollment code unknown, used or expired
	ReasonMalformed     = "malformed"      // 400: not the JSON this path takes
	ReasonTooLarge      = "too_large"      // 413
	ReasonBadRequest    = "bad_request"    // 400: JSON fine, content invalid (e.g. batch over MaxBatch)
	ReasonNotFound      = "not_found"      // 404
	ReasonMethod        = "method"         // 405
)

// Error is the body of every non-2xx answer. It never carries internals.
type Error struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// RegisterRequest binds a kiosk's public key to the device an admin created.
type RegisterRequest struct {
	Code      string `json:"code"`       // one-time enrollment code from `enrolldesk engine device add`
	PublicKey string `json:"public_key"` // base64url Ed25519 public key
	Name      string `json:"name,omitempty"`
}

// RegisterResponse names the device the key is now bound to.
type RegisterResponse struct {
	DeviceID string `json:"device_id"`
}

// PushRequest is a batch of applications from one kiosk.
type PushRequest struct {
	Applications []core.Application `json:"applications"`
}

// Item outcomes of a push, per application, in request order.
const (
	ItemAccepted  = "accepted"  // stored now
	ItemDuplicate = "duplicate" // this application ID was stored before: nothing to do
	ItemConflict  = "conflict"  // another application for the same child and stage exists; kept once, this one refused
	ItemRejected  = "rejected"  // invalid for good (poison): dead-letter it
)

// ItemResult is the engine's answer for one pushed application.
type ItemResult struct {
	ID      string     `json:"id"`
	Outcome string     `json:"outcome"`
	Reason  string     `json:"reason,omitempty"` // for conflict/rejected, plain words for staff
	Code    string     `json:"code,omitempty"`   // for some rejections, a reason code (ReasonChoicesOutsideZone)
	State   core.State `json:"state,omitempty"`  // the engine's state after ingest (received, needs_review …)
}

// PushResponse answers every item of a push.
type PushResponse struct {
	Results []ItemResult `json:"results"`
}

// PullRequest asks for status changes of this device's applications after
// a cursor (0 = from the start).
type PullRequest struct {
	After int64 `json:"after"`
	Limit int   `json:"limit,omitempty"`
}

// StatusChange is one change of an application's state on the engine.
type StatusChange struct {
	Seq    int64      `json:"seq"`
	AppID  string     `json:"app_id"`
	RegNo  string     `json:"reg_no"`
	State  core.State `json:"state"`
	Reason string     `json:"reason,omitempty"`
	At     time.Time  `json:"at"`
}

// PullResponse lists changes in Seq order; Next is the cursor to send next.
type PullResponse struct {
	Changes []StatusChange `json:"changes"`
	Next    int64          `json:"next"`
}

// LookupRequest asks the engine to cross-check one guardian and child, so a
// networked kiosk needs no copy of department data.
type LookupRequest struct {
	Guardian string     `json:"guardian"`
	Child    string     `json:"child"`
	Stage    core.Stage `json:"stage"`
}

// LookupResponse carries the decision and the draft application. Invalid
// ID numbers come back as 400 with Reason = the core error code and the
// core message, so the kiosk shows the same words as offline.
type LookupResponse struct {
	Decision    core.Decision    `json:"decision"`
	Application core.Application `json:"application"`
}
