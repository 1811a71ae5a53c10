package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"enrolldesk/app/pgstore"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/audit"
	"enrolldesk/core/engineapi"
	"enrolldesk/internal/pgtest"
)

// startPGEngine starts `enrolldesk engine -v` on PostgreSQL at url,
// listening on listen, and waits for the address it prints.
func startPGEngine(tb testing.TB, name, url, listen string, extra ...string) *engineProc {
	tb.Helper()
	addr := make(chan string, 1)
	onLine := func(line string) {
		if _, u, ok := strings.Cut(line, "listening on http://"); ok {
			select {
			case addr <- strings.TrimSpace(u):
			default:
			}
		}
	}
	args := append([]string{"engine", "-v", "--listen", listen, "--db", url, "--key-dir", pgKeyDir(tb, url), "--city", syncCityPath(tb),
		"--data", tb.TempDir(), "--metrics-addr", "127.0.0.1:0"}, extra...)
	p := start(tb, name, onLine, args...)
	select {
	case a := <-addr:
		return &engineProc{proc: p, addr: a}
	case <-p.done:
		tb.Fatalf("%s exited: %v\n%s", name, p.err, p.log())
	case <-time.After(60 * time.Second):
		tb.Fatalf("%s printed no address:\n%s", name, p.log())
	}
	return nil
}

// pgKeyDirs is the engine signing key's directory of each test database:
// every engine process on one database shares it, as in production.
var pgKeyDirs sync.Map

func pgKeyDir(tb testing.TB, url string) string {
	if d, ok := pgKeyDirs.Load(url); ok {
		return d.(string)
	}
	d, _ := pgKeyDirs.LoadOrStore(url, tb.TempDir())
	return d.(string)
}

// pgAddDevice runs `enrolldesk engine device add` on PostgreSQL and
// returns the device's ID and its enrollment line (CODE/FINGERPRINT).
func pgAddDevice(tb testing.TB, url, name string) (id, enrollment string) {
	tb.Helper()
	cmd := exec.Command(enrolldeskBinary(tb), "engine", "device", "add", "--db", url, "--key-dir", pgKeyDir(tb, url), "--name", name, "--json")
	out, err := cmd.Output()
	var dev struct{ ID, Code, Enrollment string }
	if err != nil || json.Unmarshal(out, &dev) != nil || !strings.HasPrefix(dev.Enrollment, dev.Code+"/") {
		tb.Fatalf("device add: %v\n%s", err, out)
	}
	return dev.ID, dev.Enrollment
}

// pushesServed counts the pushes an engine started with -v logged.
func (p *engineProc) pushesServed() int { return strings.Count(p.log(), "msg=push") }

func freeLoopbackAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func pgCount(tb testing.TB, conn *pgx.Conn, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// Two engine processes share one PostgreSQL and one address (SO_REUSEPORT:
// the kernel spreads the kiosks' connections); eight kiosks, each a real
// `enrolldesk sync` process with a registered device, drain their outboxes
// into it; one engine is SIGKILLed mid-drain and the kiosks carry on with
// the other. Every application is in PostgreSQL exactly once, none lost on
// a kiosk, no conflict recorded for a retried push; and a request one
// engine answered, replayed to another engine on the same database, is
// refused. The audit chain both appended to is whole.
func TestPGTwoEnginesOneAddressOneKilled(t *testing.T) {
	url := pgtest.DB(t)
	bin := enrolldeskBinary(t)
	if out, err := exec.Command(bin, "engine", "migrate", "--db", url).CombinedOutput(); err != nil {
		t.Fatalf("engine migrate: %v\n%s", err, out)
	}
	addr := freeLoopbackAddr(t)
	engines := []*engineProc{
		startPGEngine(t, "engine-1", url, addr, "--reuseport"),
		startPGEngine(t, "engine-2", url, addr, "--reuseport"),
	}

	const kiosks, perKiosk = 8, 200
	type kiosk struct {
		dir  string
		apps []core.Application
		sync *proc
	}
	ks := make([]*kiosk, kiosks)
	for i := range ks {
		k := &kiosk{dir: t.TempDir(), apps: syntheticApps(perKiosk, i*perKiosk, fmt.Sprintf("JN-PG-%02d", i))}
		seedKiosk(t, k.dir, k.apps)
		_, code := pgAddDevice(t, url, fmt.Sprintf("hall-%d", i))
		k.sync = start(t, fmt.Sprintf("sync-%d", i), nil, "sync", "--data", k.dir, "--engine", "http://"+addr, "--enroll", code,
			"--once", "--batch", "10", "--max-backoff", "300ms", "--timeout", "150s")
		ks[i] = k
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	total := kiosks * perKiosk
	deadline := time.Now().Add(120 * time.Second)
	for pgCount(t, conn, `SELECT count(*) FROM engine_applications`) < total/3 {
		if time.Now().After(deadline) {
			t.Fatalf("a third of the applications did not arrive in 120 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Kill the engine that has served more so far: it is mid-drain.
	victim, survivor := engines[0], engines[1]
	if survivor.pushesServed() > victim.pushesServed() {
		victim, survivor = survivor, victim
	}
	servedBefore := victim.pushesServed()
	victim.kill()
	t.Logf("SIGKILLed %s after %d pushes (the other had served %d) with %d of %d applications stored",
		victim.name, servedBefore, survivor.pushesServed(), pgCount(t, conn, `SELECT count(*) FROM engine_applications`), total)

	for _, k := range ks {
		if code := k.sync.wait(180 * time.Second); code != 0 {
			t.Errorf("%s exited %d:\n%s", k.sync.name, code, k.sync.log())
		}
	}
	for _, k := range ks {
		if q, d := kioskCounts(t, k.dir); q != 0 || d != 0 {
			t.Errorf("%s: %d still queued, %d dead letters; want 0 and 0", k.sync.name, q, d)
		}
		kdb, err := sqlite.Open(filepath.Join(k.dir, "kiosk.db"))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range k.apps {
			st, err := kdb.SyncStatus(ctx, a.ID)
			if err != nil || (st.Outcome != engineapi.ItemAccepted && st.Outcome != engineapi.ItemDuplicate) {
				t.Errorf("kiosk application %s: %+v, %v; want accepted or duplicate", a.ID, st, err)
				break
			}
		}
		kdb.Close()
	}
	rows := pgCount(t, conn, `SELECT count(*) FROM engine_applications`)
	ids := pgCount(t, conn, `SELECT count(DISTINCT id) FROM engine_applications`)
	children := pgCount(t, conn, `SELECT count(DISTINCT (child_id, stage, year)) FROM engine_applications`)
	conflicts := pgCount(t, conn, `SELECT count(*) FROM engine_conflicts`)
	changes := pgCount(t, conn, `SELECT count(*) FROM engine_changes`)
	if rows != total || ids != total || children != total || conflicts != 0 || changes != total {
		t.Errorf("PostgreSQL: %d rows, %d IDs, %d children, %d conflicts, %d status changes; want each application exactly once (%d), no conflict",
			rows, ids, children, conflicts, changes, total)
	}
	for _, k := range ks {
		var want []string
		for _, a := range k.apps {
			want = append(want, a.ID)
		}
		if n := pgCount(t, conn, `SELECT count(*) FROM engine_applications WHERE id = ANY($1)`, want); n != perKiosk {
			t.Errorf("%s: %d of its %d applications are in PostgreSQL", k.sync.name, n, perKiosk)
		}
	}

	// The audit chain both processes appended to, one killed mid-append,
	// is whole and holds an accepted entry for every application.
	store, err := pgstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	count, _, brk, err := audit.Verify(ctx, store, nil)
	if err != nil || brk != nil {
		t.Errorf("audit chain after the kill: %v, %+v; want it whole", err, brk)
	}
	if n := pgCount(t, conn, `SELECT count(*) FROM engine_audit WHERE action = 'ingest' AND detail = 'accepted'`); n != total || count < int64(total) {
		t.Errorf("audit: %d accepted ingest entries of %d entries; want %d", n, count, total)
	}

	// A third engine on its own address, same database: a request answered
	// by one process is refused by the other, both ways.
	other := startPGEngine(t, "engine-3", url, "127.0.0.1:0")
	_, enrollment := pgAddDevice(t, url, "replay")
	code, _, _ := strings.Cut(enrollment, engineapi.EnrollmentSeparator)
	key := registerTestDevice(t, "http://"+other.addr, code)
	for _, pair := range [][2]string{{other.addr, addr}, {addr, other.addr}} {
		req := signedPull(t, key)
		if st, body := req.send(t, pair[0]); st != http.StatusOK {
			t.Fatalf("the first use of a nonce on %s: %d %s", pair[0], st, body)
		}
		st, body := req.send(t, pair[1])
		if st != http.StatusUnauthorized || engineError(t, body).Reason != engineapi.ReasonReplay {
			t.Errorf("the same request replayed to the other process (%s) = %d %s; want 401 %s", pair[1], st, body, engineapi.ReasonReplay)
		}
	}
}

type replayKey struct {
	id  string
	key ed25519.PrivateKey
}

func registerTestDevice(t testing.TB, base, code string) replayKey {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+engineapi.PathRegister, "application/json", bytes.NewReader(engineRegisterBody(code, key)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out engineapi.RegisterResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %d, %v", resp.StatusCode, err)
	}
	return replayKey{id: out.DeviceID, key: key}
}

// signedRequest is one signed pull, to be sent as it is more than once.
type signedRequest struct {
	body    []byte
	headers http.Header
}

func signedPull(t *testing.T, k replayKey) signedRequest {
	body, _ := json.Marshal(engineapi.PullRequest{After: 0})
	nonce, ts := engineNonce(), time.Now().Unix()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(engineapi.HeaderDevice, k.id)
	h.Set(engineapi.HeaderTimestamp, fmt.Sprint(ts))
	h.Set(engineapi.HeaderNonce, nonce)
	h.Set(engineapi.HeaderSignature, engineapi.Sign(k.key, http.MethodPost, engineapi.PathPull, k.id, body, ts, nonce))
	return signedRequest{body: body, headers: h}
}

func (r signedRequest) send(t *testing.T, addr string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+engineapi.PathPull, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = r.headers.Clone()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
