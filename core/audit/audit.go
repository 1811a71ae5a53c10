// Package audit is the engine's tamper-evident log: entries chained by
// SHA-256, each holding the hash of the one before, a verifier that walks
// the chain and names the first entry that was changed, deleted, inserted
// or moved, and anchors — the chain's head copied elsewhere — that catch a
// rewrite of the whole chain. Stores (SQLite, PostgreSQL) keep the entries;
// the chain logic lives here so that every store chains the same way.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"enrolldesk/core/engineapi"
)

// Hash is a SHA-256 digest: an entry's own hash or the one before it.
type Hash [sha256.Size]byte

// Genesis is the Prev of the first entry: all zero.
var Genesis Hash

// String returns the hash in lower-case hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads 64 hex characters.
func ParseHash(s string) (Hash, error) {
	var h Hash
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("audit: %q is not a hash (64 hex characters)", s)
	}
	copy(h[:], b)
	return h, nil
}

// HashFromBytes copies a stored 32-byte hash; ok is false for another length.
func HashFromBytes(b []byte) (Hash, bool) {
	var h Hash
	if len(b) != len(h) {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// Entry is one link of the chain: an AuditEvent with its place (Seq, from
// 1 with no gaps), the hash of the entry before (Prev) and its own Hash =
// SHA-256(Prev || Encode()).
type Entry struct {
	Seq     int64
	Prev    Hash
	Hash    Hash
	Actor   string
	At      time.Time
	Action  string
	Subject string
	Before  string
	After   string
	Reason  string
	Detail  string
}

// Event returns the entry's event.
func (e Entry) Event() engineapi.AuditEvent {
	return engineapi.AuditEvent{Actor: e.Actor, At: e.At, Action: e.Action, Subject: e.Subject,
		Before: e.Before, After: e.After, Reason: e.Reason, Detail: e.Detail}
}

// encodingTag starts every encoding, so a later format cannot be confused
// with this one.
const encodingTag = "enrolldesk/audit/v1"

// Encode is the entry's canonical bytes, which its hash covers: the tag,
// Seq (8 bytes big-endian), At as Unix seconds (8 bytes) and nanoseconds
// (4 bytes), then Actor, Action, Subject, Before, After, Reason and Detail,
// each as a 4-byte big-endian length and its bytes. Every field has its
// length, so no two different entries encode the same.
func (e Entry) Encode() []byte {
	return e.appendEncoding(make([]byte, 0, e.encodedLen()))
}

func (e Entry) encodedLen() int {
	n := 4 + len(encodingTag) + 8 + 8 + 4
	for _, f := range e.fields() {
		n += 4 + len(f)
	}
	return n
}

func (e Entry) fields() [7]string {
	return [7]string{e.Actor, e.Action, e.Subject, e.Before, e.After, e.Reason, e.Detail}
}

func (e Entry) appendEncoding(b []byte) []byte {
	b = appendField(b, encodingTag)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(e.At.Nanosecond()))
	for _, f := range e.fields() {
		b = appendField(b, f)
	}
	return b
}

func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Sum returns SHA-256(Prev || Encode()): what Hash should be.
func (e Entry) Sum() Hash {
	var buf [512]byte
	b := append(buf[:0], e.Prev[:]...)
	b = e.appendEncoding(b)
	return sha256.Sum256(b)
}

// Head is the chain's last entry as a store caches it: the next entry gets
// Seq+1 and Prev = Hash. The zero Head is an empty chain.
type Head struct {
	Seq  int64
	Hash Hash
}

// Next chains ev after h: the new entry (masked, hashed) and the new head.
// ev.At should be set (a zero At is recorded as such).
func (h Head) Next(ev engineapi.AuditEvent) (Entry, Head) {
	e := FromEvent(ev)
	e.Seq = h.Seq + 1
	e.Prev = h.Hash
	e.Hash = e.Sum()
	return e, Head{Seq: e.Seq, Hash: e.Hash}
}

// Chain chains events after h in order.
func (h Head) Chain(events []engineapi.AuditEvent) ([]Entry, Head) {
	out := make([]Entry, len(events))
	for i, ev := range events {
		out[i], h = h.Next(ev)
	}
	return out, h
}

// FromEvent turns an event into an unchained entry: any 18-character ID
// number in its text masked (a staff member's reason may quote one), its
// time in UTC.
func FromEvent(ev engineapi.AuditEvent) Entry {
	return Entry{
		Actor:   MaskIDs(ev.Actor),
		At:      ev.At.UTC(),
		Action:  MaskIDs(ev.Action),
		Subject: MaskIDs(ev.Subject),
		Before:  MaskIDs(ev.Before),
		After:   MaskIDs(ev.After),
		Reason:  MaskIDs(ev.Reason),
		Detail:  MaskIDs(ev.Detail),
	}
}

// MaskIDs masks every run of 17 digits and a digit or X (a resident ID
// number) not part of a longer run of digits: the area code and the last
// four characters are kept, the birth date hidden, as core.ResidentID.Masked.
func MaskIDs(s string) string {
	if len(s) < 18 {
		return s
	}
	var b []byte
	run := 0 // digits seen in a row ending at i-1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			run++
			continue
		}
		if run == 17 && (c == 'X' || c == 'x') && !digitAt(s, i+1) {
			b = maskAt(b, s, i-17)
		} else if run == 18 {
			b = maskAt(b, s, i-18)
		}
		run = 0
	}
	if run == 18 {
		b = maskAt(b, s, len(s)-18)
	}
	if b == nil {
		return s
	}
	return string(b)
}

func digitAt(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

// maskAt stars the 8 birth-date characters of the ID number starting at i,
// copying s on first use.
func maskAt(b []byte, s string, i int) []byte {
	if b == nil {
		b = []byte(s)
	}
	for j := i + 6; j < i+14; j++ {
		b[j] = '*'
	}
	return b
}
