-- 0002: a kiosk's own data. An application and its outbox row are written
-- in one transaction before the receipt prints; the sync worker (engine
-- issue) drains the outbox. body holds the whole core.Application as JSON:
-- full ID numbers stay on this machine's disk and travel only to the engine.

CREATE TABLE applications (
	id          TEXT PRIMARY KEY,          -- UUID, the idempotency key
	reg_no      TEXT NOT NULL UNIQUE,
	stage       TEXT NOT NULL,
	state       TEXT NOT NULL,
	child_id    TEXT NOT NULL,
	kiosk_id    TEXT NOT NULL,
	created_at  INTEGER NOT NULL,          -- unix seconds
	body        TEXT NOT NULL
);
CREATE INDEX applications_child ON applications (child_id, stage);

CREATE TABLE outbox (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	app_id       TEXT NOT NULL UNIQUE REFERENCES applications (id),
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL DEFAULT 0,  -- unix seconds
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL
);
