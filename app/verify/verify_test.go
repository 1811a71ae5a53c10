package verify_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/keys"
	"enrolldesk/app/verify"
	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

func sample() receipt.Receipt {
	return receipt.Receipt{RegNo: "JN27P-4F7K-9Q2M", AppID: "3f2a9c4e-1b7d-4e2f-9a3b-5c6d7e8f9a0b", Stage: core.Primary,
		ChildMasked: "370811********123X", SchoolCodes: []string{"P002", "P001"}, StatusCode: "needs_review",
		KioskID: "JN-RC-01", Time: time.Date(2027, 5, 12, 9, 30, 0, 0, time.UTC)}
}

// setup makes a key directory with its own key and returns a token signed
// by it.
func setup(t *testing.T) (dir, token string) {
	t.Helper()
	dir = t.TempDir()
	priv, err := keys.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	token, err = receipt.Sign(priv, sample())
	if err != nil {
		t.Fatal(err)
	}
	return dir, token
}

func run(args []string, keyDir string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = verify.RunVerify(args, keyDir, keys.LoadKeyRing, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunVerify(t *testing.T) {
	dir, token := setup(t)
	t.Run("OK", func(t *testing.T) {
		code, out, errOut := run([]string{token}, dir)
		if code != verify.ExitOK || errOut != "" {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		for _, want := range []string{"回执有效", "JN27P-4F7K-9Q2M", "370811********123X", "needs_review", "P002, P001", "JN-RC-01", "小学一年级"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("JSONAndKeysFlagAfterToken", func(t *testing.T) {
		code, out, errOut := run([]string{token, "--keys", dir, "--json"}, "/nonexistent")
		if code != verify.ExitOK {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		var c receipt.Claims
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if c.RegNo != "JN27P-4F7K-9Q2M" || c.AppID != sample().AppID || !c.Issued.Equal(sample().Time) {
			t.Fatalf("claims %+v", c)
		}
	})
	t.Run("Failures", func(t *testing.T) {
		_, foreign := setup(t)
		priv, err := keys.LoadOrCreate(dir)
		if err != nil {
			t.Fatal(err)
		}
		r := sample()
		r.StatusCode = "submitted"
		otherTok, err := receipt.Sign(priv, r)
		if err != nil {
			t.Fatal(err)
		}
		// the payload of one token with the signature of another
		swapped := token[:strings.LastIndexByte(token, '.')] + otherTok[strings.LastIndexByte(otherTok, '.'):]
		tampered := strings.Replace(token, token[10:14], "AAAA", 1)
		for name, tt := range map[string]struct {
			token, reason string
		}{
			"BadSignature": {swapped, "bad signature"},
			"UnknownKey":   {foreign, "unknown key"},
			"Malformed":    {"hello", "malformed"},
			"Tampered":     {tampered, ""},
		} {
			t.Run(name, func(t *testing.T) {
				code, out, errOut := run([]string{tt.token}, dir)
				if code != verify.ExitInvalid || out != "" {
					t.Fatalf("exit %d, stdout %q", code, out)
				}
				if !strings.Contains(errOut, "回执无效") || !strings.Contains(errOut, tt.reason) {
					t.Fatalf("stderr %q, want the reason %q", errOut, tt.reason)
				}
			})
		}
	})
	t.Run("TrustedKey", func(t *testing.T) {
		other, foreign := setup(t)
		data, err := os.ReadFile(filepath.Join(other, keys.PublicFile))
		if err != nil {
			t.Fatal(err)
		}
		staff := t.TempDir()
		if err := os.MkdirAll(filepath.Join(staff, keys.TrustedDir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(staff, keys.TrustedDir, "hall-2.pub"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := run([]string{"--keys", staff, foreign}, ""); code != verify.ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("NoKeys", func(t *testing.T) {
		code, _, errOut := run([]string{token}, t.TempDir())
		if code != verify.ExitInvalid || !strings.Contains(errOut, "公钥") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("Usage", func(t *testing.T) {
		for name, args := range map[string][]string{
			"NoToken":     nil,
			"TwoTokens":   {token, token},
			"UnknownFlag": {"--frobnicate", token},
			"BlankToken":  {"  "},
			"KeysNoValue": {token, "--keys"},
		} {
			t.Run(name, func(t *testing.T) {
				code, out, errOut := run(args, dir)
				if code != verify.ExitUsage || out != "" || errOut == "" {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
				}
			})
		}
		if code, _, errOut := run([]string{token}, ""); code != verify.ExitUsage {
			t.Fatalf("no key directory: exit %d, %q", code, errOut)
		}
		if code, _, errOut := run([]string{"-h"}, dir); code != verify.ExitOK || !strings.Contains(errOut, "usage:") {
			t.Fatalf("-h: exit %d, %q", code, errOut)
		}
	})
}

func BenchmarkRunVerify(b *testing.B) {
	dir := b.TempDir()
	priv, err := keys.LoadOrCreate(dir)
	if err != nil {
		b.Fatal(err)
	}
	token, err := receipt.Sign(priv, sample())
	if err != nil {
		b.Fatal(err)
	}
	var out, errb bytes.Buffer
	for b.Loop() {
		out.Reset()
		if code := verify.RunVerify([]string{token}, dir, keys.LoadKeyRing, &out, &errb); code != 0 {
			b.Fatal(errb.String())
		}
	}
}
