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
	"enrolldesk/ui"
)

// PRareName notes a name with characters the bundled font cannot show or
// print: staff check it against the ID card.
const PRareName = "rare_name"

// nameCheckingRegistrar checks every name a look-up brings in against the
// bundled font, so a rare character (生僻字) is flagged for staff the
// moment it enters, not discovered on paper.
type nameCheckingRegistrar struct {
	reg    ui.Registrar // core.Registrar on local data, or the engine's
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

// kioskSubmitter checks the parent's answers in core and stores the
// application with its outbox row in one transaction.
type kioskSubmitter struct{ store *sqlite.DB }

func (s *kioskSubmitter) Submit(ctx context.Context, sub core.Submission) (core.Application, error) {
	a, err := core.Submit(sub)
	if err != nil {
		return core.Application{}, err
	}
	return s.store.SaveSubmitted(ctx, a)
}

// remoteLookupTimeout bounds a look-up at the engine before the kiosk
// turns to its own data: a parent should not watch a spinner for long.
const remoteLookupTimeout = 10 * time.Second

// fallbackRegistrar asks the engine and, when the engine cannot be reached
// or does not answer, the kiosk's own copy of the data, so the kiosk keeps
// registering through a network outage. An answer of the engine — a
// decision, or a domain error about what was typed — stands.
type fallbackRegistrar struct {
	remote, local ui.Registrar
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
	logprintf(r.logf, "look-up at the engine failed (%v); using the kiosk's own data", err)
	return r.local.Lookup(ctx, guardian, child, stage)
}

// syncingSubmitter stores the application (the receipt's promise does not
// wait for the network), then kicks the sync worker and waits briefly for
// the engine's answer: accepted, the application comes back received and
// the receipt says 已收到，已送到教育局; otherwise it stays submitted and the
// receipt says 已收到，正在送教育局 while the worker keeps trying.
type syncingSubmitter struct {
	ui.Submitter
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

// syncOutbox is the kiosk store as the sync worker's outbox.
type syncOutbox struct{ *sqlite.DB }

var _ syncer.Outbox = syncOutbox{}

func (o syncOutbox) Due(ctx context.Context, now time.Time, limit int) ([]syncer.Item, error) {
	rows, err := o.DueOutbox(ctx, now, limit)
	if err != nil {
		return nil, err
	}
	items := make([]syncer.Item, len(rows))
	for i, r := range rows {
		items[i] = syncer.Item{App: r.App, Attempts: r.Attempts}
	}
	return items, nil
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
	for _, s := range a.Choices {
		r.Schools = append(r.Schools, s.Name)
		r.SchoolCodes = append(r.SchoolCodes, s.Code)
	}
	return r
}

// kioskMaintenance answers the staff screen.
type kioskMaintenance struct{ k *Kiosk }

func (m *kioskMaintenance) CheckPIN(pin string) bool { return pin != "" && pin == m.k.cfg.PIN }

func (m *kioskMaintenance) Status(ctx context.Context) (ui.KioskStatus, error) {
	st := ui.KioskStatus{DeviceID: m.k.cfg.KioskID, Printer: m.k.cfg.Printer, Version: Version}
	pending, err := m.k.printer.Spool.Pending()
	if err != nil {
		return st, err
	}
	st.Spooled = len(pending)
	if st.QueueLength, err = m.k.store.CountOutbox(ctx); err != nil {
		return st, err
	}
	if st.DeadLetters, err = m.k.store.CountDeadLetters(ctx); err != nil {
		return st, err
	}
	if st.LastSync, err = m.k.store.LastSync(ctx); err != nil {
		return st, err
	}
	if s := m.k.sync; s != nil && s.worker.Status().Refused {
		// The screen has no line for it: staff read it beside the device ID.
		st.DeviceID += "（引擎拒绝本机：已停用或未登记。报名都保存在本机，请联系管理员重新登记）"
	}
	return st, nil
}

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
