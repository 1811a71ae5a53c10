package engineapi_test

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
)

// A receipt of a revoked kiosk issued before the revocation is genuine;
// one issued after it is refused. A receipt of an unregistered device is
// refused, and one of a pending device (no key yet) too.
func TestCheckTokenRevokedAndUnknownKeys(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	revoked := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	devices := []engineapi.Device{{ID: "KD-A", Name: "大厅1号", PublicKey: key.Public().(ed25519.PublicKey), RevokedAt: revoked},
		{ID: "KD-P", Name: "未登记"}}
	sign := func(at time.Time) string {
		tok, err := receipt.Sign(key, receipt.Receipt{RegNo: "1234-5678-9012", AppID: "00000000-0000-4000-8000-000000000001",
			Stage: core.Primary, StatusCode: "queued", Time: at})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	chk, claims := engineapi.CheckToken(sign(revoked.Add(-time.Hour)), devices)
	if !chk.Valid || chk.SignerID != "KD-A" || claims.RegNo != "1234-5678-9012" || !strings.Contains(chk.Message, "大厅1号") {
		t.Errorf("before the revocation: %+v", chk)
	}
	chk, _ = engineapi.CheckToken(sign(revoked.Add(time.Hour)), devices)
	if chk.Valid || chk.Reason != engineapi.ETokenRevokedKey || chk.Claims != nil {
		t.Errorf("after the revocation: %+v", chk)
	}
	chk, _ = engineapi.CheckToken(sign(revoked), devices[1:])
	if chk.Valid || chk.Reason != receipt.ETokenUnknownKey {
		t.Errorf("no registered key: %+v", chk)
	}
}

// The paper beside the record: every differing fact flagged, the status
// only noted.
func TestCompareClaims(t *testing.T) {
	at := time.Date(2027, 6, 15, 9, 30, 0, 0, time.UTC)
	a := core.Application{ID: "00000000-0000-4000-8000-000000000001", RegNo: "1234-5678-9012", Stage: core.Primary,
		State: core.StateVerified, Child: core.Child{ID: "370811202103030021"}, KioskID: "K1", CreatedAt: at,
		Choices: []core.School{{Code: "S1"}, {Code: "S2"}}}
	c := receipt.Claims{RegNo: a.RegNo, AppID: a.ID, Stage: core.Primary, ChildMasked: a.Child.ID.Masked(), StatusCode: "queued",
		SchoolCodes: []string{"S2", "S1"}, KioskID: "K1", Issued: at}
	differs := map[string]bool{}
	for _, k := range engineapi.CompareClaims(c, a) {
		if k.Differs {
			differs[k.Field] = true
		}
		if k.Field == "status_code" && k.Note == "" {
			t.Error("a moved-on status is not noted")
		}
	}
	if len(differs) != 1 || !differs["school_codes"] {
		t.Errorf("flagged %v, want school_codes only", differs)
	}
}
