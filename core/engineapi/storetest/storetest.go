// Package storetest is the contract every engineapi.Store keeps, run
// against each implementation (SQLite today, PostgreSQL later) by its own
// tests: Run(t, func(t) engineapi.Store { … }).
package storetest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// T0 is the clock the contract starts at.
var T0 = time.Date(2027, 4, 20, 9, 0, 0, 0, time.UTC)

// Run runs the contract; open returns a new, empty store for each case.
func Run(t *testing.T, open func(t *testing.T) engineapi.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s engineapi.Store)
	}{
		{"RegisterOK", testRegisterOK},
		{"RegisterAgainSameKey", testRegisterAgainSameKey},
		{"RegisterRefused", testRegisterRefused},
		{"DeviceUnknown", testDeviceUnknown},
		{"Revoke", testRevoke},
		{"Nonce", testNonce},
		{"IngestStates", testIngestStates},
		{"IngestTwiceDuplicates", testIngestTwice},
		{"IngestKnownIDWithLaterState", testIngestKnownIDLaterState},
		{"IngestConflict", testIngestConflict},
		{"IngestRejected", testIngestRejected},
		{"IngestSameIDInBatch", testIngestSameIDInBatch},
		{"ChangesCursor", testChangesCursor},
		{"SetState", testSetState},
		{"SetStateRefused", testSetStateRefused},
		{"ClaimKeptBeside", testClaimKept},
		{"RefusedItem", testRefusedItem},
		{"OnePerYear", testOnePerYear},
		{"ReturnAndResubmit", testReturnAndResubmit},
		{"ReturnRefused", testReturnRefused},
		{"Applications", testApplications},
		{"KeyOneDevice", testKeyOneDevice},
		{"PrefixesUnique", testPrefixesUnique},
		{"RegNoUnique", testRegNoUnique},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// Key returns a deterministic key pair for device n.
func Key(n int) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, fmt.Sprintf("storetest-device-%d", n))
	return ed25519.NewKeyFromSeed(seed)
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// MustDevice adds and registers a device with Key(n) and returns its ID.
func MustDevice(t testing.TB, s engineapi.Store, n int) string {
	t.Helper()
	ctx := context.Background()
	id := fmt.Sprintf("KD-TEST%03d", n)
	code := fmt.Sprintf("CODE-%03d", n)
	if err := s.AddDevice(ctx, engineapi.Device{ID: id, Name: "hall", CreatedAt: T0, CodeExpires: T0.Add(engineapi.CodeTTL)},
		engineapi.HashCode(code)); err != nil {
		t.Fatalf("add device: %v", err)
	}
	if _, err := s.RegisterDevice(ctx, engineapi.HashCode(code), pub(Key(n)), "", T0); err != nil {
		t.Fatalf("register device: %v", err)
	}
	return id
}

// App returns a submitted application for child n of the demo-like area
// 370102, eligible without review.
func App(n int) core.Application {
	birth := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/500)
	child := core.MakeResidentID("370102", birth, n%500*2+1)
	id := core.NewApplicationID()
	a := core.Application{ID: id, RegNo: core.RegNo(id, core.Primary, T0), Stage: core.Primary, State: core.StateDraft,
		Child: core.Child{ID: child, Name: "张小明", Sex: child.Sex(), BirthDate: birth},
		Guardians: []core.Guardian{{ID: core.MakeResidentID("370102", time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC), 11),
			Name: "张伟", Relation: "父亲", Applicant: true}},
		Decision: core.Decision{Eligible: true, Category: "A", CategoryName: "房户一致", Priority: 1},
		Phone:    "13800000000", KioskID: "KIOSK-TEST", CreatedAt: T0}
	if err := a.Transition(core.StateSubmitted, "kiosk:KIOSK-TEST", "", T0); err != nil {
		panic(err)
	}
	return a
}

// Year is the entry year the contract's intakes carry.
const Year = 2027

// Intakes decides apps as an engine trusting the kiosks would (no data of
// its own), for entry year Year.
func Intakes(t testing.TB, dev string, now time.Time, apps ...core.Application) []engineapi.Intake {
	t.Helper()
	d := &engineapi.Decider{Year: Year}
	out := make([]engineapi.Intake, len(apps))
	for i, a := range apps {
		in, err := d.Decide(context.Background(), dev, a, now)
		if err != nil {
			t.Fatalf("decide: %v", err)
		}
		out[i] = in
	}
	return out
}

func ingest(t *testing.T, s engineapi.Store, dev string, now time.Time, apps ...core.Application) []engineapi.ItemResult {
	t.Helper()
	return ingestItems(t, s, dev, now, Intakes(t, dev, now, apps...)...)
}

func ingestItems(t *testing.T, s engineapi.Store, dev string, now time.Time, apps ...engineapi.Intake) []engineapi.ItemResult {
	t.Helper()
	res, err := s.Ingest(context.Background(), dev, apps, now)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if len(res) != len(apps) {
		t.Fatalf("ingest answered %d items, want %d", len(res), len(apps))
	}
	return res
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func testRegisterOK(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	if err := s.AddDevice(ctx, engineapi.Device{ID: "KD-A", Name: "大厅1号", CreatedAt: T0, CodeExpires: T0.Add(time.Hour)},
		engineapi.HashCode("abcd-efgh")); err != nil {
		t.Fatal(err)
	}
	d, err := s.Device(ctx, "KD-A")
	if err != nil || d.Registered() || d.Status() != "pending" {
		t.Fatalf("before registering: %+v, %v; want pending", d, err)
	}
	d, err = s.RegisterDevice(ctx, engineapi.HashCode("ABCD EFGH"), pub(Key(1)), "", T0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "KD-A" || !d.PublicKey.Equal(pub(Key(1))) || d.Name != "大厅1号" || d.Status() != "active" {
		t.Fatalf("registered %+v", d)
	}
	if !d.RegisteredAt.Equal(T0.Add(time.Minute)) {
		t.Errorf("registered at %v", d.RegisteredAt)
	}
	list, err := s.Devices(ctx)
	if err != nil || len(list) != 1 || list[0].ID != "KD-A" || !list[0].Registered() {
		t.Fatalf("devices = %+v, %v", list, err)
	}
}

func testRegisterAgainSameKey(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	id := MustDevice(t, s, 1)
	d, err := s.RegisterDevice(ctx, engineapi.HashCode("CODE-001"), pub(Key(1)), "", T0.Add(time.Hour))
	if err != nil || d.ID != id {
		t.Fatalf("the same code and key again = %+v, %v; want the same device", d, err)
	}
	_, err = s.RegisterDevice(ctx, engineapi.HashCode("CODE-001"), pub(Key(2)), "", T0.Add(time.Hour))
	wantCode(t, err, core.ENOTFOUND)
	d, _ = s.Device(ctx, id)
	if !d.PublicKey.Equal(pub(Key(1))) {
		t.Fatal("a second key replaced the first")
	}
}

func testRegisterRefused(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	if err := s.AddDevice(ctx, engineapi.Device{ID: "KD-B", CreatedAt: T0, CodeExpires: T0.Add(time.Hour)}, engineapi.HashCode("X1")); err != nil {
		t.Fatal(err)
	}
	_, err := s.RegisterDevice(ctx, engineapi.HashCode("unknown"), pub(Key(1)), "", T0)
	wantCode(t, err, core.ENOTFOUND)
	_, err = s.RegisterDevice(ctx, engineapi.HashCode("X1"), pub(Key(1)), "", T0.Add(2*time.Hour))
	wantCode(t, err, core.ENOTFOUND) // expired
	if err := s.RevokeDevice(ctx, "KD-B", T0); err != nil {
		t.Fatal(err)
	}
	_, err = s.RegisterDevice(ctx, engineapi.HashCode("X1"), pub(Key(1)), "", T0)
	wantCode(t, err, core.ENOTFOUND) // revoked before registering
}

func testDeviceUnknown(t *testing.T, s engineapi.Store) {
	_, err := s.Device(context.Background(), "KD-NONE")
	wantCode(t, err, core.ENOTFOUND)
	wantCode(t, s.RevokeDevice(context.Background(), "KD-NONE", T0), core.ENOTFOUND)
}

func testRevoke(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	id := MustDevice(t, s, 1)
	if err := s.RevokeDevice(ctx, id, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeDevice(ctx, id, T0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	d, err := s.Device(ctx, id)
	if err != nil || !d.Revoked() || !d.RevokedAt.Equal(T0.Add(time.Hour)) || d.Status() != "revoked" {
		t.Fatalf("after revoking: %+v, %v; want revoked at the first time", d, err)
	}
}

func testNonce(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	use := func(dev, nonce string, now time.Time) bool {
		fresh, err := s.UseNonce(ctx, dev, nonce, now.Add(10*time.Minute), now)
		if err != nil {
			t.Fatal(err)
		}
		return fresh
	}
	if !use("KD-A", "n1", T0) {
		t.Fatal("a new nonce was not fresh")
	}
	if use("KD-A", "n1", T0.Add(9*time.Minute)) {
		t.Fatal("a nonce was fresh twice before it expired")
	}
	if !use("KD-B", "n1", T0) {
		t.Fatal("another device's nonce counted against this one")
	}
}

func testIngestStates(t *testing.T, s engineapi.Store) {
	dev := MustDevice(t, s, 1)
	ok, review, notEligible := App(1), App(2), App(3)
	review.Decision.NeedsReview = true
	notEligible.Decision.Eligible = false
	res := ingest(t, s, dev, T0.Add(time.Minute), ok, review, notEligible)
	want := []core.State{core.StateVerified, core.StateNeedsReview, core.StateNeedsReview}
	for i, r := range res {
		if r.Outcome != engineapi.ItemAccepted || r.State != want[i] {
			t.Errorf("item %d = %+v, want accepted %s", i, r, want[i])
		}
	}
	got, err := s.Application(context.Background(), ok.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, h := range got.History {
		steps = append(steps, string(h.From)+">"+string(h.To))
	}
	if strings.Join(steps, " ") != "submitted>received received>verified" || got.State != core.StateVerified {
		t.Errorf("history %v, state %s; want the engine's own, from its receipt", steps, got.State)
	}
	if got.History[0].Actor != dev || !got.History[0].At.Equal(T0.Add(time.Minute)) {
		t.Errorf("the receipt step %+v; want the device as actor at the engine's time", got.History[0])
	}
	if got.Child.ID != ok.Child.ID || got.RegNo != ok.RegNo {
		t.Error("the stored application differs from the pushed one")
	}
}

func testIngestTwice(t *testing.T, s engineapi.Store) {
	dev := MustDevice(t, s, 1)
	batch := []core.Application{App(1), App(2), App(3)}
	ingest(t, s, dev, T0, batch...)
	for i, r := range ingest(t, s, dev, T0.Add(time.Minute), batch...) {
		if r.Outcome != engineapi.ItemDuplicate || r.ID != batch[i].ID || r.State != core.StateVerified {
			t.Errorf("item %d pushed again = %+v, want duplicate verified", i, r)
		}
	}
	ch, err := s.Changes(context.Background(), dev, 0, 100)
	if err != nil || len(ch) != 3 {
		t.Fatalf("changes after a duplicate push = %d, %v; want 3", len(ch), err)
	}
}

// A kiosk that pulled a later state and pushes the application again (its
// earlier answer was lost) must hear "duplicate", not have it refused.
func testIngestKnownIDLaterState(t *testing.T, s engineapi.Store) {
	dev := MustDevice(t, s, 1)
	a := App(1)
	ingest(t, s, dev, T0, a)
	a.State = core.StateNeedsReview
	if r := ingest(t, s, dev, T0.Add(time.Minute), a)[0]; r.Outcome != engineapi.ItemDuplicate {
		t.Errorf("known ID pushed again in a later state = %+v, want duplicate", r)
	}
}

func testIngestConflict(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	devA, devB := MustDevice(t, s, 1), MustDevice(t, s, 2)
	first := App(7)
	second := App(7) // same child and stage, another application ID
	ingest(t, s, devA, T0, first)
	for range 2 { // a retried conflict is answered the same and recorded once
		r := ingest(t, s, devB, T0.Add(time.Minute), second)[0]
		if r.Outcome != engineapi.ItemConflict || !strings.Contains(r.Reason, first.RegNo) {
			t.Fatalf("second application = %+v, want a conflict naming %s", r, first.RegNo)
		}
	}
	if _, err := s.Application(ctx, second.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("the conflicting application was stored: %v", err)
	}
	cs, err := s.Conflicts(ctx)
	if err != nil || len(cs) != 1 {
		t.Fatalf("conflicts = %+v, %v; want one", cs, err)
	}
	c := cs[0]
	if c.AppID != second.ID || c.KeptID != first.ID || c.KeptRegNo != first.RegNo || c.DeviceID != devB ||
		c.Child != first.Child.ID.Masked() || c.Stage != core.Primary || c.Reason == "" {
		t.Errorf("conflict = %+v", c)
	}
	junior := App(7)
	junior.Stage = core.Junior
	if r := ingest(t, s, devB, T0, junior)[0]; r.Outcome != engineapi.ItemAccepted {
		t.Errorf("the same child for another stage = %+v, want accepted", r)
	}
}

func testIngestRejected(t *testing.T, s engineapi.Store) {
	dev := MustDevice(t, s, 1)
	noID, draft, badChild, good := App(1), App(2), App(3), App(4)
	noID.ID = ""
	draft.State = core.StateDraft
	badChild.Child.ID = "370102202001010000"
	res := ingest(t, s, dev, T0, noID, draft, badChild, good)
	for i, r := range res[:3] {
		if r.Outcome != engineapi.ItemRejected || r.Reason == "" {
			t.Errorf("item %d = %+v, want rejected with a reason", i, r)
		}
	}
	if res[3].Outcome != engineapi.ItemAccepted {
		t.Errorf("a good item beside poison ones = %+v", res[3])
	}
}

func testIngestSameIDInBatch(t *testing.T, s engineapi.Store) {
	dev := MustDevice(t, s, 1)
	a := App(1)
	res := ingest(t, s, dev, T0, a, a)
	if res[0].Outcome != engineapi.ItemAccepted || res[1].Outcome != engineapi.ItemDuplicate {
		t.Fatalf("the same item twice in a batch = %+v", res)
	}
}

func testChangesCursor(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	devA, devB := MustDevice(t, s, 1), MustDevice(t, s, 2)
	for i := range 5 {
		ingest(t, s, devA, T0, App(10+i))
		ingest(t, s, devB, T0, App(20+i))
	}
	page1, err := s.Changes(ctx, devA, 0, 3)
	if err != nil || len(page1) != 3 {
		t.Fatalf("first page = %d, %v", len(page1), err)
	}
	page2, err := s.Changes(ctx, devA, page1[2].Seq, 3)
	if err != nil || len(page2) != 2 {
		t.Fatalf("second page = %d, %v", len(page2), err)
	}
	all := append(page1, page2...)
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("seq not increasing: %d after %d", all[i].Seq, all[i-1].Seq)
		}
	}
	for _, c := range all {
		if c.State != core.StateVerified || c.RegNo == "" || c.AppID == "" || !c.At.Equal(T0) {
			t.Errorf("change %+v", c)
		}
	}
	rest, err := s.Changes(ctx, devA, all[4].Seq, 3)
	if err != nil || len(rest) != 0 {
		t.Fatalf("after the last change = %d, %v", len(rest), err)
	}
}

func testSetState(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	dev := MustDevice(t, s, 1)
	a := App(1)
	ingest(t, s, dev, T0, a)
	before, _ := s.Changes(ctx, dev, 0, 10)
	c, err := s.SetState(ctx, a.ID, core.StateApproved, "staff:王老师", "", T0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.State != core.StateApproved || c.AppID != a.ID || c.Seq <= before[len(before)-1].Seq {
		t.Fatalf("change %+v", c)
	}
	after, err := s.Changes(ctx, dev, before[len(before)-1].Seq, 10)
	if err != nil || len(after) != 1 || after[0].State != core.StateApproved || after[0].Seq != c.Seq {
		t.Fatalf("pull after approval = %+v, %v", after, err)
	}
	got, _ := s.Application(ctx, a.ID)
	if got.State != core.StateApproved || got.History[len(got.History)-1].Actor != "staff:王老师" {
		t.Errorf("stored %s, history %+v", got.State, got.History)
	}
	if r := ingest(t, s, dev, T0, a)[0]; r.Outcome != engineapi.ItemDuplicate || r.State != core.StateApproved {
		t.Errorf("pushing again after approval = %+v, want duplicate approved", r)
	}
}

func testSetStateRefused(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	dev := MustDevice(t, s, 1)
	a := App(1)
	ingest(t, s, dev, T0, a)
	_, err := s.SetState(ctx, a.ID, core.StateRegistered, "staff", "", T0)
	wantCode(t, err, core.ECONFLICT)
	_, err = s.SetState(ctx, a.ID, core.StateNeedsReview, "staff", "", T0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.SetState(ctx, a.ID, core.StateRejected, "staff", "", T0)
	wantCode(t, err, core.EINVALID) // a rejection needs a reason
	_, err = s.SetState(ctx, "no-such-id", core.StateApproved, "staff", "", T0)
	wantCode(t, err, core.ENOTFOUND)
	ch, _ := s.Changes(ctx, dev, 0, 10)
	if len(ch) != 2 {
		t.Errorf("refused changes were logged: %d changes, want 2", len(ch))
	}
}

// The kiosk's decision and history are kept beside the record, as sent.
func testClaimKept(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	dev := MustDevice(t, s, 1)
	a := App(1)
	a.History = append(a.History, core.Transition{From: core.StateSubmitted, To: core.StateApproved, At: T0, Actor: "kiosk:forged"})
	ingest(t, s, dev, T0.Add(time.Minute), a)
	claim, err := s.Claim(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(claim.History) != 2 || claim.History[1].Actor != "kiosk:forged" || claim.Decision.Category != "A" {
		t.Errorf("claim = %+v; want the kiosk's history and decision as pushed", claim)
	}
	got, _ := s.Application(ctx, a.ID)
	for _, h := range got.History {
		if h.Actor == "kiosk:forged" || h.Actor == "kiosk:KIOSK-TEST" {
			t.Errorf("the kiosk's history entered the record: %+v", got.History)
		}
	}
	_, err = s.Claim(ctx, "no-such-id")
	wantCode(t, err, core.ENOTFOUND)
}

// An item the decider refused is answered rejected with its code, and not
// stored; once its ID is stored, the same ID is a duplicate.
func testRefusedItem(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	dev := MustDevice(t, s, 1)
	a := App(1)
	in := Intakes(t, dev, T0, a)[0]
	in.Refused = &engineapi.ItemResult{ID: a.ID, Outcome: engineapi.ItemRejected, Code: engineapi.ReasonChoicesOutsideZone, Reason: "学校不在学区内"}
	r := ingestItems(t, s, dev, T0, in)[0]
	if r.Outcome != engineapi.ItemRejected || r.Code != engineapi.ReasonChoicesOutsideZone || r.Reason == "" {
		t.Fatalf("refused item = %+v", r)
	}
	if _, err := s.Application(ctx, a.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("a refused item was stored: %v", err)
	}
	ingest(t, s, dev, T0, a)
	if r := ingestItems(t, s, dev, T0, in)[0]; r.Outcome != engineapi.ItemDuplicate {
		t.Errorf("a stored ID refused on a later push = %+v, want duplicate", r)
	}
}

// One application per child, stage and year: another year is another
// application.
func testOnePerYear(t *testing.T, s engineapi.Store) {
	dev := MustDevice(t, s, 1)
	ingest(t, s, dev, T0, App(3))
	next := Intakes(t, dev, T0, App(3))[0]
	next.Year = Year + 1
	if r := ingestItems(t, s, dev, T0, next)[0]; r.Outcome != engineapi.ItemAccepted {
		t.Errorf("the same child and stage next year = %+v, want accepted", r)
	}
	if r := ingest(t, s, dev, T0, App(3))[0]; r.Outcome != engineapi.ItemConflict {
		t.Errorf("a second application this year = %+v, want conflict", r)
	}
}

// A returned application can be submitted again: the new one replaces it,
// with the history kept; while the new one is live, a third is a conflict.
func testReturnAndResubmit(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	devA, devB := MustDevice(t, s, 1), MustDevice(t, s, 2)
	first := App(5)
	ingest(t, s, devA, T0, first)
	c, err := s.Return(ctx, first.ID, "cli:王老师", "请补充房产证明", T0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.State != core.StateReturned || c.Reason != "请补充房产证明" || c.AppID != first.ID {
		t.Fatalf("return change = %+v", c)
	}
	ch, _ := s.Changes(ctx, devA, 0, 10)
	if len(ch) != 2 || ch[1].State != core.StateReturned || ch[1].Reason != "请补充房产证明" {
		t.Fatalf("the kiosk pulls %+v; want its application returned with the reason", ch)
	}
	again := App(5) // the same child and stage, a new application from another kiosk
	if r := ingest(t, s, devB, T0.Add(2*time.Hour), again)[0]; r.Outcome != engineapi.ItemAccepted || r.State != core.StateVerified {
		t.Fatalf("resubmission = %+v, want accepted verified", r)
	}
	got, err := s.Application(ctx, again.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, h := range got.History {
		steps = append(steps, string(h.To))
	}
	if strings.Join(steps, " ") != "received verified needs_review returned submitted received verified" {
		t.Errorf("history after resubmission %v; want the first's kept before the new one's", steps)
	}
	if got.RegNo != again.RegNo {
		t.Errorf("reg no %s, want the new %s", got.RegNo, again.RegNo)
	}
	if r := ingest(t, s, devA, T0.Add(3*time.Hour), first)[0]; r.Outcome != engineapi.ItemDuplicate {
		t.Errorf("the replaced application pushed again = %+v, want duplicate", r)
	}
	third := App(5)
	if r := ingest(t, s, devA, T0.Add(3*time.Hour), third)[0]; r.Outcome != engineapi.ItemConflict || !strings.Contains(r.Reason, again.RegNo) {
		t.Errorf("a third application while the resubmitted one is live = %+v, want a conflict naming %s", r, again.RegNo)
	}
	chB, _ := s.Changes(ctx, devB, 0, 10)
	if len(chB) != 1 || chB[0].AppID != again.ID || chB[0].State != core.StateVerified {
		t.Errorf("the resubmitting kiosk pulls %+v", chB)
	}
	list, err := s.Applications(ctx, engineapi.Filter{})
	if err != nil || len(list) != 1 || list[0].AppID != again.ID {
		t.Errorf("applications after resubmission = %+v, %v; want the one", list, err)
	}
}

func testReturnRefused(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	dev := MustDevice(t, s, 1)
	a := App(1)
	ingest(t, s, dev, T0, a)
	_, err := s.Return(ctx, a.ID, "cli:x", "", T0)
	wantCode(t, err, core.EINVALID)
	_, err = s.Return(ctx, "no-such-id", "cli:x", "why", T0)
	wantCode(t, err, core.ENOTFOUND)
	if _, err := s.Return(ctx, a.ID, "cli:x", "why", T0); err != nil {
		t.Fatal(err)
	}
	_, err = s.Return(ctx, a.ID, "cli:x", "why", T0)
	wantCode(t, err, core.ECONFLICT)
	got, _ := s.Application(ctx, a.ID)
	if got.State != core.StateReturned || got.History[len(got.History)-1].Actor != "cli:x" {
		t.Errorf("stored %s, history %+v", got.State, got.History)
	}
}

func testApplications(t *testing.T, s engineapi.Store) {
	ctx := context.Background()
	dev := MustDevice(t, s, 1)
	ok, review := App(1), App(2)
	review.Decision.NeedsReview = true
	ins := Intakes(t, dev, T0, ok, review)
	ins[1].App.Decision.CategoryName = "户籍" // the engine's differs from the kiosk's
	ingestItems(t, s, dev, T0, ins...)
	all, err := s.Applications(ctx, engineapi.Filter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("applications = %+v, %v", all, err)
	}
	byID := map[string]engineapi.Summary{}
	for _, a := range all {
		byID[a.AppID] = a
	}
	r := byID[review.ID]
	if r.RegNo != review.RegNo || r.Child != review.Child.ID.Masked() || r.State != core.StateNeedsReview ||
		r.Category != "户籍" || r.KioskCategory != "房户一致" || r.DeviceID != dev || r.Year != Year || r.Stage != core.Primary {
		t.Errorf("summary = %+v", r)
	}
	only, err := s.Applications(ctx, engineapi.Filter{State: core.StateVerified})
	if err != nil || len(only) != 1 || only[0].AppID != ok.ID {
		t.Errorf("verified only = %+v, %v", only, err)
	}
	byReg, err := s.Applications(ctx, engineapi.Filter{RegNo: review.RegNo})
	if err != nil || len(byReg) != 1 || byReg[0].AppID != review.ID {
		t.Errorf("by reg no = %+v, %v", byReg, err)
	}
}
