package engineapi_test

import (
	"crypto/ed25519"
	"regexp"
	"strings"
	"testing"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
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

func TestConflictReasonNamesTheKeptNumber(t *testing.T) {
	r := engineapi.ConflictReason(core.Junior, "JN27J-ABCDE-FGHJK")
	if !strings.Contains(r, "JN27J-ABCDE-FGHJK") || !strings.Contains(r, "初中一年级") {
		t.Errorf("reason %q", r)
	}
}
