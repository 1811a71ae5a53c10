package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"enrolldesk/app"
	"enrolldesk/core/engineapi"
)

func TestStaffUserAddThroughTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "engine.db")
	r := cli(t, "a long enough password\n", "staff", "user", "add", "--db", db, "--name", "王芳", "--role", "reviewer")
	if r.code != 0 || !strings.Contains(r.out, "王芳") {
		t.Fatalf("add: %d %s %s", r.code, r.out, r.err)
	}
	r = cli(t, "another password\n", "staff", "user", "add", "--db", db, "--name", "李校长", "--role", "school_admin", "--school", "S0001")
	if r.code != 0 {
		t.Fatalf("add school admin: %d %s", r.code, r.err)
	}

	refusals := []struct {
		name, stdin string
		args        []string
		says        string
	}{
		{"DuplicateName", "a long enough password\n", []string{"--name", "王芳", "--role", "hall"}, "已经有名为“王芳”的账号"},
		{"BadRole", "a long enough password\n", []string{"--name", "x", "--role", "boss"}, "没有“boss”这个角色"},
		{"SchoolAdminWithoutSchool", "a long enough password\n", []string{"--name", "x", "--role", "school_admin"}, "--school"},
		{"SchoolForAnotherRole", "a long enough password\n", []string{"--name", "x", "--role", "hall", "--school", "S0001"}, "只有学校管理员"},
		{"ShortPassword", "short\n", []string{"--name", "x", "--role", "hall"}, "至少8个字符"},
		{"NoPassword", "", []string{"--name", "x", "--role", "hall"}, "no password on standard input"},
		{"PasswordAsWord", "", []string{"--name", "x", "--role", "hall", "secret-password"}, "no password"},
		{"NoDB", "a long enough password\n", []string{"--name", "x", "--role", "hall", "--db", ""}, "--db"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"staff", "user", "add", "--db", db}, tc.args...)
			r := cli(t, tc.stdin, args...)
			if r.code != app.ExitUsage || !strings.Contains(r.err, tc.says) {
				t.Errorf("exit %d, stderr %q; want %d saying %q", r.code, r.err, app.ExitUsage, tc.says)
			}
		})
	}

	r = cli(t, "", "staff", "user", "list", "--db", db, "--json")
	var users []struct{ Name, Role, School string }
	if r.code != 0 || json.Unmarshal([]byte(r.out), &users) != nil || len(users) != 2 {
		t.Fatalf("list: %d %s %s", r.code, r.out, r.err)
	}
	if users[0].Name != "李校长" || users[0].School != "S0001" || users[1].Name != "王芳" || users[1].Role != "reviewer" {
		t.Errorf("list: %+v", users)
	}
	if r := cli(t, "", "staff", "user", "unlock", "--db", db, "--name", "nobody"); r.code != app.ExitUsage {
		t.Errorf("unlock of no account: %d %s", r.code, r.err)
	}
	if r := cli(t, "", "staff", "user", "unlock", "--db", db, "--name", "王芳"); r.code != 0 {
		t.Errorf("unlock: %d %s", r.code, r.err)
	}
	// `staff` alone opens the window (staffdesk_test.go); --help lists both.
	if r := cli(t, "", "staff", "--help"); r.code != app.ExitUsage || !strings.Contains(r.err, "staff user add") || !strings.Contains(r.err, "window") {
		t.Errorf("staff --help: %d %s", r.code, r.err)
	}

	// The engine on that file signs the account in with that password.
	e, err := app.OpenEngine(context.Background(), app.EngineConfig{DB: db, DataDir: dir, TrustKioskDecisions: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	req := httptest.NewRequest(http.MethodPost, engineapi.PathStaffLogin, strings.NewReader(`{"name":"王芳","password":"a long enough password"}`))
	rec := httptest.NewRecorder()
	e.Handler().ServeHTTP(rec, req)
	var resp engineapi.LoginResponse
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil || resp.Actor.Role != engineapi.RoleReviewer {
		t.Fatalf("sign-in at the engine: %d %s", rec.Code, rec.Body)
	}
}

func TestEngineLookupRateFlag(t *testing.T) {
	r := cli(t, "", "engine", "--trust-kiosk-decisions", "--db", filepath.Join(t.TempDir(), "e.db"), "--lookup-rate", "0")
	if r.code != app.ExitUsage || !strings.Contains(r.err, "--lookup-rate") {
		t.Errorf("--lookup-rate 0: %d %s", r.code, r.err)
	}
}
