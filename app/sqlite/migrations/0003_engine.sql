-- 0003: the central engine's data (issue 4). A kiosk's file never fills
-- these tables and the engine's never fills the kiosk's; one numbering keeps
-- both schemas in one migration history. Times are unix seconds.

CREATE TABLE engine_devices (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL DEFAULT '',
	code_hash     TEXT NOT NULL UNIQUE,      -- SHA-256 of the one-time enrollment code
	code_expires  INTEGER NOT NULL,
	public_key    BLOB,                      -- Ed25519, NULL until registered
	created_at    INTEGER NOT NULL,
	registered_at INTEGER NOT NULL DEFAULT 0,
	revoked_at    INTEGER NOT NULL DEFAULT 0
);

-- Nonces seen, kept until the request's timestamp leaves the skew window.
CREATE TABLE engine_nonces (
	device_id TEXT NOT NULL,
	nonce     TEXT NOT NULL,
	expires   INTEGER NOT NULL,
	PRIMARY KEY (device_id, nonce)
) WITHOUT ROWID;
CREATE INDEX engine_nonces_expires ON engine_nonces (expires);

-- One row per application kept; (child_id, stage) is unique: a child is
-- kept once per stage however many kiosks send an application. reg_no is
-- not unique across kiosks (50 bits of the UUID), so it is only indexed.
CREATE TABLE engine_applications (
	id          TEXT PRIMARY KEY,
	reg_no      TEXT NOT NULL,
	stage       TEXT NOT NULL,
	child_id    TEXT NOT NULL,
	device_id   TEXT NOT NULL,
	state       TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	body        TEXT NOT NULL                -- the core.Application as JSON
);
CREATE UNIQUE INDEX engine_applications_child ON engine_applications (child_id, stage);
CREATE INDEX engine_applications_reg_no ON engine_applications (reg_no);

-- Second applications refused, for staff; app_id is unique so a retried
-- conflicting item is answered again without a second record.
CREATE TABLE engine_conflicts (
	app_id      TEXT PRIMARY KEY,
	reg_no      TEXT NOT NULL,
	device_id   TEXT NOT NULL,
	kept_id     TEXT NOT NULL,
	kept_reg_no TEXT NOT NULL,
	stage       TEXT NOT NULL,
	child       TEXT NOT NULL,               -- masked ID number
	reason      TEXT NOT NULL,
	at          INTEGER NOT NULL
);

-- Status changes each kiosk pulls, by a cursor on seq.
CREATE TABLE engine_changes (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	device_id TEXT NOT NULL,
	app_id    TEXT NOT NULL,
	reg_no    TEXT NOT NULL,
	state     TEXT NOT NULL,
	reason    TEXT NOT NULL DEFAULT '',
	at        INTEGER NOT NULL
);
CREATE INDEX engine_changes_device ON engine_changes (device_id, seq);
