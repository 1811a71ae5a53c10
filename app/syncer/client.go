// Package syncer is the kiosk side of sync: an HTTP client for the
// engine's /v1/ API that signs every request with the kiosk's Ed25519 key
// (core/engineapi), a Worker that drains the kiosk's outbox into the
// engine and pulls status changes back, and a Registrar that asks the
// engine to cross-check a family so a networked kiosk needs no local copy
// of department data.
//
// The package knows neither SQLite nor the engine's internals: the outbox
// is the small Outbox interface below, wired by the app package.
package syncer

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// DefaultTimeout bounds one request to the engine, connection included.
const DefaultTimeout = 30 * time.Second

// Client talks to one engine as one kiosk. Every request but registration
// carries the device ID, a timestamp, a fresh random nonce and an Ed25519
// signature over method, path, body hash, timestamp and nonce.
//
// Every answer must carry the engine's signature (engineapi.HeaderAnswer)
// over its status, path, body and the nonce of the request it answers,
// verified with EngineKey — the engine key pinned at enrolment. An answer
// without one, or with a wrong one, is refused as an *UnverifiedError:
// the kiosk treats it like a cut connection (retry later) and never
// applies it, so a middlebox can forge neither a look-up answer, nor push
// results, nor a status change, nor a refusal.
type Client struct {
	URL       string             // engine base URL, e.g. https://engine.example:8443
	Key       ed25519.PrivateKey // the kiosk's key (app/keys)
	DeviceID  string             // from Register, or from the kiosk's store
	EngineKey ed25519.PublicKey  // the engine's key, pinned at enrolment (Register sets it)
	HTTP      *http.Client       // nil: a new NewHTTPClient(DefaultTimeout) per request; NewClient sets one
	Now       func() time.Time   // nil: time.Now
}

// UnverifiedError is an answer the kiosk cannot trust: unsigned, signed
// by another key, or (at registration) an engine key that does not match
// the fingerprint the admin gave. The kiosk treats it as a network
// failure: nothing in it is applied.
type UnverifiedError struct {
	Path   string
	Status int
	Why    string
}

// Error implements error.
func (e *UnverifiedError) Error() string {
	return fmt.Sprintf("the answer to %s (HTTP %d) is not the engine's: %s; treated as a network failure, nothing applied (is something between the kiosk and the engine rewriting answers?)", e.Path, e.Status, e.Why)
}

// NewClient returns a client for the engine at url signing as deviceID
// ("" until Register) with key.
func NewClient(url string, key ed25519.PrivateKey, deviceID string) *Client {
	return &Client{URL: url, Key: key, DeviceID: deviceID, HTTP: NewHTTPClient(DefaultTimeout)}
}

// NewHTTPClient returns an HTTP client whose every stage is bounded: a
// request as a whole by timeout, dialling and the TLS handshake by 5 s.
func NewHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.ResponseHeaderTimeout = timeout
	t.MaxIdleConnsPerHost = 4
	return &http.Client{Timeout: timeout, Transport: t}
}

// APIError is a non-2xx answer of the engine: its status and the reason
// code and message of its body.
type APIError struct {
	Status     int
	Reason     string
	Message    string
	RetryAfter time.Duration // from a 429's Retry-After; 0 when none
}

// RetryAfter is how long the engine asked the kiosk to wait (a 429's
// Retry-After), 0 when it did not.
func RetryAfter(err error) time.Duration {
	var e *APIError
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// Error implements error.
func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("engine answered %d %s", e.Status, e.Reason)
	}
	return fmt.Sprintf("engine answered %d %s: %s", e.Status, e.Reason, e.Message)
}

// Refused reports whether err is the engine refusing this device itself —
// unknown, revoked or unregistered — rather than one request: retrying
// will not help until someone (re-)enrolls the kiosk.
func Refused(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	return e.Status == http.StatusForbidden ||
		e.Status == http.StatusUnauthorized && (e.Reason == engineapi.ReasonUnknownDevice ||
			e.Reason == engineapi.ReasonUnsigned || e.Reason == engineapi.ReasonBadSignature)
}

// badRequest reports whether the engine refused a request for its content
// (400) or size (413): the same request will be refused again.
func badRequest(err error) (tooLarge, ok bool) {
	var e *APIError
	if !errors.As(err, &e) {
		return false, false
	}
	return e.Status == http.StatusRequestEntityTooLarge, e.Status == http.StatusBadRequest || e.Status == http.StatusRequestEntityTooLarge
}

// Registration is what a kiosk keeps of its enrolment.
type Registration struct {
	DeviceID  string
	EngineKey ed25519.PublicKey // pinned: every later answer must verify with it
	RegPrefix int               // first group of the kiosk's registration numbers
}

// ErrNoFingerprint answers an enrolment without the engine key's
// fingerprint: the kiosk would have nothing to check the engine's key by.
var ErrNoFingerprint = errors.New("give the engine key's fingerprint with the code, as CODE/FINGERPRINT — `enrolldesk engine device add` prints both (`enrolldesk engine key` prints the fingerprint)")

// Register binds the kiosk's public key to the device an admin created,
// using the one-time enrollment code. The answer carries the engine's
// public key: the kiosk takes it only if its fingerprint is the one the
// admin gave with the code and the answer is signed with it, then pins it
// (EngineKey). It sets DeviceID and EngineKey. Call it before the client
// is shared between goroutines.
func (c *Client) Register(ctx context.Context, code, fingerprint, name string) (Registration, error) {
	if strings.TrimSpace(fingerprint) == "" {
		return Registration{}, ErrNoFingerprint
	}
	req := engineapi.RegisterRequest{Code: strings.TrimSpace(code), Name: name,
		PublicKey: base64.RawURLEncoding.EncodeToString(c.Key.Public().(ed25519.PublicKey))}
	var resp engineapi.RegisterResponse
	pin := func(body []byte) (ed25519.PublicKey, string) {
		var r engineapi.RegisterResponse
		if json.Unmarshal(body, &r) != nil {
			return nil, "the answer does not carry the engine's key"
		}
		key, err := base64.RawURLEncoding.DecodeString(r.EngineKey)
		if err != nil || len(key) != ed25519.PublicKeySize {
			return nil, "the answer does not carry the engine's key"
		}
		if !engineapi.SameFingerprint(fingerprint, key) {
			return nil, "the engine's key has fingerprint " + engineapi.Fingerprint(key) + ", not " + strings.TrimSpace(fingerprint) + " as the admin gave"
		}
		return key, ""
	}
	if err := c.do(ctx, engineapi.PathRegister, req, &resp, false, pin); err != nil {
		return Registration{}, fmt.Errorf("register with %s: %w", c.URL, err)
	}
	key, _ := base64.RawURLEncoding.DecodeString(resp.EngineKey)
	if resp.DeviceID == "" {
		return Registration{}, fmt.Errorf("register with %s: the engine named no device", c.URL)
	}
	c.DeviceID, c.EngineKey = resp.DeviceID, ed25519.PublicKey(key)
	return Registration{DeviceID: resp.DeviceID, EngineKey: c.EngineKey, RegPrefix: resp.RegPrefix}, nil
}

// Push sends a batch of applications and returns the engine's answer for
// each.
func (c *Client) Push(ctx context.Context, apps []core.Application) ([]engineapi.ItemResult, error) {
	var resp engineapi.PushResponse
	if err := c.do(ctx, engineapi.PathPush, engineapi.PushRequest{Applications: apps}, &resp, true, c.pinned); err != nil {
		return nil, fmt.Errorf("push %d applications: %w", len(apps), err)
	}
	return resp.Results, nil
}

// Pull asks for status changes of this device's applications after a cursor.
func (c *Client) Pull(ctx context.Context, after int64, limit int) (engineapi.PullResponse, error) {
	var resp engineapi.PullResponse
	if err := c.do(ctx, engineapi.PathPull, engineapi.PullRequest{After: after, Limit: limit}, &resp, true, c.pinned); err != nil {
		return engineapi.PullResponse{}, fmt.Errorf("pull status changes: %w", err)
	}
	return resp, nil
}

// Lookup asks the engine to cross-check a guardian and child.
func (c *Client) Lookup(ctx context.Context, req engineapi.LookupRequest) (engineapi.LookupResponse, error) {
	var resp engineapi.LookupResponse
	if err := c.do(ctx, engineapi.PathLookup, req, &resp, true, c.pinned); err != nil {
		return engineapi.LookupResponse{}, fmt.Errorf("look-up at the engine: %w", err)
	}
	return resp, nil
}

// pinned is the engine key of every answer after registration.
func (c *Client) pinned([]byte) (ed25519.PublicKey, string) {
	if len(c.EngineKey) != ed25519.PublicKeySize {
		return nil, "this kiosk has no engine key pinned (enrolled before answers were signed): enroll it again with CODE/FINGERPRINT"
	}
	return c.EngineKey, ""
}

// ErrNotPinned answers a request of a kiosk that has no engine key to
// check answers by.
var ErrNotPinned = errors.New("this kiosk has no engine key pinned, so it cannot trust any answer: enroll it again with --enroll CODE/FINGERPRINT from `enrolldesk engine device add`")

// do posts in as JSON to path, checks the answer's signature with the key
// keyOf gives (from the answer's body, at registration), and decodes a
// 2xx answer into out; any other verified answer becomes an *APIError.
func (c *Client) do(ctx context.Context, path string, in, out any, signed bool,
	keyOf func(body []byte) (ed25519.PublicKey, string)) error {
	if signed && len(c.EngineKey) != ed25519.PublicKeySize {
		return ErrNotPinned
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	req.Header.Set(engineapi.HeaderNonce, nonce)
	if signed {
		if err := c.sign(req, path, body, nonce); err != nil {
			return err
		}
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, engineapi.MaxBodyBytes*4))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	key, why := keyOf(data)
	sig := resp.Header.Get(engineapi.HeaderAnswer)
	switch {
	case key == nil && resp.StatusCode/100 == 2:
		return &UnverifiedError{Path: path, Status: resp.StatusCode, Why: why}
	case key == nil:
		// A refusal of a registration names no key to check it by; it
		// applies nothing (the kiosk is simply not enrolled yet).
	case sig == "":
		return &UnverifiedError{Path: path, Status: resp.StatusCode, Why: "the answer is not signed"}
	case !engineapi.VerifyAnswer(key, resp.StatusCode, path, nonce, data, sig):
		return &UnverifiedError{Path: path, Status: resp.StatusCode, Why: "the answer's signature does not verify with the engine's key"}
	}
	if resp.StatusCode/100 != 2 {
		var e engineapi.Error
		if json.Unmarshal(data, &e) != nil || e.Reason == "" {
			e.Reason = http.StatusText(resp.StatusCode)
		}
		ae := &APIError{Status: resp.StatusCode, Reason: e.Reason, Message: e.Message}
		if secs, err := strconv.Atoi(resp.Header.Get(engineapi.HeaderRetryAfter)); err == nil && secs > 0 {
			ae.RetryAfter = time.Duration(secs) * time.Second
		}
		return ae
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

func newNonce() (string, error) {
	var raw [18]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// sign sets the signature headers of a request.
func (c *Client) sign(req *http.Request, path string, body []byte, nonce string) error {
	if c.DeviceID == "" {
		return &APIError{Status: http.StatusUnauthorized, Reason: engineapi.ReasonUnsigned,
			Message: "this kiosk is not registered with the engine"}
	}
	ts := c.now().Unix()
	req.Header.Set(engineapi.HeaderDevice, c.DeviceID)
	req.Header.Set(engineapi.HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(engineapi.HeaderSignature, engineapi.Sign(c.Key, http.MethodPost, path, c.DeviceID, body, ts, nonce))
	return nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return NewHTTPClient(DefaultTimeout)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
