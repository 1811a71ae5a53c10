package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crypto/ed25519"
	"crypto/rand"

	"enrolldesk/app"
	"enrolldesk/app/engine"
	"enrolldesk/app/policyfile"
	"enrolldesk/app/printing"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
	"enrolldesk/internal/pdftest"
)

// The walk-in tests sign staff in with a header the test auth reads:
// "role|id|name|school". The real sessions are the accounts' (auth) work;
// the role and school checks under test are the walk-in paths' own.
const testStaffHeader = "X-Test-Staff"

func testStaffAuth(r *http.Request) (engineapi.Actor, *engine.RequestError) {
	parts := strings.Split(r.Header.Get(testStaffHeader), "|")
	if len(parts) != 4 {
		return engineapi.Actor{}, &engine.RequestError{Status: http.StatusUnauthorized, Reason: engineapi.ReasonNoSession, Message: "请先登录"}
	}
	return engineapi.Actor{Role: engineapi.Role(parts[0]), ID: parts[1], Name: parts[2], School: parts[3]}, nil
}

type walkInRig struct {
	*engineRig
	dir string
	ps  map[string]core.Persona
}

func newWalkInRig(t *testing.T) *walkInRig {
	t.Helper()
	dir := t.TempDir()
	cfg := app.EngineConfig{DB: filepath.Join(dir, "engine.db"), DataDir: dir, Now: func() time.Time { return engineNow },
		CityDB: engineCityPath(t), StaffAuth: testStaffAuth}
	e, err := app.OpenEngine(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := e.Close(); err != nil {
			t.Errorf("close engine: %v", err)
		}
	})
	r := &walkInRig{engineRig: &engineRig{tb: t, e: e, srv: srv}, dir: dir, ps: map[string]core.Persona{}}
	for _, p := range cityPersonas(t, engineCityPath(t)) {
		r.ps[p.Key] = p
	}
	return r
}

var (
	hall     = "hall|U-HALL|王芳|"
	reviewer = "reviewer|U-REV|李审|"
	bureau   = "bureau_admin|U-BUR|赵局|"
)

func schoolAdmin(code string) string { return "school_admin|U-SCH|孙校|" + code }

// staff posts v as the staff member and decodes a 200 answer into out.
func (r *walkInRig) staff(who, path string, v, out any) (int, []byte) {
	r.tb.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		r.tb.Fatal(err)
	}
	st, resp := r.post(path, body, func(req *http.Request) {
		if who != "" {
			req.Header.Set(testStaffHeader, who)
		}
	})
	if st == http.StatusOK && out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			r.tb.Fatalf("decode %s answer: %v", path, err)
		}
	}
	return st, resp
}

// walkIn registers persona key at the desk as who, ranking the zone's
// schools in reverse, and returns the answer.
func (r *walkInRig) walkIn(t *testing.T, who, key string) engineapi.WalkInSubmitResponse {
	t.Helper()
	p := r.ps[key]
	var lk engineapi.WalkInLookupResponse
	if st, body := r.staff(who, engineapi.PathStaffWalkInLookup, engineapi.WalkInLookupRequest{
		Guardian: string(p.GuardianID), Child: string(p.ChildID), Stage: p.Stage}, &lk); st != 200 {
		t.Fatalf("walk-in lookup: %d %s", st, body)
	}
	var codes []string
	for _, s := range lk.Decision.Schools() {
		codes = append([]string{s.Code}, codes...)
	}
	var out engineapi.WalkInSubmitResponse
	if st, body := r.staff(who, engineapi.PathStaffWalkInSubmit, engineapi.WalkInSubmitRequest{DraftID: lk.DraftID,
		Guardian: string(p.GuardianID), Child: string(p.ChildID), Stage: p.Stage, Choices: codes, Phone: "13800138000",
		ConsentReadOut: true}, &out); st != 200 {
		t.Fatalf("walk-in submit: %d %s", st, body)
	}
	return out
}

func (r *walkInRig) find(t *testing.T, who, query string) engineapi.FindResponse {
	t.Helper()
	var out engineapi.FindResponse
	if st, body := r.staff(who, engineapi.PathStaffFind, engineapi.FindRequest{Query: query}, &out); st != 200 {
		t.Fatalf("find %.30q: %d %s", query, st, body)
	}
	return out
}

// A walk-in end to end: the engine's decision and evidence, the submit
// with the operator, the printed receipt with 办理人 whose QR code is a
// token the engine's registry verifies, find by that token showing the
// operator, and the same check on the command line.
func TestWalkInEndToEndPrintedReceiptVerifies(t *testing.T) {
	r := newWalkInRig(t)
	p := r.ps["multi-school"]

	var lk engineapi.WalkInLookupResponse
	if st, body := r.staff(hall, engineapi.PathStaffWalkInLookup, engineapi.WalkInLookupRequest{
		Guardian: string(p.GuardianID), Child: string(p.ChildID), Stage: p.Stage}, &lk); st != 200 {
		t.Fatalf("lookup: %d %s", st, body)
	}
	if !lk.Decision.Eligible || len(lk.Decision.Evidence) == 0 || len(lk.Decision.Schools()) != 2 || lk.DraftID == "" {
		t.Fatalf("lookup = %+v", lk)
	}
	if lk.Draft.Child.ID != p.ChildID.Masked() {
		t.Errorf("the draft shows the child as %q, want masked %q", lk.Draft.Child.ID, p.ChildID.Masked())
	}
	if _, body := r.staff(hall, engineapi.PathStaffWalkInLookup, engineapi.WalkInLookupRequest{
		Guardian: string(p.GuardianID), Child: string(p.ChildID), Stage: p.Stage}, nil); strings.Contains(string(body), string(p.GuardianID)) {
		t.Error("the look-up answer carries the guardian's full ID number")
	}

	sub := r.walkIn(t, hall, "multi-school")
	if sub.Outcome != engineapi.ItemAccepted || sub.State != core.StateVerified {
		t.Fatalf("submit: outcome %s, state %s", sub.Outcome, sub.State)
	}
	if sub.Operator != "王芳（staff:U-HALL）" || sub.Receipt.Operator != "王芳" || sub.Receipt.Token == "" {
		t.Errorf("operator %q, receipt operator %q, token %q", sub.Operator, sub.Receipt.Operator, sub.Receipt.Token)
	}
	stored, err := r.e.Store().Application(context.Background(), sub.Application.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Operator != sub.Operator || !engineapi.IsDesk(stored.KioskID) || stored.History[0].Actor != "staff:U-HALL" ||
		!strings.Contains(stored.History[0].Reason, "王芳") {
		t.Errorf("stored: operator %q, kiosk %q, history %+v", stored.Operator, stored.KioskID, stored.History)
	}
	if stored.Choices[0].Code != lk.Decision.Schools()[1].Code {
		t.Errorf("the ranking was not kept: %+v", stored.Choices)
	}

	// A retried submit (the answer was lost) is the same application.
	var again engineapi.WalkInSubmitResponse
	codes := []string{stored.Choices[0].Code, stored.Choices[1].Code}
	if st, body := r.staff(hall, engineapi.PathStaffWalkInSubmit, engineapi.WalkInSubmitRequest{DraftID: sub.Application.ID,
		Guardian: string(p.GuardianID), Child: string(p.ChildID), Stage: p.Stage, Choices: codes, Phone: "13800138000",
		ConsentReadOut: true}, &again); st != 200 || again.Outcome != engineapi.ItemDuplicate || again.Application.RegNo != sub.Application.RegNo {
		t.Errorf("retried submit: %d %s", st, body)
	}

	// Print it as the desk does: the receipt and its token as the engine gave them.
	renderer, err := printing.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	spool := &printing.Spooler{Dir: filepath.Join(r.dir, "spool")}
	pr := &printing.ReceiptPrinter{Renderer: renderer, Spool: spool}
	outcome, err := pr.PrintReceipt(context.Background(), sub.Receipt)
	if err != nil || outcome.Spooled == "" {
		t.Fatalf("print: %+v %v", outcome, err)
	}
	text := strings.ReplaceAll(pdftest.Text(t, outcome.Spooled), " ", "")
	for _, want := range []string{"办理人", "王芳", sub.Application.RegNo, p.ChildID.Masked(), "已收到"} {
		if !strings.Contains(text, strings.ReplaceAll(want, " ", "")) {
			t.Errorf("the receipt lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, string(p.ChildID)) || strings.Contains(text, string(p.GuardianID)) {
		t.Error("the receipt prints a full ID number")
	}
	token := pdftest.DecodeQR(t, outcome.Spooled)
	if token != sub.Receipt.Token {
		t.Fatalf("the QR code reads %q, want the engine's token", token)
	}
	if z := zbarQR(t, outcome.Spooled); z != token {
		t.Fatalf("zbarimg reads %q, want the engine's token", z)
	}

	found := r.find(t, hall, token)
	if found.By != engineapi.FindByToken || found.Token == nil || !found.Token.Valid || !engineapi.IsDesk(found.Token.SignerID) {
		t.Fatalf("find by token: %+v", found.Token)
	}
	if len(found.Records) != 1 || found.Records[0].Operator != sub.Operator || found.Records[0].Differs ||
		found.Records[0].History[0].Actor != "staff:U-HALL" {
		t.Fatalf("find by token records: %+v", found.Records)
	}

	// The command line: the same check against the engine's database.
	var out, errw strings.Builder
	if code := app.Main([]string{"verify", "--engine-db", r.e.DBPath(), token}, nil, &out, &errw); code != 0 {
		t.Fatalf("verify --engine-db: exit %d\n%s%s", code, out.String(), errw.String())
	}
	for _, want := range []string{"valid", engineapi.DeskDevicePrefix, sub.Application.RegNo, "王芳（staff:U-HALL）", p.ChildID.Masked(), "verified"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify --engine-db output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), string(p.ChildID)) {
		t.Error("verify --engine-db prints a full ID number")
	}
	out.Reset()
	var res struct {
		Check  engineapi.TokenCheck   `json:"check"`
		Record *engineapi.FoundRecord `json:"record"`
	}
	if code := app.Main([]string{"verify", "--engine-db", r.e.DBPath(), "--json", token}, nil, &out, &errw); code != 0 ||
		json.Unmarshal([]byte(out.String()), &res) != nil || !res.Check.Valid || res.Record == nil || res.Record.Operator != sub.Operator {
		t.Errorf("verify --engine-db --json: exit %d %s", code, out.String())
	}
	// Every look-up, the walk-in, the find and the record opened are in the
	// engine's audit chain, ID numbers masked.
	out.Reset()
	if code := app.Main([]string{"audit", "list", "--db", r.e.DBPath(), "--limit", "100"}, nil, &out, &errw); code != 0 {
		t.Fatalf("audit list: exit %d %s", code, errw.String())
	}
	for _, want := range []string{"lookup", "walkin", "search", "open", "staff:U-HALL", p.ChildID.Masked()} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the audit log lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), string(p.ChildID)) || strings.Contains(out.String(), string(p.GuardianID)) {
		t.Error("the audit log holds a full ID number")
	}
	if code := app.Main([]string{"audit", "verify", "--db", r.e.DBPath()}, nil, &out, &errw); code != 0 {
		t.Errorf("audit verify: exit %d %s", code, errw.String())
	}
	// The desk key is also an ordinary key directory.
	out.Reset()
	if code := app.Main([]string{"verify", "--keys", filepath.Join(r.dir, "engine-desk"), token}, nil, &out, &errw); code != 0 {
		t.Errorf("verify --keys DATA/engine-desk: exit %d %s", code, errw.String())
	}
}

// signedKioskReceipt is the receipt a registered kiosk prints for an
// application it pushed.
func (r *walkInRig) kioskReceipt(t *testing.T, key string) (*testKiosk, core.Application, string) {
	t.Helper()
	k := r.kiosk("大厅1号")
	p := r.ps[key]
	res, err := (&core.Registrar{Sources: core.SourcesOf(openCityForTest(t)), Policy: mustPolicy(t), Now: func() time.Time { return engineNow }}).
		Lookup(context.Background(), string(p.GuardianID), string(p.ChildID), p.Stage)
	if err != nil {
		t.Fatal(err)
	}
	draft := res.Application
	draft.ID = core.NewApplicationID()
	a, err := core.Submit(core.Submission{Draft: draft, Choices: res.Decision.Schools(), Phone: "13800138000", Consent: true,
		KioskID: "JN-RC-07", At: engineNow})
	if err != nil {
		t.Fatal(err)
	}
	var pushed engineapi.PushResponse
	if st, body := k.call(engineapi.PathPush, engineapi.PushRequest{Applications: []core.Application{a}}, &pushed); st != 200 ||
		pushed.Results[0].Outcome != engineapi.ItemAccepted {
		t.Fatalf("push: %d %s", st, body)
	}
	token, err := receipt.Sign(k.key, app.ReceiptFor(a))
	if err != nil {
		t.Fatal(err)
	}
	return k, a, token
}

// A receipt from any registered kiosk verifies; a forged one (signed by a
// key the registry does not hold) and an altered one are refused with the
// reason, on the desk and on the command line.
func TestFindVerifiesKioskReceiptsAndRefusesForgedOrAltered(t *testing.T) {
	r := newWalkInRig(t)
	k, a, token := r.kioskReceipt(t, "consistent")

	found := r.find(t, reviewer, token)
	if !found.Token.Valid || found.Token.SignerID != k.id || found.Token.Claims.RegNo != a.RegNo {
		t.Fatalf("genuine kiosk receipt: %+v", found.Token)
	}
	if len(found.Records) != 1 || found.Records[0].Differs || found.Records[0].Application.RegNo != a.RegNo {
		t.Fatalf("records: %+v", found.Records)
	}
	var status engineapi.ClaimCheck
	for _, c := range found.Records[0].Compare {
		if c.Field == "status_code" {
			status = c
		}
	}
	if status.Paper != "queued" || status.Engine != string(core.StateVerified) || status.Differs || status.Note == "" {
		t.Errorf("status beside the paper: %+v", status)
	}

	// Forged: a well-made token signed by a key nobody registered.
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	forged, err := receipt.Sign(stranger, app.ReceiptFor(a))
	if err != nil {
		t.Fatal(err)
	}
	// Altered: the paper's registration number changed, the signature kept.
	altered := alterRegNo(t, token, "9999-9999-9999")
	// One byte changed anywhere in the payload.
	flipped := []byte(token)
	flipped[len(receipt.TokenPrefix)+12] ^= 1

	for _, c := range []struct {
		name, token, reason, cli string
	}{
		{"forged", forged, receipt.ETokenUnknownKey, "unknown key"},
		{"altered", altered, receipt.ETokenBadSignature, "bad signature"},
		{"one byte", string(flipped), "", ""},
	} {
		got := r.find(t, hall, c.token)
		if got.Token == nil || got.Token.Valid || got.Token.Message == "" || len(got.Records) != 0 || got.Note == "" {
			t.Errorf("%s: %+v", c.name, got)
			continue
		}
		if c.reason != "" && got.Token.Reason != c.reason {
			t.Errorf("%s: reason %q, want %q", c.name, got.Token.Reason, c.reason)
		}
		var out, errw strings.Builder
		code := app.Main([]string{"verify", "--engine-db", r.e.DBPath(), c.token}, nil, &out, &errw)
		if code != 1 || !strings.Contains(errw.String(), "回执无效") || (c.cli != "" && !strings.Contains(errw.String(), c.cli)) {
			t.Errorf("%s: verify --engine-db exit %d, %q", c.name, code, errw.String())
		}
	}
}

// alterRegNo rewrites the registration number inside a token's payload and
// keeps its signature.
func alterRegNo(t *testing.T, token, regNo string) string {
	t.Helper()
	body := strings.TrimPrefix(token, receipt.TokenPrefix)
	dot := strings.LastIndexByte(body, '.')
	js, err := base64.RawURLEncoding.DecodeString(body[:dot])
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(js, &p); err != nil {
		t.Fatal(err)
	}
	p["r"] = regNo
	js, _ = json.Marshal(p)
	return receipt.TokenPrefix + base64.RawURLEncoding.EncodeToString(js) + body[dot:]
}

// Find by a child's ID number and by a registration number (as typed:
// spaces, no dashes); nothing found says what to try.
func TestFindByChildIDAndRegNo(t *testing.T) {
	r := newWalkInRig(t)
	_, a, _ := r.kioskReceipt(t, "consistent")
	byID := r.find(t, hall, " "+string(a.Child.ID)+" ")
	if byID.By != engineapi.FindByChild || len(byID.Records) != 1 || byID.Records[0].Application.ID != a.ID {
		t.Fatalf("by ID: %+v", byID)
	}
	if byID.Records[0].Phone != "138****8000" || byID.Records[0].Application.Child.ID != a.Child.ID.Masked() {
		t.Errorf("a found record shows %q and %q: want them masked", byID.Records[0].Phone, byID.Records[0].Application.Child.ID)
	}
	byReg := r.find(t, bureau, strings.ReplaceAll(a.RegNo, "-", " "))
	if byReg.By != engineapi.FindByRegNo || len(byReg.Records) != 1 || byReg.Records[0].Application.ID != a.ID {
		t.Fatalf("by reg no: %+v", byReg)
	}
	none := r.find(t, hall, "0000-0000-0001")
	if len(none.Records) != 0 || none.Note == "" {
		t.Errorf("nothing found: %+v", none)
	}
	if st, body := r.staff(hall, engineapi.PathStaffFind, engineapi.FindRequest{Query: "370102201903070013"}, nil); st != 400 ||
		engineError(t, body).Message == "" {
		t.Errorf("a mistyped ID number: %d %s", st, body)
	}

	var rp engineapi.ReprintResponse
	if st, body := r.staff(hall, engineapi.PathStaffReprint, engineapi.ReprintRequest{AppID: a.ID}, &rp); st != 200 {
		t.Fatalf("reprint: %d %s", st, body)
	}
	chk := r.find(t, hall, rp.Receipt.Token)
	if !chk.Token.Valid || !engineapi.IsDesk(chk.Token.SignerID) || rp.Receipt.StatusCode != string(core.StateVerified) ||
		rp.Receipt.KioskID != "JN-RC-07" || chk.Records[0].Differs {
		t.Errorf("the reprint: %+v / %+v", rp.Receipt, chk)
	}
}

// Who may do what: walk-ins are hall staff's and bureau admins'; find and
// reprint everyone's, a school admin's only for applications ranking their
// school; no session, no answer; the consent must be read out; a child
// already registered is a conflict naming the kept number.
func TestWalkInRolesScopingAndRefusals(t *testing.T) {
	r := newWalkInRig(t)
	_, a, token := r.kioskReceipt(t, "consistent")
	p := r.ps["multi-school"]
	lookup := engineapi.WalkInLookupRequest{Guardian: string(p.GuardianID), Child: string(p.ChildID), Stage: p.Stage}

	for _, who := range []string{reviewer, schoolAdmin(a.Choices[0].Code)} {
		if st, body := r.staff(who, engineapi.PathStaffWalkInLookup, lookup, nil); st != 403 || engineError(t, body).Reason != engineapi.ReasonForbidden {
			t.Errorf("%s walk-in lookup: %d %s", who, st, body)
		}
		if st, _ := r.staff(who, engineapi.PathStaffWalkInSubmit, engineapi.WalkInSubmitRequest{}, nil); st != 403 {
			t.Errorf("%s walk-in submit: %d", who, st)
		}
	}
	if st, _ := r.staff(bureau, engineapi.PathStaffWalkInLookup, lookup, nil); st != 200 {
		t.Errorf("bureau admin walk-in lookup: %d", st)
	}
	for _, path := range []string{engineapi.PathStaffWalkInLookup, engineapi.PathStaffFind, engineapi.PathStaffReprint} {
		if st, body := r.staff("", path, engineapi.FindRequest{}, nil); st != 401 || engineError(t, body).Reason != engineapi.ReasonNoSession {
			t.Errorf("no session at %s: %d %s", path, st, body)
		}
	}

	own := schoolAdmin(a.Choices[0].Code)
	if got := r.find(t, own, token); len(got.Records) != 1 {
		t.Errorf("the school's admin does not see its application: %+v", got)
	}
	other := schoolAdmin("NOT-" + a.Choices[0].Code)
	for _, q := range []string{token, string(a.Child.ID), a.RegNo} {
		if st, body := r.staff(other, engineapi.PathStaffFind, engineapi.FindRequest{Query: q}, nil); st != 403 ||
			!strings.Contains(engineError(t, body).Message, "本校") {
			t.Errorf("another school's admin finds %.20q: %d %s", q, st, body)
		}
	}
	if st, _ := r.staff(other, engineapi.PathStaffReprint, engineapi.ReprintRequest{AppID: a.ID}, nil); st != 403 {
		t.Errorf("another school's admin reprints: %d", st)
	}

	var lk engineapi.WalkInLookupResponse
	r.staff(hall, engineapi.PathStaffWalkInLookup, lookup, &lk)
	sub := engineapi.WalkInSubmitRequest{DraftID: lk.DraftID, Guardian: lookup.Guardian, Child: lookup.Child, Stage: lookup.Stage,
		Phone: "13800138000"}
	for _, s := range lk.Decision.Schools() {
		sub.Choices = append(sub.Choices, s.Code)
	}
	if st, body := r.staff(hall, engineapi.PathStaffWalkInSubmit, sub, nil); st != 400 || engineError(t, body).Reason != engineapi.ReasonNoConsent {
		t.Errorf("no consent: %d %s", st, body)
	}
	sub.ConsentReadOut, sub.Phone = true, "1234"
	if st, body := r.staff(hall, engineapi.PathStaffWalkInSubmit, sub, nil); st != 400 || engineError(t, body).Reason != core.EPhone {
		t.Errorf("a short phone number: %d %s", st, body)
	}

	// The family of the kiosk's application comes to the desk again.
	q := r.ps["consistent"]
	var lk2 engineapi.WalkInLookupResponse
	r.staff(hall, engineapi.PathStaffWalkInLookup, engineapi.WalkInLookupRequest{Guardian: string(q.GuardianID), Child: string(q.ChildID), Stage: q.Stage}, &lk2)
	st, body := r.staff(hall, engineapi.PathStaffWalkInSubmit, engineapi.WalkInSubmitRequest{DraftID: lk2.DraftID, Guardian: string(q.GuardianID),
		Child: string(q.ChildID), Stage: q.Stage, Phone: "13800138000", ConsentReadOut: true}, nil)
	if st != 409 || !strings.Contains(engineError(t, body).Message, a.RegNo) {
		t.Errorf("second application at the desk: %d %s", st, body)
	}
}

// The desk key is kept in the data directory and listed once in the
// registry; a revoked desk key closes walk-ins and reprints (503) rather
// than sign receipts the registry refuses, while find still works; a new key (the directory moved away) is a
// new registry entry, and receipts of the old key still verify.
func TestDeskKeyKeptRevokedAndReplaced(t *testing.T) {
	dir := t.TempDir()
	cfg := app.EngineConfig{DB: filepath.Join(dir, "engine.db"), DataDir: dir, Now: func() time.Time { return engineNow },
		CityDB: engineCityPath(t), StaffAuth: testStaffAuth}
	var r *walkInRig
	open := func() {
		t.Helper()
		e, err := app.OpenEngine(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(e.Handler())
		r = &walkInRig{engineRig: &engineRig{tb: t, e: e, srv: srv}, dir: dir, ps: map[string]core.Persona{}}
		for _, p := range cityPersonas(t, engineCityPath(t)) {
			r.ps[p.Key] = p
		}
	}
	shut := func() {
		r.srv.Close()
		if err := r.e.Close(); err != nil {
			t.Error(err)
		}
	}
	desks := func() []engineapi.Device {
		devs, err := r.e.Store().Devices(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []engineapi.Device
		for _, d := range devs {
			if engineapi.IsDesk(d.ID) && d.Registered() {
				out = append(out, d)
			}
		}
		return out
	}

	open()
	old := r.walkIn(t, hall, "multi-school").Receipt.Token
	shut()
	open()
	if ds := desks(); len(ds) != 1 {
		t.Fatalf("after a restart the registry lists %d desks", len(ds))
	}
	if got := r.find(t, hall, old); !got.Token.Valid {
		t.Fatalf("the desk's receipt after a restart: %+v", got.Token)
	}
	first := desks()[0]
	if err := r.e.Store().RevokeDevice(context.Background(), first.ID, engineNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	shut()
	open()
	if st, body := r.staff(hall, engineapi.PathStaffWalkInLookup, engineapi.WalkInLookupRequest{}, nil); st != http.StatusServiceUnavailable ||
		!strings.Contains(engineError(t, body).Message, "停用") {
		t.Errorf("walk-in with the desk key revoked: %d %s, want 503 saying so", st, body)
	}
	if got := r.find(t, hall, old); !got.Token.Valid {
		t.Errorf("find with the desk key revoked: %+v", got.Token)
	}
	if st, _ := r.staff(hall, engineapi.PathStaffReprint, engineapi.ReprintRequest{AppID: got0(r, t, old)}, nil); st != http.StatusServiceUnavailable {
		t.Errorf("reprint with the desk key revoked: %d, want 503", st)
	}
	shut()

	if err := os.Rename(filepath.Join(dir, "engine-desk"), filepath.Join(dir, "engine-desk.revoked")); err != nil {
		t.Fatal(err)
	}
	open()
	defer shut()
	ds := desks()
	if len(ds) != 2 || ds[1].ID == first.ID || ds[1].Revoked() {
		t.Fatalf("after a new key: %+v", ds)
	}
	got := r.find(t, hall, old)
	if !got.Token.Valid || got.Token.SignerID != first.ID {
		t.Errorf("a receipt of the revoked key, issued before the revocation: %+v", got.Token)
	}
	var rp engineapi.ReprintResponse
	if st, body := r.staff(hall, engineapi.PathStaffReprint, engineapi.ReprintRequest{AppID: got.Token.Claims.AppID}, &rp); st != 200 {
		t.Fatalf("reprint with the new key: %d %s", st, body)
	}
	if chk := r.find(t, hall, rp.Receipt.Token); !chk.Token.Valid || chk.Token.SignerID != ds[1].ID {
		t.Errorf("the new key's reprint: %+v", chk.Token)
	}
}

// got0 is the application ID a genuine token names.
func got0(r *walkInRig, t *testing.T, token string) string {
	t.Helper()
	got := r.find(t, hall, token)
	if got.Token.Claims == nil {
		t.Fatalf("not genuine: %+v", got.Token)
	}
	return got.Token.Claims.AppID
}

func mustPolicy(t *testing.T) *core.Policy {
	t.Helper()
	p, err := policyfile.Default()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// zbarQR reads the QR code of a PDF's first page with pdftoppm and
// zbarimg, what a hall's scanner sees.
func zbarQR(t *testing.T, pdf string) string {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(pdftest.Need(t, "pdftoppm"), "-r", "200", "-png", "-singlefile", pdf, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	out, err := exec.Command(pdftest.Need(t, "zbarimg"), "--raw", "-q", prefix+".png").Output()
	if err != nil {
		t.Fatalf("zbarimg finds no QR code: %v", err)
	}
	return strings.TrimSpace(string(out))
}
