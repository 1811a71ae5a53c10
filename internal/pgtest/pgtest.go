// Package pgtest starts a throwaway PostgreSQL cluster for tests and
// benchmarks: initdb in a temporary directory, a server listening on a
// unix socket there and on a free loopback port, fsync off, one database
// per test. Running as root (CI does), the cluster runs as the unprivileged
// `postgres` user Debian's package creates. The cluster is started on
// first use and stopped and removed by Stop, which TestMain calls; a
// cluster left behind by a test binary that was killed is stopped and
// removed the next time one starts.
//
// A missing PostgreSQL fails the test with a message naming
// `scripts/deps.sh test`: the tests never skip it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Install is what to run when PostgreSQL is missing.
const Install = "install PostgreSQL with `scripts/deps.sh test` (Debian's postgresql package)"

// dirPrefix names the clusters' temporary directories, so a stale one can
// be found and removed.
const dirPrefix = "enrolldesk-pgtest-"

// libRoot holds Debian's versioned server directories.
var libRoot = "/usr/lib/postgresql"

// superuser is the cluster's superuser role (initdb -U).
const superuser = "enrolldesk"

// Options shape a cluster.
type Options struct {
	// Durable keeps fsync and synchronous_commit on, as in production: for
	// benchmarks. Tests run with both off.
	Durable bool
}

// Cluster is a running throwaway cluster.
type Cluster struct {
	Dir    string // the temporary directory: data/, the socket, the log
	Port   int    // loopback TCP port
	opts   Options
	bin    string // the directory of initdb, pg_ctl, postgres
	runAs  *user.User
	dbSeq  int
	mu     sync.Mutex
	closed bool
}

var (
	shared    = map[Options]*Cluster{}
	sharedErr = map[Options]error{}
	sharedMu  sync.Mutex
)

// Shared returns the package's cluster (fsync off), starting it on first
// use; a failure to start fails tb.
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	return SharedWith(tb, Options{})
}

// SharedWith is Shared for a cluster with opts.
func SharedWith(tb testing.TB, opts Options) *Cluster {
	tb.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared[opts] == nil && sharedErr[opts] == nil {
		shared[opts], sharedErr[opts] = StartWith(opts)
	}
	if err := sharedErr[opts]; err != nil {
		tb.Fatalf("PostgreSQL: %v", err)
	}
	return shared[opts]
}

// Stop stops and removes the shared clusters, if any were started.
// TestMain calls it after m.Run.
func Stop() error {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	var errs []error
	for o, c := range shared {
		if c != nil {
			errs = append(errs, c.Close())
		}
		delete(shared, o)
	}
	return errors.Join(errs...)
}

// Main runs the tests and stops the shared cluster afterwards; use it as
// TestMain's body: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// DB creates a new empty database in the shared cluster, dropped when the
// test ends, and returns its URL.
func DB(tb testing.TB) string {
	tb.Helper()
	return DBWith(tb, Options{})
}

// DurableDB is DB in a cluster that commits durably (fsync on), for
// benchmarks.
func DurableDB(tb testing.TB) string {
	tb.Helper()
	return DBWith(tb, Options{Durable: true})
}

// DBWith is DB in the shared cluster with opts.
func DBWith(tb testing.TB, opts Options) string {
	tb.Helper()
	c := SharedWith(tb, opts)
	name, err := c.CreateDB(context.Background())
	if err != nil {
		tb.Fatalf("PostgreSQL: %v", err)
	}
	tb.Cleanup(func() {
		if err := c.DropDB(context.Background(), name); err != nil {
			tb.Errorf("PostgreSQL: %v", err)
		}
	})
	return c.URL(name)
}

// FindBin returns the directory holding initdb, pg_ctl and postgres (and
// pg_dump, pg_restore): the PATH first, then the newest
// /usr/lib/postgresql/*/bin.
func FindBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real // a link to /usr/lib/postgresql/N/bin: its siblings are there
		}
		dir := filepath.Dir(p)
		if isFile(filepath.Join(dir, "pg_ctl")) && isFile(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(libRoot, "*", "bin"))
	best, bestVer := "", -1
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if err == nil && v > bestVer && isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "pg_ctl")) {
			best, bestVer = d, v
		}
	}
	if best == "" {
		return "", fmt.Errorf("no initdb, pg_ctl and postgres on the PATH or in /usr/lib/postgresql/*/bin: %s", Install)
	}
	return best, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Start creates and starts a new cluster (fsync off).
func Start() (*Cluster, error) { return StartWith(Options{}) }

// StartWith creates and starts a new cluster with opts.
func StartWith(opts Options) (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	reapStale()
	c := &Cluster{bin: bin, opts: opts}
	if os.Geteuid() == 0 {
		if c.runAs, err = user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root, the cluster runs as the user postgres, which does not exist (%v): %s", err, Install)
		}
	}
	if c.Dir, err = os.MkdirTemp("", dirPrefix); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, errors.Join(err, os.RemoveAll(c.Dir))
	}
	if c.runAs != nil {
		uid, _ := strconv.Atoi(c.runAs.Uid)
		gid, _ := strconv.Atoi(c.runAs.Gid)
		if err := os.Chown(c.Dir, uid, gid); err != nil {
			return nil, errors.Join(err, os.RemoveAll(c.Dir))
		}
	}
	if err := c.start(); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

// run runs a PostgreSQL program as the cluster's user.
func (c *Cluster) run(name string, args ...string) error {
	prog := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.runAs != nil {
		cmd = exec.Command("setpriv", append([]string{"--reuid", c.runAs.Uid, "--regid", c.runAs.Gid, "--clear-groups", "--", prog}, args...)...)
	} else {
		cmd = exec.Command(prog, args...)
	}
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func (c *Cluster) start() error {
	if err := c.run("initdb", "-D", c.data(), "-U", superuser, "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"); err != nil {
		return err
	}
	var lastErr error
	for range 5 { // a free port may be taken before the server binds it
		port, err := freePort()
		if err != nil {
			return err
		}
		durability := "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
		if c.opts.Durable {
			durability = "-c fsync=on -c synchronous_commit=on"
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s %s -c max_connections=300 -c shared_buffers=128MB "+
			"-c log_min_messages=warning", port, c.Dir, durability)
		lastErr = c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.Dir, "server.log"), "-w", "-t", "60", "-o", opts, "start")
		if lastErr == nil {
			c.Port = port
			return nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
	return fmt.Errorf("%v\nserver log:\n%s", lastErr, log)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// URL is the address of database name over loopback TCP.
func (c *Cluster) URL(name string) string {
	u := url.URL{Scheme: "postgres", User: url.User(superuser), Host: fmt.Sprintf("127.0.0.1:%d", c.Port), Path: "/" + name,
		RawQuery: "sslmode=disable"}
	return u.String()
}

// SocketURL is the address of database name over the unix socket.
func (c *Cluster) SocketURL(name string) string {
	return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", superuser, name, url.QueryEscape(c.Dir), c.Port)
}

// CreateDB creates a new, empty database and returns its name.
func (c *Cluster) CreateDB(ctx context.Context) (string, error) {
	c.mu.Lock()
	c.dbSeq++
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("t%d_%s", c.dbSeq, hex.EncodeToString(b))
	c.mu.Unlock()
	return name, c.admin(ctx, "CREATE DATABASE "+name)
}

// DropDB drops a database, ending its connections.
func (c *Cluster) DropDB(ctx context.Context, name string) error {
	return c.admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func (c *Cluster) admin(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// Close stops the server (immediately: it is a throwaway) and removes the
// directory.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.Dir == "" {
		return nil
	}
	c.closed = true
	var err error
	if c.Port != 0 {
		err = c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
	}
	return errors.Join(err, os.RemoveAll(c.Dir))
}

// reapStale stops and removes clusters whose test process is gone.
func reapStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) == nil || errors.Is(syscall.Kill(pid, 0), syscall.EPERM) {
			continue // still running
		}
		if pidb, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			if pg, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(pidb), "\n", 2)[0])); err == nil && pg > 0 {
				_ = syscall.Kill(pg, syscall.SIGQUIT) // immediate shutdown
				for range 50 {
					if syscall.Kill(pg, 0) != nil {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}
		_ = os.RemoveAll(d)
	}
}
