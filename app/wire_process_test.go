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
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"enrolldesk/app/syncer"
	"enrolldesk/core/engineapi"
)

// A nonce is on disk before the request it protects is answered: a real
// engine process answers a signed request, is SIGKILLed at once,
// restarts on the same database, and refuses the same request replayed.
func TestNonceSurvivesSIGKILL(t *testing.T) {
	db := filepath.Join(t.TempDir(), "engine.db")
	enrollment := addDevice(t, db, "replay")
	eng := startEngine(t, db, "127.0.0.1:0")
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	c := syncer.NewClient("http://"+eng.addr, key, "")
	code, fingerprint := engineapi.SplitEnrollment(enrollment)
	if _, err := c.Register(context.Background(), code, fingerprint, "replay"); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"after":0}`)
	raw := make([]byte, 18)
	rand.Read(raw) //nolint:errcheck // never fails
	nonce, ts := base64.RawURLEncoding.EncodeToString(raw), time.Now().Unix()
	send := func(addr string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+engineapi.PathPull, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(engineapi.HeaderDevice, c.DeviceID)
		req.Header.Set(engineapi.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(engineapi.HeaderNonce, nonce)
		req.Header.Set(engineapi.HeaderSignature, engineapi.Sign(key, http.MethodPost, engineapi.PathPull, c.DeviceID, body, ts, nonce))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if !engineapi.VerifyAnswer(c.EngineKey, resp.StatusCode, engineapi.PathPull, nonce, out, resp.Header.Get(engineapi.HeaderAnswer)) {
			t.Errorf("the answer %d is not signed by the pinned engine key", resp.StatusCode)
		}
		var e engineapi.Error
		json.Unmarshal(out, &e) //nolint:errcheck // a 200 is not an Error
		return resp.StatusCode, e.Reason
	}
	if st, reason := send(eng.addr); st != http.StatusOK {
		t.Fatalf("first use: %d %s", st, reason)
	}
	eng.kill() // the moment the answer is in: no graceful shutdown
	again := startEngine(t, db, "127.0.0.1:0")
	if st, reason := send(again.addr); st != http.StatusUnauthorized || reason != engineapi.ReasonReplay {
		t.Errorf("replayed after SIGKILL and restart: %d %s, want 401 %s", st, reason, engineapi.ReasonReplay)
	}
}
