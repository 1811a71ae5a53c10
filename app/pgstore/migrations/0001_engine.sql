-- 0001: the central engine's data on PostgreSQL, the same tables as the
-- SQLite engine's (migrations 0003 and 0007 there). Times are unix
-- seconds. Every rule that must hold across engine processes is a
-- constraint here: one row per application ID, one application per
-- child, stage and entry year, one record per refused application, one
-- use per nonce.

CREATE TABLE engine_devices (
	id            text PRIMARY KEY,
	name          text NOT NULL DEFAULT '',
	code_hash     text NOT NULL UNIQUE,      -- SHA-256 of the one-time enrollment code
	code_expires  bigint NOT NULL,
	public_key    bytea,                     -- Ed25519, NULL until registered
	created_at    bigint NOT NULL,
	registered_at bigint NOT NULL DEFAULT 0,
	revoked_at    bigint NOT NULL DEFAULT 0
);

-- Nonces seen, kept until the request's timestamp leaves the skew window.
CREATE TABLE engine_nonces (
	device_id text NOT NULL,
	nonce     text NOT NULL,
	expires   bigint NOT NULL,
	PRIMARY KEY (device_id, nonce)
);
CREATE INDEX engine_nonces_expires ON engine_nonces (expires);

CREATE TABLE engine_applications (
	id             text PRIMARY KEY,
	reg_no         text NOT NULL,
	stage          text NOT NULL,
	child_id       text NOT NULL,
	device_id      text NOT NULL,
	state          text NOT NULL,
	received_at    bigint NOT NULL,
	body           text NOT NULL,            -- the engine's core.Application as JSON
	year           integer NOT NULL,
	category       text NOT NULL DEFAULT '', -- the engine's category name
	kiosk_category text NOT NULL DEFAULT '', -- the kiosk's, as claimed
	kiosk_pending  boolean NOT NULL DEFAULT false,
	claim          text NOT NULL DEFAULT ''  -- the pushed core.Application as JSON
);
CREATE UNIQUE INDEX engine_applications_child_year ON engine_applications (child_id, stage, year);
CREATE INDEX engine_applications_reg_no ON engine_applications (reg_no);
CREATE INDEX engine_applications_state ON engine_applications (state);
CREATE INDEX engine_applications_received ON engine_applications (received_at, id);

-- Second applications refused, for staff; app_id is unique so a retried
-- conflicting item is answered again without a second record.
CREATE TABLE engine_conflicts (
	app_id      text PRIMARY KEY,
	reg_no      text NOT NULL,
	device_id   text NOT NULL,
	kept_id     text NOT NULL,
	kept_reg_no text NOT NULL,
	stage       text NOT NULL,
	child       text NOT NULL,               -- masked ID number
	reason      text NOT NULL,
	at          bigint NOT NULL
);

-- Applications replaced by a resubmission: app_id no longer has a row.
CREATE TABLE engine_replaced (
	app_id text PRIMARY KEY,
	by_id  text NOT NULL,
	at     bigint NOT NULL
);

-- Status changes each kiosk pulls, by a cursor on seq. A change is
-- appended holding its device's advisory lock until commit, so one
-- device's changes commit in seq order and a cursor never skips one.
CREATE TABLE engine_changes (
	seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	device_id text NOT NULL,
	app_id    text NOT NULL,
	reg_no    text NOT NULL,
	state     text NOT NULL,
	reason    text NOT NULL DEFAULT '',
	at        bigint NOT NULL
);
CREATE INDEX engine_changes_device ON engine_changes (device_id, seq);
