package engine_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/engine"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

func pushSeed() string {
	a := core.Application{ID: "0b9e2a4c-1f1d-4c55-9a51-6f2a8d1b7e10", RegNo: "JN27P-0PQ8K-2M4ZT", Stage: core.Primary,
		State: core.StateSubmitted, Child: core.Child{ID: "370102202001010011", Name: "张小明", Sex: core.Male,
			BirthDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)},
		Decision: core.Decision{Eligible: true, Problems: []core.Problem{}}, CreatedAt: time.Date(2027, 4, 20, 9, 0, 0, 0, time.UTC)}
	b, _ := json.Marshal(engineapi.PushRequest{Applications: []core.Application{a}})
	return string(b)
}

// FuzzDecodePush: whatever the body, the decoder answers a batch or a 4xx
// refusal, never panics, and a batch it accepts re-encodes and decodes to
// the same number of applications.
func FuzzDecodePush(f *testing.F) {
	for _, s := range []string{pushSeed(), `{"applications":[]}`, `{}`, `null`, `[]`, ``, `{"applications":null}`,
		`{"applications":[{}]} x`, `{"applications":[{"id":1}]}`, `{"applications":[{"child":{"birth_date":"x"}}]}`,
		"{\"applications\":[{\"id\":\"\xff\"}]}", `{"applications":[` + strings.Repeat(`{},`, 500) + `{}]}`,
		`{"applications":[{"decision":{"priority":1e999}}]}`, `{"extra":true}`, strings.Repeat("[", 5000)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := engine.DecodePush(body)
		if err != nil {
			var re *engine.RequestError
			if !errors.As(err, &re) || re.Status < 400 || re.Status >= 500 || re.Reason == "" {
				t.Fatalf("refusal %#v is not a 4xx with a reason", err)
			}
			return
		}
		if len(in.Applications) > engineapi.MaxBatch {
			t.Fatalf("accepted a batch of %d", len(in.Applications))
		}
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		back, err := engine.DecodePush(again)
		if err != nil || len(back.Applications) != len(in.Applications) {
			t.Fatalf("round trip: %d apps, %v; want %d", len(back.Applications), err, len(in.Applications))
		}
	})
}

func TestDecodePushRefusals(t *testing.T) {
	cases := []struct {
		name, body string
		status     int
		reason     string
	}{
		{"OK", pushSeed(), 0, ""},
		{"Empty", "", http.StatusBadRequest, engineapi.ReasonMalformed},
		{"Null", "null", http.StatusBadRequest, engineapi.ReasonMalformed},
		{"UnknownField", `{"apps":[]}`, http.StatusBadRequest, engineapi.ReasonMalformed},
		{"Trailing", `{"applications":[]}{}`, http.StatusBadRequest, engineapi.ReasonMalformed},
		{"TooMany", `{"applications":[` + strings.Repeat(`{},`, 500) + `{}]}`, http.StatusBadRequest, engineapi.ReasonBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := engine.DecodePush([]byte(c.body))
			var re *engine.RequestError
			switch {
			case c.status == 0 && err != nil:
				t.Fatalf("refused a good batch: %v", err)
			case c.status != 0 && (!errors.As(err, &re) || re.Status != c.status || re.Reason != c.reason):
				t.Fatalf("got %v, want %d %s", err, c.status, c.reason)
			}
		})
	}
}
