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
	// HeaderAnswer is on every answer to a request that carried a nonce
	// (every request a kiosk sends, registration included): the engine's
	// base64url Ed25519 signature of CanonicalAnswer(...). A kiosk refuses
	// an answer without it, or with one its pinned engine key does not
	// verify, as it would a cut connection.
	HeaderAnswer = "X-Enrolldesk-Answer-Signature"
	// HeaderRetryAfter is on a 429: whole seconds to wait.
	HeaderRetryAfter = "Retry-After"
)

// Limits every implementation keeps.
const (
	MaxSkew      = 5 * time.Minute // a timestamp further from the engine's clock is refused
	MaxBodyBytes = 4 << 20         // larger bodies get 413
	MaxBatch     = 500             // applications in one push
)

// Canonical is the string a kiosk signs: a version tag, method, path, the
// device ID, hex SHA-256 of the body, timestamp and nonce, one per line.
// The device ID is signed so that a request cannot be re-addressed to
// another device sharing nothing but a guessable ID.
func Canonical(method, path, deviceID string, body []byte, timestamp int64, nonce string) []byte {
	sum := sha256.Sum256(body)
	return []byte(strings.Join([]string{"enrolldesk-request-v2", strings.ToUpper(method), path, deviceID,
		hex.EncodeToString(sum[:]), strconv.FormatInt(timestamp, 10), nonce}, "\n"))
}

// Sign returns the signature header value for a request.
func Sign(priv ed25519.PrivateKey, method, path, deviceID string, body []byte, timestamp int64, nonce string) string {
	return base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, Canonical(method, path, deviceID, body, timestamp, nonce)))
}

// Verify checks a signature header value against a device's public key.
func Verify(pub ed25519.PublicKey, method, path, deviceID string, body []byte, timestamp int64, nonce, signature string) bool {
	return verify(pub, Canonical(method, path, deviceID, body, timestamp, nonce), signature)
}

func verify(pub ed25519.PublicKey, msg []byte, signature string) bool {
	sig, err := base64.RawURLEncoding.DecodeString(signature)
	if err != nil || len(sig) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, msg, sig)
}

// CanonicalAnswer is the string the engine signs for every answer: a
// version tag, the HTTP status, the request's path, the REQUEST's nonce
// (so an answer is bound to the question: an old answer replayed to a new
// request does not verify) and hex SHA-256 of the answer's body.
func CanonicalAnswer(status int, path, requestNonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(strings.Join([]string{"enrolldesk-answer-v1", strconv.Itoa(status), path, requestNonce,
		hex.EncodeToString(sum[:])}, "\n"))
}

// SignAnswer returns the HeaderAnswer value of an answer.
func SignAnswer(priv ed25519.PrivateKey, status int, path, requestNonce string, body []byte) string {
	return base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, CanonicalAnswer(status, path, requestNonce, body)))
}

// VerifyAnswer checks a HeaderAnswer value against the engine's key.
func VerifyAnswer(pub ed25519.PublicKey, status int, path, requestNonce string, body []byte, signature string) bool {
	return verify(pub, CanonicalAnswer(status, path, requestNonce, body), signature)
}

// Fingerprint is how an admin reads an engine key aloud or types it on a
// kiosk: the first 80 bits of its SHA-256 in four groups of four
// characters of the enrollment code's alphabet, e.g. 7Q2M-X4HP-NC8R-9TVW.
// 80 bits: finding another key with the same fingerprint takes about
// 2^80 key generations.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(append([]byte("enrolldesk-engine-key:"), pub...))
	s := codeEncoding.EncodeToString(sum[:10])
	return s[:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// SameFingerprint compares a typed fingerprint with a key's: case, spaces
// and dashes do not matter.
func SameFingerprint(typed string, pub ed25519.PublicKey) bool {
	norm := func(s string) string {
		return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
	}
	return len(pub) == ed25519.PublicKeySize && norm(typed) != "" && norm(typed) == norm(Fingerprint(pub))
}

// EnrollmentSeparator joins an enrollment code and the engine key's
// fingerprint into the one string an admin hands a kiosk:
// CODE/FINGERPRINT, e.g. ABCD-EFGH-JKMN-PQRS/7Q2M-X4HP-NC8R-9TVW.
const EnrollmentSeparator = "/"

// SplitEnrollment splits what an admin gave a kiosk into the one-time
// code and the engine key fingerprint ("" when none was given).
func SplitEnrollment(s string) (code, fingerprint string) {
	code, fingerprint, _ = strings.Cut(strings.TrimSpace(s), EnrollmentSeparator)
	return strings.TrimSpace(code), strings.TrimSpace(fingerprint)
}

// Reason codes in Error bodies. 401: the engine does not know who is
// asking; 403: it knows and refuses.
//
// An unknown device, a device not yet registered, a revoked device and a
// bad signature all get the same 401 body (ReasonBadSignature,
// UnauthenticatedMessage) after the same work: a stranger learns nothing
// about which devices exist. Only a correctly signed request from a
// revoked device is told 403 ReasonRevoked.
const (
	ReasonUnsigned      = "unsigned"       // 401: signature headers missing or malformed
	ReasonUnknownDevice = "unknown_device" // no longer sent (see ReasonBadSignature); kept so old kiosks' checks compile
	ReasonBadSignature  = "bad_signature"  // 401: unknown device, unregistered, revoked or wrong signature: one answer
	ReasonClockSkew     = "clock_skew"     // 401: timestamp more than MaxSkew away
	ReasonReplay        = "replay"         // 401: nonce seen before
	ReasonRevoked       = "revoked"        // 403: the device was revoked by an admin (signature checked)
	ReasonBadRegNo      = "bad_reg_no"     // item rejection: the registration number lacks the device's prefix or is taken
	ReasonBadCode       = "bad_code"       // 403: enrollment code unknown, used or expired
	ReasonKeyTaken      = "key_taken"      // 409: the kiosk's key already belongs to another device
	ReasonMalformed     = "malformed"      // 400: not the JSON this path takes
	ReasonTooLarge      = "too_large"      // 413
	ReasonBadRequest    = "bad_request"    // 400: JSON fine, content invalid (e.g. batch over MaxBatch)
	ReasonNotFound      = "not_found"      // 404
	ReasonMethod        = "method"         // 405
)

// UnauthenticatedMessage is the one message of every 401 ReasonBadSignature.
const UnauthenticatedMessage = "the engine cannot verify this request: the kiosk is not registered with this engine, or its key does not match. Ask an admin to enroll this kiosk again (`enrolldesk engine device add`)"

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

// RegisterResponse names the device the key is now bound to, the engine's
// own public key (the kiosk checks it against the fingerprint the admin
// gave with the code, then pins it) and the device's registration-number
// prefix (RegPrefixMin..RegPrefixMax), the first group of every number the
// kiosk prints from then on.
type RegisterResponse struct {
	DeviceID  string `json:"device_id"`
	EngineKey string `json:"engine_key"` // base64url Ed25519 public key
	RegPrefix int    `json:"reg_prefix"`
}

// Bounds of a device's registration-number prefix: four digits, never
// starting with 0, so that numbers a kiosk printed before it was enrolled
// (0 + eleven digits, core.RegNo) never carry one.
const (
	RegPrefixMin = 1000
	RegPrefixMax = 9999
)

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
