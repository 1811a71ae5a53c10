package printing_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"enrolldesk/app/printing"
	"enrolldesk/core/receipt"
	"enrolldesk/internal/pdftest"
)

// privateCUPS is a cupsd of the test's own: its configuration, spool, logs
// and socket live in a temporary directory, and its one printer is a
// cups-pdf instance writing into out.
type privateCUPS struct {
	dir, sock, out, printer string
}

// cupsOrSkip says why a real print cannot be tested here: CI (CI=true)
// must be able to, a developer machine may not.
func cupsOrSkip(t *testing.T) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (cupsd and the cups-pdf backend need it)")
	}
	for _, f := range []string{"/usr/sbin/cupsd", "/usr/lib/cups/backend/cups-pdf", "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	for _, c := range []string{"lp", "lpadmin"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "real CUPS printing needs " + strings.Join(missing, ", ") + " (make test installs cups cups-client printer-driver-cups-pdf)"
	// As root (CI, and every machine `make test` sets up) a missing piece is
	// a failure. Only a developer without root cannot run cupsd at all.
	if os.Getenv("CI") == "true" || os.Geteuid() == 0 {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// startCUPS starts the private cupsd in the foreground (so the test owns
// its PID) and adds the printer; cleanup removes the printer, stops that
// PID and deletes the cups-pdf instance file, the only file outside the
// temporary directory. cups-pdf reads its configuration only from
// /etc/cups, so an instance URI cups-pdf:/NAME, which reads
// /etc/cups/cups-pdf-NAME.conf, leaves the shared cups-pdf.conf alone.
func startCUPS(t *testing.T) *privateCUPS {
	t.Helper()
	dir, err := os.MkdirTemp("", "enrolldesk-cups-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	c := &privateCUPS{dir: dir, sock: filepath.Join(dir, "cups.sock"), out: filepath.Join(dir, "out"),
		printer: "EnrollDeskTest" + hex.EncodeToString(suffix)}
	instance := strings.ToLower(c.printer)
	c.writeConfig(t, instance)

	cmd := exec.Command("/usr/sbin/cupsd", "-f", "-c", filepath.Join(dir, "cupsd.conf"), "-s", filepath.Join(dir, "cups-files.conf"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start cupsd: %v", err)
	}
	t.Cleanup(func() { stop(t, cmd) })
	t.Setenv("CUPS_SERVER", c.sock)
	c.waitFor(t, 10*time.Second, func() bool { _, err := os.Stat(c.sock); return err == nil }, "cupsd socket")

	c.run(t, "lpadmin", "-p", c.printer, "-E", "-v", "cups-pdf:/"+instance, "-m", "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd")
	t.Cleanup(func() { exec.Command("lpadmin", "-x", c.printer).Run() })
	return c
}

func (c *privateCUPS) writeConfig(t *testing.T, instance string) {
	t.Helper()
	for name, mode := range map[string]os.FileMode{"": 0o755, "etc": 0o755, "spool": 0o710, "tmp": 0o1777,
		"state": 0o755, "cache": 0o770, "log": 0o755, "out": 0o755, "cups-pdf-spool": 0o755} {
		p := filepath.Join(c.dir, name)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // filters run as lp and must reach tmp
			t.Fatal(err)
		}
	}
	d := c.dir
	files := map[string]string{
		filepath.Join(d, "cupsd.conf"): "Listen " + c.sock + "\nLogLevel info\nWebInterface No\nBrowsing No\n" +
			"DefaultAuthType None\n<Location />\n  Order allow,deny\n  Allow all\n</Location>\n",
		filepath.Join(d, "cups-files.conf"): fmt.Sprintf("ServerRoot %[1]s/etc\nRequestRoot %[1]s/spool\nTempDir %[1]s/tmp\n"+
			"StateDir %[1]s/state\nCacheDir %[1]s/cache\nErrorLog %[1]s/log/error_log\nAccessLog %[1]s/log/access_log\n"+
			"PageLog %[1]s/log/page_log\nServerBin /usr/lib/cups\nDataDir /usr/share/cups\nUser lp\nGroup lp\nSystemGroup root\n", d),
		"/etc/cups/cups-pdf-" + instance + ".conf": fmt.Sprintf("Out %[1]s/out\nSpool %[1]s/cups-pdf-spool\nLog %[1]s/log\n", d),
	}
	for path, body := range files {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.Remove("/etc/cups/cups-pdf-" + instance + ".conf") })
}

func (c *privateCUPS) run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, out, c.log())
	}
}

func (c *privateCUPS) waitFor(t *testing.T, limit time.Duration, ok func() bool, what string) {
	t.Helper()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("no %s after %v\n%s", what, limit, c.log())
}

// log is the end of cupsd's error log, for failure messages.
func (c *privateCUPS) log() string {
	data, _ := os.ReadFile(filepath.Join(c.dir, "log", "error_log"))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return "cupsd error_log:\n" + strings.Join(lines, "\n")
}

// stop ends the cupsd this test started, by its PID.
func stop(t *testing.T, cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Logf("cupsd %d ignored SIGTERM; killing it", cmd.Process.Pid)
		_ = cmd.Process.Kill()
		<-done
	}
}

// TestCUPSPrint prints a receipt through a real cupsd with the cups-pdf
// printer and reads the printed page back. Ghostscript re-encodes the
// fonts on the way, so the printed page's text layer is not readable;
// the QR code is, and it carries the registration number.
func TestCUPSPrint(t *testing.T) {
	cupsOrSkip(t)
	c := startCUPS(t)
	rc := sample()
	token, err := sign(rc)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := mustRenderer(t).Receipt(rc, token)
	if err != nil {
		t.Fatal(err)
	}
	s := &printing.Spooler{Dir: filepath.Join(c.dir, "kiosk-spool"), Printer: c.printer, LP: "lp", Timeout: 10 * time.Second}
	o, err := s.Print(context.Background(), rc.RegNo, pdf)
	if err != nil || !o.Printed {
		t.Fatalf("Print: %+v, %v\n%s", o, err, c.log())
	}
	if p, _ := s.Pending(); len(p) != 0 {
		t.Errorf("spool still holds %v after printing", p)
	}

	var printed string
	c.waitFor(t, 30*time.Second, func() bool {
		matches, _ := filepath.Glob(filepath.Join(c.out, "*.pdf"))
		if len(matches) == 0 {
			return false
		}
		printed = matches[0]
		return exec.Command("pdfinfo", printed).Run() == nil // complete, not half written
	}, "printed PDF from cups-pdf")

	info, err := exec.Command("pdfinfo", printed).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(info), "226 x 48") {
		t.Errorf("printed page is not the 80 × 170 mm receipt:\n%s", info)
	}
	got := pdftest.DecodeQR(t, printed)
	c2, err := receipt.Verify(got, testRing(t))
	if err != nil {
		t.Fatalf("QR on the printed page: %v", err)
	}
	if c2.RegNo != rc.RegNo {
		t.Fatalf("printed page carries registration number %q, want %q", c2.RegNo, rc.RegNo)
	}
}
