package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"enrolldesk/app"
	"enrolldesk/app/demo"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// engineNow is the engine's clock in these tests; the test kiosks sign
// with it too, and shift it to test the skew window.
var engineNow = time.Date(2027, 6, 15, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

// engineCity is one small demo city shared by every engine test.
var engineCity = struct {
	once sync.Once
	path string
	err  error
}{}

func engineCityPath(tb testing.TB) string {
	tb.Helper()
	engineCity.once.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			engineCity.err = err
			return
		}
		engineCity.path = filepath.Join(dir, "city.db")
		_, engineCity.err = app.BuildDemoCity(context.Background(), engineCity.path, demo.Options{Families: 300, Seed: 11})
	})
	if engineCity.err != nil {
		tb.Fatalf("demo city: %v", engineCity.err)
	}
	return engineCity.path
}

// engineRig is a real engine (SQLite file store, demo city) behind an
// httptest server on loopback.
type engineRig struct {
	tb  testing.TB
	e   *app.Engine
	srv *httptest.Server
}

func newEngineRig(tb testing.TB) *engineRig { return newEngineRigWith(tb, false) }

// newEngineRigWith is newEngineRig; trust starts the engine without city
// data, taking the kiosks' decisions (--trust-kiosk-decisions).
func newEngineRigWith(tb testing.TB, trust bool) *engineRig {
	tb.Helper()
	dir := tb.TempDir()
	cfg := app.EngineConfig{DB: filepath.Join(dir, "engine.db"), DataDir: dir, Now: func() time.Time { return engineNow },
		CityDB: engineCityPath(tb), TrustKioskDecisions: trust,
		LookupPerMinute: -1} // the rigs measure and test the engine, not the look-up limit (tested in app/engine)
	if trust {
		cfg.CityDB = ""
	}
	e, err := app.OpenEngine(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	tb.Cleanup(func() {
		srv.Close()
		if err := e.Close(); err != nil {
			tb.Errorf("close engine: %v", err)
		}
	})
	return &engineRig{tb: tb, e: e, srv: srv}
}

// testKiosk is a registered device talking to the rig.
type testKiosk struct {
	rig    *engineRig
	id     string
	key    ed25519.PrivateKey
	prefix int // registration-number prefix the engine assigned
	seq    int64
}

// number gives a the kiosk's next registration number, as an enrolled
// kiosk numbers.
func (k *testKiosk) number(a *core.Application) {
	k.seq++
	reg, err := core.PrefixedRegNo(k.prefix, k.seq)
	if err != nil {
		k.rig.tb.Fatal(err)
	}
	a.RegNo = reg
}

// kiosk adds a device, registers a fresh key over HTTP and returns it.
func (r *engineRig) kiosk(name string) *testKiosk {
	r.tb.Helper()
	id, code, err := r.e.AddDevice(context.Background(), name)
	if err != nil {
		r.tb.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		r.tb.Fatal(err)
	}
	var out engineapi.RegisterResponse
	st, body := r.post(engineapi.PathRegister, engineRegisterBody(code, key), nil)
	if st != http.StatusOK || json.Unmarshal(body, &out) != nil || out.DeviceID != id || out.RegPrefix == 0 {
		r.tb.Fatalf("register: %d %s", st, body)
	}
	return &testKiosk{rig: r, id: id, key: key, prefix: out.RegPrefix}
}

func engineRegisterBody(code string, key ed25519.PrivateKey) []byte {
	b, _ := json.Marshal(engineapi.RegisterRequest{Code: code,
		PublicKey: base64.RawURLEncoding.EncodeToString(key.Public().(ed25519.PublicKey))})
	return b
}

// post sends a request to the rig; edit may change it before it goes.
func (r *engineRig) post(path string, body []byte, edit func(*http.Request)) (int, []byte) {
	r.tb.Helper()
	return r.send(http.MethodPost, path, bytes.NewReader(body), edit)
}

func (r *engineRig) send(method, path string, body io.Reader, edit func(*http.Request)) (int, []byte) {
	r.tb.Helper()
	req, err := http.NewRequest(method, r.srv.URL+path, body)
	if err != nil {
		r.tb.Fatal(err)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		r.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		r.tb.Fatal(err)
	}
	return resp.StatusCode, out
}

// signer sets the signature headers for a body as of at.
func (k *testKiosk) signer(path string, body []byte, at time.Time) func(*http.Request) {
	nonce := engineNonce()
	ts := at.Unix()
	sig := engineapi.Sign(k.key, http.MethodPost, path, k.id, body, ts, nonce)
	return func(req *http.Request) {
		req.Header.Set(engineapi.HeaderDevice, k.id)
		req.Header.Set(engineapi.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(engineapi.HeaderNonce, nonce)
		req.Header.Set(engineapi.HeaderSignature, sig)
	}
}

func engineNonce() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// call signs and posts v to path, decodes a 200 answer into out, and
// returns the status and the raw answer.
func (k *testKiosk) call(path string, v, out any) (int, []byte) {
	k.rig.tb.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		k.rig.tb.Fatal(err)
	}
	st, resp := k.rig.post(path, body, k.signer(path, body, engineNow))
	if st == http.StatusOK && out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			k.rig.tb.Fatalf("decode %s answer: %v", path, err)
		}
	}
	return st, resp
}

// engineError decodes an engineapi.Error answer.
func engineError(tb testing.TB, body []byte) engineapi.Error {
	tb.Helper()
	var e engineapi.Error
	if err := json.Unmarshal(body, &e); err != nil {
		tb.Fatalf("not an Error body: %q", body)
	}
	return e
}
