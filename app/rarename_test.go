package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/printing"
	"enrolldesk/core"
	"enrolldesk/core/memcity"
	"enrolldesk/core/receipt"
	"enrolldesk/core/sourcetest"
	"enrolldesk/internal/pdftest"
)

// A family whose names hold rare characters (生僻字): 䶮 and 堃 are in the
// bundled font; 𠮷 (beyond U+FFFF) and an emoji are not printable. The
// look-up flags them for staff, and the receipt still prints.
func TestRareNamesAreFlaggedAndPrint(t *testing.T) {
	city := memcity.New()
	fx := sourcetest.Fixture()
	fx.Households[0].Members[1].Name = "王䶮堃" // the father, the applying guardian
	fx.Households[0].Members[3].Name = "王𠮷😀" // the child
	if err := fx.Load(city); err != nil {
		t.Fatal(err)
	}
	renderer, err := printing.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	reg := &nameCheckingRegistrar{glyphs: renderer.Glyphs(), reg: &core.Registrar{Sources: core.SourcesOf(city),
		Policy: sourcetest.Policy(), Now: func() time.Time { return time.Date(2027, 6, 15, 0, 0, 0, 0, time.UTC) }}}
	res, err := reg.Lookup(context.Background(), string(sourcetest.Father), string(sourcetest.Kid), core.Primary)
	if err != nil {
		t.Fatal(err)
	}
	var flag *core.Problem
	for i, p := range res.Decision.Problems {
		if p.Code == PRareName {
			flag = &res.Decision.Problems[i]
		}
	}
	if flag == nil || flag.Blocking || !strings.Contains(flag.Message, "𠮷") || !strings.Contains(flag.Message, "😀") || strings.Contains(flag.Message, "䶮") {
		t.Fatalf("rare-name flag = %+v; want 𠮷 and 😀 (not 䶮) named, not blocking", flag)
	}

	at := time.Date(2027, 6, 15, 9, 0, 0, 0, time.UTC)
	a, err := core.Submit(core.Submission{Draft: res.Application, Choices: res.Decision.Schools(), Phone: "13800000000", Consent: true, KioskID: "K", At: at})
	if err != nil {
		t.Fatal(err)
	}
	spool := &printing.Spooler{Dir: t.TempDir()}
	p := &kioskPrinter{printer: &printing.ReceiptPrinter{Renderer: renderer, Spool: spool,
		Sign: func(receipt.Receipt) (string, error) { return "EDR1.test.test", nil }}}
	out, err := p.Print(context.Background(), a)
	if err != nil || out.Spooled == "" || len(out.Unprintable) != 2 {
		t.Fatalf("print = %+v, %v; want the receipt kept with 2 unprintable characters", out, err)
	}
	if _, err := os.Stat(filepath.Clean(out.Spooled)); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(t, out.Spooled)
	if !strings.Contains(text, "王䶮堃") || !strings.Contains(text, "王□□") {
		t.Errorf("receipt text = %q; want 王䶮堃 and 王□□", text)
	}
}
