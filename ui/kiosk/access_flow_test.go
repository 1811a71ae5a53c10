package kiosk_test

// The flows as the accessibility review asked for them: consent before
// any look-up, cards read without a tap, the demo cards behind 演示, a
// parent's card asked for, the confirm screen's questions answered in place.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"enrolldesk/core"
	"enrolldesk/ui/kiosk"
)

// TestConsistentFamilyOnTheDemoCards walks the same family as a demo
// visitor: the simulated cards are behind 演示, closed at first.
func TestConsistentFamilyOnTheDemoCards(t *testing.T) {
	r := newRig(t)
	g := agreeThrough(r)
	if g.DemoToggle == nil || g.Demo[famConsistent] == nil {
		t.Fatal("no 演示 cards with a simulated reader")
	}
	if showsVisibly(r.win, famConsistent) {
		t.Error("the demo cards show before 演示 is tapped")
	}
	test.Tap(g.DemoToggle)
	if !showsVisibly(r.win, famConsistent) {
		t.Error("演示 does not open the demo cards")
	}
	if g.Next != nil {
		t.Error("a card screen without a number has nothing to press but the keypad")
	}
	r.k.Close()
	r2 := newRig(t)
	demoCardsThrough(r2, famConsistent)
	rc := finishFromConfirm(r2, "13805371234")
	test.Tap(rc.Finish)
	at[*kiosk.WelcomeScreen](r2, kiosk.ScreenWelcome)
	st := r2.k.Stats()
	if st.Touches > 19 || st.Screens > 7 {
		t.Errorf("on the demo cards: %d touches, %d screens; at most 19 and 7", st.Touches, st.Screens)
	}
	t.Logf("consistent family, demo cards: %d touches, %d screens", st.Touches, st.Screens)
}

// recordingRegistrar notes each look-up and which screens the family had
// seen by then.
type recordingRegistrar struct {
	kiosk.Registrar
	k     func() *kiosk.Kiosk
	mu    sync.Mutex
	calls [][]string
}

func (g *recordingRegistrar) Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	shown := g.k().Stats().Shown
	g.mu.Lock()
	g.calls = append(g.calls, shown)
	g.mu.Unlock()
	return g.Registrar.Lookup(ctx, guardian, child, stage)
}

func (g *recordingRegistrar) seen() [][]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([][]string(nil), g.calls...)
}

// TestNoLookupBeforeConsent: no department is asked anything before the
// family taps 同意并继续 (PIPL), whatever is laid on the reader meanwhile.
func TestNoLookupBeforeConsent(t *testing.T) {
	r := newRig(t)
	rec := &recordingRegistrar{Registrar: r.svc.Registrar}
	r.svc.Registrar = rec
	r.k.Close()
	r.k = kiosk.NewKiosk(r.app, r.win, r.svc, r.opt)
	t.Cleanup(r.k.Close)
	rec.k = func() *kiosk.Kiosk { return r.k }
	f := r.fams[famConsistent]

	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Primary)
	cs := at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent)
	if cs.Agree != cs.Next || cs.Back != nil || cs.Restart == nil {
		t.Error("the consent screen's one way on is 同意并继续 (and 重新开始 to leave)")
	}
	r.rdr.Place(f.guardian) // a card laid down too early is not read here
	test.Tap(cs.Restart)
	at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome)
	if n := len(rec.seen()); n != 0 {
		t.Fatalf("%d look-ups before consent", n)
	}

	test.Tap(at[*kiosk.WelcomeScreen](r, kiosk.ScreenWelcome).Primary)
	test.Tap(at[*kiosk.ConsentScreen](r, kiosk.ScreenConsent).Agree)
	at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard) // the early card, now read on the guardian's screen
	r.rdr.Place(f.child)
	at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	calls := rec.seen()
	if len(calls) != 1 || len(calls[0]) == 0 || calls[0][0] != kiosk.ScreenConsent {
		t.Fatalf("look-ups %v: want one, after the consent screen", calls)
	}
	test.Tap(phoneFromConfirm(r, "13805371234").Next)
	at[*kiosk.ReceiptScreen](r, kiosk.ScreenReceipt)
	if apps := r.sub.stored(); len(apps) != 1 {
		t.Errorf("stored %d", len(apps))
	}
}

// TestNoRecordsAsksForAParentsCard: a grandparent's own card finds
// nothing; the screen asks whether a parent's card was used and goes back
// to the parent's card in one tap, consent kept.
func TestNoRecordsAsksForAParentsCard(t *testing.T) {
	r := newRig(t)
	cardsThrough(r, famNoRecords)
	s := at[*kiosk.NotEligibleScreen](r, kiosk.ScreenNotEligible)
	if s.Question == nil || !strings.Contains(plain(s.Question), "爸爸或妈妈的身份证") {
		t.Fatalf("no question about the parent's card")
	}
	test.Tap(s.TryAgain)
	g := at[*kiosk.IDCardScreen](r, kiosk.ScreenGuardianCard)
	if g.Next != nil {
		t.Error("the old number is still offered")
	}
	f := r.fams[famConsistent]
	r.rdr.Place(f.guardian)
	at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
	r.rdr.Place(f.child)
	at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
}

// TestReaderErrorSaysWhyAndListensAgain: a read that fails (card lifted,
// expired card, reader unplugged) shows the reader's own plain message,
// points to the keypad, and reads the next card without a tap — after a
// pause, never in a hot loop.
func TestReaderErrorSaysWhyAndListensAgain(t *testing.T) {
	r := newRig(t)
	r.rdr.failNext(core.Errorf(core.EINVALID, "这张身份证已过有效期，请换一张有效的身份证。"), errors.New("serial: EOF"))
	g := agreeThrough(r)
	waitFor(t, "the reader's message", func() bool { return strings.Contains(g.Status.Message(), "已过有效期") })
	if g.Status.Kind != "error" || !strings.Contains(g.Status.Message(), "数字键盘") || !g.Keypad.Visible() {
		t.Errorf("after an expired card: %s %q, keypad %v", g.Status.Kind, g.Status.Message(), g.Keypad.Visible())
	}
	waitFor(t, "the plain message for a broken reader", func() bool {
		return strings.Contains(g.Status.Message(), "没有读到身份证")
	})
	reads := r.rdr.readTimes()
	if len(reads) < 2 || reads[1].Sub(reads[0]) < time.Second {
		t.Errorf("reads began at %v: the reader was asked again without a pause", reads)
	}
	r.rdr.Place(r.fams[famConsistent].guardian)
	at[*kiosk.IDCardScreen](r, kiosk.ScreenChildCard)
	if st := r.k.Stats(); st.Touches != 2 {
		t.Errorf("%d touches: reading a card must need none", st.Touches)
	}
}

func TestConfirmEvidenceAndHelpOpenInPlace(t *testing.T) {
	r := newRig(t)
	cardsThrough(r, famConsistent)
	cf := at[*kiosk.ConfirmScreen](r, kiosk.ScreenConfirm)
	if cf.EvidenceShown() || showsVisibly(r.win, "济宁市公安局") {
		t.Error("the evidence shows before 查看依据")
	}
	test.Tap(cf.ShowEvidence)
	if !cf.EvidenceShown() || !showsVisibly(r.win, "济宁市公安局") || r.k.ScreenName() != kiosk.ScreenConfirm {
		t.Error("查看依据 does not open the evidence in place")
	}
	if len(r.win.Canvas().Overlays().List()) != 0 {
		t.Error("查看依据 opened a pop-up")
	}
	test.Tap(cf.ShowEvidence)
	if cf.EvidenceShown() {
		t.Error("收起依据 left the evidence open")
	}
	test.Tap(cf.WrongInfo)
	if m := cf.Help.Message(); !strings.Contains(m, "市民中心一楼教育局12号窗口") || !strings.Contains(m, "0537-2968123") || !strings.Contains(m, "不要提交") {
		t.Errorf("信息不对？ says %q", m)
	}
	if r.k.ScreenName() != kiosk.ScreenConfirm || len(r.win.Canvas().Overlays().List()) != 0 {
		t.Error("信息不对？ left the screen or opened a pop-up")
	}
}
