package printing

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"enrolldesk/core/receipt"
)

// msgUnprintable is added to the screen message when a name has characters
// the receipt font cannot print.
const msgUnprintable = "回执上有个别字无法打印，已用□代替，请工作人员核对。"

// ReceiptPrinter is the kiosk's receipt.Printer: it signs the receipt,
// renders it and hands it to the spooler.
type ReceiptPrinter struct {
	Renderer *Renderer
	Sign     func(receipt.Receipt) (string, error) // e.g. Signer(kioskKey)
	Spool    *Spooler
}

var _ receipt.Printer = (*ReceiptPrinter)(nil)

// Signer returns a Sign function for ReceiptPrinter that signs with priv.
func Signer(priv ed25519.PrivateKey) func(receipt.Receipt) (string, error) {
	return func(r receipt.Receipt) (string, error) { return receipt.Sign(priv, r) }
}

// PrintReceipt implements receipt.Printer. A receipt whose Token is set
// is printed with that token (signed elsewhere: the engine's desk key);
// Sign may then be nil. Outcome.Unprintable lists the
// characters printed as □, and the message then asks staff to check.
func (p *ReceiptPrinter) PrintReceipt(ctx context.Context, r receipt.Receipt) (receipt.Outcome, error) {
	notSaved := receipt.Outcome{Message: fmt.Sprintf(msgNotSaved, safeName(r.RegNo))}
	token, err := r.Token, error(nil)
	switch {
	case token != "":
		// A receipt the engine signed (a walk-in at the desk) carries its
		// token; the kiosk's own receipts are signed here.
	case p.Sign == nil:
		err = fmt.Errorf("no token and no key to sign one")
	default:
		token, err = p.Sign(r)
	}
	if err != nil {
		return notSaved, fmt.Errorf("printing: sign receipt %s: %w", safeName(r.RegNo), err)
	}
	pdf, err := p.Renderer.Receipt(r, token)
	if err != nil {
		return notSaved, err
	}
	out, err := p.Spool.Print(ctx, r.RegNo, pdf)
	if out.Unprintable = p.Renderer.Check(r); out.Unprintable != nil {
		out.Message += msgUnprintable
	}
	return out, err
}
