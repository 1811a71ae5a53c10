package engineapi

import (
	"context"
	"time"
)

// Staff account rules: MaxFailedLogins wrong passwords in a row lock an
// account for LockoutFor; a session ends after SessionIdle without a
// request; a password has at least MinPasswordLen characters.
const (
	MaxFailedLogins = 5
	LockoutFor      = 15 * time.Minute
	SessionIdle     = 30 * time.Minute
	MinPasswordLen  = 8
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
