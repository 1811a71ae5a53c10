package staff_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
	"enrolldesk/ui"
	"enrolldesk/ui/staff"
)

var walkNow = time.Date(2027, 6, 20, 10, 0, 0, 0, time.UTC)

var (
	walkGuardian = string(core.MakeResidentID("370811", time.Date(1988, 1, 1, 0, 0, 0, 0, time.UTC), 17))
	walkChild    = string(core.MakeResidentID("370811", time.Date(2021, 3, 3, 0, 0, 0, 0, time.UTC), 21))
)

// deskFake answers the walk-in and find screens like the engine: a
// two-school zone, the operator on the stored application, a receipt
// signed by its desk key, and finds that check tokens against its device
// registry with the engine's own CheckToken.
type deskFake struct {
	mu      sync.Mutex
	desk    ed25519.PrivateKey
	devices []engineapi.Device
	apps    map[string]core.Application
	lookups []engineapi.WalkInLookupRequest
	submits []engineapi.WalkInSubmitRequest
}

func newDeskFake(t *testing.T) *deskFake {
	_, desk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &deskFake{desk: desk, apps: map[string]core.Application{},
		devices: []engineapi.Device{{ID: engineapi.DeskDeviceID(desk.Public().(ed25519.PublicKey)), Name: engineapi.DeskDeviceName, PublicKey: desk.Public().(ed25519.PublicKey)}}}
}

var zone = []core.School{{Code: "S1", Name: "第一实验小学", Stage: core.Primary}, {Code: "S2", Name: "古槐路小学", Stage: core.Primary}}

func (f *deskFake) WalkInLookup(_ context.Context, req engineapi.WalkInLookupRequest) (engineapi.WalkInLookupResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups = append(f.lookups, req)
	if _, err := core.ParseResidentID(req.Child, walkNow); err != nil {
		return engineapi.WalkInLookupResponse{}, refusal("孩子：" + core.ErrorMessage(err))
	}
	dec := core.Decision{Eligible: true, CategoryName: "房户一致", Priority: 1, Zone: &core.Zone{Schools: zone},
		Evidence: []core.Evidence{{Source: core.SrcHukou, Authority: "济宁市公安局", Status: core.Matched, Detail: "孩子和父亲在同一本户口簿上"},
			{Source: core.SrcProperty, Authority: "济宁市自然资源和规划局", Status: core.Matched, Detail: "父亲名下住房在学区内"}}}
	a := core.Application{Stage: req.Stage, Child: core.Child{ID: core.ResidentID(req.Child), Name: "张小明"},
		Guardians: []core.Guardian{{ID: core.ResidentID(req.Guardian), Name: "张伟", Applicant: true}}, Decision: dec}
	return engineapi.WalkInLookupResponse{DraftID: core.NewApplicationID(), Decision: dec, Draft: a.View()}, nil
}

func (f *deskFake) WalkInSubmit(_ context.Context, req engineapi.WalkInSubmitRequest) (engineapi.WalkInSubmitResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submits = append(f.submits, req)
	var choices []core.School
	for _, c := range req.Choices {
		for _, z := range zone {
			if z.Code == c {
				choices = append(choices, z)
			}
		}
	}
	a := core.Application{ID: req.DraftID, RegNo: core.RegNo(req.DraftID, req.Stage, walkNow), Stage: req.Stage, State: core.StateVerified,
		Child: core.Child{ID: core.ResidentID(req.Child), Name: "张小明"}, Choices: choices, Phone: req.Phone,
		Guardians: []core.Guardian{{ID: core.ResidentID(req.Guardian), Name: "张伟", Applicant: true}},
		KioskID:   engineapi.DeskDeviceID(f.desk.Public().(ed25519.PublicKey)), CreatedAt: walkNow, Operator: "王芳（staff:U-HALL）",
		Decision: core.Decision{Eligible: true, CategoryName: "房户一致"}}
	f.apps[a.ID] = a
	rc := engineapi.DeskReceipt(a, core.Notice{})
	tok, err := receipt.Sign(f.desk, rc)
	if err != nil {
		return engineapi.WalkInSubmitResponse{}, err
	}
	rc.Token = tok
	return engineapi.WalkInSubmitResponse{Outcome: engineapi.ItemAccepted, Application: a.View(), State: a.State, Operator: a.Operator, Receipt: rc}, nil
}

func (f *deskFake) Find(_ context.Context, req engineapi.FindRequest) (engineapi.FindResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := strings.TrimSpace(req.Query)
	if strings.HasPrefix(q, receipt.TokenPrefix) {
		chk, claims := engineapi.CheckToken(q, f.devices)
		out := engineapi.FindResponse{By: engineapi.FindByToken, Token: &chk}
		if !chk.Valid {
			out.Note = "不能凭这张回执查找：请按回执上印的登记号查找。"
			return out, nil
		}
		a := f.apps[claims.AppID]
		out.Records = []engineapi.FoundRecord{{Application: a.View(), Operator: a.Operator, DeviceID: a.KioskID, CreatedAt: a.CreatedAt,
			History: a.History, Compare: engineapi.CompareClaims(claims, a)}}
		return out, nil
	}
	out := engineapi.FindResponse{By: engineapi.FindByRegNo}
	for _, a := range f.apps {
		if a.RegNo == core.NormalRegNo(q) || string(a.Child.ID) == q {
			out.Records = append(out.Records, engineapi.FoundRecord{Application: a.View(), Operator: a.Operator, DeviceID: a.KioskID, CreatedAt: a.CreatedAt})
		}
	}
	return out, nil
}

func (f *deskFake) Reprint(_ context.Context, req engineapi.ReprintRequest) (engineapi.ReprintResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.apps[req.AppID]
	if !ok {
		return engineapi.ReprintResponse{}, refusal("教育局没有这份报名：请重新查找。")
	}
	rc := engineapi.DeskReceipt(a, core.Notice{})
	tok, err := receipt.Sign(f.desk, rc)
	rc.Token = tok
	return engineapi.ReprintResponse{Receipt: rc}, err
}

// refusal is the engine's plain-words answer, as the HTTP client returns it.
type refusal string

func (r refusal) Error() string { return string(r) }

// paperPrinter keeps what it was asked to print.
type paperPrinter struct {
	mu      sync.Mutex
	printed []receipt.Receipt
}

func (p *paperPrinter) PrintReceipt(_ context.Context, r receipt.Receipt) (receipt.Outcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printed = append(p.printed, r)
	return receipt.Outcome{Printed: true, Message: "回执已打印，请交给家长。"}, nil
}

// now runs the work and its completion at once, as on Fyne's goroutine.
func now(work func(ctx context.Context) error, done func(error)) { done(work(context.Background())) }

// newWalkWindow starts a test app in Chinese and a 1366 × 768 window;
// screens are built after it, so their words are translated.
func newWalkWindow(t *testing.T) fyne.Window {
	t.Helper()
	a := test.NewTempApp(t)
	if err := ui.SetLanguage(ui.LangChinese); err != nil {
		t.Fatal(err)
	}
	a.Settings().SetTheme(ui.NewTheme(ui.BundledFont(), false, nil))
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1366, 768))
	return w
}

// A walk-in on the desktop: numbers typed and masked once the look-up
// starts, the engine's decision and evidence shown, the schools ranked,
// the phone typed, the consent read out and ticked, submitted, and the
// receipt the engine signed printed with the operator's name.
func TestWalkInScreenRegistersAndPrints(t *testing.T) {
	be, pr := newDeskFake(t), &paperPrinter{}
	win := newWalkWindow(t)
	w := staff.NewWalkInScreen(be, pr, now)
	win.SetContent(w.Content())

	w.FocusFirst(win.Canvas())
	test.Type(win.Canvas().Focused(), walkGuardian)
	win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // to the child's number
	if win.Canvas().Focused() != w.Child {
		t.Fatal("Enter in the guardian's number does not move to the child's")
	}
	test.Type(w.Child, walkChild)
	if !w.Submit.Disabled() {
		t.Error("submit is enabled before the look-up")
	}
	w.Child.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter looks up

	if len(be.lookups) != 1 || be.lookups[0].Guardian != walkGuardian || be.lookups[0].Child != walkChild || be.lookups[0].Stage != core.Primary {
		t.Fatalf("look-ups: %+v", be.lookups)
	}
	for _, e := range []*widget.Entry{w.Guardian, w.Child} {
		if strings.Contains(e.Text, "19880101") || strings.Contains(e.Text, "20210303") || !strings.Contains(e.Text, "********") {
			t.Errorf("an ID number shows unmasked after entry: %q", e.Text)
		}
	}
	if !strings.Contains(w.Decision.Text, "房户一致") || len(w.Evidence.Objects) != 2 {
		t.Errorf("decision %q, %d evidence lines", w.Decision.Text, len(w.Evidence.Objects))
	}
	if got := w.Ranking(); len(got) != 2 || got[0].Code != "S1" {
		t.Fatalf("ranking %+v", got)
	}
	// The parent wants the second school first: tap its ↑.
	row := w.Schools.Objects[1].(*fyne.Container)
	test.Tap(row.Objects[2].(*widget.Button))
	if got := w.Ranking(); got[0].Code != "S2" || got[1].Code != "S1" {
		t.Errorf("after ↑ the ranking is %+v", got)
	}

	test.Type(w.Phone, "13800138000")
	if !w.Submit.Disabled() {
		t.Error("submit is enabled before the consent is ticked")
	}
	test.Tap(w.Consent)
	if w.Submit.Disabled() {
		t.Fatal("submit stays disabled with the consent ticked")
	}
	test.Tap(w.Submit)

	if len(be.submits) != 1 {
		t.Fatalf("submits: %d (%s)", len(be.submits), w.Message.Text)
	}
	s := be.submits[0]
	if !s.ConsentReadOut || s.Guardian != walkGuardian || s.Child != walkChild || strings.Join(s.Choices, ",") != "S2,S1" || s.Phone != "13800138000" {
		t.Errorf("submitted %+v", s)
	}
	if len(pr.printed) != 1 || pr.printed[0].Operator != "王芳" || pr.printed[0].Token == "" {
		t.Fatalf("printed: %+v", pr.printed)
	}
	if !strings.Contains(w.Result.Text, pr.printed[0].RegNo) || !strings.Contains(w.Result.Text, "王芳") {
		t.Errorf("result %q", w.Result.Text)
	}
	if w.Phone.Text != "138****8000" {
		t.Errorf("the phone stays on screen as %q", w.Phone.Text)
	}
	if w.Message.Text != "回执已打印，请交给家长。" {
		t.Errorf("message %q", w.Message.Text)
	}
	test.Tap(w.Print)
	if len(pr.printed) != 2 {
		t.Error("再打印一份 did not print again")
	}
	test.Tap(w.Next)
	if w.Guardian.Text != "" || w.Child.Text != "" || w.Result.Text != "" || len(w.Evidence.Objects) != 0 || w.Guardian.Disabled() {
		t.Error("the next family's form is not empty")
	}
}

// A mistyped number is the engine's words on screen, and the numbers can
// be typed again.
func TestWalkInScreenShowsTheEngineRefusal(t *testing.T) {
	be := newDeskFake(t)
	win := newWalkWindow(t)
	w := staff.NewWalkInScreen(be, nil, now)
	win.SetContent(w.Content())
	test.Type(w.Guardian, walkGuardian)
	test.Type(w.Child, wrongCheck(walkChild))
	test.Tap(w.Lookup)
	if !strings.Contains(w.Message.Text, "孩子") || !w.Submit.Disabled() {
		t.Errorf("message %q", w.Message.Text)
	}
	test.Tap(w.Change)
	if w.Child.Text != "" || w.Child.Disabled() {
		t.Error("重新输入 does not give the fields back")
	}
}

// The find field has the cursor; a scanner types a genuine receipt's
// token and Enter: the verdict, the engine's record beside the paper and
// a reprint. A forged token (signed by a key the registry does not hold)
// is refused with the reason and shows no record.
func TestFindScreenScansGenuineAndForgedReceipts(t *testing.T) {
	be, pr := newDeskFake(t), &paperPrinter{}
	sub, err := be.WalkInSubmit(context.Background(), engineapi.WalkInSubmitRequest{DraftID: core.NewApplicationID(), Guardian: walkGuardian,
		Child: walkChild, Stage: core.Primary, Choices: []string{"S1", "S2"}, Phone: "13800138000", ConsentReadOut: true})
	if err != nil {
		t.Fatal(err)
	}
	win := newWalkWindow(t)
	f := staff.NewFindScreen(be, pr, now)
	win.SetContent(f.Content())
	f.FocusQuery(win.Canvas())

	scan := func(token string) {
		t.Helper()
		if win.Canvas().Focused() != f.Query {
			t.Fatal("the find field does not have the cursor: a scan would be lost")
		}
		test.Type(win.Canvas().Focused(), token)
		win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	}
	scan(sub.Receipt.Token)
	last := f.Last()
	if last == nil || last.Token == nil || !last.Token.Valid || !strings.Contains(f.Verdict.Text, "回执真实有效") {
		t.Fatalf("genuine: verdict %q, %+v", f.Verdict.Text, last)
	}
	if len(last.Records) != 1 || len(f.Reprints) != 1 || last.Records[0].Operator == "" || f.Query.Text != "" {
		t.Fatalf("records %d, reprint buttons %d, field %q", len(last.Records), len(f.Reprints), f.Query.Text)
	}
	if !canvasHas(win.Canvas(), "王芳（staff:U-HALL）") || !canvasHas(win.Canvas(), "回执上写的 / 教育局的记录") {
		t.Error("the record does not show the operator and the paper beside it")
	}
	test.Tap(f.Reprints[0])
	if len(pr.printed) != 1 || pr.printed[0].RegNo != sub.Application.RegNo || f.Message.Text != "回执已打印，请交给家长。" {
		t.Errorf("reprint: %+v, %q", pr.printed, f.Message.Text)
	}

	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	forged, err := receipt.Sign(stranger, sub.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	scan(forged)
	last = f.Last()
	if last.Token.Valid || last.Token.Reason != receipt.ETokenUnknownKey || len(last.Records) != 0 || len(f.Reprints) != 0 {
		t.Fatalf("forged: %+v", last)
	}
	if !strings.Contains(f.Verdict.Text, "回执无效") || !strings.Contains(f.Verdict.Text, "未登记的设备") {
		t.Errorf("forged verdict %q", f.Verdict.Text)
	}
	if f.Verdict.Importance != widget.DangerImportance {
		t.Error("a refused receipt is not shown as danger")
	}

	// By registration number, typed by hand.
	test.Type(f.Query, strings.ReplaceAll(sub.Application.RegNo, "-", ""))
	test.Tap(f.Find)
	if last = f.Last(); len(last.Records) != 1 || last.Token != nil {
		t.Errorf("by registration number: %+v", last)
	}
	// By ID number: the field repeats it masked.
	test.Type(f.Query, walkChild)
	f.Query.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if strings.Contains(f.Asked.Text, walkChild) || !strings.Contains(f.Asked.Text, core.ResidentID(walkChild).Masked()) {
		t.Errorf("the ID number is repeated as %q", f.Asked.Text)
	}
}

// canvasHas reports whether any label on the canvas shows s.
func canvasHas(c fyne.Canvas, s string) bool {
	found := false
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			found = found || strings.Contains(x.Text, s)
		case *fyne.Container:
			for _, o := range x.Objects {
				walk(o)
			}
		case fyne.Widget:
			for _, o := range test.WidgetRenderer(x).Objects() {
				walk(o)
			}
		}
	}
	walk(c.Content())
	return found
}

// wrongCheck is id with another check character: a typing error.
func wrongCheck(id string) string {
	if strings.HasSuffix(id, "0") {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

// cards is a reader with cards laid on it in turn.
type cards []core.ResidentID

func (c *cards) Read(context.Context) (core.ResidentID, error) {
	if len(*c) == 0 {
		return "", refusal("读卡器上没有身份证。")
	}
	id := (*c)[0]
	*c = (*c)[1:]
	return id, nil
}

// With a reader the numbers are read from the cards, shown masked from
// the start and sent in full; a failed read says so and typing still works.
func TestWalkInScreenReadsIDCards(t *testing.T) {
	be := newDeskFake(t)
	win := newWalkWindow(t)
	w := staff.NewWalkInScreen(be, nil, now)
	win.SetContent(w.Content())
	if !w.ReadGuardian.Hidden {
		t.Error("读卡 shows without a reader")
	}
	reader := &cards{core.ResidentID(walkGuardian), core.ResidentID(walkChild)}
	w.UseReader(reader)
	if w.ReadGuardian.Hidden || w.ReadChild.Hidden {
		t.Fatal("no 读卡 buttons with a reader")
	}
	test.Tap(w.ReadGuardian)
	test.Tap(w.ReadChild)
	if w.Guardian.Text != core.ResidentID(walkGuardian).Masked() || w.Child.Text != core.ResidentID(walkChild).Masked() {
		t.Errorf("fields after reading: %q %q", w.Guardian.Text, w.Child.Text)
	}
	test.Tap(w.Lookup)
	if len(be.lookups) != 1 || be.lookups[0].Guardian != walkGuardian || be.lookups[0].Child != walkChild {
		t.Fatalf("look-up sent %+v", be.lookups)
	}
	test.Tap(w.Change)
	test.Tap(w.ReadGuardian)
	if !strings.Contains(w.Message.Text, "没有读到身份证") || w.Guardian.Text != "" {
		t.Errorf("an empty reader: %q, field %q", w.Message.Text, w.Guardian.Text)
	}
}
