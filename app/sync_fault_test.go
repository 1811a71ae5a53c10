package app_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// The fault tests run the real binary: an engine process, a headless
// `enrolldesk sync` process standing for the kiosk, and faults dealt to
// them — SIGKILL, cut connections — while the outbox drains. Afterwards
// every application must be on the engine exactly once and none lost on
// the kiosk.

const (
	faultApps    = 2000 // applications in the kiosk's outbox
	faultBatch   = "20" // small batches: many requests to interrupt
	faultTimeout = 60 * time.Second
)

var binary struct {
	once sync.Once
	path string
	err  error
}

// enrolldeskBinary builds the command once per test binary.
func enrolldeskBinary(tb testing.TB) string {
	tb.Helper()
	binary.once.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "enrolldesk")
		cmd := exec.Command("go", "build", "-o", binary.path, ".")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		tb.Fatal(binary.err)
	}
	return binary.path
}

// proc is a child process whose stderr is kept for the test log.
type proc struct {
	tb   testing.TB
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, once done is closed

	mu     sync.Mutex
	stderr bytes.Buffer
}

// start runs the binary with args; onLine sees each stderr line. The
// process is killed and reaped when the test ends.
func start(tb testing.TB, name string, onLine func(string), args ...string) *proc {
	tb.Helper()
	cmd := exec.Command(enrolldeskBinary(tb), args...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &proc{tb: tb, name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if onLine != nil {
				onLine(sc.Text())
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() {
		p.kill()
		tb.Logf("%s stderr:\n%s", p.name, p.log())
	})
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// kill sends SIGKILL and reaps the process.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.tb.Errorf("kill %s: %v", p.name, err)
	}
	<-p.done
}

// stop sends SIGTERM and waits for a graceful end.
func (p *proc) stop() {
	p.tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.tb.Fatalf("stop %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.tb.Fatalf("%s did not stop on SIGTERM", p.name)
	}
}

// wait waits for the process to exit by itself and returns its exit code.
func (p *proc) wait(d time.Duration) int {
	p.tb.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.kill()
		p.tb.Fatalf("%s still running after %v", p.name, d)
	}
	if p.err == nil {
		return 0
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	p.tb.Fatalf("%s: %v", p.name, p.err)
	return -1
}

// engineProc is `enrolldesk engine` on a loopback port, over one SQLite file.
type engineProc struct {
	*proc
	addr string
}

// startEngine starts the engine on listen ("127.0.0.1:0" for a free port)
// and waits for the address it prints.
func startEngine(tb testing.TB, db, listen string) *engineProc {
	tb.Helper()
	addr := make(chan string, 1)
	onLine := func(line string) {
		// cli_engine.go: "enrolldesk engine: listening on http://ADDR"
		if _, url, ok := strings.Cut(line, "listening on http://"); ok {
			select {
			case addr <- strings.TrimSpace(url):
			default:
			}
		}
	}
	p := start(tb, "engine", onLine, "engine", "--listen", listen, "--db", db, "--city", syncCityPath(tb), "--data", filepath.Dir(db),
		"--metrics-addr", "127.0.0.1:0")
	select {
	case a := <-addr:
		return &engineProc{proc: p, addr: a}
	case <-p.done:
		tb.Fatalf("the engine exited: %v\n%s", p.err, p.log())
	case <-time.After(30 * time.Second):
		tb.Fatalf("the engine printed no address:\n%s", p.log())
	}
	return nil
}

// addDevice runs `enrolldesk engine device add` and returns the code.
func addDevice(tb testing.TB, db, name string) string {
	tb.Helper()
	cmd := exec.Command(enrolldeskBinary(tb), "engine", "device", "add", "--db", db, "--name", name, "--json")
	out, err := cmd.Output()
	var dev struct{ ID, Code, Enrollment string }
	if err != nil || json.Unmarshal(out, &dev) != nil || dev.Code == "" || !strings.HasPrefix(dev.Enrollment, dev.Code+"/") {
		tb.Fatalf("device add: %v\n%s", err, out)
	}
	return dev.Enrollment
}

// faultRig is a kiosk data directory with faultApps applications waiting,
// and an engine database with a device for it.
type faultRig struct {
	tb   testing.TB
	dir  string // the kiosk's data directory
	db   string // the engine's database
	code string
	apps []core.Application
}

func newFaultRig(tb testing.TB) *faultRig {
	tb.Helper()
	r := &faultRig{tb: tb, dir: tb.TempDir(), db: filepath.Join(tb.TempDir(), "engine.db")}
	r.apps = syntheticApps(faultApps, 0, "JN-FAULT-01")
	seedKiosk(tb, r.dir, r.apps)
	r.code = addDevice(tb, r.db, "fault-kiosk")
	return r
}

// sync starts the headless kiosk sync against url.
func (r *faultRig) sync(url string) *proc {
	return start(r.tb, "sync", nil, "sync", "--data", r.dir, "--engine", url, "--enroll", r.code, "--once",
		"--batch", faultBatch, "--max-backoff", "200ms", "--timeout", "50s")
}

// waitQueue waits until at most n applications wait in the outbox.
func (r *faultRig) waitQueue(n int, p *proc) int {
	r.tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		q, _ := kioskCounts(r.tb, r.dir)
		if q <= n {
			return q
		}
		select {
		case <-p.done:
			r.tb.Fatalf("%s exited with %d queued:\n%s", p.name, q, p.log())
		default:
		}
		if time.Now().After(deadline) {
			r.tb.Fatalf("the outbox stayed at %d", q)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// check asserts exactly once on the engine (its database read after it
// stopped) and nothing lost on the kiosk. It returns how many answers were
// duplicates: pushes of applications the engine already had.
func (r *faultRig) check() (duplicates int) {
	r.tb.Helper()
	if q, d := kioskCounts(r.tb, r.dir); q != 0 || d != 0 {
		r.tb.Errorf("kiosk: %d still queued, %d dead letters; want 0 and 0", q, d)
	}
	kiosk, err := sqlite.Open(filepath.Join(r.dir, "kiosk.db"))
	if err != nil {
		r.tb.Fatal(err)
	}
	defer kiosk.Close()
	ctx := context.Background()
	for _, a := range r.apps {
		st, err := kiosk.SyncStatus(ctx, a.ID)
		if err != nil || (st.Outcome != engineapi.ItemAccepted && st.Outcome != engineapi.ItemDuplicate) {
			r.tb.Fatalf("kiosk application %s: %+v, %v; want accepted or duplicate", a.ID, st, err)
		}
		if st.Outcome == engineapi.ItemDuplicate {
			duplicates++
		}
	}

	db, err := sql.Open("sqlite3", "file:"+r.db+"?mode=ro")
	if err != nil {
		r.tb.Fatal(err)
	}
	defer db.Close()
	var rows, ids, children, conflicts int
	err = db.QueryRow(`SELECT count(*), count(DISTINCT id), count(DISTINCT child_id) FROM engine_applications`).Scan(&rows, &ids, &children)
	if err == nil {
		err = db.QueryRow(`SELECT count(*) FROM engine_conflicts`).Scan(&conflicts)
	}
	if err != nil {
		r.tb.Fatal(err)
	}
	if n := len(r.apps); rows != n || ids != n || children != n || conflicts != 0 {
		r.tb.Errorf("engine: %d rows, %d IDs, %d children, %d conflicts; want each application exactly once (%d)",
			rows, ids, children, conflicts, n)
	}
	want := map[string]bool{}
	for _, a := range r.apps {
		want[a.ID] = true
	}
	q, err := db.Query(`SELECT id FROM engine_applications`)
	if err != nil {
		r.tb.Fatal(err)
	}
	defer q.Close()
	for q.Next() {
		var id string
		if err := q.Scan(&id); err != nil {
			r.tb.Fatal(err)
		}
		if !want[id] {
			r.tb.Errorf("the engine holds %s, which the kiosk never sent", id)
		}
		delete(want, id)
	}
	if len(want) != 0 {
		r.tb.Errorf("%d applications never reached the engine", len(want))
	}
	return duplicates
}

func TestFaultEngineKilledMidDrain(t *testing.T) {
	r := newFaultRig(t)
	eng := startEngine(t, r.db, "127.0.0.1:0")
	s := r.sync("http://" + eng.addr)
	for round := 1; round <= 2; round++ {
		left := r.waitQueue(faultApps-round*500, s)
		eng.kill() // SIGKILL: whatever batch was in flight dies with it
		time.Sleep(300 * time.Millisecond)
		after, _ := kioskCounts(t, r.dir)
		t.Logf("round %d: engine killed with %d queued (%d after)", round, left, after)
		if after == 0 {
			t.Fatal("the outbox drained before the engine died: nothing was interrupted")
		}
		eng = startEngine(t, r.db, eng.addr) // the same port: the kiosk keeps its URL
	}
	if code := s.wait(faultTimeout); code != 0 {
		t.Fatalf("sync exited %d", code)
	}
	eng.stop()
	t.Logf("%d applications answered as duplicates", r.check())
}

func TestFaultKioskKilledMidSync(t *testing.T) {
	r := newFaultRig(t)
	eng := startEngine(t, r.db, "127.0.0.1:0")
	url := "http://" + eng.addr
	s := r.sync(url)
	for round := 1; round <= 3; round++ {
		left := r.waitQueue(faultApps-round*400, s)
		s.kill() // SIGKILL mid-sync: a push in flight, maybe a transaction half done
		t.Logf("round %d: kiosk sync killed with %d queued", round, left)
		s = r.sync(url)
	}
	if code := s.wait(faultTimeout); code != 0 {
		t.Fatalf("sync exited %d", code)
	}
	eng.stop()
	t.Logf("%d applications answered as duplicates", r.check())
}

func TestFaultConnectionsCutMidRequest(t *testing.T) {
	r := newFaultRig(t)
	eng := startEngine(t, r.db, "127.0.0.1:0")
	px := newCuttingProxy(t, eng.addr)
	s := r.sync(px.url())
	if code := s.wait(faultTimeout); code != 0 {
		t.Fatalf("sync exited %d", code)
	}
	lost, halved := px.cuts()
	t.Logf("proxy: %d answers lost after the engine had the request, %d requests cut in half", lost, halved)
	if lost < 3 || halved < 3 {
		t.Errorf("the proxy cut %d+%d requests; the test needs several of each", lost, halved)
	}
	eng.stop()
	if dup := r.check(); dup == 0 {
		t.Error("no application was answered as a duplicate: the lost answers were never pushed again")
	} else {
		t.Logf("%d applications answered as duplicates after their answers were lost", dup)
	}
}

// cuttingProxy forwards HTTP/1.1 between the kiosk and the engine and
// spoils every third request: alternately it forwards the whole request
// and drops the engine's answer (the engine did the work; the kiosk never
// hears), or forwards half the request and hangs up (the engine gets a
// broken request).
type cuttingProxy struct {
	tb       testing.TB
	ln       net.Listener
	target   string
	requests atomic.Int64
	lost     atomic.Int64
	halved   atomic.Int64
	wg       sync.WaitGroup
}

func newCuttingProxy(tb testing.TB, target string) *cuttingProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &cuttingProxy{tb: tb, ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *cuttingProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *cuttingProxy) cuts() (lost, halved int64) { return p.lost.Load(), p.halved.Load() }

func (p *cuttingProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
		}()
	}
}

// serve relays one client connection, request by request.
func (p *cuttingProxy) serve(client net.Conn) {
	defer client.Close()
	upstream, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer upstream.Close()
	cr, ur := bufio.NewReader(client), bufio.NewReader(upstream)
	for {
		client.SetDeadline(time.Now().Add(30 * time.Second))   //nolint:errcheck // a stuck test ends at the deadline anyway
		upstream.SetDeadline(time.Now().Add(30 * time.Second)) //nolint:errcheck
		req, err := http.ReadRequest(cr)
		if err != nil {
			return
		}
		var raw bytes.Buffer
		if err := req.Write(&raw); err != nil {
			return
		}
		n := p.requests.Add(1)
		if n%6 == 0 { // half the request, then hang up on both sides
			upstream.Write(raw.Bytes()[:raw.Len()/2]) //nolint:errcheck // the cut is the point
			p.halved.Add(1)
			return
		}
		if _, err := upstream.Write(raw.Bytes()); err != nil {
			return
		}
		resp, err := http.ReadResponse(ur, req)
		if err != nil {
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return
		}
		if n%3 == 0 { // the engine answered; the kiosk never hears it
			p.lost.Add(1)
			return
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.TransferEncoding = nil
		if err := resp.Write(client); err != nil {
			return
		}
	}
}
