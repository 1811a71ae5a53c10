package syncer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"enrolldesk/app/syncer"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

func TestClientSignsEveryRequestWithAFreshNonce(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	var mu sync.Mutex
	nonces := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		h := r.Header
		ts, _ := strconv.ParseInt(h.Get(engineapi.HeaderTimestamp), 10, 64)
		if !engineapi.Verify(key.Public().(ed25519.PublicKey), r.Method, r.URL.Path, "D9", body, ts, h.Get(engineapi.HeaderNonce), h.Get(engineapi.HeaderSignature)) {
			t.Errorf("%s: signature does not verify", r.URL.Path)
		}
		if h.Get(engineapi.HeaderDevice) != "D9" || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
			t.Errorf("device %q, timestamp %d", h.Get(engineapi.HeaderDevice), ts)
		}
		mu.Lock()
		if n := h.Get(engineapi.HeaderNonce); len(n) < 16 || nonces[n] {
			t.Errorf("nonce %q short or reused", n)
		} else {
			nonces[n] = true
		}
		mu.Unlock()
		rec := httptest.NewRecorder()
		answer(rec, 200, map[string]any{"results": []any{}, "changes": []any{}})
		w.Header().Set(engineapi.HeaderAnswer, engineapi.SignAnswer(engineKey, 200, r.URL.Path, h.Get(engineapi.HeaderNonce), rec.Body.Bytes()))
		w.Write(rec.Body.Bytes()) //nolint:errcheck // test server
	}))
	defer srv.Close()
	c := syncer.NewClient(srv.URL+"/", key, "D9")
	c.EngineKey = engineKey.Public().(ed25519.PublicKey)
	ctx := context.Background()
	for range 3 {
		if _, err := c.Push(ctx, applications(2)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Pull(ctx, 0, 10); err != nil {
			t.Fatal(err)
		}
	}
	if len(nonces) != 6 {
		t.Errorf("%d distinct nonces for 6 requests", len(nonces))
	}
}

func TestClientErrors(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	_, key, _ := ed25519.GenerateKey(rand.Reader)

	t.Run("BadCode", func(t *testing.T) {
		c := syncer.NewClient(r.e.srv.URL, key, "")
		_, err := c.Register(ctx, "WRONG", testFingerprint, "K2")
		var api *syncer.APIError
		if !errors.As(err, &api) || api.Status != 403 || api.Reason != engineapi.ReasonBadCode {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("NotRegistered", func(t *testing.T) {
		c := syncer.NewClient(r.e.srv.URL, key, "")
		c.EngineKey = r.c.EngineKey
		if _, err := c.Push(ctx, applications(1)); !syncer.Refused(err) {
			t.Errorf("an unregistered client's push: %v, want refused", err)
		}
	})
	t.Run("WrongKey", func(t *testing.T) {
		c := syncer.NewClient(r.e.srv.URL, key, testDevice)
		c.EngineKey = r.c.EngineKey
		if _, err := c.Pull(ctx, 0, 1); !syncer.Refused(err) {
			t.Errorf("another key for the device: %v, want refused", err)
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		c := syncer.NewClient("http://127.0.0.1:1", key, testDevice)
		c.EngineKey = r.c.EngineKey
		_, err := c.Pull(ctx, 0, 1)
		if err == nil || syncer.Refused(err) {
			t.Errorf("unreachable engine: %v, want a plain (transient) error", err)
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		block := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
		defer slow.Close()
		defer close(block)
		c := syncer.NewClient(slow.URL, key, testDevice)
		c.EngineKey = r.c.EngineKey
		c.HTTP = syncer.NewHTTPClient(200 * time.Millisecond)
		start := time.Now()
		if _, err := c.Pull(ctx, 0, 1); err == nil || time.Since(start) > 5*time.Second {
			t.Errorf("hung engine: %v after %v", err, time.Since(start))
		}
	})
}

func TestRegistrarLookup(t *testing.T) {
	r := newRig(t)
	reg := &syncer.Registrar{Client: r.c}
	ctx := context.Background()
	res, err := reg.Lookup(ctx, "370811198001010012", "370811202101010013", core.Primary)
	if err != nil || !res.Decision.Eligible || res.Application.Child.Name != "王小明" || res.Application.Stage != core.Primary {
		t.Fatalf("lookup = %+v, %v", res, err)
	}
	_, err = reg.Lookup(ctx, "bad", "370811202101010013", core.Primary)
	if core.ErrorCode(err) != core.EINVALID || core.ErrorMessage(err) != "监护人：身份证号码应为18位，您输入了3位。" {
		t.Errorf("invalid ID: code %q message %q, want the engine's core error", core.ErrorCode(err), core.ErrorMessage(err))
	}
	r.e.set(func(e *fakeEngine) { e.revoked = true })
	if _, err := reg.Lookup(ctx, "370811198001010012", "370811202101010013", core.Primary); err == nil || core.IsInvalid(err) {
		t.Errorf("refused device: %v, want a failure that is not the parent's input", err)
	}
}
