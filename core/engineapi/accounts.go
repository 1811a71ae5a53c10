package engineapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"enrolldesk/core"
)

// Staff account rules: MaxFailedLogins wrong passwords in a row lock an
// account for LockoutFor; a session ends after SessionIdle without a
// request; a password has at least MinPasswordLen characters.
const (
	MaxFailedLogins = 5
	LockoutFor      = 15 * time.Minute
	SessionIdle     = 30 * time.Minute
	MinPasswordLen  = 8
	MaxPasswordLen  = 256
	MaxUserNameLen  = 64
)

// User is a staff account as the engine keeps it. The password hash is
// kept beside it, never in it.
type User struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"` // unique; what the person types to sign in
	Role        Role      `json:"role"`
	School      string    `json:"school,omitempty"` // a school admin's school code; empty for other roles
	CreatedAt   time.Time `json:"created_at"`
	Failures    int       `json:"failures"`               // wrong passwords since the last sign-in
	LockedUntil time.Time `json:"locked_until,omitempty"` // zero or past: not locked
}

// Actor is the user as the one acting.
func (u User) Actor() Actor { return Actor{ID: u.ID, Name: u.Name, Role: u.Role, School: u.School} }

// Locked reports whether the account is locked at now.
func (u User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// AccountStore keeps staff accounts and their sessions. Everything it
// holds outlives an engine restart: a lock, a session, a failure count.
// Session tokens are never stored, only their SHA-256 (tokenHash).
type AccountStore interface {
	// AddUser stores a new account with the given password hash and
	// returns it with its ID and CreatedAt filled. A taken name is a
	// core.ECONFLICT error with a message fit to show.
	AddUser(ctx context.Context, u User, passwordHash string) (User, error)
	// UserByName returns the account and its password hash, or a
	// core.ENOTFOUND error.
	UserByName(ctx context.Context, name string) (User, string, error)
	// Users lists every account by name.
	Users(ctx context.Context) ([]User, error)
	// LoginFailed counts a wrong password at now; the MaxFailedLogins-th
	// in a row locks the account until now+LockoutFor. It returns the
	// account as it is afterwards.
	LoginFailed(ctx context.Context, userID string, now time.Time) (User, error)
	// LoginSucceeded resets the failure count.
	LoginSucceeded(ctx context.Context, userID string, now time.Time) error
	// Unlock clears a lock and the failure count of the named account
	// (core.ENOTFOUND when there is none).
	Unlock(ctx context.Context, name string) error

	// CreateSession starts a session of userID that ends when idle for
	// idleTTL after now.
	CreateSession(ctx context.Context, tokenHash []byte, userID string, now time.Time, idleTTL time.Duration) error
	// Session returns the session's actor and moves its end to now plus
	// its idle TTL; an unknown or ended session is a core.ENOTFOUND error.
	Session(ctx context.Context, tokenHash []byte, now time.Time) (Actor, error)
	// EndSession ends a session (no error when there is none).
	EndSession(ctx context.Context, tokenHash []byte) error
}

// roleWords names each role in plain words, for messages.
var roleWords = map[Role]string{
	RoleHall:        "hall（大厅工作人员）",
	RoleReviewer:    "reviewer（审核员）",
	RoleSchoolAdmin: "school_admin（学校管理员，只管一所学校）",
	RoleBureauAdmin: "bureau_admin（教育局管理员）",
}

// Check refuses an account that cannot be stored: no name, an unknown
// role, a school admin without a school or another role with one. The
// core.EINVALID message says what to change.
func (u User) Check() error {
	name := strings.TrimSpace(u.Name)
	switch {
	case name == "":
		return core.Errorf(core.EINVALID, "账号名不能为空：请给出 --name 姓名或工号。")
	case utf8.RuneCountInString(name) > MaxUserNameLen:
		return core.Errorf(core.EINVALID, "账号名太长：最多%d个字符。", MaxUserNameLen)
	case !u.Role.Valid():
		words := make([]string, 0, len(Roles))
		for _, r := range Roles {
			words = append(words, roleWords[r])
		}
		return core.Errorf(core.EINVALID, "没有“%s”这个角色：可选 %s。", u.Role, strings.Join(words, "、"))
	case u.Role == RoleSchoolAdmin && strings.TrimSpace(u.School) == "":
		return core.Errorf(core.EINVALID, "学校管理员只管一所学校：请用 --school 给出学校代码。")
	case u.Role != RoleSchoolAdmin && u.School != "":
		return core.Errorf(core.EINVALID, "只有学校管理员（school_admin）属于某一所学校：%s 不要填 --school。", roleWords[u.Role])
	}
	return nil
}

// CheckPassword refuses a password too short (or absurdly long) to keep.
func CheckPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return core.Errorf(core.EINVALID, "密码太短：至少%d个字符，请换一个更长的密码（可以用一句好记的话）。", MinPasswordLen)
	case n > MaxPasswordLen:
		return core.Errorf(core.EINVALID, "密码太长：最多%d个字符。", MaxPasswordLen)
	}
	return nil
}

// NewUserID returns a random staff account ID.
func NewUserID() string { return "SU-" + randomBase32(10) }

// NewSessionToken returns a random session token (256 bits, base64url)
// and the SHA-256 the store keeps in its place.
func NewSessionToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("engineapi: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashSessionToken(token)
}

// HashSessionToken is the SHA-256 of a session token, as stored.
func HashSessionToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
