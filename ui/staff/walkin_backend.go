package staff

import (
	"context"

	"enrolldesk/core/engineapi"
)

// WalkInBackend is what the walk-in screen needs of the engine: the
// look-up (decision, evidence, masked draft) and the submit (stored
// application and the receipt to print, signed by the engine's desk key).
// An error's text is shown to staff as it is; app/staffclient returns the
// engine's plain-words message.
type WalkInBackend interface {
	WalkInLookup(ctx context.Context, req engineapi.WalkInLookupRequest) (engineapi.WalkInLookupResponse, error)
	WalkInSubmit(ctx context.Context, req engineapi.WalkInSubmitRequest) (engineapi.WalkInSubmitResponse, error)
}

// FindBackend is what the find screen needs: find by scanned token, ID
// number or registration number, and a receipt to print again.
type FindBackend interface {
	Find(ctx context.Context, req engineapi.FindRequest) (engineapi.FindResponse, error)
	Reprint(ctx context.Context, req engineapi.ReprintRequest) (engineapi.ReprintResponse, error)
}
