package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"enrolldesk/app/printing"
	"enrolldesk/app/sqlite"
	"enrolldesk/app/syncer"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/receipt"
	kioskui "enrolldesk/ui/kiosk"
)

// PRareName notes a name with characters the bundled font cannot show or
// print: staff check it against the ID card.
const PRareName = "rare_name"

// nameCheckingRegistrar checks every name a look-up brings in against the
// bundled font, so a rare character (生僻字) is flagged for staff the
// moment it enters, not discovered on paper.
type nameCheckingRegistrar struct {
	reg    kioskui.Registrar // core.Registrar on local data, or the engine's
	glyphs *printing.GlyphChecker
}

func (r *nameCheckingRegistrar) Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	res, err := r.reg.Lookup(ctx, guardian, child, stage)
	if err != nil {
		return nil, err
	}
	names := []string{res.Application.Child.Name}
	for _, g := range res.Application.Guardians {
		names = append(names, g.Name)
	}
	var missing []string
	for _, n := range names {
		for _, c := range r.glyphs.Missing(n) {
			missing = append(missing, string(c))
		}
	}
	if len(missing) > 0 {
		p := core.Problem{Code: PRareName, Message: fmt.Sprintf("姓名中的“%s”字库中没有，屏幕和回执上可能显示为□。报名可以提交，请工作人员核对姓名。", strings.Join(missing, "、"))}
		res.Decision.Problems = append(res.Decision.Problems, p)
		res.Application.Decision.Problems = append(res.Application.Decision.Problems, p)
	}
	return res, nil
}

// kioskSubmitter checks the parent's answers in core, stores the
// application with its outbox row in one transaction, then appends it to
// the journal and fsyncs that: only then may the receipt print. The
// database goes first so the journal holds only what the database took
// (a second application for a child is refused before either write);
// should the kiosk stop between the two, no receipt printed and the
// database copy stands. With the alarm up nothing is taken.
type kioskSubmitter struct {
	store *sqlite.DB
	guard *guard
}

func (s *kioskSubmitter) Submit(ctx context.Context, sub core.Submission) (core.Application, error) {
	if _, up := s.guard.Alarm(); up {
		return core.Application{}, blockedError()
	}
	// An enrolled kiosk numbers with the prefix its engine gave it: unique
	// across kiosks by construction.
	dev, err := s.store.Device(ctx)
	if err != nil {
		return core.Application{}, err
	}
	if dev.RegPrefix > 0 {
		if sub.RegSeq, err = s.store.NextRegSeq(ctx, dev.RegPrefix); err != nil {
			return core.Application{}, err
		}
		sub.RegPrefix = dev.RegPrefix
	}
	a, err := core.Submit(sub)
	if err != nil {
		return core.Application{}, err
	}
	return s.save(ctx, a)
}

func (s *kioskSubmitter) save(ctx context.Context, a core.Application) (core.Application, error) {
	stored, err := s.store.SaveSubmitted(ctx, a)
	if err != nil {
		if sqlite.IsCorrupt(s.guard.watch(err)) {
			return core.Application{}, blockedError()
		}
		return core.Application{}, err
	}
	if err := s.guard.submitted(stored); err != nil {
		return core.Application{}, err
	}
	return stored, nil
}

// Save stores a submitted application the way the kiosk's submit does —
// kiosk.db with its outbox row, then the journal, fsync'd — for tools and
// tests that have an application rather than a parent's answers.
func (k *Kiosk) Save(ctx context.Context, a core.Application) (core.Application, error) {
	if _, up := k.guard.Alarm(); up {
		return core.Application{}, blockedError()
	}
	return (&kioskSubmitter{store: k.store, guard: k.guard}).save(ctx, a)
}

// remoteLookupTimeout bounds a look-up at the engine before the kiosk
// turns to its own data: a parent should not watch a spinner for long.
const remoteLookupTimeout = 10 * time.Second

// fallbackRegistrar asks the engine and, when the engine cannot be reached
// or does not answer, local: the demo city in demo mode, otherwise
// pendingRegistrar (the application is taken 待核验), so the kiosk keeps
// registering through a network outage. An answer of the engine — a
// decision, or a domain error about what was typed — stands.
type fallbackRegistrar struct {
	remote, local kioskui.Registrar
	logf          func(string, ...any)
}

func (r *fallbackRegistrar) Lookup(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	rctx, cancel := context.WithTimeout(ctx, remoteLookupTimeout)
	res, err := r.remote.Lookup(rctx, guardian, child, stage)
	cancel()
	var domain *core.Error
	if err == nil || ctx.Err() != nil || errors.As(err, &domain) {
		return res, err
	}
	logprintf(r.logf, "look-up at the engine failed (%v); going on without it", err)
	return r.local.Lookup(ctx, guardian, child, stage)
}

// pendingRegistrar is a kiosk without department data while the engine is
// away: it checks the ID numbers and answers core.PendingLookup, so the
// family is registered 待核验 and the engine decides when the application
// arrives.
type pendingRegistrar struct{ now func() time.Time }

func (r pendingRegistrar) Lookup(_ context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error) {
	return core.PendingLookup(guardian, child, stage, r.now())
}

// syncingSubmitter stores the application (the receipt's promise does not
// wait for the network), then kicks the sync worker and waits briefly for
// the engine's answer: accepted, the application comes back received and
// the receipt says 已收到，已送到教育局; otherwise it stays submitted and the
// receipt says 已收到，正在送教育局 while the worker keeps trying.
type syncingSubmitter struct {
	kioskui.Submitter
	store  *sqlite.DB
	worker *syncer.Worker
	wait   time.Duration
}

func (s *syncingSubmitter) Submit(ctx context.Context, sub core.Submission) (core.Application, error) {
	a, err := s.Submitter.Submit(ctx, sub)
	if err != nil {
		return a, err
	}
	changed := s.worker.Changed()
	s.worker.Kick()
	start := time.Now()
	timer := time.NewTimer(s.wait)
	defer timer.Stop()
	for {
		st, err := s.store.SyncStatus(ctx, a.ID)
		if err == nil && !st.Queued {
			if st.Outcome == engineapi.ItemAccepted || st.Outcome == engineapi.ItemDuplicate {
				a.State = core.StateReceived // the engine's later states reach the kiosk by pull
			}
			return a, nil
		}
		select {
		case <-changed:
			changed = s.worker.Changed()
			if ws := s.worker.Status(); ws.LastError != "" && ws.LastAttempt.After(start) {
				return a, nil // the engine cannot be reached now: queued
			}
		case <-timer.C:
			return a, nil
		case <-ctx.Done():
			return a, nil
		}
	}
}

// syncOutbox is the kiosk store as the sync worker's outbox. Every
// answer the engine gives for an application also drops it from the
// journal, and an error that says the database is damaged raises the
// alarm, so sync never stalls in silence.
type syncOutbox struct {
	*sqlite.DB
	guard *guard
}

var _ syncer.Outbox = syncOutbox{}

func (o syncOutbox) Due(ctx context.Context, now time.Time, horizon time.Duration, limit int) ([]syncer.Item, error) {
	rows, err := o.DueOutbox(ctx, now, horizon, limit)
	if err != nil {
		return nil, o.guard.watch(err)
	}
	items := make([]syncer.Item, len(rows))
	for i, r := range rows {
		items[i] = syncer.Item{App: r.App, Attempts: r.Attempts}
	}
	return items, nil
}

func (o syncOutbox) MarkSynced(ctx context.Context, results []engineapi.ItemResult, at time.Time) error {
	if err := o.DB.MarkSynced(ctx, results, at); err != nil {
		return o.guard.watch(err)
	}
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.ID
	}
	o.guard.acknowledged(ids)
	return nil
}

func (o syncOutbox) NextOutboxAttempt(ctx context.Context) (time.Time, bool, error) {
	next, ok, err := o.DB.NextOutboxAttempt(ctx)
	return next, ok, o.guard.watch(err)
}

func (o syncOutbox) MarkFailed(ctx context.Context, appIDs []string, next func(int) time.Time, lastError string) error {
	return o.guard.watch(o.DB.MarkFailed(ctx, appIDs, next, lastError))
}

func (o syncOutbox) DeadLetter(ctx context.Context, refused []engineapi.ItemResult, at time.Time) error {
	return o.guard.watch(o.DB.DeadLetter(ctx, refused, at))
}

func (o syncOutbox) ApplyStatusChanges(ctx context.Context, changes []engineapi.StatusChange, next int64, at time.Time) error {
	return o.guard.watch(o.DB.ApplyStatusChanges(ctx, changes, next, at))
}

// kioskPrinter turns an application into its receipt and prints it.
type kioskPrinter struct {
	printer *printing.ReceiptPrinter
	kioskID string
	store   *sqlite.DB
	notice  core.Notice // what happens next, printed on every receipt
}

func (p *kioskPrinter) Print(ctx context.Context, a core.Application) (receipt.Outcome, error) {
	r := syncedReceipt(ctx, p.store, a)
	r.Next = p.notice
	return p.printer.PrintReceipt(ctx, r)
}

// syncedReceipt is ReceiptFor, except that an application the engine
// refused as a second one for the child says so: the family must not
// leave believing it counts.
func syncedReceipt(ctx context.Context, store *sqlite.DB, a core.Application) receipt.Receipt {
	r := ReceiptFor(a)
	if store == nil {
		return r
	}
	if st, err := store.SyncStatus(ctx, a.ID); err == nil && st.Outcome == engineapi.ItemConflict {
		r.Status, r.StatusCode = "已提交，请到人工窗口核实", engineapi.ItemConflict
	}
	return r
}

func (p *kioskPrinter) Discard(regNo string) error { return p.printer.Spool.Purge(regNo) }

// ReceiptFor is what the receipt of a submitted application shows: masked
// IDs only, the parent's ranked schools, and the status in plain words —
// 已收到，已送到教育局 (received) once the engine has the application,
// 已收到，正在送教育局 (queued) while it waits in the outbox; either way the
// application is durable. The screen says the same words.
func ReceiptFor(a core.Application) receipt.Receipt {
	r := receipt.Receipt{RegNo: a.RegNo, AppID: a.ID, Stage: a.Stage, ChildName: a.Child.Name,
		ChildMasked: a.Child.ID.Masked(), Category: a.Decision.CategoryName, KioskID: a.KioskID, Time: a.CreatedAt,
		Status: "已收到，正在送教育局", StatusCode: "queued"}
	received := a.State != core.StateSubmitted && a.State != core.StateDraft
	if received {
		r.Status, r.StatusCode = "已收到，已送到教育局", "received"
	}
	for _, g := range a.Guardians {
		if g.Applicant {
			r.GuardianName, r.GuardianMasked = g.Name, g.ID.Masked()
		}
	}
	if a.Decision.NeedsReview {
		r.Status += "，待人工审核"
		if received {
			r.StatusCode = "needs_review"
		}
	}
	if a.Decision.Pending() && (a.State == core.StateSubmitted || a.State == core.StateReceived) {
		// Taken without a data check: the family learns the result by SMS.
		r.Status, r.StatusCode = "已受理，待核验：核验结果将短信通知", core.PPendingCheck
	}
	for _, s := range a.Choices {
		r.Schools = append(r.Schools, s.Name)
		r.SchoolCodes = append(r.SchoolCodes, s.Code)
	}
	return r
}

// kioskMaintenance answers the staff screen.
type kioskMaintenance struct{ k *Kiosk }

func (m *kioskMaintenance) CheckPIN(pin string) kioskui.PINCheck { return m.k.staff.Check(pin) }

func (m *kioskMaintenance) Status(ctx context.Context) (kioskui.KioskStatus, error) {
	st := kioskui.KioskStatus{DeviceID: m.k.cfg.KioskID, Printer: m.k.cfg.Printer, Version: Version}
	if a, up := m.k.guard.Alarm(); up {
		st.Alarm = a.Reason
	}
	if s := m.k.sync; s != nil && s.worker == nil {
		st.SyncNote = fmt.Sprintf("本机不运行自己的同步：另一个程序（%s）正在同步这个数据目录。", s.other)
	}
	if s := m.k.sync; s != nil && s.worker != nil && s.worker.Status().Refused {
		// The screen has no line for it: staff read it beside the device ID.
		st.DeviceID += "（引擎拒绝本机：已停用或未登记。报名都保存在本机，请联系管理员重新登记）"
	}
	if err := m.counts(ctx, &st); err != nil && st.Alarm == "" {
		return st, err
	}
	// A damaged database may not answer the counts: the alarm, which says
	// what to do, is what staff need then.
	return st, nil
}

// counts fills the status's figures from the spool and the store.
func (m *kioskMaintenance) counts(ctx context.Context, st *kioskui.KioskStatus) error {
	pending, err := m.k.printer.Spool.Pending()
	if err != nil {
		return err
	}
	st.Spooled = len(pending)
	if st.QueueLength, err = m.k.store.CountOutbox(ctx); err != nil {
		return err
	}
	if st.DeadLetters, err = m.k.store.CountDeadLetters(ctx); err != nil {
		return err
	}
	if st.LastSync, err = m.k.store.LastSync(ctx); err != nil {
		return err
	}
	st.EngineStates, err = m.k.store.CountByState(ctx)
	return err
}

// EngineState is the state the engine last gave an application (or the
// kiosk's own while it waits to sync), for the reprint on the staff screen.
func (m *kioskMaintenance) EngineState(ctx context.Context, regNo string) (core.State, error) {
	a, err := m.k.store.ApplicationByRegNo(ctx, strings.ToUpper(strings.TrimSpace(regNo)))
	if err != nil {
		return "", err
	}
	return a.State, nil
}

var _ kioskui.EngineStateLookup = (*kioskMaintenance)(nil)

func (m *kioskMaintenance) Reprint(ctx context.Context, regNo string) (receipt.Outcome, error) {
	regNo = core.NormalRegNo(regNo)
	if out, err := m.k.printer.Spool.Reprint(ctx, regNo); err == nil {
		return out, nil
	}
	a, err := m.k.store.ApplicationByRegNo(ctx, regNo)
	if err != nil {
		return receipt.Outcome{Message: core.ErrorMessage(err)}, err
	}
	r := syncedReceipt(ctx, m.k.store, a)
	r.Next = m.k.policy.Notice
	return m.k.printer.PrintReceipt(ctx, r)
}
