package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"enrolldesk/core"
	"enrolldesk/core/engineapi"
)

// Staff accounts and sessions (migration 0009).

var _ engineapi.AccountStore = (*EngineStore)(nil)

const userCols = `id, name, role, school, created_at, failures, locked_until`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (engineapi.User, error) {
	var u engineapi.User
	var role string
	var created, locked int64
	err := row.Scan(append([]any{&u.ID, &u.Name, &role, &u.School, &created, &u.Failures, &locked}, extra...)...)
	u.Role, u.CreatedAt = engineapi.Role(role), time.Unix(created, 0)
	if locked != 0 {
		u.LockedUntil = time.Unix(locked, 0)
	}
	return u, err
}

// AddUser implements engineapi.AccountStore.
func (s *EngineStore) AddUser(ctx context.Context, u engineapi.User, passwordHash string) (engineapi.User, error) {
	u.Name, u.School = strings.TrimSpace(u.Name), strings.TrimSpace(u.School)
	if err := u.Check(); err != nil {
		return engineapi.User{}, err
	}
	if passwordHash == "" {
		return engineapi.User{}, fmt.Errorf("add user: no password hash")
	}
	if u.ID == "" {
		u.ID = engineapi.NewUserID()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	u.CreatedAt = u.CreatedAt.Truncate(time.Second)
	u.Failures, u.LockedUntil = 0, time.Time{}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var taken string
		err := tx.QueryRowContext(ctx, `SELECT name FROM staff_users WHERE name = `+arg+` COLLATE NOCASE`, u.Name).Scan(&taken)
		switch {
		case err == nil:
			return core.Errorf(core.ECONFLICT, "已经有名为“%s”的账号：请换一个账号名（例如加上工号）。", taken)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO staff_users (id, name, role, school, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, u.ID, u.Name, string(u.Role), u.School, passwordHash, u.CreatedAt.Unix())
		return err
	})
	if err != nil {
		if core.ErrorCode(err) == core.ECONFLICT {
			return engineapi.User{}, err
		}
		return engineapi.User{}, fmt.Errorf("add user: %w", err)
	}
	return u, nil
}

// UserByName implements engineapi.AccountStore.
func (s *EngineStore) UserByName(ctx context.Context, name string) (engineapi.User, string, error) {
	var hash string
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM staff_users
		WHERE name = `+arg+` COLLATE NOCASE`, strings.TrimSpace(name)), &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return engineapi.User{}, "", core.Errorf(core.ENOTFOUND, "没有名为“%s”的账号。", strings.TrimSpace(name))
	case err != nil:
		return engineapi.User{}, "", fmt.Errorf("user by name: %w", err)
	}
	return u, hash, nil
}

// Users implements engineapi.AccountStore.
func (s *EngineStore) Users(ctx context.Context) ([]engineapi.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM staff_users ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var out []engineapi.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return out, nil
}

// LoginFailed implements engineapi.AccountStore. A lock that has passed
// gives five new tries; a failure while locked is not counted.
func (s *EngineStore) LoginFailed(ctx context.Context, userID string, now time.Time) (engineapi.User, error) {
	var u engineapi.User
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM staff_users WHERE id = `+arg, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return core.Errorf(core.ENOTFOUND, "no staff account %s", userID)
		}
		if err != nil || u.Locked(now) {
			return err
		}
		if !u.LockedUntil.IsZero() {
			u.Failures, u.LockedUntil = 0, time.Time{}
		}
		u.Failures++
		locked := int64(0)
		if u.Failures >= engineapi.MaxFailedLogins {
			u.LockedUntil = now.Add(engineapi.LockoutFor).Truncate(time.Second)
			locked = u.LockedUntil.Unix()
		}
		_, err = tx.ExecContext(ctx, `UPDATE staff_users SET failures = ?, locked_until = ? WHERE id = ?`, u.Failures, locked, userID)
		return err
	})
	if err != nil {
		return engineapi.User{}, fmt.Errorf("login failed: %w", err)
	}
	return u, nil
}

// LoginSucceeded implements engineapi.AccountStore.
func (s *EngineStore) LoginSucceeded(ctx context.Context, userID string, now time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE staff_users SET failures = 0, locked_until = 0
			WHERE id = ? AND (failures != 0 OR locked_until != 0)`, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("login succeeded: %w", err)
	}
	return nil
}

// Unlock implements engineapi.AccountStore.
func (s *EngineStore) Unlock(ctx context.Context, name string) error {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE staff_users SET failures = 0, locked_until = 0
			WHERE name = `+arg+` COLLATE NOCASE`, strings.TrimSpace(name))
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	if n == 0 {
		return core.Errorf(core.ENOTFOUND, "没有名为“%s”的账号：用 enrolldesk staff user list 查看全部账号。", strings.TrimSpace(name))
	}
	return nil
}

// CreateSession implements engineapi.AccountStore. It also drops the
// sessions that have ended, so the table holds only live ones.
func (s *EngineStore) CreateSession(ctx context.Context, tokenHash []byte, userID string, now time.Time, idleTTL time.Duration) error {
	if len(tokenHash) == 0 || idleTTL <= 0 {
		return fmt.Errorf("create session: needs a token hash and an idle TTL")
	}
	idle := int64(idleTTL / time.Second)
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE expires_at <= ?`, now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO staff_sessions (token_hash, user_id, created_at, idle_seconds, expires_at)
			VALUES (?, ?, ?, ?, ?)`, tokenHash, userID, now.Unix(), idle, now.Unix()+idle)
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// sessionSlack is how far a session's end may lag behind the last request
// before Session writes it forward: a desk busy with requests writes once
// every so often, not on every one.
const sessionSlack = 15 * time.Second

// Session implements engineapi.AccountStore.
func (s *EngineStore) Session(ctx context.Context, tokenHash []byte, now time.Time) (engineapi.Actor, error) {
	var idle, expires int64
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT u.id, u.name, u.role, u.school, u.created_at, u.failures, u.locked_until,
		s.idle_seconds, s.expires_at FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id
		WHERE s.token_hash = ?`, tokenHash), &idle, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return engineapi.Actor{}, core.Errorf(core.ENOTFOUND, "no such session")
	case err != nil:
		return engineapi.Actor{}, fmt.Errorf("session: %w", err)
	case now.Unix() >= expires:
		return engineapi.Actor{}, core.Errorf(core.ENOTFOUND, "the session ended")
	}
	if next := now.Unix() + idle; next-expires >= int64(sessionSlack/time.Second) {
		err := s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE staff_sessions SET expires_at = ? WHERE token_hash = ? AND expires_at < ?`,
				next, tokenHash, next)
			return err
		})
		if err != nil {
			return engineapi.Actor{}, fmt.Errorf("session: %w", err)
		}
	}
	return u.Actor(), nil
}

// EndSession implements engineapi.AccountStore.
func (s *EngineStore) EndSession(ctx context.Context, tokenHash []byte) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
