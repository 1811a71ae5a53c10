package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// handlePush ingests a batch and answers every item.
func (s *Server) handlePush(ctx context.Context, req *request) (any, *RequestError) {
	in, e := decodePush(req.body)
	if e != nil {
		return nil, e
	}
	// The engine decides every item on its own data before anything is
	// stored; a data source failing fails the push (the kiosk retries).
	now := s.now()
	items := make([]engineapi.Intake, len(in.Applications))
	changed := 0
	for i, a := range in.Applications {
		it, err := s.decider.Decide(ctx, req.device.ID, a, now)
		if err != nil {
			return nil, s.internal(ctx, "decide", err)
		}
		if it.Refused == nil && hasProblem(it.App.Decision, core.PDecisionChanged) {
			changed++
		}
		items[i] = it
	}
	// A cut connection must not undo a batch the store is writing: the
	// kiosk retries and gets duplicates, which is the cheap way round.
	results, err := s.store.Ingest(context.WithoutCancel(ctx), req.device.ID, items, now)
	if err != nil {
		return nil, s.internal(ctx, "ingest", err)
	}
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Outcome]++
	}
	if changed > 0 {
		s.log.InfoContext(ctx, "the engine's decision differs from the kiosk's", "device", req.device.ID, "items", changed)
	}
	for outcome, n := range counts {
		s.metrics.items.WithLabelValues(outcome).Add(float64(n))
	}
	s.log.DebugContext(ctx, "push", "device", req.device.ID, "items", len(results), "accepted", counts[engineapi.ItemAccepted],
		"duplicate", counts[engineapi.ItemDuplicate], "conflict", counts[engineapi.ItemConflict], "rejected", counts[engineapi.ItemRejected])
	if results == nil {
		results = []engineapi.ItemResult{}
	}
	return engineapi.PushResponse{Results: results}, nil
}

// DecodePush decodes a push body strictly and checks the batch size. It is
// exported for the fuzz target; an error is the *RequestError the server
// answers.
func DecodePush(body []byte) (engineapi.PushRequest, error) {
	in, e := decodePush(body)
	if e != nil {
		return in, e
	}
	return in, nil
}

func decodePush(body []byte) (engineapi.PushRequest, *RequestError) {
	var in engineapi.PushRequest
	if e := decodeStrict(body, &in); e != nil {
		return in, e
	}
	if len(in.Applications) > engineapi.MaxBatch {
		return in, refuse(http.StatusBadRequest, engineapi.ReasonBadRequest,
			fmt.Sprintf("a push carries at most %d applications, this one %d", engineapi.MaxBatch, len(in.Applications)))
	}
	return in, nil
}

// handlePull answers the device's status changes after its cursor.
func (s *Server) handlePull(ctx context.Context, req *request) (any, *RequestError) {
	var in engineapi.PullRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	if in.After < 0 || in.Limit < 0 {
		return nil, refuse(http.StatusBadRequest, engineapi.ReasonBadRequest, "after and limit cannot be negative")
	}
	changes, err := s.store.Changes(ctx, req.device.ID, in.After, in.Limit)
	if err != nil {
		return nil, s.internal(ctx, "read changes", err)
	}
	next := in.After
	if len(changes) > 0 {
		next = changes[len(changes)-1].Seq
	}
	if changes == nil {
		changes = []engineapi.StatusChange{}
	}
	return engineapi.PullResponse{Changes: changes, Next: next}, nil
}

// handleLookup cross-checks a guardian and child for a kiosk. Wrong ID
// numbers are the parent's to fix: 400 with the core code and message.
func (s *Server) handleLookup(ctx context.Context, req *request) (any, *RequestError) {
	if e := s.limitLookup("device:" + req.device.ID); e != nil {
		return nil, e
	}
	var in engineapi.LookupRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	if s.lookup == nil {
		return nil, refuse(http.StatusServiceUnavailable, engineapi.ReasonNoData, "this engine has no department data to look up in")
	}
	res, err := s.lookup.Lookup(ctx, in.Guardian, in.Child, in.Stage)
	if e := s.noteLookup(ctx, req, in, res, err); e != nil {
		return nil, e
	}
	switch {
	case core.IsInvalid(err):
		return nil, refuse(http.StatusBadRequest, core.ErrorCode(err), core.ErrorMessage(err))
	case err != nil:
		return nil, s.internal(ctx, "lookup", err)
	}
	return engineapi.LookupResponse{Decision: res.Decision, Application: res.Application}, nil
}

func hasProblem(d core.Decision, code string) bool {
	for _, p := range d.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

func malformed(msg string) *RequestError {
	return refuse(http.StatusBadRequest, engineapi.ReasonMalformed, msg)
}

// decodeStrict decodes exactly one JSON object into v: valid UTF-8, no
// unknown fields, nothing after it. The decoder would quietly replace bad
// UTF-8 and accept a bare null; a kiosk never sends either.
func decodeStrict(body []byte, v any) *RequestError {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return malformed("the body is empty: send a JSON object")
	case trimmed[0] != '{':
		return malformed("the body must be a JSON object")
	case !utf8.Valid(body):
		return malformed("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(decodeMessage(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformed("there is data after the JSON object")
	}
	return nil
}

// decodeMessage says what was wrong without echoing the body back.
func decodeMessage(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type", clip(typ.Field, 80))
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return clip(err.Error(), 120)
	}
	return "the body is not the JSON this path takes"
}

// residentIDLike matches anything shaped like an ID number, so that no
// log line carries one in full whatever an error wraps.
var residentIDLike = regexp.MustCompile(`\d{17}[\dXx]`)

func maskIDs(s string) string {
	return residentIDLike.ReplaceAllStringFunc(s, func(id string) string { return core.ResidentID(id).Masked() })
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func anyString(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}
