package printing_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/printing"
	"enrolldesk/core/receipt"
	"enrolldesk/internal/pdftest"
)

// fakeLP writes a shell script standing in for lp. The good one copies the
// file (its last argument) to outDir and records its arguments; the broken
// one complains and exits 1.
func fakeLP(t *testing.T, works bool) (lp, outDir string) {
	t.Helper()
	dir := t.TempDir()
	outDir = filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o700); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nfor f; do :; done\ncp \"$f\" " + outDir + "/ && echo \"$@\" > " + outDir + "/args\n"
	if !works {
		script = "#!/bin/sh\necho 'lp: The printer or class does not exist.' >&2\nexit 1\n"
	}
	lp = filepath.Join(dir, "lp")
	if err := os.WriteFile(lp, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return lp, outDir
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func TestSpooler(t *testing.T) {
	pdf := []byte("%PDF-1.3\n/MediaBox [0 0 226.77 481.89]\n%%EOF\n")
	ctx := context.Background()

	t.Run("PrintedAndRemoved", func(t *testing.T) {
		lp, out := fakeLP(t, true)
		s := &printing.Spooler{Dir: filepath.Join(t.TempDir(), "spool"), Printer: "Receipt", LP: lp}
		o, err := s.Print(ctx, "JN27P-4F7K-9Q2M", pdf)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Printed || o.Spooled != "" || o.Message == "" {
			t.Fatalf("outcome %+v", o)
		}
		if exists(t, filepath.Join(s.Dir, "JN27P-4F7K-9Q2M.pdf")) {
			t.Error("printed receipt left in the spool")
		}
		got, err := os.ReadFile(filepath.Join(out, "JN27P-4F7K-9Q2M.pdf"))
		if err != nil || string(got) != string(pdf) {
			t.Fatalf("lp got %q, %v", got, err)
		}
		args, _ := os.ReadFile(filepath.Join(out, "args"))
		if !strings.HasPrefix(string(args), "-d Receipt -o media=Custom.80x170mm ") {
			t.Errorf("lp arguments %q", args)
		}
		if fi, err := os.Stat(s.Dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("spool dir mode %v, %v; want 0700", fi.Mode().Perm(), err)
		}
	})
	t.Run("PrinterFailsKeepsFile", func(t *testing.T) {
		lp, _ := fakeLP(t, false)
		s := &printing.Spooler{Dir: t.TempDir(), Printer: "Receipt", LP: lp, Media: "Custom.80x160mm"}
		o, err := s.Print(ctx, "JN27P-0000-0002", pdf)
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("err = %v, want lp's complaint for the log", err)
		}
		want := filepath.Join(s.Dir, "JN27P-0000-0002.pdf")
		if o.Printed || o.Spooled != want || !strings.Contains(o.Message, "人工窗口补打") || !strings.Contains(o.Message, "JN27P-0000-0002") {
			t.Fatalf("outcome %+v", o)
		}
		fi, err := os.Stat(want)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("kept file: %v, %v; want mode 0600", fi, err)
		}
		if p, _ := s.Pending(); !slices.Equal(p, []string{"JN27P-0000-0002"}) {
			t.Errorf("Pending = %v", p)
		}
		// The printer is back: a reprint goes through and clears the spool.
		s.LP, _ = fakeLP(t, true)
		o, err = s.Reprint(ctx, "JN27P-0000-0002")
		if err != nil || !o.Printed {
			t.Fatalf("reprint: %+v, %v", o, err)
		}
		if p, _ := s.Pending(); len(p) != 0 {
			t.Errorf("Pending after reprint = %v", p)
		}
	})
	t.Run("NoPrinterKeepsFile", func(t *testing.T) {
		s := &printing.Spooler{Dir: t.TempDir()}
		o, err := s.Print(ctx, "JN27P-0000-0003", pdf)
		if err != nil {
			t.Fatal(err)
		}
		if o.Printed || !exists(t, o.Spooled) || !strings.Contains(o.Message, "人工窗口打印") {
			t.Fatalf("outcome %+v", o)
		}
		if err := s.Purge("JN27P-0000-0003"); err != nil {
			t.Fatal(err)
		}
		if exists(t, o.Spooled) {
			t.Error("Purge left the file")
		}
		if err := s.Purge("JN27P-0000-0003"); err != nil {
			t.Errorf("purging twice: %v", err)
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		dir := t.TempDir()
		lp := filepath.Join(dir, "lp")
		if err := os.WriteFile(lp, []byte("#!/bin/sh\nexec sleep 30\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		s := &printing.Spooler{Dir: dir, Printer: "Receipt", LP: lp, Timeout: 200 * time.Millisecond}
		start := time.Now()
		o, err := s.Print(ctx, "JN27P-0000-0004", pdf)
		if err == nil || o.Printed || o.Spooled == "" {
			t.Fatalf("a hung lp gave %+v, %v", o, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("a hung lp held the kiosk for %v", d)
		}
	})
	t.Run("MissingLP", func(t *testing.T) {
		s := &printing.Spooler{Dir: t.TempDir(), Printer: "Receipt", LP: filepath.Join(t.TempDir(), "no-such-lp")}
		o, err := s.Print(ctx, "JN27P-0000-0005", pdf)
		if err == nil || o.Printed || o.Spooled == "" || o.Message == "" {
			t.Fatalf("outcome %+v, %v", o, err)
		}
	})
	t.Run("BadNames", func(t *testing.T) {
		s := &printing.Spooler{Dir: t.TempDir()}
		for _, name := range []string{"", "../etc/passwd", "a/b", "-rf", "王小明", strings.Repeat("A", 65)} {
			o, err := s.Print(ctx, name, pdf)
			if err == nil || o.Message == "" {
				t.Errorf("Print(%q) = %+v, %v", name, o, err)
			}
			if _, err := s.Reprint(ctx, name); err == nil {
				t.Errorf("Reprint(%q) succeeded", name)
			}
			if err := s.Purge(name); err == nil {
				t.Errorf("Purge(%q) succeeded", name)
			}
		}
		if entries, _ := os.ReadDir(s.Dir); len(entries) != 0 {
			t.Errorf("bad names left files: %v", entries)
		}
	})
	t.Run("ReprintUnknown", func(t *testing.T) {
		s := &printing.Spooler{Dir: t.TempDir(), Printer: "Receipt", LP: "true"}
		o, err := s.Reprint(ctx, "JN27P-9999-9999")
		if !errors.Is(err, fs.ErrNotExist) || o.Message == "" {
			t.Fatalf("outcome %+v, %v", o, err)
		}
	})
	t.Run("PendingEmptyDir", func(t *testing.T) {
		s := &printing.Spooler{Dir: filepath.Join(t.TempDir(), "never-created")}
		if p, err := s.Pending(); err != nil || p != nil {
			t.Fatalf("Pending = %v, %v", p, err)
		}
	})
}

func TestMediaFor(t *testing.T) {
	for in, want := range map[string]string{
		"/MediaBox [0 0 226.77 453.54]": "Custom.80x160mm",
		"/MediaBox [0 0 226.77 481.89]": "Custom.80x170mm",
		"no box here":                   printing.DefaultMedia,
		"/MediaBox [0 0 x y]":           printing.DefaultMedia,
		"/MediaBox [0 0 226.77":         printing.DefaultMedia,
	} {
		if got := printing.MediaFor([]byte(in)); got != want {
			t.Errorf("MediaFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReceiptPrinter(t *testing.T) {
	lp, out := fakeLP(t, true)
	p := &printing.ReceiptPrinter{Renderer: mustRenderer(t), Sign: printing.Signer(testPriv()),
		Spool: &printing.Spooler{Dir: t.TempDir(), Printer: "Receipt", LP: lp}}
	var _ receipt.Printer = p

	t.Run("OK", func(t *testing.T) {
		rc := sample()
		o, err := p.PrintReceipt(context.Background(), rc)
		if err != nil || !o.Printed || o.Unprintable != nil {
			t.Fatalf("outcome %+v, %v", o, err)
		}
		if tok := pdftest.DecodeQR(t, filepath.Join(out, rc.RegNo+".pdf")); tok == "" {
			t.Fatal("printed receipt has no QR code")
		} else if _, err := receipt.Verify(tok, testRing(t)); err != nil {
			t.Fatalf("printed token: %v", err)
		}
	})
	t.Run("RareName", func(t *testing.T) {
		rc := sample()
		rc.RegNo, rc.ChildName = "JN27P-0000-0006", "𠮷田"
		o, err := p.PrintReceipt(context.Background(), rc)
		if err != nil || !o.Printed {
			t.Fatalf("outcome %+v, %v", o, err)
		}
		if string(o.Unprintable) != "𠮷" || !strings.Contains(o.Message, "□") {
			t.Fatalf("outcome %+v: want 𠮷 flagged for staff", o)
		}
	})
	t.Run("SignFails", func(t *testing.T) {
		rc := sample()
		rc.StatusCode = ""
		o, err := p.PrintReceipt(context.Background(), rc)
		if err == nil || o.Printed || o.Message == "" {
			t.Fatalf("outcome %+v, %v", o, err)
		}
	})
}

func TestSpoolerPurgeAllLeavesNoReceipt(t *testing.T) {
	s := &printing.Spooler{Dir: filepath.Join(t.TempDir(), "spool")}
	if err := s.PurgeAll(); err != nil {
		t.Errorf("purging a spool that does not exist yet: %v", err)
	}
	for _, regNo := range []string{"JN27P-AAAAA-AAAAA", "JN27P-BBBBB-BBBBB"} {
		if _, err := s.Print(context.Background(), regNo, []byte("%PDF-1.3\n%%EOF\n")); err != nil {
			t.Fatal(err)
		}
	}
	half := filepath.Join(s.Dir, ".tmp-123") // a save cut short
	if err := os.WriteFile(half, []byte("%PDF"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.PurgeAll(); err != nil {
		t.Fatal(err)
	}
	if left, err := s.Pending(); err != nil || len(left) != 0 || exists(t, half) {
		t.Errorf("after PurgeAll: pending %v (%v), half-written file kept: %v", left, err, exists(t, half))
	}
}
