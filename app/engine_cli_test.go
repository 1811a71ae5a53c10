package app_test

import (
	"context"
	"encoding/json"
	"enrolldesk/app"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/core/engineapi/storetest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

type deviceOut struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Code   string `json:"code"`
}

func TestEngineDeviceCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "engine.db")
	r := cli(t, "", "engine", "device", "add", "--db", db, "--name", "市民中心 3号机", "--json")
	var added deviceOut
	if r.code != 0 || json.Unmarshal([]byte(r.out), &added) != nil || added.Code == "" || added.Status != "pending" {
		t.Fatalf("device add: %d %q %q", r.code, r.out, r.err)
	}
	r = cli(t, "", "engine", "device", "add", "--db", db)
	if r.code != 0 || !strings.Contains(r.out, "code ") || !strings.Contains(r.out, "device     KD-") ||
		!regexp.MustCompile(`enroll +[0-9A-Z-]{19}/[0-9A-Z-]{19}\n`).MatchString(r.out) || !strings.Contains(r.out, "prefix     1001") {
		t.Fatalf("device add (text): %d %q", r.code, r.out)
	}
	r = cli(t, "", "engine", "device", "list", "--db", db)
	if r.code != 0 || !strings.Contains(r.out, added.ID) || !strings.Contains(r.out, "市民中心 3号机") || strings.Contains(r.out, added.Code) {
		t.Fatalf("device list: %d %q", r.code, r.out)
	}
	if r = cli(t, "", "engine", "device", "revoke", "--db", db, added.ID); r.code != 0 {
		t.Fatalf("device revoke: %d %q", r.code, r.err)
	}
	r = cli(t, "", "engine", "device", "list", "--db", db, "--json")
	var list []deviceOut
	if r.code != 0 || json.Unmarshal([]byte(r.out), &list) != nil || len(list) != 2 {
		t.Fatalf("device list --json: %d %q", r.code, r.out)
	}
	for _, d := range list {
		if d.ID == added.ID && d.Status != "revoked" {
			t.Errorf("after revoke: %+v", d)
		}
	}
}

func TestEngineCommandUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "engine.db")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"RevokeUnknown", []string{"engine", "device", "revoke", "--db", db, "KD-NOBODY"}, "no device KD-NOBODY"},
		{"RevokeNoID", []string{"engine", "device", "revoke", "--db", db}, "one device ID"},
		{"AddNoDB", []string{"engine", "device", "add"}, "--db PATH is required"},
		{"OneTLSFile", []string{"engine", "--db", db, "--tls-cert", "cert.pem"}, "both TLS files"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, "", c.args...)
			if r.code != 2 || !strings.Contains(r.err, c.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.err, c.want)
			}
		})
	}
}

func TestEngineConflictsCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "engine.db")
	e, err := app.OpenEngine(context.Background(), app.EngineConfig{DB: db, CityDB: engineCityPath(t), DataDir: dir, Now: func() time.Time { return engineNow }})
	if err != nil {
		t.Fatal(err)
	}
	s := e.Store()
	first, second := storetest.MustDevice(t, s, 1), storetest.MustDevice(t, s, 2)
	kept, again := storetest.App(7), storetest.App(7)
	again.ID, again.RegNo = core.NewApplicationID(), "JN27P-AAAAA-BBBBB"
	if _, err := s.Ingest(context.Background(), first, storetest.Intakes(t, first, engineNow, kept), engineNow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(context.Background(), second, storetest.Intakes(t, second, engineNow, again), engineNow); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	r := cli(t, "", "engine", "conflicts", "--db", db)
	if r.code != 0 || !strings.Contains(r.out, "JN27P-AAAAA-BBBBB") || !strings.Contains(r.out, kept.RegNo) {
		t.Fatalf("conflicts: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if strings.Contains(r.out, string(kept.Child.ID)) {
		t.Error("the conflict list shows a full ID number")
	}
	var list []engineapi.Conflict
	r = cli(t, "", "engine", "conflicts", "--db", db, "--json")
	if err := json.Unmarshal([]byte(r.out), &list); err != nil || len(list) != 1 || list[0].KeptID != kept.ID {
		t.Fatalf("conflicts --json = %v, %v: %s", list, err, r.out)
	}
}
