// Package review is the review desk's pure rules (issue 9): due dates and
// ageing, the queue's order and its cursor, the evidence sources a
// reviewer checks, the duplicate-set rules and the reason library's
// templates. Standard library and core only; the store and the server
// apply them.
package review

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Due is the review deadline of an application received at received:
// the policy's review days later (core.Policy.ReviewDeadline).
func Due(received time.Time, days int) time.Time {
	return received.AddDate(0, 0, days)
}

// AgeDays is the whole days since receipt (0 on the day itself, never
// negative).
func AgeDays(received, now time.Time) int {
	d := now.Sub(received)
	if d < 0 {
		return 0
	}
	return int(d / (24 * time.Hour))
}

// Undecided reports whether a reviewer still owes the application a
// decision: it needs review, or it is verified and not yet approved.
func Undecided(s core.State) bool {
	return s == core.StateNeedsReview || s == core.StateVerified
}

// Overdue reports whether an undecided application is past its due date.
func Overdue(s core.State, due, now time.Time) bool {
	return Undecided(s) && now.After(due)
}

// Rank is the first key of the queue order: 0 for needs_review, 1 for
// every other state.
func Rank(s core.State) int {
	if s == core.StateNeedsReview {
		return 0
	}
	return 1
}

// Key is an application's place in the queue. With one review deadline
// for every application the due date is received time plus a constant,
// so ordering by due date and then received time is ordering by received
// time; the store indexes (rank, received, ID).
type Key struct {
	Rank     int
	Received int64 // unix seconds
	ID       string
}

// Less is the queue order: needs_review first, then the earliest due
// (= earliest received), then ID for ties.
func (k Key) Less(o Key) bool {
	if k.Rank != o.Rank {
		return k.Rank < o.Rank
	}
	if k.Received != o.Received {
		return k.Received < o.Received
	}
	return k.ID < o.ID
}

// Cursor encodes the key of the last item of a page, opaque to clients.
func (k Key) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(k.Rank) + "." + strconv.FormatInt(k.Received, 10) + "." + k.ID))
}

// ParseCursor decodes a cursor; a damaged one is EINVALID with what to do.
func ParseCursor(c string) (Key, error) {
	bad := core.Errorf(core.EINVALID, "翻页位置无效：请从第一页重新查询。")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return Key{}, bad
	}
	parts := strings.SplitN(string(b), ".", 3)
	if len(parts) != 3 {
		return Key{}, bad
	}
	r, err1 := strconv.Atoi(parts[0])
	t, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || (r != 0 && r != 1) || parts[2] == "" {
		return Key{}, bad
	}
	return Key{Rank: r, Received: t, ID: parts[2]}, nil
}

// CheckFilter validates a queue filter and returns its page size.
func CheckFilter(f engineapi.QueueFilter) (int, error) {
	switch {
	case f.Limit < 0 || f.Limit > engineapi.MaxQueueLimit:
		return 0, core.Errorf(core.EINVALID, "每页条数应在 1 到 %d 之间（0 取 %d），收到 %d。", engineapi.MaxQueueLimit, engineapi.DefaultQueueLimit, f.Limit)
	case f.State != "" && !knownState(f.State):
		return 0, core.Errorf(core.EINVALID, "状态“%s”不存在：请从列表中选择。", truncate(string(f.State), 20))
	case f.Evidence != "" && !ValidEvidenceStatus(f.Evidence):
		return 0, core.Errorf(core.EINVALID, "证据状态应为 pending、verified 或 doubtful，收到“%s”。", truncate(f.Evidence, 20))
	case f.Mine && f.Assignee != "":
		return 0, core.Errorf(core.EINVALID, "“我的”与指定审核人不能同时使用：请只选一个。")
	case len(f.School) > 64 || len(f.Category) > 64 || len(f.Problem) > 64 || len(f.Assignee) > 64 || len(f.Cursor) > 400:
		return 0, core.Errorf(core.EINVALID, "筛选条件过长：请检查后重试。")
	}
	if f.Limit == 0 {
		return engineapi.DefaultQueueLimit, nil
	}
	return f.Limit, nil
}

var allStates = []core.State{core.StateDraft, core.StateSubmitted, core.StateReceived, core.StateVerified, core.StateNeedsReview,
	core.StateApproved, core.StateReturned, core.StateRejected, core.StateAdmitted, core.StateWaitlisted, core.StatePlaced, core.StateRegistered}

func knownState(s core.State) bool {
	for _, x := range allStates {
		if x == s {
			return true
		}
	}
	return false
}

// ValidEvidenceStatus reports whether s is one of the Evidence* statuses.
func ValidEvidenceStatus(s string) bool {
	return s == engineapi.EvidencePending || s == engineapi.EvidenceVerified || s == engineapi.EvidenceDoubtful
}

// School is the school an application belongs to for the review desk (a
// school admin's scope, the school filter, automatic assignment): the
// family's first choice, which the engine checked is a school of the
// family's zone; with no choices, the zone's first school; "" when not
// eligible (no zone).
func School(a *core.Application) string {
	if len(a.Choices) > 0 {
		return a.Choices[0].Code
	}
	if s := a.Decision.Schools(); len(s) > 0 {
		return s[0].Code
	}
	return ""
}

// SourceInfo is one evidence source of the review desk.
type SourceInfo struct {
	Source core.Source
	Label  string
	// Also are sources shown under the same heading (工商 covers the
	// business register and enterprise roles).
	Also []core.Source
}

// EvidenceSources are the sources a reviewer sees side by side, in order.
var EvidenceSources = []SourceInfo{
	{Source: core.SrcHukou, Label: "户籍"},
	{Source: core.SrcProperty, Label: "不动产"},
	{Source: core.SrcContract, Label: "网签"},
	{Source: core.SrcRental, Label: "租赁"},
	{Source: core.SrcInsurance, Label: "参保"},
	{Source: core.SrcBusiness, Label: "工商", Also: []core.Source{core.SrcEnterprise}},
	{Source: core.SrcPermit, Label: "居住证"},
	{Source: core.SrcBirth, Label: "出生证明"},
	{Source: core.SrcStudent, Label: "学籍"},
}

// Heading returns the review source a piece of evidence is shown under,
// and false for evidence no reviewer checks per source (the catchment).
func Heading(src core.Source) (core.Source, bool) {
	for _, si := range EvidenceSources {
		if si.Source == src {
			return si.Source, true
		}
		for _, a := range si.Also {
			if a == src {
				return si.Source, true
			}
		}
	}
	return "", false
}

// ValidSource reports whether src is a heading of EvidenceSources.
func ValidSource(src core.Source) bool {
	for _, si := range EvidenceSources {
		if si.Source == src {
			return true
		}
	}
	return false
}

// Evidence groups the engine's and the kiosk's evidence by source, one
// item per EvidenceSources entry, with the statuses a reviewer set
// (missing: pending). An item is Used when the engine's evidence names
// it: the engine's look-up is what a reviewer verifies; the kiosk's is
// shown beside it.
func Evidence(engine, kiosk []core.Evidence, status map[core.Source]string) []engineapi.EvidenceItem {
	out := make([]engineapi.EvidenceItem, len(EvidenceSources))
	idx := map[core.Source]int{}
	for i, si := range EvidenceSources {
		idx[si.Source] = i
		st := status[si.Source]
		if st == "" {
			st = engineapi.EvidencePending
		}
		out[i] = engineapi.EvidenceItem{Source: si.Source, Label: si.Label, Status: st, Engine: []core.Evidence{}, Kiosk: []core.Evidence{}}
	}
	for _, e := range engine {
		if h, ok := Heading(e.Source); ok {
			it := &out[idx[h]]
			it.Engine, it.Used = append(it.Engine, e), true
		}
	}
	for _, e := range kiosk {
		if h, ok := Heading(e.Source); ok {
			it := &out[idx[h]]
			it.Kiosk = append(it.Kiosk, e)
		}
	}
	return out
}

// UsedSources are the headings the engine's evidence touches: the items
// a reviewer marks.
func UsedSources(engine []core.Evidence) []core.Source {
	var out []core.Source
	for _, it := range Evidence(engine, nil, nil) {
		if it.Used {
			out = append(out, it.Source)
		}
	}
	return out
}

// Overall is an application's evidence status from its items' statuses
// over the used sources: doubtful when any is doubtful, verified when all
// are verified (and there is at least one), pending otherwise.
func Overall(used []core.Source, status map[core.Source]string) string {
	all := len(used) > 0
	for _, s := range used {
		switch status[s] {
		case engineapi.EvidenceDoubtful:
			return engineapi.EvidenceDoubtful
		case engineapi.EvidenceVerified:
		default:
			all = false
		}
	}
	if all {
		return engineapi.EvidenceVerified
	}
	return engineapi.EvidencePending
}

// Duplicate-set rules.
const (
	RuleSameChild         = "same_child"          // the same child ID number
	RuleSameGuardianBirth = "same_guardian_birth" // the same applying guardian and child birth date
)

// DupKey is one duplicate-set key: applications with an equal key form a
// set when there are two or more.
type DupKey struct {
	Rule string
	Key  string // full ID numbers: never shown, only hashed into SetID
}

// DupKeys returns the keys of an application: its child, and its applying
// guardian with the child's birth date (when both are known).
func DupKeys(child, guardian string, birth time.Time) []DupKey {
	var out []DupKey
	if child != "" {
		out = append(out, DupKey{RuleSameChild, child})
	}
	if guardian != "" && !birth.IsZero() {
		out = append(out, DupKey{RuleSameGuardianBirth, guardian + "|" + birth.Format("2006-01-02")})
	}
	return out
}

// SetID is the stable, opaque ID of a duplicate set.
func (k DupKey) SetID() string {
	sum := sha256.Sum256([]byte("enrolldesk-dup:" + k.Rule + ":" + k.Key))
	return "D-" + hex.EncodeToString(sum[:8])
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// FirstLine is a note's first line, at most 60 characters, as the queue
// shows it.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return truncate(s, 60)
}
