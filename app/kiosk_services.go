package app

import (
	"context"
	"fmt"
	"strings"

	"enrolldesk/app/printing"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
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
	reg    *core.Registrar
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

// kioskPrinter turns an application into its receipt and prints it.
type kioskPrinter struct {
	printer *printing.ReceiptPrinter
	kioskID string
}

func (p *kioskPrinter) Print(ctx context.Context, a core.Application) (receipt.Outcome, error) {
	return p.printer.PrintReceipt(ctx, ReceiptFor(a))
}

func (p *kioskPrinter) Discard(regNo string) error { return p.printer.Spool.Purge(regNo) }

// ReceiptFor is what the receipt of a submitted application shows: masked
// IDs only, the parent's ranked schools, and the status in words.
func ReceiptFor(a core.Application) receipt.Receipt {
	r := receipt.Receipt{RegNo: a.RegNo, AppID: a.ID, Stage: a.Stage, ChildName: a.Child.Name,
		ChildMasked: a.Child.ID.Masked(), Category: a.Decision.CategoryName, KioskID: a.KioskID, Time: a.CreatedAt,
		Status: "已提交", StatusCode: "submitted"}
	for _, g := range a.Guardians {
		if g.Applicant {
			r.GuardianName, r.GuardianMasked = g.Name, g.ID.Masked()
		}
	}
	if a.Decision.NeedsReview {
		r.Status, r.StatusCode = "已提交，待人工审核", "needs_review"
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
	rows, err := m.k.store.Outbox(ctx)
	if err != nil {
		return st, err
	}
	st.QueueLength = len(rows)
	return st, nil
}

func (m *kioskMaintenance) Reprint(ctx context.Context, regNo string) (receipt.Outcome, error) {
	regNo = strings.ToUpper(strings.TrimSpace(regNo))
	if out, err := m.k.printer.Spool.Reprint(ctx, regNo); err == nil {
		return out, nil
	}
	a, err := m.k.store.ApplicationByRegNo(ctx, regNo)
	if err != nil {
		return receipt.Outcome{Message: core.ErrorMessage(err)}, err
	}
	return m.k.printer.PrintReceipt(ctx, ReceiptFor(a))
}
