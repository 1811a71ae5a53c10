package receipt_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/receipt"
)

// testKey returns a fixed key pair so failures reproduce.
func testKey(tb testing.TB, seed byte) (ed25519.PrivateKey, receipt.KeyRing) {
	tb.Helper()
	priv := ed25519.NewKeyFromSeed([]byte(strings.Repeat(string(rune('A'+seed)), ed25519.SeedSize)))
	ring := receipt.KeyRing{}
	if _, err := ring.Add(priv.Public().(ed25519.PublicKey)); err != nil {
		tb.Fatal(err)
	}
	return priv, ring
}

func sample() receipt.Receipt {
	return receipt.Receipt{
		RegNo: "JN27P-4F7K-9Q2M", AppID: "3f2a9c4e-1b7d-4e2f-9a3b-5c6d7e8f9a0b", Stage: core.Primary,
		ChildName: "王小明", ChildMasked: "370811********123X", GuardianName: "王建国", GuardianMasked: "370811********0017",
		Category: "房户一致", Schools: []string{"文昌小学"}, SchoolCodes: []string{"P001"},
		Status: "已提交", StatusCode: "submitted", KioskID: "JN-RC-01",
		Time: time.Date(2027, 5, 12, 9, 30, 15, 0, time.FixedZone("CST", 8*3600)),
	}
}

func TestSignVerify(t *testing.T) {
	priv, ring := testKey(t, 0)
	t.Run("OK", func(t *testing.T) {
		r := sample()
		tok, err := receipt.Sign(priv, r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := receipt.Verify(tok, ring)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		want := receipt.Claims{Version: 1, KeyID: receipt.KeyID(priv.Public().(ed25519.PublicKey)), RegNo: r.RegNo,
			AppID: r.AppID, Stage: r.Stage, ChildMasked: r.ChildMasked, StatusCode: r.StatusCode,
			SchoolCodes: r.SchoolCodes, KioskID: r.KioskID, Issued: time.Date(2027, 5, 12, 1, 30, 15, 0, time.UTC)}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("claims:\n got %+v\nwant %+v", got, want)
		}
		if len(tok) >= 320 {
			t.Errorf("token is %d characters, want < 320 for a typical receipt", len(tok))
		}
		t.Logf("token (%d chars): %s", len(tok), tok)
	})
	t.Run("NonUUIDAppIDAndJunior", func(t *testing.T) {
		r := sample()
		r.AppID, r.Stage, r.SchoolCodes = "APP-0001", core.Junior, []string{"J001", "J002", "J003"}
		tok, err := receipt.Sign(priv, r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := receipt.Verify(tok, ring)
		if err != nil {
			t.Fatal(err)
		}
		if got.AppID != r.AppID || got.Stage != core.Junior || !reflect.DeepEqual(got.SchoolCodes, r.SchoolCodes) {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("UpperCaseUUIDKeptVerbatim", func(t *testing.T) {
		r := sample()
		r.AppID = strings.ToUpper(r.AppID)
		tok, err := receipt.Sign(priv, r)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := receipt.Verify(tok, ring); err != nil || got.AppID != r.AppID {
			t.Fatalf("got %q, %v; want %q", got.AppID, err, r.AppID)
		}
	})
	t.Run("TokenIsASCII", func(t *testing.T) {
		tok, err := receipt.Sign(priv, sample())
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] < 0x21 || tok[i] > 0x7e {
				t.Fatalf("byte %d of the token is %#x", i, tok[i])
			}
		}
	})
}

func TestSignRejects(t *testing.T) {
	priv, _ := testKey(t, 0)
	for name, edit := range map[string]func(*receipt.Receipt){
		"NoRegNo":      func(r *receipt.Receipt) { r.RegNo = "" },
		"NoAppID":      func(r *receipt.Receipt) { r.AppID = "" },
		"NoStatus":     func(r *receipt.Receipt) { r.StatusCode = "" },
		"NoTime":       func(r *receipt.Receipt) { r.Time = time.Time{} },
		"BadStage":     func(r *receipt.Receipt) { r.Stage = "senior" },
		"ChineseKiosk": func(r *receipt.Receipt) { r.KioskID = "任城大厅" },
		"ChineseSchoolCode": func(r *receipt.Receipt) {
			r.SchoolCodes = []string{"文昌"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := sample()
			edit(&r)
			_, err := receipt.Sign(priv, r)
			if core.ErrorCode(err) != core.EINVALID {
				t.Fatalf("err = %v (code %q), want code %q", err, core.ErrorCode(err), core.EINVALID)
			}
		})
	}
	t.Run("ShortKey", func(t *testing.T) {
		if _, err := receipt.Sign(priv[:10], sample()); err == nil {
			t.Fatal("signed with a truncated key")
		}
	})
}

// TestVerifyTampered changes each byte of a good token in turn: every
// change must be refused, whatever the reason given.
func TestVerifyTampered(t *testing.T) {
	priv, ring := testKey(t, 0)
	tok, err := receipt.Sign(priv, sample())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(tok); i++ {
		for _, c := range []byte{'A', '_', '.', 'z'} {
			if tok[i] == c {
				continue
			}
			bad := tok[:i] + string(c) + tok[i+1:]
			if _, err := receipt.Verify(bad, ring); err == nil {
				t.Fatalf("byte %d changed to %q still verifies", i, c)
			}
		}
	}
}

func TestVerifyCodes(t *testing.T) {
	priv, ring := testKey(t, 0)
	other, _ := testKey(t, 1)
	good, err := receipt.Sign(priv, sample())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := receipt.Sign(other, sample())
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(good, receipt.TokenPrefix)
	payloadB64, sigB64, _ := strings.Cut(body, ".")
	enc := base64.RawURLEncoding
	resign := func(js string) string { // a validly signed token around arbitrary JSON
		signed := receipt.TokenPrefix + enc.EncodeToString([]byte(js))
		return signed + "." + enc.EncodeToString(ed25519.Sign(priv, []byte(signed)))
	}
	kid := receipt.KeyID(priv.Public().(ed25519.PublicKey))
	tests := []struct {
		name, token, code string
	}{
		{"Empty", "", receipt.ETokenMalformed},
		{"JustPrefix", receipt.TokenPrefix, receipt.ETokenMalformed},
		{"WrongPrefix", "EDR2." + body, receipt.ETokenMalformed},
		{"NoSignature", receipt.TokenPrefix + payloadB64, receipt.ETokenMalformed},
		{"EmptySignature", receipt.TokenPrefix + payloadB64 + ".", receipt.ETokenMalformed},
		{"ShortSignature", receipt.TokenPrefix + payloadB64 + "." + sigB64[:40], receipt.ETokenMalformed},
		{"ThreeParts", receipt.TokenPrefix + payloadB64 + ".x." + sigB64, receipt.ETokenMalformed},
		{"Padded", good + "==", receipt.ETokenMalformed},
		{"StdAlphabet", strings.NewReplacer("-", "+", "_", "/").Replace(good), receipt.ETokenMalformed},
		{"Huge", receipt.TokenPrefix + strings.Repeat("A", 5000) + "." + sigB64, receipt.ETokenMalformed},
		{"URL", "https://example.org/?q=1", receipt.ETokenMalformed},
		{"Whitespace", " " + good, receipt.ETokenMalformed},
		{"NotJSON", resign("hello"), receipt.ETokenMalformed},
		{"UnknownField", resign(`{"v":1,"k":"` + kid + `","r":"X","a":"A","s":"p","x":"s","t":1,"z":1}`), receipt.ETokenMalformed},
		{"BadVersion", resign(`{"v":2,"k":"` + kid + `","r":"X","a":"A","s":"p","x":"s","t":1}`), receipt.ETokenMalformed},
		{"BadStage", resign(`{"v":1,"k":"` + kid + `","r":"X","a":"A","s":"q","x":"s","t":1}`), receipt.ETokenMalformed},
		{"NoAppID", resign(`{"v":1,"k":"` + kid + `","r":"X","s":"p","x":"s","t":1}`), receipt.ETokenMalformed},
		{"ShortUUID", resign(`{"v":1,"k":"` + kid + `","r":"X","u":"AAAA","s":"p","x":"s","t":1}`), receipt.ETokenMalformed},
		{"TrailingJSON", resign(`{"v":1,"k":"` + kid + `","r":"X","a":"A","s":"p","x":"s","t":1} {}`), receipt.ETokenMalformed},
		{"UnknownKey", foreign, receipt.ETokenUnknownKey},
		{"SignatureOfOtherToken", receipt.TokenPrefix + payloadB64 + "." + foreign[strings.LastIndexByte(foreign, '.')+1:], receipt.ETokenBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := receipt.Verify(tt.token, ring)
			if got := core.ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.code)
			}
			if _, ok := err.(*core.Error); !ok {
				t.Fatalf("error is %T, want *core.Error", err)
			}
			if msg := core.ErrorMessage(err); !strings.ContainsAny(msg, "回执") {
				t.Fatalf("message %q is not plain Chinese about the receipt", msg)
			}
		})
	}
	t.Run("MinimalSignedPayload", func(t *testing.T) {
		c, err := receipt.Verify(resign(`{"v":1,"k":"`+kid+`","r":"X","a":"A","s":"j","x":"s","t":1}`), ring)
		if err != nil {
			t.Fatal(err)
		}
		if c.RegNo != "X" || c.Stage != core.Junior || c.Issued.Unix() != 1 {
			t.Fatalf("claims %+v", c)
		}
	})
}

func TestKeyRing(t *testing.T) {
	priv, _ := testKey(t, 0)
	pub := priv.Public().(ed25519.PublicKey)
	ring := receipt.KeyRing{}
	id, err := ring.Add(pub)
	if err != nil {
		t.Fatal(err)
	}
	if id != receipt.KeyID(pub) || len(id) != 8 {
		t.Fatalf("id %q, KeyID %q", id, receipt.KeyID(pub))
	}
	if _, err := ring.Add(pub[:31]); err == nil {
		t.Fatal("accepted a 31-byte key")
	}
	ring["broken"] = pub[:5] // a hand-built ring must not make Verify panic
	tok, err := receipt.Sign(priv, sample())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receipt.Verify(tok, ring); err != nil {
		t.Fatal(err)
	}
}

// FuzzVerify feeds arbitrary strings to Verify: it must never panic, and
// whatever it accepts must have been signed by the ring's key.
func FuzzVerify(f *testing.F) {
	priv, ring := testKey(f, 0)
	good, err := receipt.Sign(priv, sample())
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{good, "", receipt.TokenPrefix, "EDR1..", "EDR1.e30.", good[:len(good)-1],
		good + "A", strings.Replace(good, ".", "..", 1), receipt.TokenPrefix + "eyJ2IjoxfQ." + strings.Repeat("A", 86)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := receipt.Verify(tok, ring)
		if err != nil {
			if core.ErrorCode(err) == core.EINTERNAL {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if c.RegNo == "" || c.AppID == "" {
			t.Fatalf("accepted claims without reg no or app id: %+v", c)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	priv, _ := testKey(b, 0)
	r := sample()
	for b.Loop() {
		if _, err := receipt.Sign(priv, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	priv, ring := testKey(b, 0)
	tok, err := receipt.Sign(priv, sample())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := receipt.Verify(tok, ring); err != nil {
			b.Fatal(err)
		}
	}
}
