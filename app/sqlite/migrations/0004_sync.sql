-- 0004: the kiosk side of sync. The worker claims due outbox rows in seq
-- order and marks each one only on the engine's answer for it: accepted,
-- duplicate and conflict delete the outbox row and note the outcome on the
-- application; rejected (or a poison item) moves it to dead_letters, which
-- staff see. sync_device is one row: who this kiosk is to the engine, the
-- pull cursor and the last successful sync.

ALTER TABLE applications ADD COLUMN sync_outcome  TEXT    NOT NULL DEFAULT ''; -- accepted | duplicate | conflict | rejected; '' while queued
ALTER TABLE applications ADD COLUMN sync_reason   TEXT    NOT NULL DEFAULT ''; -- the engine's words for a conflict or a rejection
ALTER TABLE applications ADD COLUMN status_reason TEXT    NOT NULL DEFAULT ''; -- reason given with the last pulled state
ALTER TABLE applications ADD COLUMN synced_at     INTEGER NOT NULL DEFAULT 0;  -- unix seconds of the engine's answer

CREATE INDEX outbox_due ON outbox (next_attempt);

CREATE TABLE dead_letters (
	app_id    TEXT PRIMARY KEY REFERENCES applications (id),
	attempts  INTEGER NOT NULL,
	reason    TEXT    NOT NULL,
	queued_at INTEGER NOT NULL, -- unix seconds the outbox row was written
	dead_at   INTEGER NOT NULL
);

CREATE TABLE sync_device (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	device_id     TEXT    NOT NULL DEFAULT '',
	engine_url    TEXT    NOT NULL DEFAULT '',
	registered_at INTEGER NOT NULL DEFAULT 0,
	pull_cursor   INTEGER NOT NULL DEFAULT 0,
	last_sync     INTEGER NOT NULL DEFAULT 0 -- unix milliseconds of the last answered request
);
INSERT INTO sync_device (id) VALUES (1);
