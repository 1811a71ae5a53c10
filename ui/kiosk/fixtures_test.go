package kiosk_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"enrolldesk/core"
	"enrolldesk/core/memcity"
	"enrolldesk/core/receipt"
	"enrolldesk/core/sourcetest"
	"enrolldesk/ui/kiosk"
)

// fixedNow is the kiosk's clock in every test: mid-June of the 2027 intake.
var fixedNow = time.Date(2027, 6, 15, 9, 30, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// testPolicy is the demo city's policy (sourcetest.Policy).
func testPolicy() *core.Policy { return sourcetest.Policy() }

// family is one household of the test town, named by persona key.
type family struct {
	key          string
	guardian     core.ResidentID
	child        core.ResidentID
	guardianName string
	childName    string
}

// Persona keys of the test town.
const (
	famConsistent = "consistent"
	famMulti      = "multi_school"
	famTooYoung   = "too_young"
	famNoRecords  = "no_records"
	famIDX        = "id_x"
	famMigrant    = "migrant_short"
)

func home(building int, room string) core.Address {
	return core.Address{County: "370811", Street: "古槐街道", Compound: "文昌花园", CompoundKey: "C1", Building: building, Unit: 1, Room: room}
}

// childWithX finds a child's ID number whose check character is X.
func childWithX(t *testing.T) core.ResidentID {
	for seq := 1; seq < 1000; seq += 2 {
		id := core.MakeResidentID("370811", day(2021, 5, 5), seq)
		if strings.HasSuffix(string(id), "X") {
			return id
		}
	}
	t.Fatal("no ID number ending in X")
	return ""
}

// town builds a small city by hand: compound C1 buildings 1–10 form the
// single-school zone of 文昌小学, buildings 11–20 the two-school zone of
// 东城小学 and 西城小学; one family per path the kiosk must handle.
func town(t *testing.T) (*memcity.City, map[string]family) {
	t.Helper()
	c := memcity.New()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []core.School{
		{Code: "P1", Name: "文昌小学", Stage: core.Primary, Capacity: 90},
		{Code: "P2", Name: "东城小学", Stage: core.Primary, Capacity: 90},
		{Code: "P3", Name: "西城小学", Stage: core.Primary, Capacity: 45},
	} {
		must(c.PutSchool(s))
	}
	must(c.PutZone(core.Zone{Code: "ZS", Name: "文昌学区", Stage: core.Primary, Schools: []core.School{{Code: "P1"}}},
		[]core.ZoneRule{{CompoundKey: "C1", FromBuilding: 1, ToBuilding: 10}}))
	must(c.PutZone(core.Zone{Code: "ZM", Name: "东西城学区", Stage: core.Primary, Schools: []core.School{{Code: "P2"}, {Code: "P3"}}},
		[]core.ZoneRule{{CompoundKey: "C1", FromBuilding: 11, ToBuilding: 20}}))

	fams := map[string]family{}
	// owners registers a family household at addr and gives it the home.
	owners := func(f family, number string, addr core.Address) {
		must(c.PutHousehold(core.Household{Number: number, Kind: core.FamilyHousehold, Address: addr, Members: []core.Member{
			{Person: core.Person{ID: f.guardian, Name: f.guardianName}, Relation: core.RelHead},
			{Person: core.Person{ID: f.child, Name: f.childName}, Relation: childRelation(f.child)},
		}}))
		must(c.PutProperty(core.Property{CertNo: "鲁(2016)济宁市不动产权第" + number + "号", Usage: core.UsageResidential,
			Address: addr, Owners: []core.Owner{{ID: f.guardian, Name: f.guardianName, Share: 100}}, Registered: day(2016, 1, 1)}))
	}
	add := func(f family) { fams[f.key] = f }

	add(family{famConsistent, core.MakeResidentID("370811", day(1985, 4, 12), 11),
		core.MakeResidentID("370811", day(2021, 3, 8), 33), "张建国", "张子涵"})
	owners(fams[famConsistent], "H001", home(5, "301"))

	add(family{famMulti, core.MakeResidentID("370811", day(1986, 2, 1), 15),
		core.MakeResidentID("370811", day(2020, 12, 20), 42), "陈志强", "陈一诺"})
	owners(fams[famMulti], "H002", home(15, "502"))

	add(family{famTooYoung, core.MakeResidentID("370811", day(1990, 7, 7), 17),
		core.MakeResidentID("370811", day(2021, 9, 1), 24), "李伟", "李小雨"})
	owners(fams[famTooYoung], "H003", home(6, "101"))

	add(family{famNoRecords, core.MakeResidentID("370811", day(1980, 1, 2), 19),
		core.MakeResidentID("370811", day(2021, 1, 1), 26), "", ""})

	add(family{famIDX, core.MakeResidentID("370811", day(1984, 8, 8), 31),
		childWithX(t), "赵刚", "赵小宝"})
	owners(fams[famIDX], "H005", home(7, "202"))

	migrant := family{famMigrant, core.MakeResidentID("412722", day(1987, 5, 6), 57),
		core.MakeResidentID("412722", day(2020, 12, 1), 3), "孙海", "孙乐乐"}
	add(migrant)
	must(c.PutBirth(core.BirthRecord{CertNo: "O370000001", Child: migrant.child, Father: core.Person{ID: migrant.guardian, Name: migrant.guardianName}}))
	must(c.PutPermit(core.ResidencePermit{PermitNo: "JZ3708110001", Holder: migrant.guardian, Address: home(8, "402"),
		Issued: day(2025, 1, 1), Expires: day(2028, 1, 1)}))
	must(c.PutInsurance(core.InsurancePeriod{Person: migrant.guardian, Employer: "济宁某机械厂", Kind: core.InsuranceEmployee,
		From: day(2026, 10, 1), To: day(2027, 8, 1)})) // 11 months by the cut-off: one short

	for _, p := range []struct{ key, title string }{
		{famConsistent, "房户一致，单校划片"}, {famMulti, "多校划片，两所学校"}, {famTooYoung, "9月1日出生，年龄不够"},
		{famNoRecords, "没有任何登记信息"}, {famIDX, "孩子身份证号以X结尾"}, {famMigrant, "随迁子女，社保差一个月"},
	} {
		f := fams[p.key]
		must(c.PutPersona(core.Persona{Key: p.key, Title: p.title, GuardianID: f.guardian, ChildID: f.child, Stage: core.Primary}))
	}
	return c, fams
}

func childRelation(id core.ResidentID) core.Relation {
	if id.Sex() == core.Female {
		return core.RelDaughter
	}
	return core.RelSon
}

// fakeSubmitter stores applications by ID, as the kiosk's store does:
// submitting the same draft again returns the stored one.
type fakeSubmitter struct {
	mu    sync.Mutex
	apps  map[string]core.Application
	calls int
	gate  chan struct{} // when set, Submit waits for it
	fail  error
}

func (f *fakeSubmitter) Submit(ctx context.Context, s core.Submission) (core.Application, error) {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		return core.Application{}, f.fail
	}
	if a, ok := f.apps[s.Draft.ID]; ok {
		return a, nil
	}
	a, err := core.Submit(s)
	if err != nil {
		return core.Application{}, err
	}
	f.apps[a.ID] = a
	return a, nil
}

func (f *fakeSubmitter) stored() []core.Application {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []core.Application
	for _, a := range f.apps {
		out = append(out, a)
	}
	return out
}

func (f *fakeSubmitter) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// fakePrinter records prints and discards; fail makes every print fail.
type fakePrinter struct {
	mu        sync.Mutex
	fail      bool
	printed   []string
	discarded []string
}

func (p *fakePrinter) Print(_ context.Context, a core.Application) (receipt.Outcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return receipt.Outcome{Message: "打印机没有响应。"}, errors.New("printer offline")
	}
	p.printed = append(p.printed, a.RegNo)
	return receipt.Outcome{Printed: true, Message: "回执已打印。"}, nil
}

func (p *fakePrinter) Discard(regNo string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.discarded = append(p.discarded, regNo)
	return nil
}

func (p *fakePrinter) counts() (printed, discarded []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.printed...), append([]string(nil), p.discarded...)
}

// fakeReader is a simulated card reader with the town's personas. fails
// holds errors the next reads return, one each, before any card.
type fakeReader struct {
	personas []core.Persona
	cards    chan core.ResidentID
	mu       sync.Mutex
	fails    []error
	reads    []time.Time // when each Read began
}

func newFakeReader(personas []core.Persona) *fakeReader {
	return &fakeReader{personas: personas, cards: make(chan core.ResidentID, 1)}
}

func (r *fakeReader) Read(ctx context.Context) (core.ResidentID, error) {
	r.mu.Lock()
	r.reads = append(r.reads, time.Now())
	if len(r.fails) > 0 {
		err := r.fails[0]
		r.fails = r.fails[1:]
		r.mu.Unlock()
		return "", err
	}
	r.mu.Unlock()
	select {
	case id := <-r.cards:
		if ctx.Err() != nil { // the screen left as the card came: leave it for the next read
			r.Place(id)
			return "", ctx.Err()
		}
		return id, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// failNext makes the next reads fail with errs, in order.
func (r *fakeReader) failNext(errs ...error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fails = append(r.fails, errs...)
}

// readTimes returns when each Read began.
func (r *fakeReader) readTimes() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.reads...)
}

func (r *fakeReader) Personas() []core.Persona { return r.personas }

func (r *fakeReader) Place(id core.ResidentID) {
	select {
	case <-r.cards:
	default:
	}
	r.cards <- id
}

var (
	_ kiosk.CardReader = (*fakeReader)(nil)
	_ kiosk.DemoCards  = (*fakeReader)(nil)
)

// fakeMaintenance opens with PIN 2468.
type fakeMaintenance struct {
	mu        sync.Mutex
	reprinted []string
	alarm     string // KioskStatus.Alarm
	syncNote  string // KioskStatus.SyncNote
}

func (m *fakeMaintenance) CheckPIN(pin string) kiosk.PINCheck {
	return kiosk.PINCheck{OK: pin == "2468", Remaining: 4}
}

func (m *fakeMaintenance) Status(context.Context) (kiosk.KioskStatus, error) {
	return kiosk.KioskStatus{DeviceID: "JN-K-0007", Printer: "", Spooled: 3, QueueLength: 2, DeadLetters: 1,
		LastSync: fixedNow.Add(-5 * time.Minute), Version: "v-test", Alarm: m.alarm, SyncNote: m.syncNote,
		EngineStates: map[core.State]int{core.StateVerified: 2, core.StateNeedsReview: 1}}, nil
}

func (m *fakeMaintenance) EngineState(context.Context, string) (core.State, error) {
	return core.StateNeedsReview, nil
}

func (m *fakeMaintenance) Reprint(_ context.Context, regNo string) (receipt.Outcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reprinted = append(m.reprinted, regNo)
	return receipt.Outcome{Printed: true, Message: "已补打。"}, nil
}

// gatedRegistrar holds every look-up until the gate opens, so a test can
// see the waiting screen.
type gatedRegistrar struct {
	kiosk.Registrar
	gate    chan struct{}
	entered chan struct{} // a look-up has started and waits at the gate
}

func (g *gatedRegistrar) Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	g.entered <- struct{}{}
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Registrar.Lookup(ctx, guardian, child, stage)
}

// rig is a kiosk on the test town with fake services.
type rig struct {
	t    *testing.T
	app  fyne.App
	win  fyne.Window
	k    *kiosk.Kiosk
	fams map[string]family
	sub  *fakeSubmitter
	prn  *fakePrinter
	rdr  *fakeReader
	mnt  *fakeMaintenance
	svc  kiosk.Services
	opt  kiosk.Options
}

type rigOption func(*kiosk.Services, *kiosk.Options)

func withoutReader() rigOption { return func(s *kiosk.Services, _ *kiosk.Options) { s.Reader = nil } }

func withLanguage(tag string) rigOption {
	return func(_ *kiosk.Services, o *kiosk.Options) { o.Language = tag }
}

func newRig(t *testing.T, opts ...rigOption) *rig {
	t.Helper()
	city, fams := town(t)
	personas, err := city.Personas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, fams: fams, sub: &fakeSubmitter{apps: map[string]core.Application{}}, prn: &fakePrinter{},
		rdr: newFakeReader(personas), mnt: &fakeMaintenance{}}
	r.svc = kiosk.Services{
		Registrar:   &core.Registrar{Sources: core.SourcesOf(city), Policy: testPolicy(), Now: func() time.Time { return fixedNow }},
		Submitter:   r.sub,
		Printer:     r.prn,
		Reader:      r.rdr,
		Maintenance: r.mnt,
		KioskID:     "JN-K-0007",
		Now:         func() time.Time { return fixedNow },
		Notice:      testPolicy().Notice,
	}
	r.opt.ManualClock = true // the tests tick the clock themselves (Kiosk.Tick)
	for _, o := range opts {
		o(&r.svc, &r.opt)
	}
	r.app = test.NewApp()
	r.win = r.app.NewWindow("")
	r.k = kiosk.NewKiosk(r.app, r.win, r.svc, r.opt)
	t.Cleanup(func() {
		r.k.Close()
		r.win.Close()
	})
	return r
}

// gateLookups rebuilds the kiosk with look-ups that wait at a gate.
func (r *rig) gateLookups() *gatedRegistrar {
	g := &gatedRegistrar{Registrar: r.svc.Registrar, gate: make(chan struct{}), entered: make(chan struct{}, 16)}
	r.svc.Registrar = g
	r.k.Close()
	r.k = kiosk.NewKiosk(r.app, r.win, r.svc, r.opt)
	k := r.k
	r.t.Cleanup(k.Close)
	return g
}

// waitFor polls cond until it holds or a few seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// at waits until the kiosk shows the named screen with nothing pending and
// returns it as its concrete type.
func at[S kiosk.Screen](r *rig, name string) S {
	r.t.Helper()
	waitFor(r.t, "screen "+name, func() bool { return r.k.ScreenName() == name && !r.k.Busy() })
	s, ok := r.k.Screen().(S)
	if !ok {
		r.t.Fatalf("screen %s is a %T", name, r.k.Screen())
	}
	return s
}

// typeOn taps the keypad's keys for each character of s.
func typeOn(t *testing.T, p *kiosk.Keypad, s string) {
	t.Helper()
	for _, c := range s {
		key, ok := p.Keys[string(c)]
		if !ok {
			t.Fatalf("no key %q on the keypad", c)
		}
		test.Tap(key)
	}
}

// texts collects every string in the window, shown or hidden: labels,
// buttons, entries and raw canvas text, including the overlay.
func texts(w fyne.Window) []string { return collectTexts(w, false) }

// visibleTexts is texts without what is hidden (or inside something hidden).
func visibleTexts(w fyne.Window) []string { return collectTexts(w, true) }

func collectTexts(w fyne.Window, onlyVisible bool) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || (onlyVisible && !o.Visible()) {
			return
		}
		switch v := o.(type) {
		case *canvas.Text:
			out = append(out, v.Text)
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Button:
			out = append(out, v.Text)
		case *widget.Entry:
			out = append(out, v.Text, v.PlaceHolder)
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, child := range c.Objects {
				walk(child)
			}
			return
		}
		if wid, ok := o.(fyne.Widget); ok {
			for _, child := range test.WidgetRenderer(wid).Objects() {
				walk(child)
			}
		}
	}
	walk(w.Canvas().Content())
	for _, o := range w.Canvas().Overlays().List() {
		walk(o)
	}
	return out
}

// plain is a label's text without the line breaks of the layout.
func plain(l *widget.Label) string { return strings.ReplaceAll(l.Text, "\n", "") }

// showsVisibly reports whether any visible text in the window contains s.
func showsVisibly(w fyne.Window, s string) bool {
	for _, t := range visibleTexts(w) {
		if strings.Contains(strings.ReplaceAll(t, "\n", ""), s) {
			return true
		}
	}
	return false
}

// shows reports whether any text in the window contains s.
func shows(w fyne.Window, s string) bool {
	for _, t := range texts(w) {
		if strings.Contains(strings.ReplaceAll(t, "\n", ""), s) {
			return true
		}
	}
	return false
}
