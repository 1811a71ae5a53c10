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
	sig := engineapi.Sign(priv, "post", engineapi.PathPull, "KD-A", body, 1800000000, "nonce-nonce-nonce-nonce")
	cases := []struct {
		name         string
		method, path string
		device       string
		body         string
		ts           int64
		nonce, sig   string
		want         bool
	}{
		{"OK", "POST", engineapi.PathPull, "KD-A", string(body), 1800000000, "nonce-nonce-nonce-nonce", sig, true},
		{"Device", "POST", engineapi.PathPull, "KD-B", string(body), 1800000000, "nonce-nonce-nonce-nonce", sig, false},
		{"Body", "POST", engineapi.PathPull, "KD-A", `{"after":1}`, 1800000000, "nonce-nonce-nonce-nonce", sig, false},
		{"Path", "POST", engineapi.PathPush, "KD-A", string(body), 1800000000, "nonce-nonce-nonce-nonce", sig, false},
		{"Timestamp", "POST", engineapi.PathPull, "KD-A", string(body), 1800000001, "nonce-nonce-nonce-nonce", sig, false},
		{"Nonce", "POST", engineapi.PathPull, "KD-A", string(body), 1800000000, "nonce-nonce-nonce-noncf", sig, false},
		{"Garbage", "POST", engineapi.PathPull, "KD-A", string(body), 1800000000, "nonce-nonce-nonce-nonce", "!!", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := engineapi.Verify(pub, c.method, c.path, c.device, []byte(c.body), c.ts, c.nonce, c.sig); got != c.want {
				t.Errorf("Verify = %v, want %v", got, c.want)
			}
		})
	}
}

// An answer's signature binds status, path, body and the nonce of the
// request it answers: an old answer replayed to a new request fails.
func TestSignVerifyAnswer(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)
	body := []byte(`{"changes":[],"next":0}`)
	sig := engineapi.SignAnswer(priv, 200, engineapi.PathPull, "nonce-one-nonce-one-xx", body)
	if !engineapi.VerifyAnswer(pub, 200, engineapi.PathPull, "nonce-one-nonce-one-xx", body, sig) {
		t.Fatal("a good answer does not verify")
	}
	for name, ok := range map[string]bool{
		"OtherNonce":  engineapi.VerifyAnswer(pub, 200, engineapi.PathPull, "nonce-two-nonce-two-xx", body, sig),
		"OtherStatus": engineapi.VerifyAnswer(pub, 403, engineapi.PathPull, "nonce-one-nonce-one-xx", body, sig),
		"OtherPath":   engineapi.VerifyAnswer(pub, 200, engineapi.PathLookup, "nonce-one-nonce-one-xx", body, sig),
		"OtherBody":   engineapi.VerifyAnswer(pub, 200, engineapi.PathPull, "nonce-one-nonce-one-xx", []byte(`{"changes":[],"next":1}`), sig),
		"Unsigned":    engineapi.VerifyAnswer(pub, 200, engineapi.PathPull, "nonce-one-nonce-one-xx", body, ""),
	} {
		if ok {
			t.Errorf("%s: a changed answer verifies", name)
		}
	}
}

func TestFingerprintAndEnrollment(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	other := ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 1)).Public().(ed25519.PublicKey)
	fp := engineapi.Fingerprint(pub)
	if len(fp) != 19 || strings.Count(fp, "-") != 3 || fp == engineapi.Fingerprint(other) {
		t.Fatalf("fingerprint %q", fp)
	}
	typed := strings.ToLower(strings.ReplaceAll(fp, "-", " "))
	if !engineapi.SameFingerprint(typed, pub) || engineapi.SameFingerprint(fp, other) || engineapi.SameFingerprint("", pub) {
		t.Error("SameFingerprint compares wrongly")
	}
	code, got := engineapi.SplitEnrollment(" ABCD-EFGH-JKMN-PQRS/" + fp + " ")
	if code != "ABCD-EFGH-JKMN-PQRS" || got != fp {
		t.Errorf("SplitEnrollment = %q, %q", code, got)
	}
	if code, got := engineapi.SplitEnrollment("ABCD-EFGH-JKMN-PQRS"); code != "ABCD-EFGH-JKMN-PQRS" || got != "" {
		t.Errorf("a bare code splits into %q, %q", code, got)
	}
}

func TestConflictReasonNamesTheKeptNumber(t *testing.T) {
	r := engineapi.ConflictReason(core.Junior, "JN27J-ABCDE-FGHJK")
	if !strings.Contains(r, "JN27J-ABCDE-FGHJK") || !strings.Contains(r, "初中一年级") {
		t.Errorf("reason %q", r)
	}
}
