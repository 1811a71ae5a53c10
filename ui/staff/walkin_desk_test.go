package staff_test

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/ui/staff"
)

// walkDesk is the review fake with the walk-in and find answers of deskFake.
type walkDesk struct {
	*fakeEngine
	w *deskFake
}

func (b walkDesk) WalkInLookup(ctx context.Context, r engineapi.WalkInLookupRequest) (engineapi.WalkInLookupResponse, error) {
	if _, err := b.auth("walkin"); err != nil {
		return engineapi.WalkInLookupResponse{}, err
	}
	return b.w.WalkInLookup(ctx, r)
}

func (b walkDesk) WalkInSubmit(ctx context.Context, r engineapi.WalkInSubmitRequest) (engineapi.WalkInSubmitResponse, error) {
	if _, err := b.auth("walkin"); err != nil {
		return engineapi.WalkInSubmitResponse{}, err
	}
	return b.w.WalkInSubmit(ctx, r)
}

func (b walkDesk) Find(ctx context.Context, r engineapi.FindRequest) (engineapi.FindResponse, error) {
	if _, err := b.auth("find"); err != nil {
		return engineapi.FindResponse{}, err
	}
	return b.w.Find(ctx, r)
}

func (b walkDesk) Reprint(ctx context.Context, r engineapi.ReprintRequest) (engineapi.ReprintResponse, error) {
	if _, err := b.auth("reprint"); err != nil {
		return engineapi.ReprintResponse{}, err
	}
	return b.w.Reprint(ctx, r)
}

// In the window: hall staff see 代办报名 and 查找; a reviewer sees 查找
// only. On the find page a scan typed after a click elsewhere (the field
// without the cursor) still lands in the field and searches on Enter.
func TestDeskWalkInAndFindPages(t *testing.T) {
	wf, pr := newDeskFake(t), &paperPrinter{}
	sub, err := wf.WalkInSubmit(context.Background(), engineapi.WalkInSubmitRequest{DraftID: core.NewApplicationID(), Guardian: walkGuardian,
		Child: walkChild, Stage: core.Primary, Choices: []string{"S1", "S2"}, Phone: "13800138000", ConsentReadOut: true})
	if err != nil {
		t.Fatal(err)
	}
	r := &deskRig{t: t, f: newFakeEngine(3)}
	r.app = test.NewApp()
	r.win = r.app.NewWindow("")
	r.win.Resize(fyne.NewSize(1366, 768))
	r.d = staff.NewDesk(r.app, r.win, walkDesk{r.f, wf}, staff.Options{HeatEvery: -1, Now: func() time.Time { return fixedNow }, Printer: pr})
	t.Cleanup(func() { r.d.Close(); r.win.Close(); r.app.Quit() })

	r.signIn("reviewer")
	nav := r.d.Shell().Nav
	if nav[staff.ScreenWalkIn] != nil || nav[staff.ScreenFind] == nil {
		t.Fatalf("a reviewer's navigation: walk-in %v, find %v", nav[staff.ScreenWalkIn] != nil, nav[staff.ScreenFind] != nil)
	}
	test.Tap(r.d.Shell().SignOut)
	r.idle()

	r.signIn("hall")
	nav = r.d.Shell().Nav
	if nav[staff.ScreenWalkIn] == nil || nav[staff.ScreenFind] == nil {
		t.Fatal("hall staff do not see 代办报名 and 查找")
	}
	test.Tap(nav[staff.ScreenWalkIn])
	r.at(staff.ScreenWalkIn)
	if r.win.Canvas().Focused() != r.d.WalkIn().Guardian {
		t.Error("the walk-in page does not start in the guardian's number")
	}

	test.Tap(nav[staff.ScreenFind])
	r.at(staff.ScreenFind)
	f := r.d.Find()
	if r.win.Canvas().Focused() != f.Query {
		t.Fatal("the find field does not have the cursor")
	}
	r.win.Canvas().Unfocus() // a click on the page, away from the field
	for _, c := range sub.Receipt.Token {
		r.win.Canvas().(test.WindowlessCanvas).OnTypedRune()(c)
	}
	r.win.Canvas().(test.WindowlessCanvas).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	r.idle()
	if last := f.Last(); last == nil || last.Token == nil || !last.Token.Valid || len(last.Records) != 1 {
		t.Fatalf("a scan after a stray click: %+v", last)
	}
	test.Tap(f.Reprints[0])
	r.idle()
	if len(pr.printed) != 1 || pr.printed[0].Token == "" {
		t.Errorf("reprint printed %+v", pr.printed)
	}
}
