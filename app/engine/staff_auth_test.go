package engine_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"enrolldesk/app/engine"
	"enrolldesk/app/sqlite"
	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/internal/passhash"
)

// authRig is an engine over a SQLite store on disk with staff accounts,
// on a clock the test moves.
type authRig struct {
	t      testing.TB
	path   string
	clock  time.Time
	db     *sqlite.DB
	store  *sqlite.EngineStore
	srv    *engine.Server
	opt    engine.Options
	lookup engine.Lookup
	seq    int
}

func newAuthRig(t testing.TB, opt engine.Options) *authRig {
	t.Helper()
	r := &authRig{t: t, path: filepath.Join(t.TempDir(), "engine.db"), clock: time.Date(2027, 5, 1, 9, 0, 0, 0, time.UTC), opt: opt}
	r.open()
	t.Cleanup(r.close)
	return r
}

func (r *authRig) open() {
	r.t.Helper()
	var err error
	if r.db, err = sqlite.Open(r.path); err != nil {
		r.t.Fatal(err)
	}
	if r.store, err = r.db.EngineStore(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	opt := r.opt
	opt.Now = func() time.Time { return r.clock }
	opt.Accounts = r.store
	r.srv = engine.New(r.store, r.lookup, opt)
}

func (r *authRig) close() {
	if r.store != nil {
		r.store.Close()
		r.db.Close()
		r.store, r.db = nil, nil
	}
}

// reopen is an engine restart: the same file, a new store and server.
func (r *authRig) reopen() { r.close(); r.open() }

func (r *authRig) addUser(name string, role engineapi.Role, school, password string) engineapi.User {
	r.t.Helper()
	h, err := passhash.New(password)
	if err != nil {
		r.t.Fatal(err)
	}
	u, err := r.store.AddUser(context.Background(), engineapi.User{Name: name, Role: role, School: school, CreatedAt: r.clock}, h.String())
	if err != nil {
		r.t.Fatal(err)
	}
	return u
}

type answer struct {
	status int
	header http.Header
	body   []byte
	err    engineapi.Error
}

func (r *authRig) post(path, token string, body any) answer {
	r.t.Helper()
	b, ok := body.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(body); err != nil {
			r.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	r.srv.Handler().ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if rec.Code != http.StatusOK {
		json.Unmarshal(a.body, &a.err) //nolint:errcheck // checked by the callers through a.err's fields
	}
	return a
}

func (r *authRig) login(name, password string) (engineapi.LoginResponse, answer) {
	r.t.Helper()
	a := r.post(engineapi.PathStaffLogin, "", engineapi.LoginRequest{Name: name, Password: password})
	var resp engineapi.LoginResponse
	if a.status == http.StatusOK {
		if err := json.Unmarshal(a.body, &resp); err != nil {
			r.t.Fatal(err)
		}
	}
	return resp, a
}

func TestStaffSignInMeSignOut(t *testing.T) {
	r := newAuthRig(t, engine.Options{})
	u := r.addUser("王芳", engineapi.RoleReviewer, "", "一二三四五六七八")
	resp, a := r.login(" 王芳 ", "一二三四五六七八")
	if a.status != http.StatusOK || resp.Token == "" || resp.Actor.ID != u.ID || resp.Actor.Role != engineapi.RoleReviewer {
		t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	if want := r.clock.Add(30 * time.Minute); !resp.Expires.Equal(want) {
		t.Errorf("expires %v, want %v", resp.Expires, want)
	}
	a = r.post(engineapi.PathStaffMe, resp.Token, struct{}{})
	var me engineapi.Actor
	if a.status != http.StatusOK || json.Unmarshal(a.body, &me) != nil || me != u.Actor() {
		t.Fatalf("me: %d %s, want %+v", a.status, a.body, u.Actor())
	}
	if a = r.post(engineapi.PathStaffLogout, resp.Token, struct{}{}); a.status != http.StatusOK {
		t.Fatalf("logout: %d %s", a.status, a.body)
	}
	a = r.post(engineapi.PathStaffMe, resp.Token, struct{}{})
	if a.status != http.StatusUnauthorized || a.err.Reason != engineapi.ReasonNoSession {
		t.Fatalf("me after logout: %d %s, want 401 no_session", a.status, a.body)
	}

	// Neither the token nor the password is anywhere in the files.
	r.close()
	for _, f := range []string{r.path, r.path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(resp.Token)) || bytes.Contains(b, []byte("一二三四五六七八")) {
			t.Errorf("%s holds the session token or the password in the clear", filepath.Base(f))
		}
	}
}

func TestStaffNoSession(t *testing.T) {
	r := newAuthRig(t, engine.Options{})
	for _, token := range []string{"", "made-up-token"} {
		a := r.post(engineapi.PathStaffMe, token, struct{}{})
		if a.status != http.StatusUnauthorized || a.err.Reason != engineapi.ReasonNoSession || a.err.Message == "" {
			t.Errorf("token %q: %d %s, want 401 no_session with a message", token, a.status, a.body)
		}
	}
}

func TestStaffWrongNameAndWrongPasswordLookAlike(t *testing.T) {
	r := newAuthRig(t, engine.Options{})
	r.addUser("李雷", engineapi.RoleHall, "", "correct horse")
	_, wrongPW := r.login("李雷", "wrong horse")
	_, wrongName := r.login("韩梅梅", "correct horse")
	for _, a := range []answer{wrongPW, wrongName} {
		if a.status != http.StatusUnauthorized || a.err.Reason != engineapi.ReasonBadLogin {
			t.Fatalf("%d %s, want 401 bad_login", a.status, a.body)
		}
	}
	if !bytes.Equal(wrongPW.body, wrongName.body) {
		t.Errorf("a wrong password and a wrong name are told apart:\n%s\n%s", wrongPW.body, wrongName.body)
	}
}

func TestStaffFiveFailuresLockForFifteenMinutes(t *testing.T) {
	r := newAuthRig(t, engine.Options{})
	r.addUser("张伟", engineapi.RoleHall, "", "right password")
	for i := 1; i <= 4; i++ {
		if _, a := r.login("张伟", "wrong password"); a.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s, want 401", i, a.status, a.body)
		}
	}
	_, a := r.login("张伟", "wrong password")
	if a.status != http.StatusForbidden || a.err.Reason != engineapi.ReasonLocked {
		t.Fatalf("fifth failure: %d %s, want 403 locked", a.status, a.body)
	}
	until := r.clock.Add(15 * time.Minute).Local().Format("15:04")
	for _, want := range []string{until, "15分钟后再试", "局管理员解锁"} {
		if !strings.Contains(a.err.Message, want) {
			t.Errorf("locked message %q does not say %q", a.err.Message, want)
		}
	}
	r.clock = r.clock.Add(14 * time.Minute)
	if _, a := r.login("张伟", "right password"); a.status != http.StatusForbidden || a.err.Reason != engineapi.ReasonLocked {
		t.Fatalf("right password while locked: %d %s, want 403 locked", a.status, a.body)
	}
	r.clock = r.clock.Add(time.Minute)
	if _, a := r.login("张伟", "right password"); a.status != http.StatusOK {
		t.Fatalf("after 15 minutes: %d %s, want signed in", a.status, a.body)
	}
	// A success resets the count: four more failures do not lock.
	for i := 1; i <= 4; i++ {
		r.login("张伟", "wrong password")
	}
	if _, a := r.login("张伟", "right password"); a.status != http.StatusOK {
		t.Fatalf("after four failures following a success: %d %s", a.status, a.body)
	}
}

func TestStaffLockSurvivesRestart(t *testing.T) {
	r := newAuthRig(t, engine.Options{})
	r.addUser("赵敏", engineapi.RoleBureauAdmin, "", "right password")
	for range 3 {
		r.login("赵敏", "wrong password")
	}
	r.reopen()
	for range 2 {
		r.login("赵敏", "wrong password")
	}
	r.reopen()
	if _, a := r.login("赵敏", "right password"); a.status != http.StatusForbidden || a.err.Reason != engineapi.ReasonLocked {
		t.Fatalf("after five failures across restarts: %d %s, want 403 locked", a.status, a.body)
	}
	if err := r.store.Unlock(context.Background(), "赵敏"); err != nil {
		t.Fatal(err)
	}
	if _, a := r.login("赵敏", "right password"); a.status != http.StatusOK {
		t.Fatalf("after unlock: %d %s", a.status, a.body)
	}
}

func TestStaffSessionEndsAfterThirtyIdleMinutes(t *testing.T) {
	r := newAuthRig(t, engine.Options{})
	r.addUser("周杰", engineapi.RoleHall, "", "right password")
	resp, _ := r.login("周杰", "right password")
	me := func() answer { return r.post(engineapi.PathStaffMe, resp.Token, struct{}{}) }
	r.clock = r.clock.Add(29 * time.Minute)
	if a := me(); a.status != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d %s", a.status, a.body)
	}
	r.clock = r.clock.Add(29 * time.Minute) // 58 minutes after sign-in, 29 after the last request
	if a := me(); a.status != http.StatusOK {
		t.Fatalf("activity did not move the end on: %d %s", a.status, a.body)
	}
	r.reopen() // a session outlives a restart
	r.clock = r.clock.Add(30 * time.Minute)
	a := me()
	if a.status != http.StatusUnauthorized || a.err.Reason != engineapi.ReasonNoSession || !strings.Contains(a.err.Message, "重新登录") {
		t.Fatalf("after 30 idle minutes: %d %s, want 401 no_session saying to sign in again", a.status, a.body)
	}
}

// TestStaffRoleMatrix walks every staff path the server registers and
// every role: a role a path does not admit gets 403 forbidden, one it
// admits never 401 or 403 (an empty body may well get 400).
func TestStaffRoleMatrix(t *testing.T) {
	r := newAuthRig(t, engine.Options{})
	users := map[engineapi.Role]engineapi.User{}
	for _, role := range engineapi.Roles {
		school := ""
		if role == engineapi.RoleSchoolAdmin {
			school = "S0001"
		}
		users[role] = r.addUser("user-"+string(role), role, school, "right password")
	}
	routes := r.srv.StaffRoutes()
	if len(routes) < 3 {
		t.Fatalf("only %d staff routes registered", len(routes))
	}
	for _, rt := range routes {
		if rt.Path == engineapi.PathStaffLogin {
			continue // needs no session
		}
		for _, role := range engineapi.Roles {
			t.Run(strings.TrimPrefix(rt.Path, engineapi.PathStaffPrefix)+"/"+string(role), func(t *testing.T) {
				token, hash := engineapi.NewSessionToken()
				if err := r.store.CreateSession(context.Background(), hash, users[role].ID, r.clock, engineapi.SessionIdle); err != nil {
					t.Fatal(err)
				}
				req := httptest.NewRequest(rt.Method, rt.Path, strings.NewReader("{}"))
				req.Header.Set("Authorization", "Bearer "+token)
				rec := httptest.NewRecorder()
				r.srv.Handler().ServeHTTP(rec, req)
				allowed := rt.Roles == nil || slices.Contains(rt.Roles, role)
				var e engineapi.Error
				json.Unmarshal(rec.Body.Bytes(), &e) //nolint:errcheck // a 200 body is not an Error
				switch {
				case !allowed && (rec.Code != http.StatusForbidden || e.Reason != engineapi.ReasonForbidden):
					t.Errorf("%s may not, yet got %d %s; want 403 forbidden", role, rec.Code, rec.Body)
				case allowed && (rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden):
					t.Errorf("%s may, yet got %d %s", role, rec.Code, rec.Body)
				case allowed && rec.Code == http.StatusInternalServerError:
					t.Errorf("%s: an empty body made a 500: %s", role, rec.Body)
				}
			})
		}
	}
}

// signedLookup sends a kiosk look-up signed by key as device id.
func (r *authRig) signedLookup(id string, key ed25519.PrivateKey) answer {
	body := []byte(`{"guardian":"370102198001010011","child":"370102201903070012","stage":"primary"}`)
	r.seq++
	nonce := fmt.Sprintf("nonce-%08d-%s", r.seq, id)
	req := httptest.NewRequest(http.MethodPost, engineapi.PathLookup, bytes.NewReader(body))
	req.Header.Set(engineapi.HeaderDevice, id)
	req.Header.Set(engineapi.HeaderTimestamp, strconv.FormatInt(r.clock.Unix(), 10))
	req.Header.Set(engineapi.HeaderNonce, nonce)
	req.Header.Set(engineapi.HeaderSignature, engineapi.Sign(key, http.MethodPost, engineapi.PathLookup, body, r.clock.Unix(), nonce))
	rec := httptest.NewRecorder()
	r.srv.Handler().ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	json.Unmarshal(a.body, &a.err) //nolint:errcheck // a 200 body is not an Error
	return a
}

func (r *authRig) kiosk(name string) (string, ed25519.PrivateKey) {
	r.t.Helper()
	ctx := context.Background()
	d, code, err := engine.AddDevice(ctx, r.store, name, r.clock)
	if err != nil {
		r.t.Fatal(err)
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	if _, err := r.store.RegisterDevice(ctx, engineapi.HashCode(code), pub, name, r.clock); err != nil {
		r.t.Fatal(err)
	}
	return d.ID, key
}

func TestKioskLookupRateLimit(t *testing.T) {
	answered := lookupFunc(func(context.Context, string, string, core.Stage) (*core.LookupResult, error) {
		return &core.LookupResult{}, nil
	})
	r := newAuthRig(t, engine.Options{})
	r.lookup = answered
	r.reopen()
	k1, key1 := r.kiosk("大厅1号")
	k2, key2 := r.kiosk("大厅2号")
	for i := 1; i <= 60; i++ {
		if a := r.signedLookup(k1, key1); a.status != http.StatusOK {
			t.Fatalf("look-up %d: %d %s", i, a.status, a.body)
		}
	}
	a := r.signedLookup(k1, key1)
	if a.status != http.StatusTooManyRequests || a.err.Reason != engineapi.ReasonRateLimited {
		t.Fatalf("61st look-up: %d %s, want 429 rate_limited", a.status, a.body)
	}
	secs, err := strconv.Atoi(a.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After %q, want whole seconds", a.header.Get("Retry-After"))
	}
	if !strings.Contains(a.err.Message, "秒后再试") {
		t.Errorf("message %q does not say when to try again", a.err.Message)
	}
	if a := r.signedLookup(k2, key2); a.status != http.StatusOK {
		t.Errorf("another kiosk was refused: %d %s", a.status, a.body)
	}
	r.clock = r.clock.Add(time.Duration(secs) * time.Second)
	if a := r.signedLookup(k1, key1); a.status != http.StatusOK {
		t.Errorf("after Retry-After: %d %s", a.status, a.body)
	}
}

func TestLookupRateConfigurable(t *testing.T) {
	r := newAuthRig(t, engine.Options{LookupPerMinute: 3})
	for i := 1; i <= 3; i++ {
		if e := r.srv.LimitLookup("staff:SU-A"); e != nil {
			t.Fatalf("look-up %d refused: %v", i, e)
		}
	}
	e := r.srv.LimitLookup("staff:SU-A")
	if e == nil || e.Status != http.StatusTooManyRequests || e.Reason != engineapi.ReasonRateLimited || e.RetryAfter < time.Second {
		t.Fatalf("4th staff look-up: %+v, want 429 with a retry time", e)
	}
	if e := r.srv.LimitLookup("staff:SU-B"); e != nil {
		t.Errorf("another account was refused: %v", e)
	}
	unlimited := newAuthRig(t, engine.Options{LookupPerMinute: -1})
	for range 1000 {
		if e := unlimited.srv.LimitLookup("staff:SU-A"); e != nil {
			t.Fatalf("no limit set, yet refused: %v", e)
		}
	}
}

// auditRecorder (audit_lookup_test.go) keeps what the server appends.

func TestStaffSignInsAreAudited(t *testing.T) {
	rec := &auditRecorder{}
	r := newAuthRig(t, engine.Options{Audit: rec})
	u := r.addUser("钱多多", engineapi.RoleHall, "", "right password")
	r.login("钱多多", "wrong password")
	r.login("370102198001010011", "whatever1") // an ID number typed as the name
	resp, _ := r.login("钱多多", "right password")
	r.post(engineapi.PathStaffLogout, resp.Token, struct{}{})
	var got []string
	for _, ev := range rec.events {
		got = append(got, ev.Action+" "+ev.Actor+" "+ev.Subject)
		if !ev.At.Equal(r.clock) {
			t.Errorf("%s at %v, want the engine's clock", ev.Action, ev.At)
		}
	}
	want := []string{
		"login_failed anonymous staff:" + u.ID,
		"login_failed anonymous name:370102********0011",
		"login staff:" + u.ID + " staff:" + u.ID,
		"logout staff:" + u.ID + " staff:" + u.ID,
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// BenchmarkStaffLogin is one sign-in over SQLite (argon2id dominates)
// and BenchmarkStaffSession one request's session check.
func BenchmarkStaffLogin(b *testing.B) {
	r := newAuthRig(b, engine.Options{})
	r.addUser("bench", engineapi.RoleHall, "", "right password")
	for b.Loop() {
		if _, a := r.login("bench", "right password"); a.status != http.StatusOK {
			b.Fatal(a.status)
		}
	}
}

func BenchmarkStaffSession(b *testing.B) {
	r := newAuthRig(b, engine.Options{})
	r.addUser("bench", engineapi.RoleHall, "", "right password")
	resp, _ := r.login("bench", "right password")
	for b.Loop() {
		if a := r.post(engineapi.PathStaffMe, resp.Token, struct{}{}); a.status != http.StatusOK {
			b.Fatal(a.status)
		}
	}
}
