package engine

import (
	"bytes"
	"crypto/ed25519"
	"net/http"
	"strconv"

	"enrolldesk/core/engineapi"
)

// DefaultRatePerMinute is each device's request allowance when
// Options.RatePerMinute is 0: generous for a kiosk (a push every few
// seconds, a look-up per family) and a wall against a runaway one.
const DefaultRatePerMinute = 600

// answerWriter holds an answer until it is whole, then signs it with the
// engine's key over status, path, the request's nonce and the body's hash
// (engineapi.CanonicalAnswer) and sends it. Answers are small JSON bodies
// (a pull of up to a thousand changes at most), so holding one costs a
// buffer, not a stream.
type answerWriter struct {
	w      http.ResponseWriter
	key    ed25519.PrivateKey
	path   string
	nonce  string
	status int
	body   bytes.Buffer
}

func (a *answerWriter) Header() http.Header { return a.w.Header() }

func (a *answerWriter) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *answerWriter) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.body.Write(p)
}

// flush signs and sends the answer held.
func (a *answerWriter) flush() {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	body := a.body.Bytes()
	h := a.w.Header()
	h.Set(engineapi.HeaderAnswer, engineapi.SignAnswer(a.key, a.status, a.path, a.nonce, body))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	a.w.WriteHeader(a.status)
	a.w.Write(body) //nolint:errcheck // the client went away: nothing to tell it
}

// signsAnswerTo reports the nonce to bind the answer to: a request that
// carries a nonce of sane length gets a signed answer, whatever the path
// and the outcome (refusals included, so a middlebox cannot forge a
// "revoked" either).
func (s *Server) signsAnswerTo(r *http.Request) (string, bool) {
	if s.key == nil {
		return "", false
	}
	n := r.Header.Get(engineapi.HeaderNonce)
	return n, len(n) >= minNonceLen && len(n) <= maxNonceLen
}

// PublicKey is the key the engine signs its answers with (nil when it
// signs none).
func (s *Server) PublicKey() ed25519.PublicKey {
	if s.key == nil {
		return nil
	}
	return s.key.Public().(ed25519.PublicKey)
}

// MetricsHandler serves the Prometheus metrics: serve it on its own
// listener (loopback by default), never beside the API.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler }

// dummyKey is verified against when a request names a device the engine
// does not know or that has no key: the same Ed25519 work as a known
// device, so the time taken tells a stranger nothing.
var dummyKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x5a}, ed25519.SeedSize)).Public().(ed25519.PublicKey)

// unauthenticated is the one 401 of every request whose signature is not
// checked good: unknown device, device not registered, revoked device,
// wrong signature.
var unauthenticated = refuse(http.StatusUnauthorized, engineapi.ReasonBadSignature, engineapi.UnauthenticatedMessage)

// rateLimited answers a device over its allowance.
func rateLimited(w http.ResponseWriter, retryAfter int) *RequestError {
	w.Header().Set(engineapi.HeaderRetryAfter, strconv.Itoa(retryAfter))
	return refuse(http.StatusTooManyRequests, engineapi.ReasonRateLimited,
		"this kiosk sends more requests than the engine takes from one device: wait "+strconv.Itoa(retryAfter)+" s and try again")
}
