-- 0009: staff accounts and their sessions (issue 9). A password is kept as
-- its argon2id hash, a session token as its SHA-256, never either itself.
-- Failures, locks and sessions live here so that they outlive a restart.
-- Times are unix seconds.

CREATE TABLE staff_users (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
	role          TEXT NOT NULL,
	school        TEXT NOT NULL DEFAULT '',  -- a school admin's school code
	password_hash TEXT NOT NULL,             -- $argon2id$… (PHC string)
	created_at    INTEGER NOT NULL,
	failures      INTEGER NOT NULL DEFAULT 0, -- wrong passwords in a row
	locked_until  INTEGER NOT NULL DEFAULT 0  -- 0: not locked
);

CREATE TABLE staff_sessions (
	token_hash   BLOB PRIMARY KEY,           -- SHA-256 of the bearer token
	user_id      TEXT NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
	created_at   INTEGER NOT NULL,
	idle_seconds INTEGER NOT NULL,           -- the session ends this long after its last request
	expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
