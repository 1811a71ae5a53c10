package audit

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Anchor is the chain's head at a moment, written to a file an operator
// copies elsewhere: a chain rewritten after it (every hash recomputed) no
// longer has Hash at Seq, and a chain cut short no longer reaches Seq.
type Anchor struct {
	Seq  int64
	Hash Hash
	At   time.Time
}

// anchorTag starts every anchor line.
const anchorTag = "enrolldesk-audit-anchor"

// String is the anchor's line, without the newline:
//
//	enrolldesk-audit-anchor v1 seq=1234 hash=<64 hex> at=2026-12-02T07:33:20Z
func (a Anchor) String() string {
	return fmt.Sprintf("%s v1 seq=%d hash=%s at=%s", anchorTag, a.Seq, a.Hash, a.At.UTC().Format(time.RFC3339))
}

// ParseAnchor reads one anchor line.
func ParseAnchor(line string) (Anchor, error) {
	var a Anchor
	f := strings.Fields(line)
	if len(f) != 5 || f[0] != anchorTag || f[1] != "v1" {
		return a, fmt.Errorf("not an anchor line (it should read %q)", anchorTag+" v1 seq=N hash=HEX at=TIME")
	}
	var seen [3]bool
	for _, kv := range f[2:] {
		k, val, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "seq":
			a.Seq, err = strconv.ParseInt(val, 10, 64)
			if err == nil && a.Seq < 0 {
				err = fmt.Errorf("negative")
			}
			seen[0] = true
		case "hash":
			a.Hash, err = ParseHash(val)
			seen[1] = true
		case "at":
			a.At, err = time.Parse(time.RFC3339, val)
			seen[2] = true
		default:
			err = fmt.Errorf("unknown field")
		}
		if err != nil {
			return Anchor{}, fmt.Errorf("anchor field %q is not valid: %v", kv, err)
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return Anchor{}, fmt.Errorf("anchor line needs seq=, hash= and at=")
	}
	return a, nil
}

// ReadAnchors reads an anchor file: one anchor a line; blank lines and
// lines starting with # are skipped. An unreadable line is an error naming
// its line number, since a damaged anchor file can hide a rewrite.
func ReadAnchors(r io.Reader) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, err := ParseAnchor(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// AnchorLine is a.String() and a newline, as an anchor file holds it.
func AnchorLine(a Anchor) []byte { return []byte(a.String() + "\n") }

// CheckAnchors checks anchors against a chain without walking it: hashAt
// returns the stored hash of entry seq, or ok false when there is none.
// It returns the first anchor (by Seq) the chain no longer matches.
func CheckAnchors(anchors []Anchor, hashAt func(seq int64) (h Hash, ok bool, err error)) (*Break, error) {
	sorted := append([]Anchor(nil), anchors...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Seq < sorted[j].Seq })
	for _, a := range sorted {
		if a.Seq == 0 {
			continue
		}
		h, ok, err := hashAt(a.Seq)
		if err != nil {
			return nil, err
		}
		when := a.At.UTC().Format("2006-01-02 15:04:05 UTC")
		if !ok {
			return &Break{Seq: a.Seq, Kind: Deleted, Why: fmt.Sprintf("it is missing, but the anchor written %s names it", when)}, nil
		}
		if h != a.Hash {
			return &Break{Seq: a.Seq, Kind: Rewritten, Why: fmt.Sprintf(
				"its hash differs from the anchor written %s: the chain was rewritten at or before this entry", when)}, nil
		}
	}
	return nil, nil
}
