package engine

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Bounds of the nonce header: 16 random bytes are 22 base64url characters.
const (
	minNonceLen = 22
	maxNonceLen = 128
)

// authenticate checks a signed request: headers present and well formed,
// timestamp within MaxSkew (neither says anything about devices), then the
// signature over the exact body against the device's key — or, for a
// device unknown, not registered or unreadable, against a dummy key, so
// every such request does the same work and gets the same 401 body
// (unauthenticated) as a bad signature. Only a request whose signature
// holds learns more: 403 if its device is revoked, then the nonce check.
// The nonce is recorded only after the signature holds, so strangers
// cannot fill the table.
func (s *Server) authenticate(r *http.Request, req *request) *RequestError {
	ctx := r.Context()
	id := r.Header.Get(engineapi.HeaderDevice)
	tsText := r.Header.Get(engineapi.HeaderTimestamp)
	nonce := r.Header.Get(engineapi.HeaderNonce)
	sig := r.Header.Get(engineapi.HeaderSignature)
	if id == "" || tsText == "" || nonce == "" || sig == "" {
		return s.deny(ctx, id, refuse(http.StatusUnauthorized, engineapi.ReasonUnsigned, "the request is not signed"))
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil || len(nonce) < minNonceLen || len(nonce) > maxNonceLen || len(id) > 128 {
		return s.deny(ctx, id, refuse(http.StatusUnauthorized, engineapi.ReasonUnsigned, "the signature headers are malformed"))
	}
	now := s.now()
	if d := now.Sub(time.Unix(ts, 0)); d > engineapi.MaxSkew || d < -engineapi.MaxSkew {
		return s.deny(ctx, id, refuse(http.StatusUnauthorized, engineapi.ReasonClockSkew,
			"the device clock is more than 5 minutes from the engine's: engine time is "+now.UTC().Format(time.RFC3339)))
	}
	dev, err := s.store.Device(ctx, id)
	key := dummyKey
	switch {
	case err != nil && core.ErrorCode(err) != core.ENOTFOUND:
		return s.internal(ctx, "read device", err)
	case err == nil && dev.Registered():
		key = dev.PublicKey
	}
	good := engineapi.Verify(key, r.Method, r.URL.Path, id, req.body, ts, nonce, sig)
	if !good || err != nil || !dev.Registered() {
		return s.deny(ctx, id, unauthenticated)
	}
	if dev.Revoked() {
		return s.deny(ctx, id, refuse(http.StatusForbidden, engineapi.ReasonRevoked, "this device was revoked by an admin"))
	}
	// A nonce must be remembered while its timestamp could still pass.
	fresh, err := s.store.UseNonce(ctx, id, nonce, time.Unix(ts, 0).Add(engineapi.MaxSkew+time.Second), now)
	if err != nil {
		return s.internal(ctx, "record nonce", err)
	}
	if !fresh {
		return s.deny(ctx, id, refuse(http.StatusUnauthorized, engineapi.ReasonReplay, "this request was seen before"))
	}
	req.device = dev
	return nil
}

// deny logs a refused request for the security log.
func (s *Server) deny(ctx context.Context, deviceID string, e *RequestError) *RequestError {
	s.log.WarnContext(ctx, "request refused", "device", clip(deviceID, 40), "reason", e.Reason)
	return e
}

// handleRegister binds a kiosk's key to the device of a one-time code.
func (s *Server) handleRegister(ctx context.Context, req *request) (any, *RequestError) {
	var in engineapi.RegisterRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	pub, err := decodeKey(in.PublicKey)
	if err != nil || strings.TrimSpace(in.Code) == "" || len(in.Code) > 64 || len(in.Name) > 200 {
		return nil, refuse(http.StatusBadRequest, engineapi.ReasonBadRequest, "send the enrollment code and a base64url Ed25519 public key")
	}
	dev, err := s.store.RegisterDevice(context.WithoutCancel(ctx), engineapi.HashCode(in.Code), pub, in.Name, s.now())
	switch {
	case core.ErrorCode(err) == core.ENOTFOUND:
		return nil, s.deny(ctx, "", refuse(http.StatusForbidden, engineapi.ReasonBadCode, "the enrollment code is unknown, used or expired: ask an admin for a new one"))
	case core.ErrorCode(err) == core.ECONFLICT:
		return nil, s.deny(ctx, "", refuse(http.StatusConflict, engineapi.ReasonKeyTaken, core.ErrorMessage(err)))
	case err != nil:
		return nil, s.internal(ctx, "register device", err)
	}
	s.log.InfoContext(ctx, "device registered", "device", dev.ID, "name", clip(dev.Name, 60), "prefix", dev.RegPrefix)
	out := engineapi.RegisterResponse{DeviceID: dev.ID, RegPrefix: dev.RegPrefix}
	if pub := s.PublicKey(); pub != nil {
		out.EngineKey = base64.RawURLEncoding.EncodeToString(pub)
	}
	return out, nil
}

func decodeKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errBadKey
	}
	return ed25519.PublicKey(b), nil
}

var errBadKey = core.Errorf(core.EINVALID, "not an Ed25519 public key")

// AddDevice creates a device in store with a fresh one-time enrollment
// code valid for engineapi.CodeTTL, and returns the device and the code.
// The code is shown once: the store keeps only its hash.
func AddDevice(ctx context.Context, store engineapi.Store, name string, now time.Time) (engineapi.Device, string, error) {
	d := engineapi.Device{ID: engineapi.NewDeviceID(), Name: name, CreatedAt: now, CodeExpires: now.Add(engineapi.CodeTTL)}
	code := engineapi.NewEnrollmentCode()
	if err := store.AddDevice(ctx, d, engineapi.HashCode(code)); err != nil {
		return engineapi.Device{}, "", err
	}
	if stored, err := store.Device(ctx, d.ID); err == nil {
		d = stored
	}
	return d, code, nil
}
