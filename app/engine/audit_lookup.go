package engine

import (
	"context"
	"strings"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// noteLookup appends a kiosk's look-up to the audit log once it is
// answered: the device, the child's masked ID number and what came back.
// A look-up the log cannot record is not answered. (Lookup returns a
// non-nil result whenever it returns no error.)
func (s *Server) noteLookup(ctx context.Context, req *request, in engineapi.LookupRequest, res *core.LookupResult, lookupErr error) *RequestError {
	if s.audit == nil || (lookupErr != nil && !core.IsInvalid(lookupErr)) {
		return nil // a fault is the operator's log's, not a look-up made
	}
	var d core.Decision
	if res != nil {
		d = res.Decision
	}
	ev := engineapi.AuditEvent{Actor: engineapi.Actor{ID: req.device.ID}.Label(), At: s.now(), Action: "lookup",
		Subject: "child:" + core.ResidentID(strings.ToUpper(strings.TrimSpace(in.Child))).Masked(),
		Detail:  lookupDetail(in, d, lookupErr)}
	if err := s.audit.Append(context.WithoutCancel(ctx), []engineapi.AuditEvent{ev}); err != nil {
		return s.internal(ctx, "audit append", err)
	}
	return nil
}

// lookupDetail is a look-up's result in a few words: the category and any
// problems, or why it was refused.
func lookupDetail(in engineapi.LookupRequest, d core.Decision, err error) string {
	var b strings.Builder
	b.WriteString("stage=" + string(in.Stage))
	if err != nil {
		b.WriteString(" refused=" + core.ErrorCode(err))
		return b.String()
	}
	if d.Category != "" {
		b.WriteString(" category=" + d.Category + " " + d.CategoryName)
	}
	if !d.Eligible {
		b.WriteString(" ineligible")
	}
	if d.NeedsReview {
		b.WriteString(" needs_review")
	}
	if len(d.Problems) > 0 {
		codes := make([]string, len(d.Problems))
		for i, p := range d.Problems {
			codes[i] = p.Code
		}
		b.WriteString(" problems=" + strings.Join(codes, ","))
	}
	return b.String()
}
