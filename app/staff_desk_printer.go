package app

import (
	"path/filepath"

	"enrolldesk/app/printing"
)

// DeskPrinter is the staff desk's receipt printer (ui/staff
// Options.Printer): it prints the receipts the engine signed — walk-ins
// and reprints, each with its token — as they are, on CUPS queue (""
// keeps them in DATA/desk-spool for printing later). It holds no key: a
// receipt without a token is refused.
func DeskPrinter(dataDir, queue string) (*printing.ReceiptPrinter, error) {
	r, err := printing.NewRenderer()
	if err != nil {
		return nil, err
	}
	return &printing.ReceiptPrinter{Renderer: r, Spool: &printing.Spooler{Dir: filepath.Join(dataDir, "desk-spool"), Printer: queue}}, nil
}
