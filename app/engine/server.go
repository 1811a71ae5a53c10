// Package engine is the central engine's HTTP API: the /v1/ paths of
// core/engineapi over any engineapi.Store, with signed requests, strict
// decoding and Prometheus metrics. It imports the domain only; the app
// package wires it to SQLite and the city's data.
package engine

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"enrolldesk/core/engineapi"
)

// Lookup cross-checks a guardian and a child; *core.Registrar satisfies it.
type Lookup = engineapi.Lookup

// Options are the server's settings; zero values take defaults.
type Options struct {
	Now      func() time.Time      // the clock timestamps are checked against; time.Now when nil
	Logger   *slog.Logger          // request and security log; discarded when nil
	Registry prometheus.Registerer // where metrics go; a fresh registry when nil
	// Decider decides every pushed application; nil: one re-deciding on
	// the server's Lookup (with a nil Lookup, one trusting the kiosks:
	// tests only).
	Decider *engineapi.Decider
	// StaffAuth resolves a staff session; nil: staff paths answer 503.
	StaffAuth StaffAuth
	// Audit receives the events staff requests note; nil: not recorded.
	Audit engineapi.AuditLog
	// WalkIn is the walk-in desk (walk-in registration, find, reprint);
	// nil: those staff paths answer 503 (see staff_walkin.go).
	WalkIn *WalkInDesk
	// Accounts keeps staff accounts and sessions; with StaffAuth nil the
	// server signs staff in against it (staff_auth.go). Nil: staff
	// sign-in answers 503.
	Accounts engineapi.AccountStore
	// LookupPerMinute limits look-ups per kiosk and per staff account;
	// 0 takes DefaultLookupPerMinute, a negative value sets no limit.
	LookupPerMinute int
	// Heat computes the demand heat map (staff_heat.go); nil: the path
	// answers 503 no_staff.
	Heat engineapi.HeatSource
	// Review is the review desk's store; nil: its paths answer 503.
	Review engineapi.ReviewStore
	// SigningKey signs every answer to a request carrying a nonce
	// (engineapi.HeaderAnswer); kiosks refuse unsigned answers. nil: no
	// answer is signed (tests of the request side only).
	SigningKey ed25519.PrivateKey
	// RatePerMinute is each device's request allowance (429 with
	// Retry-After beyond it); 0: DefaultRatePerMinute; negative: none.
	RatePerMinute int
}

// Server answers the engine API. It is safe for concurrent use.
type Server struct {
	store   engineapi.Store
	lookup  Lookup // nil: no department data (look-ups answer 503)
	decider *engineapi.Decider
	now     func() time.Time
	log     *slog.Logger
	metrics *metrics
	routes  map[string]route

	key  ed25519.PrivateKey // signs answers; nil: unsigned
	rate *limiter           // per device; nil: unlimited

	staff     map[string]staffRoute // the staff desktop's paths, see staff.go
	staffAuth StaffAuth
	audit     engineapi.AuditLog
	walkIn    *WalkInDesk // nil: no walk-in desk
	accounts  engineapi.AccountStore
	lookups   *limiter              // look-ups a minute per device or account; nil: no limit
	review    engineapi.ReviewStore // the review desk, see staff_review.go
}

// route is one API path: its method, whether it needs a device signature,
// and the handler of its decoded body.
type route struct {
	method string
	signed bool
	handle func(ctx context.Context, req *request) (any, *RequestError)
}

// request is what a handler gets: the exact body and, for signed paths,
// the device that signed it.
type request struct {
	body   []byte
	device engineapi.Device
	http   *http.Request
}

// RequestError is a refusal: the HTTP status and the engineapi.Error body.
type RequestError struct {
	Status  int
	Reason  string
	Message string
	// RetryAfter, when set, is sent as the Retry-After header (seconds).
	RetryAfter time.Duration
}

// Error implements error.
func (e *RequestError) Error() string { return e.Reason + ": " + e.Message }

func refuse(status int, reason, message string) *RequestError {
	return &RequestError{Status: status, Reason: reason, Message: message}
}

// ReasonInternal answers a fault of the engine itself (500); the message
// never says more than that.
const ReasonInternal = "internal"

var errInternal = refuse(http.StatusInternalServerError, ReasonInternal, "the engine could not answer; try again later")

// New returns a server over store and lookup.
func New(store engineapi.Store, lookup Lookup, opt Options) *Server {
	s := &Server{store: store, lookup: lookup, decider: opt.Decider, now: opt.Now, log: opt.Logger,
		staffAuth: opt.StaffAuth, audit: opt.Audit, accounts: opt.Accounts, review: opt.Review, key: opt.SigningKey}
	switch {
	case opt.RatePerMinute == 0:
		s.rate = newLimiter(DefaultRatePerMinute)
	case opt.RatePerMinute > 0:
		s.rate = newLimiter(opt.RatePerMinute)
	}
	if s.decider == nil {
		s.decider = &engineapi.Decider{Lookup: lookup}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.metrics = newMetrics(opt.Registry)
	s.setupStaffAuth(opt)
	s.routes = map[string]route{
		engineapi.PathRegister: {http.MethodPost, false, s.handleRegister},
		engineapi.PathPush:     {http.MethodPost, true, s.handlePush},
		engineapi.PathPull:     {http.MethodPost, true, s.handlePull},
		engineapi.PathLookup:   {http.MethodPost, true, s.handleLookup},
		engineapi.PathHealth:   {http.MethodGet, false, nil},
	}
	s.registerWalkIn(opt.WalkIn)
	s.registerHeat(opt.Heat)
	s.registerReview()
	return s
}

// Handler returns the HTTP handler of every API path; /metrics is not one
// of them (MetricsHandler, on its own listener).
func (s *Server) Handler() http.Handler { return s }

// ServeHTTP routes a request, records its metrics and turns a panic into
// a generic 500: the last line of defence, never the way errors travel.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rt, known := s.routes[r.URL.Path]
	_, staff := s.staff[r.URL.Path]
	path := "other"
	if known || staff {
		path = r.URL.Path
	}
	s.metrics.inFlight.Inc()
	var outcome string
	if nonce, ok := s.signsAnswerTo(r); ok {
		aw := &answerWriter{w: w, key: s.key, path: r.URL.Path, nonce: nonce}
		outcome = s.serve(aw, r, rt, known)
		aw.flush()
	} else {
		outcome = s.serve(w, r, rt, known)
	}
	s.metrics.inFlight.Dec()
	s.metrics.observe(path, outcome, time.Since(start))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route, known bool) (outcome string) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic in handler", "path", r.URL.Path, "panic", maskIDs(anyString(p)))
			outcome = s.writeError(w, errInternal)
		}
	}()
	switch {
	case !known && isStaffPath(r.URL.Path):
		return s.serveStaff(w, r)
	case !known:
		return s.writeError(w, refuse(http.StatusNotFound, engineapi.ReasonNotFound, "no such path"))
	case r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead):
		w.Header().Set("Allow", rt.method)
		return s.writeError(w, refuse(http.StatusMethodNotAllowed, engineapi.ReasonMethod, "use "+rt.method))
	case r.URL.Path == engineapi.PathHealth:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return "ok"
	}
	req, aerr := s.admit(w, r, rt)
	if aerr == nil {
		var v any
		if v, aerr = rt.handle(r.Context(), req); aerr == nil {
			writeJSON(w, http.StatusOK, v)
			return "ok"
		}
	}
	return s.writeError(w, aerr)
}

// admit reads the body within the limit and, for a signed path, checks
// who sent it.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, rt route) (*request, *RequestError) {
	body, aerr := readBody(r)
	if aerr != nil {
		return nil, aerr
	}
	req := &request{body: body, http: r}
	if rt.signed {
		if aerr := s.authenticate(r, req); aerr != nil {
			return nil, aerr
		}
		// Counted once the signature holds: a stranger cannot spend a
		// device's allowance by naming it.
		if ok, wait := s.rate.Allow(req.device.ID, s.now()); !ok {
			return nil, s.deny(r.Context(), req.device.ID, rateLimited(w, int(wait.Seconds())))
		}
	}
	return req, nil
}

var tooLarge = refuse(http.StatusRequestEntityTooLarge, engineapi.ReasonTooLarge,
	"the body is over "+strconv.Itoa(engineapi.MaxBodyBytes)+" bytes: send fewer applications at a time")

// readBody reads the whole body, refusing one over MaxBodyBytes before or
// while reading it.
func readBody(r *http.Request) ([]byte, *RequestError) {
	if r.ContentLength > engineapi.MaxBodyBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, engineapi.MaxBodyBytes+1))
	if err != nil {
		return nil, refuse(http.StatusBadRequest, engineapi.ReasonMalformed, "the body could not be read")
	}
	if len(body) > engineapi.MaxBodyBytes {
		return nil, tooLarge
	}
	return body, nil
}

func (s *Server) writeError(w http.ResponseWriter, e *RequestError) string {
	if e.Status == http.StatusRequestEntityTooLarge {
		// The rest of the body is not read: do not keep the connection.
		w.Header().Set("Connection", "close")
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	writeJSON(w, e.Status, engineapi.Error{Reason: e.Reason, Message: e.Message})
	return e.Reason
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"reason":"internal","message":"the engine could not answer; try again later"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n')) //nolint:errcheck // the client went away: nothing to tell it
}

// internal logs a store or source failure and answers a generic 500.
func (s *Server) internal(ctx context.Context, what string, err error) *RequestError {
	if errors.Is(err, context.Canceled) {
		s.log.InfoContext(ctx, what+": the client went away")
	} else {
		s.log.ErrorContext(ctx, what, "err", maskIDs(err.Error()))
	}
	return errInternal
}
