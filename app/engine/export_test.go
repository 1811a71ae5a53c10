package engine

import (
	"sort"

	"enrolldesk/core/engineapi"
)

// StaffRoute is a registered staff path as the role matrix test sees it.
type StaffRoute struct {
	Path, Method string
	Roles        []engineapi.Role // nil: any signed-in role
}

// StaffRoutes lists every staff path the server registered, by path:
// the role matrix test walks them all, including those added later.
func (s *Server) StaffRoutes() []StaffRoute {
	out := make([]StaffRoute, 0, len(s.staff))
	for p, rt := range s.staff {
		out = append(out, StaffRoute{Path: p, Method: rt.method, Roles: rt.roles})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// LimitLookup exposes limitLookup to the tests.
func (s *Server) LimitLookup(key string) *RequestError { return s.limitLookup(key) }
