package engine

import (
	"context"
	"net/http"
	"strings"

	"enrolldesk/core/engineapi"
)

// staffRoute is one path of the staff desktop: its method, the roles it
// admits and its handler. A handler that shows one school's data checks
// req.actor.SeesSchool itself.
type staffRoute struct {
	method string
	roles  []engineapi.Role // nil: any signed-in role
	handle func(ctx context.Context, req *staffRequest) (any, *RequestError)
}

// staffRequest is what a staff handler gets: the body, who is asking, and
// the audit events it notes (a search, an application opened), appended
// to the audit log after it answers.
type staffRequest struct {
	body   []byte
	actor  engineapi.Actor
	http   *http.Request
	events []engineapi.AuditEvent
}

// note records an audit event of this request, stamped with its actor.
func (r *staffRequest) note(ev engineapi.AuditEvent) {
	ev.Actor = r.actor.Label()
	r.events = append(r.events, ev)
}

// StaffAuth turns a request's session into the acting staff member, or
// refuses it (401 no_session, …).
type StaffAuth func(r *http.Request) (engineapi.Actor, *RequestError)

// addStaff registers a staff path.
func (s *Server) addStaff(path string, rt staffRoute) {
	if s.staff == nil {
		s.staff = map[string]staffRoute{}
	}
	s.staff[path] = rt
}

// allows reports whether the route admits the actor's role.
func (rt staffRoute) allows(a engineapi.Actor) bool {
	if rt.roles == nil {
		return a.Role.Valid()
	}
	for _, r := range rt.roles {
		if r == a.Role {
			return true
		}
	}
	return false
}

func isStaffPath(p string) bool { return strings.HasPrefix(p, engineapi.PathStaffPrefix) }

// serveStaff answers a staff path: method, body, session, role, handler,
// then the audit events the handler noted.
func (s *Server) serveStaff(w http.ResponseWriter, r *http.Request) string {
	rt, ok := s.staff[r.URL.Path]
	switch {
	case !ok:
		return s.writeError(w, refuse(http.StatusNotFound, engineapi.ReasonNotFound, "no such path"))
	case r.Method != rt.method:
		w.Header().Set("Allow", rt.method)
		return s.writeError(w, refuse(http.StatusMethodNotAllowed, engineapi.ReasonMethod, "use "+rt.method))
	}
	body, aerr := readBody(r)
	if aerr != nil {
		return s.writeError(w, aerr)
	}
	req := &staffRequest{body: body, http: r}
	if r.URL.Path != engineapi.PathStaffLogin {
		if s.staffAuth == nil {
			return s.writeError(w, refuse(http.StatusServiceUnavailable, engineapi.ReasonNoStaffDesk, "this engine has no staff desk"))
		}
		actor, aerr := s.staffAuth(r)
		if aerr != nil {
			return s.writeError(w, aerr)
		}
		if !rt.allows(actor) {
			return s.writeError(w, refuse(http.StatusForbidden, engineapi.ReasonForbidden, "your role may not do this; ask a bureau admin"))
		}
		req.actor = actor
	}
	v, aerr := rt.handle(r.Context(), req)
	if len(req.events) > 0 && s.audit != nil {
		now := s.now()
		for i := range req.events {
			if req.events[i].At.IsZero() {
				req.events[i].At = now
			}
		}
		if err := s.audit.Append(context.WithoutCancel(r.Context()), req.events); err != nil {
			// An answer the log cannot record is not given.
			return s.writeError(w, s.internal(r.Context(), "audit append", err))
		}
	}
	if aerr != nil {
		return s.writeError(w, aerr)
	}
	writeJSON(w, http.StatusOK, v)
	return "ok"
}
