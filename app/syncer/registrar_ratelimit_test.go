package syncer_test

import (
	"context"
	"testing"

	"enrolldesk/app/syncer"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// A kiosk over its look-up allowance shows the engine's words and looks
// nothing up elsewhere: the refusal is a domain error, not an outage.
func TestRegistrarLookupRateLimited(t *testing.T) {
	r := newRig(t)
	reg := &syncer.Registrar{Client: r.c}
	_, err := reg.Lookup(context.Background(), "flood", "370811202101010013", core.Primary)
	if core.ErrorCode(err) != engineapi.ReasonRateLimited || core.ErrorMessage(err) != "查询太频繁：每分钟最多查询60次。请2秒后再试。" {
		t.Fatalf("code %q message %q, want the engine's rate_limited refusal", core.ErrorCode(err), core.ErrorMessage(err))
	}
}
