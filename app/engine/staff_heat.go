package engine

import (
	"context"
	"net/http"

	"enrolldesk/core/engineapi"
)

// registerHeat adds the demand heat map (入学热度) to the staff paths. Every
// staff role may read it, a school admin included: it counts applications
// per school and category, names no family, and a school plans against its
// neighbours' demand too. It is not noted in the audit log: it is an
// aggregate with no personal data, and the window refreshes it as syncs
// arrive.
func (s *Server) registerHeat(src engineapi.HeatSource) {
	s.addStaff(engineapi.PathStaffHeatMap, staffRoute{method: http.MethodPost, handle: func(ctx context.Context, req *staffRequest) (any, *RequestError) {
		if src == nil {
			return nil, refuse(http.StatusServiceUnavailable, engineapi.ReasonNoStaffDesk,
				"this engine has no heat map: start it with the city's data (--city CITY.db)")
		}
		var in engineapi.HeatMapRequest
		if e := decodeStrict(req.body, &in); e != nil {
			return nil, e
		}
		if in.Stage != "" && !in.Stage.Valid() {
			return nil, refuse(http.StatusBadRequest, engineapi.ReasonBadRequest,
				`stage must be "primary", "junior" or empty for both`)
		}
		m, err := src.HeatMap(ctx, in.Stage)
		if err != nil {
			return nil, s.internal(ctx, "heat map", err)
		}
		return m, nil
	}})
}
