package syncer

import (
	"context"
	"errors"
	"net/http"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Registrar looks families up at the engine (ui.Registrar), so a networked
// kiosk needs no copy of department data. The engine answers an invalid ID
// number with 400 and the core error's code and message; Lookup returns
// that as a *core.Error, so the kiosk shows the same words as offline.
type Registrar struct {
	Client *Client
}

// Lookup asks the engine to cross-check one guardian and child. The result
// carries the decision and the draft application; the engine keeps the
// dossier.
func (r *Registrar) Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	resp, err := r.Client.Lookup(ctx, engineapi.LookupRequest{Guardian: guardian, Child: child, Stage: stage})
	if err != nil {
		var e *APIError
		if errors.As(err, &e) && e.Message != "" && (e.Status == http.StatusTooManyRequests || // too many look-ups: the engine says when to try again
			e.Status == http.StatusBadRequest && e.Reason != engineapi.ReasonMalformed && e.Reason != engineapi.ReasonBadRequest) {
			return nil, &core.Error{Code: e.Reason, Message: e.Message}
		}
		return nil, err
	}
	return &core.LookupResult{Decision: resp.Decision, Application: resp.Application}, nil
}
