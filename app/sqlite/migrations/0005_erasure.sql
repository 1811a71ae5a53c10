-- 0005: personal data leaves the kiosk once the engine has it (issue 7).
-- After a grace period an application the engine acknowledged keeps its
-- registration number, state and times, body_hash (SHA-256 of its body as
-- submitted, so a dispute can be checked against the engine's copy), and
-- its child only as a keyed hash (child_id = 'erased:' || HMAC-SHA-256 under
-- kiosk_secret.child_key), so that a second application for the same child
-- is still recognised here; body loses names, ID numbers, phone and
-- address. erased_at is when (unix seconds; 0: not erased). The kiosk
-- store runs with secure_delete on and truncates its WAL after erasing, so
-- the old bytes do not linger in free pages or the log.

ALTER TABLE applications ADD COLUMN body_hash TEXT    NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN erased_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX applications_erasable ON applications (erased_at, synced_at);

CREATE TABLE kiosk_secret (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	child_key BLOB    NOT NULL
);
INSERT INTO kiosk_secret (id, child_key) VALUES (1, randomblob(32));
