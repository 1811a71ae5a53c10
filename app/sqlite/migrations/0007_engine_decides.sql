-- 0007: the engine decides (issue 8). Each application keeps, beside the
-- engine's record (body), the kiosk's claim: the application exactly as
-- the kiosk pushed it, with the decision it showed and the history it
-- wrote. The engine keeps one application per child, stage and entry
-- year; a returned application resubmitted replaces the row, and its old
-- ID is remembered so a late retry of it is a duplicate.

ALTER TABLE engine_applications ADD COLUMN year           INTEGER NOT NULL DEFAULT 0;
ALTER TABLE engine_applications ADD COLUMN category       TEXT    NOT NULL DEFAULT ''; -- the engine's category name
ALTER TABLE engine_applications ADD COLUMN kiosk_category TEXT    NOT NULL DEFAULT ''; -- the kiosk's, as claimed
ALTER TABLE engine_applications ADD COLUMN kiosk_pending  INTEGER NOT NULL DEFAULT 0;  -- taken 待核验, no claim
ALTER TABLE engine_applications ADD COLUMN claim          TEXT    NOT NULL DEFAULT ''; -- the pushed core.Application as JSON

DROP INDEX engine_applications_child;
CREATE UNIQUE INDEX engine_applications_child_year ON engine_applications (child_id, stage, year);
CREATE INDEX engine_applications_state ON engine_applications (state);

-- Applications replaced by a resubmission: app_id no longer has a row.
CREATE TABLE engine_replaced (
	app_id TEXT PRIMARY KEY,
	by_id  TEXT NOT NULL,
	at     INTEGER NOT NULL
);
