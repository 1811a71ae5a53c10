package receipt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"enrolldesk/core"
)

// TokenPrefix starts every receipt token; the digit is the format version,
// so a later format can live beside this one on old receipts.
const TokenPrefix = "EDR1."

// TokenVersion is the version written into the payload of new tokens.
const TokenVersion = 1

// Error codes returned by Verify.
const (
	ETokenMalformed    = "token_malformed"     // not a receipt token, or cut short
	ETokenUnknownKey   = "token_unknown_key"   // signed by a key the ring does not hold
	ETokenBadSignature = "token_bad_signature" // the content does not match its signature
)

// maxTokenLen bounds what Verify will look at; real tokens are about 300
// characters, so anything far longer is not one of ours.
const maxTokenLen = 4096

// b64 is unpadded base64url; Strict rejects non-canonical trailing bits so
// that every change to a token character changes the decoded bytes.
func b64() *base64.Encoding { return base64.RawURLEncoding.Strict() }

// Claims are the ASCII facts a receipt token vouches for.
type Claims struct {
	Version     int        `json:"version"`
	KeyID       string     `json:"key_id"`
	RegNo       string     `json:"reg_no"`
	AppID       string     `json:"app_id"`
	Stage       core.Stage `json:"stage"`
	ChildMasked string     `json:"child_masked,omitempty"`
	StatusCode  string     `json:"status_code"`
	SchoolCodes []string   `json:"school_codes,omitempty"`
	KioskID     string     `json:"kiosk_id,omitempty"`
	Issued      time.Time  `json:"issued"` // whole seconds, UTC
}

// payload is the signed JSON, with one-letter keys to keep the QR code
// small. A canonical lower-case UUID travels as 16 raw bytes ("u"); any
// other application ID travels as text ("a").
type payload struct {
	V int      `json:"v"`
	K string   `json:"k"`
	R string   `json:"r"`
	U string   `json:"u,omitempty"`
	A string   `json:"a,omitempty"`
	S string   `json:"s"`
	C string   `json:"c,omitempty"`
	X string   `json:"x"`
	H []string `json:"h,omitempty"`
	D string   `json:"d,omitempty"`
	T int64    `json:"t"`
}

// KeyID names a public key in tokens: base64url of the first 6 bytes of
// SHA-256 of the key, 8 characters.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return b64().EncodeToString(sum[:6])
}

// KeyRing holds the public keys a verifier trusts, by key ID.
type KeyRing map[string]ed25519.PublicKey

// Add trusts pub and returns its key ID.
func (r KeyRing) Add(pub ed25519.PublicKey) (string, error) {
	if len(pub) != ed25519.PublicKeySize {
		return "", fmt.Errorf("receipt: public key has %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	id := KeyID(pub)
	r[id] = append(ed25519.PublicKey(nil), pub...)
	return id, nil
}

// Sign returns the token for r's QR code: TokenPrefix, the base64url JSON
// payload, a dot and the base64url Ed25519 signature over everything before
// it. Only ASCII fields of r go into it.
func Sign(priv ed25519.PrivateKey, r Receipt) (string, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return "", core.Errorf(core.EINVALID, "签名密钥长度不对（%d 字节），无法签发回执。", len(priv))
	}
	p, err := newPayload(priv.Public().(ed25519.PublicKey), r)
	if err != nil {
		return "", err
	}
	js, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("receipt: encode payload: %w", err)
	}
	signed := TokenPrefix + b64().EncodeToString(js)
	sig := ed25519.Sign(priv, []byte(signed))
	return signed + "." + b64().EncodeToString(sig), nil
}

func newPayload(pub ed25519.PublicKey, r Receipt) (payload, error) {
	if r.RegNo == "" || r.AppID == "" || r.StatusCode == "" {
		return payload{}, core.Errorf(core.EINVALID, "回执缺少登记号、申请编号或状态，无法签发。")
	}
	if r.Time.IsZero() {
		return payload{}, core.Errorf(core.EINVALID, "回执缺少办理时间，无法签发。")
	}
	stage, ok := stageCode(r.Stage)
	if !ok {
		return payload{}, core.Errorf(core.EINVALID, "回执的学段“%s”不正确。", r.Stage)
	}
	fields := append([]string{r.RegNo, r.AppID, r.ChildMasked, r.StatusCode, r.KioskID}, r.SchoolCodes...)
	for _, f := range fields {
		if !isASCII(f) {
			return payload{}, core.Errorf(core.EINVALID, "回执的编号只能含英文字母、数字和符号：%q。", f)
		}
	}
	p := payload{V: TokenVersion, K: KeyID(pub), R: r.RegNo, S: stage, C: r.ChildMasked,
		X: r.StatusCode, H: r.SchoolCodes, D: r.KioskID, T: r.Time.Unix()}
	if raw, ok := uuidBytes(r.AppID); ok {
		p.U = b64().EncodeToString(raw)
	} else {
		p.A = r.AppID
	}
	return p, nil
}

// Verify checks token against the keys in ring and returns its claims. A
// failure is a *core.Error with code ETokenMalformed, ETokenUnknownKey or
// ETokenBadSignature and a message fit for the person holding the receipt.
func Verify(token string, ring KeyRing) (Claims, error) {
	signed, payloadB64, sig, ok := split(token)
	if !ok {
		return Claims{}, malformed()
	}
	js, err := b64().DecodeString(payloadB64)
	if err != nil {
		return Claims{}, malformed()
	}
	var p payload
	if err := decodeStrict(js, &p); err != nil || p.V != TokenVersion || p.K == "" {
		return Claims{}, malformed()
	}
	c, ok := p.claims()
	if !ok {
		return Claims{}, malformed()
	}
	pub, ok := ring[p.K]
	if !ok || len(pub) != ed25519.PublicKeySize {
		return Claims{}, core.Errorf(ETokenUnknownKey, "这张回执由未登记的设备签发，无法核验真伪，请到人工窗口核实。")
	}
	if !ed25519.Verify(pub, []byte(signed), sig) {
		return Claims{}, core.Errorf(ETokenBadSignature, "回执内容与签名不符，可能被改动过，请到人工窗口核实。")
	}
	return c, nil
}

func malformed() error {
	return core.Errorf(ETokenMalformed, "这不是有效的报名回执二维码，或内容不完整。")
}

// split takes the token apart into the signed text, the payload and the
// decoded signature.
func split(token string) (signed, payloadB64 string, sig []byte, ok bool) {
	if len(token) > maxTokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return "", "", nil, false
	}
	dot := strings.LastIndexByte(token, '.')
	if dot < len(TokenPrefix) {
		return "", "", nil, false
	}
	signed, payloadB64 = token[:dot], token[len(TokenPrefix):dot]
	if payloadB64 == "" || strings.IndexByte(payloadB64, '.') >= 0 {
		return "", "", nil, false
	}
	sig, err := b64().DecodeString(token[dot+1:])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "", "", nil, false
	}
	return signed, payloadB64, sig, true
}

func decodeStrict(js []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after payload")
	}
	return nil
}

func (p payload) claims() (Claims, bool) {
	stage, ok := stageName(p.S)
	if !ok || p.R == "" || p.X == "" {
		return Claims{}, false
	}
	app := p.A
	if p.U != "" {
		raw, err := b64().DecodeString(p.U)
		if err != nil || len(raw) != 16 || p.A != "" {
			return Claims{}, false
		}
		app = formatUUID(raw)
	}
	if app == "" {
		return Claims{}, false
	}
	return Claims{Version: p.V, KeyID: p.K, RegNo: p.R, AppID: app, Stage: stage, ChildMasked: p.C,
		StatusCode: p.X, SchoolCodes: p.H, KioskID: p.D, Issued: time.Unix(p.T, 0).UTC()}, true
}

// stageCode is a stage's one-letter form in the payload.
func stageCode(s core.Stage) (string, bool) {
	switch s {
	case core.Primary:
		return "p", true
	case core.Junior:
		return "j", true
	}
	return "", false
}

// stageName is the inverse of stageCode.
func stageName(code string) (core.Stage, bool) {
	switch code {
	case "p":
		return core.Primary, true
	case "j":
		return core.Junior, true
	}
	return "", false
}

// isASCII reports whether s is printable ASCII, what a QR reader decodes
// the same way everywhere.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// uuidBytes returns the 16 bytes of a canonical lower-case UUID string.
func uuidBytes(s string) ([]byte, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, false
	}
	h := s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if strings.ToLower(h) != h {
		return nil, false
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return nil, false
	}
	return raw, true
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
