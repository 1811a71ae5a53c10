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
type Client struct {
	URL      string             // engine base URL, e.g. https://engine.example:8443
	Key      ed25519.PrivateKey // the kiosk's key (app/keys)
	DeviceID string             // from Register, or from the kiosk's store
	HTTP     *http.Client       // nil: a new NewHTTPClient(DefaultTimeout) per request; NewClient sets one
	Now      func() time.Time   // nil: time.Now
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
	Status  int
	Reason  string
	Message string
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

// Register binds the kiosk's public key to the device an admin created,
// using the one-time enrollment code; it sets and returns the device ID.
// Call it before the client is shared between goroutines.
func (c *Client) Register(ctx context.Context, code, name string) (string, error) {
	req := engineapi.RegisterRequest{Code: strings.TrimSpace(code), Name: name,
		PublicKey: base64.RawURLEncoding.EncodeToString(c.Key.Public().(ed25519.PublicKey))}
	var resp engineapi.RegisterResponse
	if err := c.do(ctx, engineapi.PathRegister, req, &resp, false); err != nil {
		return "", fmt.Errorf("register with %s: %w", c.URL, err)
	}
	if resp.DeviceID == "" {
		return "", fmt.Errorf("register with %s: the engine named no device", c.URL)
	}
	c.DeviceID = resp.DeviceID
	return resp.DeviceID, nil
}

// Push sends a batch of applications and returns the engine's answer for
// each.
func (c *Client) Push(ctx context.Context, apps []core.Application) ([]engineapi.ItemResult, error) {
	var resp engineapi.PushResponse
	if err := c.do(ctx, engineapi.PathPush, engineapi.PushRequest{Applications: apps}, &resp, true); err != nil {
		return nil, fmt.Errorf("push %d applications: %w", len(apps), err)
	}
	return resp.Results, nil
}

// Pull asks for status changes of this device's applications after a cursor.
func (c *Client) Pull(ctx context.Context, after int64, limit int) (engineapi.PullResponse, error) {
	var resp engineapi.PullResponse
	if err := c.do(ctx, engineapi.PathPull, engineapi.PullRequest{After: after, Limit: limit}, &resp, true); err != nil {
		return engineapi.PullResponse{}, fmt.Errorf("pull status changes: %w", err)
	}
	return resp, nil
}

// Lookup asks the engine to cross-check a guardian and child.
func (c *Client) Lookup(ctx context.Context, req engineapi.LookupRequest) (engineapi.LookupResponse, error) {
	var resp engineapi.LookupResponse
	if err := c.do(ctx, engineapi.PathLookup, req, &resp, true); err != nil {
		return engineapi.LookupResponse{}, fmt.Errorf("look-up at the engine: %w", err)
	}
	return resp, nil
}

// do posts in as JSON to path and decodes a 2xx answer into out; any
// other answer becomes an *APIError.
func (c *Client) do(ctx context.Context, path string, in, out any, signed bool) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if signed {
		if err := c.sign(req, path, body); err != nil {
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
	if resp.StatusCode/100 != 2 {
		var e engineapi.Error
		if json.Unmarshal(data, &e) != nil || e.Reason == "" {
			e.Reason = http.StatusText(resp.StatusCode)
		}
		return &APIError{Status: resp.StatusCode, Reason: e.Reason, Message: e.Message}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// sign sets the signature headers of a request.
func (c *Client) sign(req *http.Request, path string, body []byte) error {
	if c.DeviceID == "" {
		return &APIError{Status: http.StatusUnauthorized, Reason: engineapi.ReasonUnsigned,
			Message: "this kiosk is not registered with the engine"}
	}
	var raw [18]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	nonce := base64.RawURLEncoding.EncodeToString(raw[:])
	ts := c.now().Unix()
	req.Header.Set(engineapi.HeaderDevice, c.DeviceID)
	req.Header.Set(engineapi.HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(engineapi.HeaderNonce, nonce)
	req.Header.Set(engineapi.HeaderSignature, engineapi.Sign(c.Key, http.MethodPost, path, body, ts, nonce))
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
