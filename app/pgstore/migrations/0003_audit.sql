-- 0003: the engine's tamper-evident audit log (issue 9), as SQLite's 0010:
-- one row per entry, chained (hash = SHA-256(prev || entry), core/audit);
-- seq runs from 1 with no gaps; the first entry's prev is 32 zero bytes.
-- The chain's head is one row that every appending transaction locks
-- (SELECT … FOR UPDATE) before it chains its entries, so engine processes
-- sharing the database append one after another, never from the same
-- head; the lock is taken last in each transaction and held only to its
-- commit.

CREATE TABLE engine_audit (
	seq          bigint PRIMARY KEY,
	prev         bytea  NOT NULL,
	hash         bytea  NOT NULL,
	actor        text   NOT NULL,
	at           bigint NOT NULL, -- unix nanoseconds, the engine's clock
	action       text   NOT NULL,
	subject      text   NOT NULL DEFAULT '',
	before_state text   NOT NULL DEFAULT '',
	after_state  text   NOT NULL DEFAULT '',
	reason       text   NOT NULL DEFAULT '',
	detail       text   NOT NULL DEFAULT ''
);

CREATE TABLE engine_audit_head (
	id   integer PRIMARY KEY CHECK (id = 1),
	seq  bigint NOT NULL,
	hash bytea  NOT NULL
);
INSERT INTO engine_audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
