package engine_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"enrolldesk/app/engine"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// mockStore is an engineapi.Store whose methods tests set; an unset one
// fails the call.
type mockStore struct {
	IngestFn  func(ctx context.Context, deviceID string, apps []engineapi.Intake, now time.Time) ([]engineapi.ItemResult, error)
	ChangesFn func(ctx context.Context, deviceID string, after int64, limit int) ([]engineapi.StatusChange, error)
	key       ed25519.PrivateKey
	devices   map[string]engineapi.Device // besides KD-MOCK (registered with key)
}

var errUnset = errors.New("mock: not set")

func (m *mockStore) AddDevice(context.Context, engineapi.Device, string) error { return errUnset }
func (m *mockStore) RegisterDevice(context.Context, string, ed25519.PublicKey, string, time.Time) (engineapi.Device, error) {
	return engineapi.Device{}, errUnset
}
func (m *mockStore) Device(_ context.Context, id string) (engineapi.Device, error) {
	if d, ok := m.devices[id]; ok {
		return d, nil
	}
	if id != "KD-MOCK" {
		return engineapi.Device{}, core.Errorf(core.ENOTFOUND, "no device")
	}
	return engineapi.Device{ID: id, PublicKey: m.key.Public().(ed25519.PublicKey)}, nil
}
func (m *mockStore) Devices(context.Context) ([]engineapi.Device, error)   { return nil, errUnset }
func (m *mockStore) RevokeDevice(context.Context, string, time.Time) error { return errUnset }
func (m *mockStore) UseNonce(context.Context, string, string, time.Time, time.Time) (bool, error) {
	return true, nil
}
func (m *mockStore) Ingest(ctx context.Context, deviceID string, apps []engineapi.Intake, now time.Time) ([]engineapi.ItemResult, error) {
	if m.IngestFn == nil {
		return nil, errUnset
	}
	return m.IngestFn(ctx, deviceID, apps, now)
}
func (m *mockStore) Application(context.Context, string) (core.Application, error) {
	return core.Application{}, errUnset
}
func (m *mockStore) Changes(ctx context.Context, deviceID string, after int64, limit int) ([]engineapi.StatusChange, error) {
	if m.ChangesFn == nil {
		return nil, errUnset
	}
	return m.ChangesFn(ctx, deviceID, after, limit)
}
func (m *mockStore) SetState(context.Context, string, core.State, string, string, time.Time) (engineapi.StatusChange, error) {
	return engineapi.StatusChange{}, errUnset
}
func (m *mockStore) Conflicts(context.Context) ([]engineapi.Conflict, error) { return nil, errUnset }
func (m *mockStore) Claim(context.Context, string) (core.Application, error) {
	return core.Application{}, errUnset
}
func (m *mockStore) Applications(context.Context, engineapi.Filter) ([]engineapi.Summary, error) {
	return nil, errUnset
}
func (m *mockStore) Return(context.Context, string, string, string, time.Time) (engineapi.StatusChange, error) {
	return engineapi.StatusChange{}, errUnset
}

// lookupFunc adapts a function to engine.Lookup.
type lookupFunc func(ctx context.Context, guardian, child string, stage core.Stage) (*core.LookupResult, error)

func (f lookupFunc) Lookup(ctx context.Context, g, c string, s core.Stage) (*core.LookupResult, error) {
	return f(ctx, g, c, s)
}

var now = time.Date(2027, 5, 1, 10, 0, 0, 0, time.UTC)

const fullID = "370102201903070012"

// rig is a server over a mock store with its log captured.
type rig struct {
	store *mockStore
	h     http.Handler
	log   *bytes.Buffer
}

func newRig(t *testing.T, lookup engine.Lookup) *rig {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	r := &rig{store: &mockStore{key: ed25519.NewKeyFromSeed(seed)}, log: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.h = engine.New(r.store, lookup, engine.Options{Now: func() time.Time { return now }, Logger: logger}).Handler()
	return r
}

// do sends a request signed by the mock device.
func (r *rig) do(path, body string) (int, engineapi.Error) {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	nonce := strconv.FormatInt(time.Now().UnixNano(), 10) + "-nonce-nonce-nonce"
	req.Header.Set(engineapi.HeaderDevice, "KD-MOCK")
	req.Header.Set(engineapi.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(engineapi.HeaderNonce, nonce)
	req.Header.Set(engineapi.HeaderSignature, engineapi.Sign(r.store.key, http.MethodPost, path, "KD-MOCK", []byte(body), now.Unix(), nonce))
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	var e engineapi.Error
	json.Unmarshal(rec.Body.Bytes(), &e) //nolint:errcheck // a 200 body is not an Error
	return rec.Code, e
}

func TestServerFaultsAreGeneric500s(t *testing.T) {
	noLookup := lookupFunc(func(context.Context, string, string, core.Stage) (*core.LookupResult, error) {
		return nil, errors.New("household source: query for " + fullID + ": database is locked")
	})
	t.Run("Panic", func(t *testing.T) {
		r := newRig(t, noLookup)
		r.store.IngestFn = func(context.Context, string, []engineapi.Intake, time.Time) ([]engineapi.ItemResult, error) {
			panic("boom for " + fullID)
		}
		st, e := r.do(engineapi.PathPush, `{"applications":[]}`)
		if st != 500 || e.Reason != engine.ReasonInternal || strings.Contains(e.Message, "boom") {
			t.Fatalf("got %d %+v, want a generic 500", st, e)
		}
		assertMasked(t, r.log.String())
	})
	t.Run("StoreError", func(t *testing.T) {
		r := newRig(t, noLookup)
		r.store.ChangesFn = func(context.Context, string, int64, int) ([]engineapi.StatusChange, error) {
			return nil, errors.New("disk I/O error in /var/lib/enrolldesk/engine.db")
		}
		st, e := r.do(engineapi.PathPull, `{"after":0}`)
		if st != 500 || e.Reason != engine.ReasonInternal || strings.Contains(e.Message, "disk") {
			t.Fatalf("got %d %+v, want a generic 500", st, e)
		}
		if !strings.Contains(r.log.String(), "disk I/O error") {
			t.Errorf("the operator's log lacks the cause: %s", r.log)
		}
	})
	t.Run("LookupSourceDown", func(t *testing.T) {
		r := newRig(t, noLookup)
		st, e := r.do(engineapi.PathLookup, `{"guardian":"`+fullID+`","child":"`+fullID+`","stage":"primary"}`)
		if st != 500 || strings.Contains(e.Message, "locked") {
			t.Fatalf("got %d %+v", st, e)
		}
		assertMasked(t, r.log.String())
	})
}

func assertMasked(t *testing.T, log string) {
	t.Helper()
	if strings.Contains(log, fullID) || !strings.Contains(log, core.ResidentID(fullID).Masked()) {
		t.Errorf("the log should carry the ID number masked, never in full:\n%s", log)
	}
}

func TestServerLookupInvalidIsTheCoreMessage(t *testing.T) {
	want := core.Errorf(core.EIDCheck, "孩子：身份证号码最后一位（校验位）不对。")
	r := newRig(t, lookupFunc(func(context.Context, string, string, core.Stage) (*core.LookupResult, error) { return nil, want }))
	st, e := r.do(engineapi.PathLookup, `{"guardian":"x","child":"y","stage":"primary"}`)
	if st != 400 || e.Reason != core.EIDCheck || e.Message != want.Message {
		t.Fatalf("got %d %+v, want 400 %s %q", st, e, core.EIDCheck, want.Message)
	}
}

func TestServerMetricsRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	store := &mockStore{key: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}
	s := engine.New(store, nil, engine.Options{Registry: reg})
	s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", engineapi.PathHealth, nil))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range families {
		found = found || f.GetName() == "enrolldesk_engine_requests_total"
	}
	if !found {
		t.Error("the request counter is not in the given registry")
	}
	// Servers with their own fresh registries live side by side.
	engine.New(store, nil, engine.Options{})
	engine.New(store, nil, engine.Options{})
}
