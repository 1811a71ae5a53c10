package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// The review desk's paths (issue 9, "Review"; docs/review.md). Roles:
// reviewers and bureau admins everything; school admins everything on
// their own school's applications (the store answers 404 for another
// school's); hall staff may open one application and read the conflicts
// list, to answer a family at the counter, but not browse the queue or
// act. Editing the reason library is for reviewers and bureau admins.
var (
	reviewDeciders = []engineapi.Role{engineapi.RoleReviewer, engineapi.RoleSchoolAdmin, engineapi.RoleBureauAdmin}
	reviewReaders  = []engineapi.Role{engineapi.RoleHall, engineapi.RoleReviewer, engineapi.RoleSchoolAdmin, engineapi.RoleBureauAdmin}
	reasonEditors  = []engineapi.Role{engineapi.RoleReviewer, engineapi.RoleBureauAdmin}
)

// registerReview adds the review desk's staff paths.
func (s *Server) registerReview() {
	post := func(path string, roles []engineapi.Role, h func(ctx context.Context, req *staffRequest) (any, *RequestError)) {
		s.addStaff(path, staffRoute{method: http.MethodPost, roles: roles, handle: s.withReview(h)})
	}
	post(engineapi.PathReviewQueue, reviewDeciders, s.handleReviewQueue)
	post(engineapi.PathReviewOpen, reviewReaders, s.handleReviewOpen)
	post(engineapi.PathReviewApprove, reviewDeciders, s.handleReviewDecide(engineapi.ReviewStore.Approve))
	post(engineapi.PathReviewReturn, reviewDeciders, s.handleReviewDecide(engineapi.ReviewStore.ReturnForMore))
	post(engineapi.PathReviewReject, reviewDeciders, s.handleReviewDecide(engineapi.ReviewStore.Reject))
	post(engineapi.PathReviewBulkApprove, reviewDeciders, s.handleReviewBulk(engineapi.ReviewStore.BulkApprove))
	post(engineapi.PathReviewBulkVerify, reviewDeciders, s.handleReviewBulk(engineapi.ReviewStore.BulkVerify))
	post(engineapi.PathReviewAssign, reviewDeciders, s.handleReviewAssign)
	post(engineapi.PathReviewReviewers, reviewDeciders, s.handleReviewReviewers)
	post(engineapi.PathReviewEvidence, reviewDeciders, s.handleReviewEvidence)
	post(engineapi.PathReviewNotes, reviewDeciders, s.handleReviewNotes)
	post(engineapi.PathReviewFilters, reviewDeciders, s.handleReviewFilters)
	post(engineapi.PathReviewReasons, reviewDeciders, s.handleReviewReasons)
	post(engineapi.PathReviewReasonSave, reasonEditors, s.handleReviewReasonSave)
	post(engineapi.PathReviewDuplicates, reviewDeciders, s.handleReviewDuplicates)
	post(engineapi.PathReviewResolve, reviewDeciders, s.handleReviewResolve)
	post(engineapi.PathReviewConflicts, reviewReaders, s.handleReviewConflicts)
}

// withReview answers 503 when the engine's store has no review desk.
func (s *Server) withReview(h func(ctx context.Context, req *staffRequest) (any, *RequestError)) func(ctx context.Context, req *staffRequest) (any, *RequestError) {
	return func(ctx context.Context, req *staffRequest) (any, *RequestError) {
		if s.review == nil {
			return nil, refuse(http.StatusServiceUnavailable, engineapi.ReasonNoStaffDesk,
				"this engine's store has no review desk: start the engine on its SQLite database")
		}
		return h(ctx, req)
	}
}

// reviewErr turns a store error into the refusal a reviewer reads.
func (s *Server) reviewErr(ctx context.Context, what string, err error) *RequestError {
	msg := core.ErrorMessage(err)
	switch code := core.ErrorCode(err); code {
	case core.ENOTFOUND:
		return refuse(http.StatusNotFound, engineapi.ReasonNotFound, msg)
	case core.EINVALID:
		return refuse(http.StatusBadRequest, engineapi.ReasonBadRequest, msg)
	case core.ECONFLICT:
		return refuse(http.StatusConflict, core.ECONFLICT, msg)
	case engineapi.ReasonDuplicateOpen, engineapi.ReasonReasonFrozen, engineapi.ReasonStale:
		return refuse(http.StatusConflict, code, msg)
	case engineapi.ReasonNotAuthor:
		return refuse(http.StatusForbidden, code, msg)
	}
	return s.internal(ctx, what, err)
}

func (s *Server) handleReviewQueue(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var f engineapi.QueueFilter
	if e := decodeStrict(req.body, &f); e != nil {
		return nil, e
	}
	page, err := s.review.Queue(ctx, req.actor, f, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review queue", err)
	}
	req.note(engineapi.AuditEvent{Action: "search", Detail: searchDetail("review queue", f, page.Total)})
	return page, nil
}

// searchDetail is a search's filters and result count, for the audit log.
func searchDetail(what string, f any, n int) string {
	enc, _ := json.Marshal(f)
	return fmt.Sprintf("%s %s → %d", what, enc, n)
}

func (s *Server) handleReviewOpen(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.AppRef
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	d, err := s.review.Detail(ctx, req.actor, in.AppID, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review open", err)
	}
	if req.actor.Role == engineapi.RoleHall {
		d.Actions = []string{}
	}
	req.note(engineapi.AuditEvent{Action: "open", Subject: d.App.ID, Detail: "child " + d.App.Child.ID})
	return d, nil
}

type decideFunc func(engineapi.ReviewStore, context.Context, engineapi.Actor, engineapi.DecideRequest, time.Time) (engineapi.StatusChange, error)

func (s *Server) handleReviewDecide(fn decideFunc) func(ctx context.Context, req *staffRequest) (any, *RequestError) {
	return func(ctx context.Context, req *staffRequest) (any, *RequestError) {
		var in engineapi.DecideRequest
		if e := decodeStrict(req.body, &in); e != nil {
			return nil, e
		}
		c, err := fn(s.review, ctx, req.actor, in, s.now())
		if err != nil {
			return nil, s.reviewErr(ctx, "review decide", err)
		}
		return c, nil
	}
}

type bulkFunc func(engineapi.ReviewStore, context.Context, engineapi.Actor, engineapi.QueueFilter, time.Time) (engineapi.BulkResult, error)

func (s *Server) handleReviewBulk(fn bulkFunc) func(ctx context.Context, req *staffRequest) (any, *RequestError) {
	return func(ctx context.Context, req *staffRequest) (any, *RequestError) {
		var f engineapi.QueueFilter
		if e := decodeStrict(req.body, &f); e != nil {
			return nil, e
		}
		res, err := fn(s.review, ctx, req.actor, f, s.now())
		if err != nil {
			return nil, s.reviewErr(ctx, "review bulk", err)
		}
		return res, nil
	}
}

func (s *Server) handleReviewAssign(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.AssignRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	a, err := s.review.Assign(ctx, req.actor, in, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review assign", err)
	}
	return a, nil
}

func (s *Server) handleReviewReviewers(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in struct{}
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	rs, err := s.review.Reviewers(ctx, req.actor)
	if err != nil {
		return nil, s.reviewErr(ctx, "review reviewers", err)
	}
	return engineapi.ReviewerList{Reviewers: rs}, nil
}

func (s *Server) handleReviewEvidence(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.EvidenceRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	it, err := s.review.SetEvidence(ctx, req.actor, in, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review evidence", err)
	}
	return it, nil
}

func (s *Server) handleReviewNotes(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.NoteRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	n, err := s.review.SaveNote(ctx, req.actor, in, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review note", err)
	}
	return n, nil
}

func (s *Server) handleReviewFilters(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.FilterRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	fs, err := s.review.Filters(ctx, req.actor, in, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review filters", err)
	}
	return engineapi.FilterList{Filters: fs}, nil
}

func (s *Server) handleReviewReasons(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.ReasonsRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	rs, err := s.review.Reasons(ctx, in)
	if err != nil {
		return nil, s.reviewErr(ctx, "review reasons", err)
	}
	return engineapi.ReasonList{Reasons: rs}, nil
}

func (s *Server) handleReviewReasonSave(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.ReasonSave
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	rt, err := s.review.SaveReason(ctx, req.actor, in, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review reason save", err)
	}
	return rt, nil
}

func (s *Server) handleReviewDuplicates(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.DuplicatesRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	sets, err := s.review.Duplicates(ctx, req.actor, in.All, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review duplicates", err)
	}
	req.note(engineapi.AuditEvent{Action: "search", Detail: searchDetail("duplicates", in, len(sets))})
	return engineapi.DuplicateList{Sets: sets}, nil
}

func (s *Server) handleReviewResolve(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in engineapi.ResolveRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	set, err := s.review.Resolve(ctx, req.actor, in, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review resolve", err)
	}
	return set, nil
}

func (s *Server) handleReviewConflicts(ctx context.Context, req *staffRequest) (any, *RequestError) {
	var in struct{}
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	l, err := s.review.ConflictList(ctx, req.actor, s.now())
	if err != nil {
		return nil, s.reviewErr(ctx, "review conflicts", err)
	}
	req.note(engineapi.AuditEvent{Action: "search", Detail: searchDetail("conflicts", in, len(l.Conflicts)+len(l.Refused))})
	return l, nil
}
