package engineapi_test

import (
	"crypto/ed25519"
	"regexp"
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
)

func TestEnrollmentCodes(t *testing.T) {
	code := engineapi.NewEnrollmentCode()
	if !regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`).MatchString(code) {
		t.Fatalf("code %q is not four groups of four Crockford characters", code)
	}
	if id := engineapi.NewDeviceID(); engineapi.NewEnrollmentCode() == code || engineapi.NewDeviceID() == id {
		t.Fatal("random values repeat")
	}
	typed := " " + strings.ToLower(strings.ReplaceAll(code, "-", " ")) + " "
	if engineapi.HashCode(typed) != engineapi.HashCode(code) {
		t.Error("a code typed in lower case with spaces hashes differently")
	}
	if h := engineapi.HashCode(code); len(h) != 64 || strings.Contains(h, code) {
		t.Errorf("hash %q", h)
	}
}

func TestSignVerify(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	body := []byte(`{"after":0}`)
	sig := engineapi.Sign(priv, "post", engineapi.PathPull, body, 1800000000, "nonce-nonce-nonce-nonce")
	cases := []struct {
		name         string
		method, path string
		body         string
		ts           int64
		nonce, sig   string
		want         bool
	}{
		{"OK", "POST", engineapi.PathPull, string(body), 1800000000, "nonce-nonce-nonce-nonce", sig, true},
		{"Body", "POST", engineapi.PathPull, `{"after":1}`, 1800000000, "nonce-nonce-nonce-nonce", sig, false},
		{"Path", "POST", engineapi.PathPush, string(body), 1800000000, "nonce-nonce-nonce-nonce", sig, false},
		{"Timestamp", "POST", engineapi.PathPull, string(body), 1800000001, "nonce-nonce-nonce-nonce", sig, false},
		{"Nonce", "POST", engineapi.PathPull, string(body), 1800000000, "nonce-nonce-nonce-noncf", sig, false},
		{"Garbage", "POST", engineapi.PathPull, string(body), 1800000000, "nonce-nonce-nonce-nonce", "!!", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := engineapi.Verify(pub, c.method, c.path, []byte(c.body), c.ts, c.nonce, c.sig); got != c.want {
				t.Errorf("Verify = %v, want %v", got, c.want)
			}
		})
	}
}

func TestReceive(t *testing.T) {
	at := time.Date(2027, 5, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		edit func(*core.Application)
		want core.State // "" for rejected
	}{
		{"Eligible", func(*core.Application) {}, core.StateVerified},
		{"NeedsReview", func(a *core.Application) { a.Decision.NeedsReview = true }, core.StateNeedsReview},
		{"NotEligible", func(a *core.Application) { a.Decision.Eligible = false }, core.StateNeedsReview},
		{"NoID", func(a *core.Application) { a.ID = "" }, ""},
		{"NoRegNo", func(a *core.Application) { a.RegNo = "" }, ""},
		{"BadStage", func(a *core.Application) { a.Stage = "college" }, ""},
		{"BadChild", func(a *core.Application) { a.Child.ID = "12345" }, ""},
		{"AlreadyReceived", func(a *core.Application) { a.State = core.StateReceived }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := storetest.App(1)
			c.edit(&a)
			got, err := engineapi.Receive(a, "KD-1", at)
			if c.want == "" {
				if !core.IsInvalid(err) || core.ErrorMessage(err) == "" {
					t.Fatalf("err = %v, want an invalid error with a message", err)
				}
				return
			}
			if err != nil || got.State != c.want {
				t.Fatalf("state %s, %v; want %s", got.State, err, c.want)
			}
			n := len(got.History)
			if n < 2 || got.History[n-2].To != core.StateReceived || got.History[n-1].To != c.want || got.History[n-1].At != at {
				t.Errorf("history %+v", got.History)
			}
			if len(a.History) != 1 {
				t.Error("Receive changed the caller's history")
			}
		})
	}
}

func TestConflictReasonNamesTheKeptNumber(t *testing.T) {
	r := engineapi.ConflictReason(core.Junior, "JN27J-ABCDE-FGHJK")
	if !strings.Contains(r, "JN27J-ABCDE-FGHJK") || !strings.Contains(r, "初中一年级") {
		t.Errorf("reason %q", r)
	}
}
