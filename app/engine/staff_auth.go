package engine

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
	"enrolldesk/internal/passhash"
)

// DefaultLookupPerMinute is how many look-ups a kiosk or a staff account
// may make a minute unless Options.LookupPerMinute says otherwise.
const DefaultLookupPerMinute = 60

// setupStaffAuth sets up staff sign-in over Options.Accounts (unless the
// caller brought its own StaffAuth), the sign-in paths and the look-up
// limit.
func (s *Server) setupStaffAuth(opt Options) {
	switch n := opt.LookupPerMinute; {
	case n == 0:
		s.lookups = newLimiter(DefaultLookupPerMinute)
	case n > 0:
		s.lookups = newLimiter(n)
	}
	if s.staffAuth == nil && s.accounts != nil {
		s.staffAuth = s.sessionAuth
	}
	if s.accounts != nil {
		go dummyHash() // ready before the first wrong name, which must not cost two hashes
	}
	s.addStaff(engineapi.PathStaffLogin, staffRoute{method: http.MethodPost, handle: s.handleLogin})
	s.addStaff(engineapi.PathStaffLogout, staffRoute{method: http.MethodPost, handle: s.handleLogout})
	s.addStaff(engineapi.PathStaffMe, staffRoute{method: http.MethodPost, handle: s.handleMe})
}

// limitLookup counts one look-up of key — "device:<id>" for a kiosk,
// Actor.Label() for a staff member — and refuses it with 429 and a
// Retry-After when key is over its minute's allowance. Every look-up
// handler calls it before looking anything up.
func (s *Server) limitLookup(key string) *RequestError {
	ok, after := s.lookups.Allow(key, s.now())
	if ok {
		return nil
	}
	secs := int((after + time.Second - 1) / time.Second)
	return &RequestError{
		Status:     http.StatusTooManyRequests,
		Reason:     engineapi.ReasonRateLimited,
		Message:    fmt.Sprintf("查询太频繁：每分钟最多查询%d次。请%d秒后再试。", s.lookups.perMinute, secs),
		RetryAfter: after,
	}
}

var (
	errNoSession = refuse(http.StatusUnauthorized, engineapi.ReasonNoSession,
		"请先登录：这个请求没有带登录凭据。")
	errSessionEnded = refuse(http.StatusUnauthorized, engineapi.ReasonNoSession,
		"登录已结束（30分钟没有操作会自动退出，或已退出登录）：请重新登录。")
	errBadLogin = refuse(http.StatusUnauthorized, engineapi.ReasonBadLogin,
		fmt.Sprintf("账号或密码不对，请重新输入。连续错%d次账号会锁定%d分钟。", engineapi.MaxFailedLogins, int(engineapi.LockoutFor/time.Minute)))
	errNoAccounts = refuse(http.StatusServiceUnavailable, engineapi.ReasonNoStaffDesk,
		"这台引擎没有工作人员账号库：请用 enrolldesk engine（带 --db）启动引擎，并用 enrolldesk staff user add 建立账号。")
)

// bearer is the session token of Authorization: Bearer <token>, or "".
func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// sessionAuth is the StaffAuth of Options.Accounts: the bearer token's
// session, whose idle expiry every request moves on.
func (s *Server) sessionAuth(r *http.Request) (engineapi.Actor, *RequestError) {
	token := bearer(r)
	if token == "" {
		return engineapi.Actor{}, errNoSession
	}
	actor, err := s.accounts.Session(r.Context(), engineapi.HashSessionToken(token), s.now())
	switch {
	case core.ErrorCode(err) == core.ENOTFOUND:
		return engineapi.Actor{}, errSessionEnded
	case err != nil:
		return engineapi.Actor{}, s.internal(r.Context(), "staff session", err)
	}
	return actor, nil
}

// dummyHash is checked against when no account has the name given, so
// that a wrong name costs as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := passhash.New("no such account")
	if err != nil {
		return ""
	}
	return h.String()
})

// handleLogin signs a staff member in. A wrong name and a wrong password
// get the same answer after the same argon2id work; a locked account is
// told until when.
func (s *Server) handleLogin(ctx context.Context, req *staffRequest) (any, *RequestError) {
	if s.accounts == nil {
		return nil, errNoAccounts
	}
	var in engineapi.LoginRequest
	if e := decodeStrict(req.body, &in); e != nil {
		return nil, e
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || in.Password == "" {
		return nil, refuse(http.StatusBadRequest, engineapi.ReasonMalformed, "请输入账号名和密码。")
	}
	now := s.now()
	failed := func(subject, why string) {
		req.events = append(req.events, engineapi.AuditEvent{Actor: "anonymous", Action: "login_failed",
			Subject: subject, Reason: why, Detail: "from " + req.http.RemoteAddr})
	}
	u, stored, err := s.accounts.UserByName(ctx, name)
	switch {
	case core.ErrorCode(err) == core.ENOTFOUND:
		passhash.Verify(dummyHash(), in.Password)                   //nolint:errcheck // timing only
		failed("name:"+maskIDs(clip(name, 200)), "no such account") // a typed ID number stays masked
		return nil, errBadLogin
	case err != nil:
		return nil, s.internal(ctx, "staff login", err)
	}
	if u.Locked(now) {
		failed("staff:"+u.ID, "locked")
		return nil, lockedError(u, now)
	}
	ok, err := passhash.Verify(stored, in.Password)
	if err != nil {
		return nil, s.internal(ctx, "staff login: stored hash of "+u.ID, err)
	}
	if !ok {
		after, err := s.accounts.LoginFailed(ctx, u.ID, now)
		if err != nil {
			return nil, s.internal(ctx, "staff login: count a failure", err)
		}
		if after.Locked(now) {
			failed("staff:"+u.ID, "wrong password; locked")
			return nil, lockedError(after, now)
		}
		failed("staff:"+u.ID, "wrong password")
		return nil, errBadLogin
	}
	if err := s.accounts.LoginSucceeded(ctx, u.ID, now); err != nil {
		return nil, s.internal(ctx, "staff login", err)
	}
	token, hash := engineapi.NewSessionToken()
	if err := s.accounts.CreateSession(ctx, hash, u.ID, now, engineapi.SessionIdle); err != nil {
		return nil, s.internal(ctx, "staff login: session", err)
	}
	req.actor = u.Actor()
	req.note(engineapi.AuditEvent{Action: "login", Subject: "staff:" + u.ID, Detail: "from " + req.http.RemoteAddr})
	return engineapi.LoginResponse{Token: token, Actor: req.actor, Expires: now.Add(engineapi.SessionIdle)}, nil
}

// lockedError tells a locked account until when, and what to do.
func lockedError(u engineapi.User, now time.Time) *RequestError {
	until := u.LockedUntil
	if limit := now.Add(engineapi.LockoutFor); until.After(limit) {
		until = limit // a clock set back must not stretch the lock
	}
	return refuse(http.StatusForbidden, engineapi.ReasonLocked, fmt.Sprintf(
		"密码连续错误%d次，账号已锁定到 %s。请%d分钟后再试，或请局管理员解锁。",
		engineapi.MaxFailedLogins, until.Local().Format("2006-01-02 15:04"), int(engineapi.LockoutFor/time.Minute)))
}

// handleLogout ends the request's session.
func (s *Server) handleLogout(ctx context.Context, req *staffRequest) (any, *RequestError) {
	if s.accounts == nil {
		return nil, errNoAccounts
	}
	if err := s.accounts.EndSession(ctx, engineapi.HashSessionToken(bearer(req.http))); err != nil {
		return nil, s.internal(ctx, "staff logout", err)
	}
	req.note(engineapi.AuditEvent{Action: "logout", Subject: req.actor.Label()})
	return struct{}{}, nil
}

// handleMe answers who the session belongs to.
func (s *Server) handleMe(_ context.Context, req *staffRequest) (any, *RequestError) {
	return req.actor, nil
}
