-- 0004: the audit chain off the commit path (issue 10). A state-changing
-- transaction inserts its audit events, masked but not chained, into this
-- journal in the same transaction as the change: a bigserial id and no row
-- lock, so commits of different engine processes no longer wait for each
-- other. A chainer (any engine process, one at a time under an advisory
-- lock) later moves committed journal rows into engine_audit, chaining them
-- after engine_audit_head (core/audit), and deletes them from the journal in
-- the same transaction.
--
-- Ids become visible out of order (a transaction that drew a lower id may
-- commit after one that drew a higher id). The chainer keeps no "chained up
-- to id N" mark that such a row could fall behind: it takes every row it
-- can see (committed), in id order, and deletes what it chained, so a row
-- committed late is simply taken by a later round — once.

CREATE TABLE engine_audit_journal (
	id           bigserial PRIMARY KEY,
	actor        text   NOT NULL,
	at           bigint NOT NULL, -- unix nanoseconds, the engine's clock
	action       text   NOT NULL,
	subject      text   NOT NULL DEFAULT '',
	before_state text   NOT NULL DEFAULT '',
	after_state  text   NOT NULL DEFAULT '',
	reason       text   NOT NULL DEFAULT '',
	detail       text   NOT NULL DEFAULT ''
);
