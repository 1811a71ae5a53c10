package review_test

import (
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/review"
	"enrolldesk/core/sourcetest"
)

func TestDueAgeOverdue(t *testing.T) {
	rec := time.Date(2027, 4, 20, 9, 0, 0, 0, time.UTC)
	due := review.Due(rec, 10)
	if !due.Equal(time.Date(2027, 4, 30, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("due %v", due)
	}
	now := rec.Add(11 * 24 * time.Hour)
	if got := review.AgeDays(rec, now); got != 11 {
		t.Errorf("age %d, want 11", got)
	}
	if review.AgeDays(rec, rec.Add(-time.Hour)) != 0 {
		t.Error("negative age")
	}
	if !review.Overdue(core.StateNeedsReview, due, now) || !review.Overdue(core.StateVerified, due, now) {
		t.Error("undecided past due is overdue")
	}
	if review.Overdue(core.StateApproved, due, now) || review.Overdue(core.StateNeedsReview, due, rec) {
		t.Error("decided, or not yet due, is not overdue")
	}
}

func TestPolicyReviewDays(t *testing.T) {
	p := sourcetest.Policy()
	if p.ReviewDeadline() != 10 {
		t.Errorf("demo policy review deadline %d", p.ReviewDeadline())
	}
	p.ReviewDays = 0
	if p.ReviewDeadline() != core.DefaultReviewDays || p.Validate() != nil {
		t.Error("absent review_days takes the default")
	}
	p.ReviewDays = 120
	err := p.Validate()
	if err == nil || !strings.Contains(err.Error(), "review_days") {
		t.Errorf("review_days 120: %v", err)
	}
}

func TestQueueOrderAndCursor(t *testing.T) {
	a := review.Key{Rank: 0, Received: 200, ID: "b"}
	b := review.Key{Rank: 1, Received: 100, ID: "a"}
	c := review.Key{Rank: 0, Received: 200, ID: "c"}
	if !a.Less(b) || !a.Less(c) || c.Less(a) {
		t.Error("needs_review first, then received, then ID")
	}
	k, err := review.ParseCursor(c.Cursor())
	if err != nil || k != c {
		t.Fatalf("cursor round trip: %+v %v", k, err)
	}
	for _, bad := range []string{"", "!!!", "MS4y", review.Key{Rank: 7, ID: "x"}.Cursor()} {
		if _, err := review.ParseCursor(bad); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
	if review.Rank(core.StateNeedsReview) != 0 || review.Rank(core.StateVerified) != 1 {
		t.Error("rank")
	}
}

func TestCheckFilter(t *testing.T) {
	if n, err := review.CheckFilter(engineapi.QueueFilter{}); err != nil || n != engineapi.DefaultQueueLimit {
		t.Errorf("zero filter: %d %v", n, err)
	}
	for _, f := range []engineapi.QueueFilter{{Limit: 201}, {Limit: -1}, {State: "nonsense"}, {Evidence: "maybe"},
		{Mine: true, Assignee: "u1"}} {
		if _, err := review.CheckFilter(f); core.ErrorCode(err) != core.EINVALID || core.ErrorMessage(err) == "" {
			t.Errorf("%+v: %v", f, err)
		}
	}
}

func TestEvidenceBySource(t *testing.T) {
	eng := []core.Evidence{{Source: core.SrcHukou}, {Source: core.SrcEnterprise}, {Source: core.SrcCatchment}}
	kiosk := []core.Evidence{{Source: core.SrcRental}}
	items := review.Evidence(eng, kiosk, map[core.Source]string{core.SrcHukou: engineapi.EvidenceVerified})
	var labels []string
	for _, it := range items {
		labels = append(labels, it.Label)
	}
	if strings.Join(labels, " ") != "户籍 不动产 网签 租赁 参保 工商 居住证 出生证明 学籍" {
		t.Fatalf("headings %v", labels)
	}
	if !items[0].Used || items[0].Status != engineapi.EvidenceVerified || !items[5].Used || len(items[5].Engine) != 1 ||
		items[3].Used || len(items[3].Kiosk) != 1 || items[1].Used || items[1].Status != engineapi.EvidencePending {
		t.Errorf("items %+v", items)
	}
	used := append(review.UsedSources(eng), core.SrcRental)
	if len(used) != 3 {
		t.Fatalf("used %v", used)
	}
	st := map[core.Source]string{core.SrcHukou: engineapi.EvidenceVerified, core.SrcBusiness: engineapi.EvidenceVerified}
	if review.Overall(used, st) != engineapi.EvidencePending {
		t.Error("one pending left: pending")
	}
	st[core.SrcRental] = engineapi.EvidenceVerified
	if review.Overall(used, st) != engineapi.EvidenceVerified {
		t.Error("all verified")
	}
	st[core.SrcRental] = engineapi.EvidenceDoubtful
	if review.Overall(used, st) != engineapi.EvidenceDoubtful {
		t.Error("one doubtful")
	}
	if review.Overall(nil, nil) != engineapi.EvidencePending {
		t.Error("no evidence is pending")
	}
}

func TestDupKeysAndSchool(t *testing.T) {
	child := core.MakeResidentID("370102", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), 1)
	g := core.MakeResidentID("370102", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 2)
	keys := review.DupKeys(string(child), string(g), child.BirthDate())
	if len(keys) != 2 || keys[0].Rule != review.RuleSameChild || keys[1].Rule != review.RuleSameGuardianBirth {
		t.Fatalf("keys %+v", keys)
	}
	id := keys[0].SetID()
	if id == keys[1].SetID() || strings.Contains(id, string(child)[6:14]) || id != review.DupKeys(string(child), "", time.Time{})[0].SetID() {
		t.Errorf("set IDs: %s %s", id, keys[1].SetID())
	}
	if len(review.DupKeys(string(child), string(g), time.Time{})) != 1 {
		t.Error("no birth date: no family key")
	}
	a := core.Application{Choices: []core.School{{Code: "S2"}, {Code: "S1"}}}
	if review.School(&a) != "S2" {
		t.Error("first choice")
	}
	a = core.Application{Decision: core.Decision{Zone: &core.Zone{Schools: []core.School{{Code: "S7"}}}}}
	if review.School(&a) != "S7" {
		t.Error("zone's school without choices")
	}
	if review.School(&core.Application{}) != "" {
		t.Error("no zone: no school")
	}
}

func TestReasonTemplates(t *testing.T) {
	ok := engineapi.ReasonSave{ID: "R-A1", Kind: "return", Title: "补材料", Text: "报名{reg_no}：请到{counter}补{detail}。"}
	if err := review.CheckReason(ok); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]engineapi.ReasonSave{
		"id":          {ID: "r a", Kind: "return", Title: "t", Text: "t"},
		"kind":        {ID: "R-A", Kind: "maybe", Title: "t", Text: "t"},
		"title":       {ID: "R-A", Kind: "return", Text: "t"},
		"empty":       {ID: "R-A", Kind: "return", Title: "t", Text: " "},
		"long":        {ID: "R-A", Kind: "return", Title: "t", Text: strings.Repeat("字", 141)},
		"placeholder": {ID: "R-A", Kind: "return", Title: "t", Text: "{姓名}"},
	} {
		if err := review.CheckReason(bad); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	got, err := review.Render(ok.Text, map[string]string{"reg_no": "R1", "counter": "12号窗口", "detail": "房产证"})
	if err != nil || got != "报名R1：请到12号窗口补房产证。" {
		t.Errorf("render: %q %v", got, err)
	}
	_, err = review.Render(ok.Text, map[string]string{"reg_no": "R1", "counter": "12号窗口"})
	if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.ErrorMessage(err), "{detail}") {
		t.Errorf("missing detail: %v", err)
	}
	if review.FirstLine("  第一行\n第二行") != "第一行" {
		t.Error("first line")
	}
}
