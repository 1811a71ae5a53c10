package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"enrolldesk/core/receipt"
	"enrolldesk/internal/atomicfile"
)

// Spooler defaults.
const (
	DefaultLP      = "lp"
	DefaultMedia   = "Custom.80x160mm"
	DefaultTimeout = 30 * time.Second
)

// Messages for the screen.
const (
	msgPrinted     = "回执正在打印，请从出纸口取走回执。"
	msgPrinterDown = "打印机暂时无法打印，回执已保存，可凭登记号 %s 到人工窗口补打。"
	msgNoPrinter   = "回执已保存到本机，请凭登记号 %s 到人工窗口打印。"
	msgNotSaved    = "回执未能保存，请记下登记号 %s，到人工窗口办理。"
	msgNotPending  = "没有登记号 %s 待打印的回执。"
)

// Spooler keeps receipt PDFs in a private directory and prints them with
// CUPS' lp. A receipt stays in the spool only while it has not been handed
// to the printer, so that staff can reprint it; once printed it is deleted,
// because a receipt carries a child's name.
type Spooler struct {
	Dir     string        // spool directory, created 0700
	Printer string        // CUPS queue; "" keeps every receipt for the staff desk
	LP      string        // lp command; DefaultLP when empty
	Media   string        // lp media option; when empty, the PDF's own page size, else DefaultMedia
	Timeout time.Duration // for one lp run; DefaultTimeout when zero
}

// validName reports whether s may name a spool file: registration numbers
// are short ASCII, and nothing else reaches the file system through them.
func validName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Print saves pdf under name (the registration number) and sends it to
// the printer. The Outcome's Message is always set; a printer failure
// returns the Outcome with Spooled set and an error for the log.
func (s *Spooler) Print(ctx context.Context, name string, pdf []byte) (receipt.Outcome, error) {
	path, err := s.save(name, pdf)
	if err != nil {
		return receipt.Outcome{Message: fmt.Sprintf(msgNotSaved, safeName(name))}, err
	}
	return s.send(ctx, name, path)
}

// Reprint sends a kept receipt to the printer again.
func (s *Spooler) Reprint(ctx context.Context, regNo string) (receipt.Outcome, error) {
	path, err := s.path(regNo)
	if err == nil {
		_, err = os.Stat(path)
	}
	if err != nil {
		return receipt.Outcome{Message: fmt.Sprintf(msgNotPending, safeName(regNo))},
			fmt.Errorf("printing: reprint %s: %w", safeName(regNo), err)
	}
	return s.send(ctx, regNo, path)
}

// Pending returns the registration numbers of the receipts kept in the
// spool, in order.
func (s *Spooler) Pending() ([]string, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("printing: list spool: %w", err)
	}
	var out []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".pdf")
		if ok && e.Type().IsRegular() && validName(name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Purge deletes a kept receipt; one that is not there is not an error.
func (s *Spooler) Purge(regNo string) error {
	path, err := s.path(regNo)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("printing: purge %s: %w", regNo, err)
	}
	return nil
}

// PurgeAll deletes every kept receipt and any half-written one. The kiosk
// calls it at start: a receipt left from an earlier run carries a child's
// name, and staff can reprint it from the store.
func (s *Spooler) PurgeAll() error {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("printing: list spool: %w", err)
	}
	var errs []error
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && (strings.HasSuffix(n, ".pdf") || strings.HasPrefix(n, ".tmp-")) {
			if err := os.Remove(filepath.Join(s.Dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("printing: purge %s: %w", n, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Spooler) path(regNo string) (string, error) {
	if !validName(regNo) {
		return "", fmt.Errorf("printing: %q cannot name a spool file", safeName(regNo))
	}
	return filepath.Join(s.Dir, regNo+".pdf"), nil
}

// save writes the PDF atomically, so that lp and a reprint never see half a
// file, with modes that keep it from other users.
func (s *Spooler) save(name string, pdf []byte) (string, error) {
	path, err := s.path(name)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return "", fmt.Errorf("printing: create spool: %w", err)
	}
	if err := os.Chmod(s.Dir, 0o700); err != nil {
		return "", fmt.Errorf("printing: protect spool: %w", err)
	}
	if err := atomicfile.WritePrivate(path, pdf); err != nil {
		return "", fmt.Errorf("printing: spool %s: %w", name, err)
	}
	return path, nil
}

// send runs lp on a spooled file and deletes the file once CUPS has taken
// it (lp uploads the document, so the spool copy is no longer needed).
func (s *Spooler) send(ctx context.Context, name, path string) (receipt.Outcome, error) {
	if s.Printer == "" {
		return receipt.Outcome{Spooled: path, Message: fmt.Sprintf(msgNoPrinter, name)}, nil
	}
	media, err := s.media(path)
	if err == nil {
		err = s.lp(ctx, media, path)
	}
	if err != nil {
		return receipt.Outcome{Spooled: path, Message: fmt.Sprintf(msgPrinterDown, name)}, err
	}
	if err := os.Remove(path); err != nil {
		return receipt.Outcome{Printed: true, Message: msgPrinted}, fmt.Errorf("printing: remove printed %s: %w", name, err)
	}
	return receipt.Outcome{Printed: true, Message: msgPrinted}, nil
}

func (s *Spooler) lp(ctx context.Context, media, path string) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lp := s.LP
	if lp == "" {
		lp = DefaultLP
	}
	cmd := exec.CommandContext(ctx, lp, "-d", s.Printer, "-o", "media="+media, path)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("printing: %s -d %s %s: %w: %s", lp, s.Printer, filepath.Base(path), err, firstLine(out))
	}
	return nil
}

// media is the lp media option: the configured one, or the size of the
// PDF's page so a receipt as tall as its content prints 1:1.
func (s *Spooler) media(path string) (string, error) {
	if s.Media != "" {
		return s.Media, nil
	}
	pdf, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("printing: read %s: %w", filepath.Base(path), err)
	}
	return MediaFor(pdf), nil
}

// MediaFor returns the CUPS media name for the first page size in pdf,
// e.g. "Custom.80x170mm", or DefaultMedia when it finds none.
func MediaFor(pdf []byte) string {
	const key = "/MediaBox [0 0 "
	i := bytes.Index(pdf, []byte(key))
	if i < 0 {
		return DefaultMedia
	}
	rest := pdf[i+len(key):]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return DefaultMedia
	}
	f := strings.Fields(string(rest[:end]))
	if len(f) != 2 {
		return DefaultMedia
	}
	w, errW := strconv.ParseFloat(f[0], 64)
	h, errH := strconv.ParseFloat(f[1], 64)
	if errW != nil || errH != nil || w <= 0 || h <= 0 {
		return DefaultMedia
	}
	mm := func(pt float64) float64 { return math.Round(pt * 25.4 / 72) }
	return fmt.Sprintf("Custom.%.0fx%.0fmm", mm(w), mm(h))
}

func firstLine(out []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// safeName keeps a bad name out of messages and logs: registration numbers
// are short ASCII, anything else is shown only by its length.
func safeName(name string) string {
	if validName(name) {
		return name
	}
	return fmt.Sprintf("(invalid, %d bytes)", len(name))
}
