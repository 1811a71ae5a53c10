// Package passhash hashes secrets people type — the kiosk's staff PIN, the
// staff desk's passwords — with argon2id and a random salt, stored in the
// PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$key). A stored hash
// carries its own parameters, so raising them later keeps old hashes
// readable.
package passhash

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Parameters of a new hash: OWASP's minimum for argon2id (19 MiB, two
// passes, one lane), tens of milliseconds on a kiosk's CPU with a small
// memory peak.
const (
	Time    = 2
	Memory  = 19 * 1024 // KiB
	Threads = 1
	SaltLen = 16
	KeyLen  = 32
)

// Hash is a stored secret: argon2id over it with a random salt.
type Hash struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

// New hashes secret with a fresh random salt.
func New(secret string) (Hash, error) {
	h := Hash{time: Time, memory: Memory, threads: Threads, salt: make([]byte, SaltLen)}
	if _, err := rand.Read(h.salt); err != nil {
		return h, fmt.Errorf("salt: %w", err)
	}
	h.key = argon2.IDKey([]byte(secret), h.salt, h.time, h.memory, h.threads, KeyLen)
	return h, nil
}

// Matches reports whether secret hashes to h, comparing in constant time.
// The zero Hash matches nothing.
func (h Hash) Matches(secret string) bool {
	if len(h.key) == 0 {
		return false
	}
	key := argon2.IDKey([]byte(secret), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// IsZero reports whether h is the zero Hash (nothing stored yet).
func (h Hash) IsZero() bool { return len(h.key) == 0 }

// String is the PHC string format.
func (h Hash) String() string {
	b64 := base64.RawStdEncoding.EncodeToString
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, h.threads, b64(h.salt), b64(h.key))
}

// Parse reads the PHC string String writes.
func Parse(s string) (Hash, error) {
	var h Hash
	parts := strings.Split(strings.TrimSpace(s), "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return h, fmt.Errorf("not an argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &h.threads); err != nil {
		return h, fmt.Errorf("parameters %q: %w", parts[3], err)
	}
	var err1, err2 error
	h.salt, err1 = base64.RawStdEncoding.DecodeString(parts[4])
	h.key, err2 = base64.RawStdEncoding.DecodeString(parts[5])
	if err := errors.Join(err1, err2); err != nil {
		return Hash{}, err
	}
	if h.time == 0 || h.memory == 0 || h.threads == 0 || len(h.salt) < 8 || len(h.key) < 16 {
		return Hash{}, fmt.Errorf("parameters out of range")
	}
	return h, nil
}

// Verify reports whether secret matches the stored PHC string; a string
// that does not parse matches nothing (and is an error).
func Verify(stored, secret string) (bool, error) {
	h, err := Parse(stored)
	if err != nil {
		return false, err
	}
	return h.Matches(secret), nil
}
