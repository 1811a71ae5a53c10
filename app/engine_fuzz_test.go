package app_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"enrolldesk/core/engineapi"
)

// FuzzEngineHandler sends random bodies, signed by a registered kiosk, to
// every path: whatever arrives, the answer is below 500 and is JSON.
func FuzzEngineHandler(f *testing.F) {
	for _, s := range []string{`{"applications":[]}`, `{"after":0,"limit":5}`, `{"guardian":"1","child":"2","stage":"primary"}`,
		`{"code":"x","public_key":"y"}`, `null`, ``, `{"applications":[{}]}`, `{"after":1e400}`, "\xff", `{"a":1} {}`} {
		for p := range 5 {
			f.Add(uint8(p), true, []byte(s))
		}
	}
	r := newEngineRig(f)
	k := r.kiosk("fuzz")
	h := r.e.Handler()
	paths := []string{engineapi.PathPush, engineapi.PathPull, engineapi.PathLookup, engineapi.PathRegister, engineapi.PathHealth}
	f.Fuzz(func(t *testing.T, p uint8, sign bool, body []byte) {
		path := paths[int(p)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		if sign {
			k.signer(path, body, engineNow)(req)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s answered %d %s", path, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s answered %s: %s", path, ct, strconv.Quote(rec.Body.String()))
		}
	})
}
