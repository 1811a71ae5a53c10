package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"enrolldesk/app/engine"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

type heatFunc func(ctx context.Context, stage core.Stage) (engineapi.HeatMap, error)

func (f heatFunc) HeatMap(ctx context.Context, stage core.Stage) (engineapi.HeatMap, error) {
	return f(ctx, stage)
}

// staffAs signs every request in as the given actor; a request without an
// Authorization header is refused as not signed in.
func staffAs(a engineapi.Actor) engine.StaffAuth {
	return func(r *http.Request) (engineapi.Actor, *engine.RequestError) {
		if r.Header.Get("Authorization") == "" {
			return engineapi.Actor{}, &engine.RequestError{Status: 401, Reason: engineapi.ReasonNoSession, Message: "sign in"}
		}
		return a, nil
	}
}

func heatRequest(h http.Handler, body string, signedIn bool) (int, []byte) {
	req := httptest.NewRequest(http.MethodPost, engineapi.PathStaffHeatMap, strings.NewReader(body))
	if signedIn {
		req.Header.Set("Authorization", "Bearer t")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// TestStaffHeatMapEveryRole: every staff role, a school admin included,
// reads the whole city's heat map; without a session it is refused, and
// an engine without a heat source says so.
func TestStaffHeatMapEveryRole(t *testing.T) {
	var asked []core.Stage
	src := heatFunc(func(_ context.Context, stage core.Stage) (engineapi.HeatMap, error) {
		asked = append(asked, stage)
		return engineapi.HeatMap{Year: 2027, Stage: stage, Tiers: []string{"房户一致", engineapi.TierNone},
			Schools: []engineapi.SchoolDemand{{Code: "370811P001", Capacity: 100, Total: 130, PerTier: []int{130, 0}, Ratio: 1.3, Level: engineapi.LevelOversubscribed}}}, nil
	})
	for _, role := range engineapi.Roles {
		a := engineapi.Actor{ID: "u1", Name: "王老师", Role: role}
		if role == engineapi.RoleSchoolAdmin {
			a.School = "370812P001"
		}
		h := engine.New(&mockStore{}, nil, engine.Options{StaffAuth: staffAs(a), Heat: src}).Handler()
		st, body := heatRequest(h, `{"stage":"primary"}`, true)
		var m engineapi.HeatMap
		if err := json.Unmarshal(body, &m); st != 200 || err != nil || len(m.Schools) != 1 || m.Schools[0].Level != engineapi.LevelOversubscribed {
			t.Errorf("%s: %d %s", role, st, body)
		}
		if st, _ := heatRequest(h, `{}`, false); st != 401 {
			t.Errorf("%s without a session: %d, want 401", role, st)
		}
	}
	if len(asked) != len(engineapi.Roles) || asked[0] != core.Primary {
		t.Errorf("the source was asked for %v", asked)
	}

	h := engine.New(&mockStore{}, nil, engine.Options{StaffAuth: staffAs(engineapi.Actor{ID: "u", Role: engineapi.RoleReviewer}), Heat: src}).Handler()
	if st, body := heatRequest(h, `{"stage":"kindergarten"}`, true); st != 400 || !strings.Contains(string(body), "primary") {
		t.Errorf("unknown stage: %d %s; want 400 naming the stages", st, body)
	}
	if st, _ := heatRequest(h, `{"stage":"primary","extra":1}`, true); st != 400 {
		t.Errorf("unknown field: %d, want 400", st)
	}
	if st, body := heatRequest(h, `{}`, true); st != 200 || !strings.Contains(string(body), `"tiers"`) {
		t.Errorf("both stages: %d %s", st, body)
	}

	none := engine.New(&mockStore{}, nil, engine.Options{StaffAuth: staffAs(engineapi.Actor{ID: "u", Role: engineapi.RoleBureauAdmin})}).Handler()
	if st, body := heatRequest(none, `{}`, true); st != 503 || !strings.Contains(string(body), "--city") {
		t.Errorf("no heat source: %d %s; want 503 saying what to start the engine with", st, body)
	}

	failing := engine.New(&mockStore{}, nil, engine.Options{StaffAuth: staffAs(engineapi.Actor{ID: "u", Role: engineapi.RoleHall}),
		Heat: heatFunc(func(context.Context, core.Stage) (engineapi.HeatMap, error) {
			return engineapi.HeatMap{}, errors.New("disk")
		})}).Handler()
	if st, body := heatRequest(failing, `{}`, true); st != 500 || strings.Contains(string(body), "disk") {
		t.Errorf("failing source: %d %s; want a generic 500", st, body)
	}
}
