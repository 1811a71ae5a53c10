-- 0010: the engine's tamper-evident audit log (issue 9). One row per entry,
-- chained: hash = SHA-256(prev || the entry's canonical encoding), see
-- core/audit. seq runs from 1 with no gaps; the first entry's prev is 32
-- zero bytes. Rows are only ever appended: `enrolldesk audit verify` names
-- the first entry changed, deleted, inserted or moved.

CREATE TABLE engine_audit (
	seq          INTEGER PRIMARY KEY,
	prev         BLOB    NOT NULL, -- 32 bytes: the hash of entry seq-1
	hash         BLOB    NOT NULL, -- 32 bytes
	actor        TEXT    NOT NULL, -- staff:<id>, device:<id> or engine
	at           INTEGER NOT NULL, -- unix nanoseconds, the engine's clock
	action       TEXT    NOT NULL, -- ingest, state, lookup, search, open, device.add, …
	subject      TEXT    NOT NULL DEFAULT '', -- app:<id> child:<masked ID>, device:<id>, …
	before_state TEXT    NOT NULL DEFAULT '',
	after_state  TEXT    NOT NULL DEFAULT '',
	reason       TEXT    NOT NULL DEFAULT '',
	detail       TEXT    NOT NULL DEFAULT ''
);
