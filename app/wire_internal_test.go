package app

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/demo"
	"enrolldesk/app/keys"
	"enrolldesk/app/sqlite"
	"enrolldesk/core/engineapi"
)

// The engine refuses to serve plain HTTP on a non-loopback address, or
// metrics on one, unless told so; the messages name both ways out.
func TestEngineListenRules(t *testing.T) {
	cases := []struct {
		name string
		opt  serveOptions
		want []string // "" : allowed
	}{
		{"LoopbackPlain", serveOptions{Addr: "127.0.0.1:8780", MetricsAddr: DefaultMetricsAddr}, nil},
		{"LocalhostPlain", serveOptions{Addr: "localhost:8780"}, nil},
		{"AllInterfacesPlain", serveOptions{Addr: ":8780"}, []string{"--tls-cert", "--insecure-plaintext", "engine cert"}},
		{"LANPlain", serveOptions{Addr: "192.168.1.10:8780"}, []string{"--tls-cert", "--insecure-plaintext"}},
		{"LANPlainAllowed", serveOptions{Addr: "0.0.0.0:8780", InsecurePlaintext: true}, nil},
		{"LANTLS", serveOptions{Addr: "0.0.0.0:8780", Cert: "c", Key: "k"}, nil},
		{"MetricsOpen", serveOptions{Addr: "127.0.0.1:8780", MetricsAddr: "0.0.0.0:9464"}, []string{"--metrics-public", "127.0.0.1"}},
		{"MetricsOpenAllowed", serveOptions{Addr: "127.0.0.1:8780", MetricsAddr: ":9464", MetricsPublic: true}, nil},
		{"MetricsOff", serveOptions{Addr: "127.0.0.1:8780", MetricsAddr: "off"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.opt.check()
			if (err != nil) != (c.want != nil) {
				t.Fatalf("check = %v, want refused: %v", err, c.want != nil)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
		})
	}
}

// A kiosk refuses plain http to another machine; loopback and https pass.
func TestKioskRefusesPlainHTTPToAnotherMachine(t *testing.T) {
	for url, ok := range map[string]bool{
		"http://127.0.0.1:8780":         true,
		"http://localhost:8780":         true,
		"http://[::1]:8780":             true,
		"https://engine.bureau.cn:8443": true,
		"http://engine.bureau.cn:8780":  false,
		"http://192.168.1.10:8780":      false,
		"ftp://127.0.0.1":               false,
		"engine:8780":                   false,
	} {
		err := checkEngineURL(url)
		if (err == nil) != ok {
			t.Errorf("%s: %v", url, err)
		}
		if err != nil && strings.HasPrefix(url, "http://") && !strings.Contains(err.Error(), "https://") {
			t.Errorf("%s: the message does not say what to use: %v", url, err)
		}
	}
}

// `engine cert` makes a pair the engine serves with and a kiosk trusts
// with --engine-ca; /metrics is served on its own listener, not the API's.
func TestEngineCertPairAndMetricsListener(t *testing.T) {
	dir := t.TempDir()
	var out, errw strings.Builder
	if code := Main([]string{"engine", "cert", "--out", filepath.Join(dir, "tls"), "--host", "127.0.0.1,engine.local"}, nil, &out, &errw); code != ExitOK {
		t.Fatalf("engine cert: %d %s", code, errw.String())
	}
	cert, key := filepath.Join(dir, "tls", CertFile), filepath.Join(dir, "tls", KeyFile)
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if code := Main([]string{"engine", "cert", "--out", filepath.Join(dir, "tls")}, nil, &out, &errw); code != ExitUsage {
		t.Errorf("a second cert over the first: exit %d, want refused", code)
	}
	city := filepath.Join(dir, "city.db")
	if _, err := BuildDemoCity(context.Background(), city, demo.Options{Families: 20, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	e, err := OpenEngine(context.Background(), EngineConfig{DB: filepath.Join(dir, "engine.db"), CityDB: city, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var stderr syncBuffer
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- serveEngine(ctx, IO{Out: &stderr, Err: &stderr}, e,
			serveOptions{Addr: "127.0.0.1:0", Cert: cert, Key: key, MetricsAddr: "127.0.0.1:0"})
	}()
	defer func() { stop(); <-done }()
	var api, metrics string
	for deadline := time.Now().Add(10 * time.Second); (api == "" || metrics == "") && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, line := range strings.Split(stderr.String(), "\n") {
			if _, rest, ok := strings.Cut(line, "listening on "); ok {
				api = strings.TrimSpace(rest)
			}
			if _, rest, ok := strings.Cut(line, "metrics on "); ok {
				metrics = strings.TrimSpace(rest)
			}
		}
	}
	if api == "" || metrics == "" {
		t.Fatalf("no addresses: %s", stderr.String())
	}
	hc, err := engineHTTPClient(cert)
	if err != nil {
		t.Fatal(err)
	}
	get := func(c *http.Client, url string) (int, string) {
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := get(hc, api+"/healthz"); st != 200 {
		t.Errorf("healthz over the pilot's TLS: %d", st)
	}
	if st, _ := get(hc, api+"/metrics"); st != 404 {
		t.Errorf("/metrics on the API: %d, want 404", st)
	}
	if st, body := get(http.DefaultClient, metrics); st != 200 || !strings.Contains(body, "enrolldesk_engine_requests_total") {
		t.Errorf("metrics listener: %d", st)
	}
	// Without --engine-ca the kiosk does not trust the pilot's certificate.
	plain := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	if _, err := plain.Get(api + "/healthz"); err == nil {
		t.Error("a client without the pilot's certificate trusted it")
	}
	if _, err := engineHTTPClient(key); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("--engine-ca of a key file: %v", err)
	}
}

// A kiosk enrolled before the engine signed its answers has no key to
// trust: without a new CODE/FINGERPRINT it is told so and sends nothing;
// with one it enrols again (the old device revoked first) and pins the key.
func TestKioskEnrolledBeforeSigningMustEnrolAgain(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e, err := OpenEngine(ctx, EngineConfig{DB: filepath.Join(dir, "engine.db"), DataDir: dir, TrustKioskDecisions: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	store, err := sqlite.Open(filepath.Join(dir, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, err := keys.LoadOrCreate(filepath.Join(dir, "kiosk"))
	if err != nil {
		t.Fatal(err)
	}
	// The old registration: a device with the kiosk's key, no engine key kept.
	old, code, err := e.AddDevice(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store().RegisterDevice(ctx, engineapi.HashCode(code), key.Public().(ed25519.PublicKey), "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.SetDevice(ctx, sqlite.Device{ID: old, EngineURL: srv.URL, RegisteredAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, err = connect(ctx, store, key, srv.URL, "", "", "k", time.Now, t.Logf)
	if err == nil || !strings.Contains(err.Error(), "before the engine signed") || !strings.Contains(err.Error(), "CODE/FINGERPRINT") {
		t.Fatalf("an unpinned kiosk without a code: %v", err)
	}
	_, fresh, err := e.AddDevice(ctx, "again")
	if err != nil {
		t.Fatal(err)
	}
	enrollment := fresh + engineapi.EnrollmentSeparator + e.Fingerprint()
	if _, err = connect(ctx, store, key, srv.URL, "", enrollment, "k", time.Now, t.Logf); err == nil || !strings.Contains(err.Error(), "revoke") {
		t.Fatalf("re-enrolling while the old device is live: %v, want the key refused naming the way out", err)
	}
	if err := e.Store().RevokeDevice(ctx, old, time.Now()); err != nil {
		t.Fatal(err)
	}
	c, err := connect(ctx, store, key, srv.URL, "", enrollment, "k", time.Now, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := store.Device(ctx)
	if err != nil || dev.ID == old || !dev.EngineKey.Equal(e.PublicKey()) || dev.RegPrefix == 0 || c.DeviceID != dev.ID {
		t.Errorf("after enrolling again: %+v, %v", dev, err)
	}
	if _, err := c.Pull(ctx, 0, 1); err != nil {
		t.Errorf("a pull with the pinned key: %v", err)
	}
	// `engine key` prints the fingerprint the kiosk pinned.
	var out, errw strings.Builder
	if code := Main([]string{"engine", "key", "--db", filepath.Join(dir, "engine.db")}, nil, &out, &errw); code != ExitOK ||
		!strings.Contains(out.String(), e.Fingerprint()) {
		t.Errorf("engine key: %d %q %q", code, out.String(), errw.String())
	}
}
