-- 0011: the review desk (issue 9). engine_review is one small row per
-- application with what the queue filters and sorts on, rebuilt from
-- engine_applications for the applications triggers mark (so no writer of
-- applications has to know it), and the review desk's own columns
-- (assignee, evidence status, note line, duplicate mark). The queue pages by keyset over (rank, received_at, app_id):
-- rank 0 is needs_review, 1 every other state; with one review deadline
-- for all, due-date order is received order. Times are unix seconds.

CREATE TABLE engine_review (
	app_id      TEXT PRIMARY KEY,
	reg_no      TEXT NOT NULL,
	state       TEXT NOT NULL,
	rank        INTEGER NOT NULL,              -- 0 needs_review, 1 other
	received_at INTEGER NOT NULL,
	school      TEXT NOT NULL DEFAULT '',      -- first choice (else the zone's first school)
	category    TEXT NOT NULL DEFAULT '',      -- the engine's category name
	problems    TEXT NOT NULL DEFAULT '',      -- ",code,code," of the engine's decision
	sources     TEXT NOT NULL DEFAULT '',      -- ",source,…," the engine's evidence names
	child_id    TEXT NOT NULL,
	child_name  TEXT NOT NULL DEFAULT '',
	guardian_id TEXT NOT NULL DEFAULT '',      -- the applying guardian
	birth       TEXT NOT NULL DEFAULT '',      -- the child's birth date, YYYY-MM-DD
	assignee    TEXT NOT NULL DEFAULT '',      -- staff account ID
	evidence    TEXT NOT NULL DEFAULT 'pending', -- overall evidence status: pending, verified, doubtful
	note        TEXT NOT NULL DEFAULT '',      -- first line of the latest note
	dup_of      TEXT NOT NULL DEFAULT ''       -- marked a duplicate of this application
);
CREATE INDEX engine_review_queue ON engine_review (rank, received_at, app_id);
CREATE INDEX engine_review_school ON engine_review (school, rank, received_at, app_id);
CREATE INDEX engine_review_state ON engine_review (state, rank, received_at, app_id);
CREATE INDEX engine_review_assignee ON engine_review (assignee, rank, received_at, app_id);
CREATE INDEX engine_review_unassigned ON engine_review (received_at) WHERE state = 'needs_review' AND assignee = '';
-- Covers every filter column, so a total the kept counts cannot answer
-- (problem, assignee, evidence, overdue) scans this narrow index, not the rows.
CREATE INDEX engine_review_filters_cover ON engine_review (problems, evidence, assignee, school, state, category, received_at);
CREATE INDEX engine_review_child ON engine_review (child_id);
CREATE INDEX engine_review_family ON engine_review (guardian_id, birth);

-- Applications per school, state and category, kept by triggers, so the
-- queue's total for those filters is a sum of a few hundred rows rather
-- than a count of every application.
CREATE TABLE engine_review_counts (
	school   TEXT NOT NULL,
	state    TEXT NOT NULL,
	category TEXT NOT NULL,
	n        INTEGER NOT NULL,
	PRIMARY KEY (school, state, category)
) WITHOUT ROWID;

CREATE TRIGGER engine_review_count_insert AFTER INSERT ON engine_review BEGIN
	INSERT INTO engine_review_counts (school, state, category, n) VALUES (new.school, new.state, new.category, 1)
		ON CONFLICT (school, state, category) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER engine_review_count_delete AFTER DELETE ON engine_review BEGIN
	UPDATE engine_review_counts SET n = n - 1 WHERE school = old.school AND state = old.state AND category = old.category;
END;
CREATE TRIGGER engine_review_count_update AFTER UPDATE OF school, state, category ON engine_review BEGIN
	UPDATE engine_review_counts SET n = n - 1 WHERE school = old.school AND state = old.state AND category = old.category;
	INSERT INTO engine_review_counts (school, state, category, n) VALUES (new.school, new.state, new.category, 1)
		ON CONFLICT (school, state, category) DO UPDATE SET n = n + 1;
END;

-- Applications whose engine_review row is to be (re)built: the triggers
-- only mark them, so an ingest pays one small insert per application; the
-- review desk rebuilds the marked rows from engine_review_fresh in one
-- statement before it reads (EngineStore.SyncReview).
CREATE TABLE engine_review_dirty (
	app_id TEXT PRIMARY KEY
) WITHOUT ROWID;

-- What engine_review holds for each marked application, read from its body.
CREATE VIEW engine_review_fresh AS
SELECT j.id AS app_id, j.reg_no AS reg_no, j.state AS state, (j.state <> 'needs_review') AS rank, j.received_at AS received_at,
	coalesce(j.b ->> '$.choices[0].code', j.b ->> '$.decision.zone.schools[0].code', '') AS school,
	j.category AS category,
	coalesce((SELECT ',' || group_concat(value ->> '$.code', ',') || ',' FROM json_each(j.b, '$.decision.problems')), '') AS problems,
	coalesce((SELECT ',' || group_concat(DISTINCT value ->> '$.source') || ',' FROM json_each(j.b, '$.decision.evidence')), '') AS sources,
	j.child_id AS child_id,
	coalesce(j.b ->> '$.child.name', '') AS child_name,
	coalesce((SELECT value ->> '$.id' FROM json_each(j.b, '$.guardians') WHERE value ->> '$.applicant' LIMIT 1), '') AS guardian_id,
	coalesce(substr(j.b ->> '$.child.birth_date', 1, 10), '') AS birth
FROM (SELECT a.*, jsonb(a.body) AS b FROM engine_review_dirty AS d JOIN engine_applications AS a ON a.id = d.app_id) AS j;

CREATE TRIGGER engine_review_insert AFTER INSERT ON engine_applications BEGIN
	INSERT OR IGNORE INTO engine_review_dirty (app_id) VALUES (new.id);
END;

-- A resubmission replaces the row under a new ID: the reviewer's evidence
-- marks and the duplicate mark start again; notes and assignee stay.
CREATE TRIGGER engine_review_update AFTER UPDATE OF id, reg_no, state, body, category ON engine_applications BEGIN
	DELETE FROM engine_review_evidence WHERE app_id = old.id AND new.id <> old.id;
	UPDATE engine_review_notes SET app_id = new.id WHERE app_id = old.id AND new.id <> old.id;
	UPDATE engine_review SET app_id = new.id, evidence = 'pending', dup_of = '' WHERE app_id = old.id AND new.id <> old.id;
	INSERT OR IGNORE INTO engine_review_dirty (app_id) VALUES (new.id);
END;

CREATE TRIGGER engine_review_delete AFTER DELETE ON engine_applications BEGIN
	DELETE FROM engine_review WHERE app_id = old.id;
	DELETE FROM engine_review_evidence WHERE app_id = old.id;
END;

-- A reviewer's status of one evidence source of one application (none: pending).
CREATE TABLE engine_review_evidence (
	app_id TEXT NOT NULL,
	source TEXT NOT NULL,
	status TEXT NOT NULL,
	by     TEXT NOT NULL,
	at     INTEGER NOT NULL,
	PRIMARY KEY (app_id, source)
) WITHOUT ROWID;

-- Internal notes; only the author edits one.
CREATE TABLE engine_review_notes (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	app_id      TEXT NOT NULL,
	author      TEXT NOT NULL,
	author_name TEXT NOT NULL DEFAULT '',
	text        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	edited      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX engine_review_notes_app ON engine_review_notes (app_id, id);

-- Saved queue filters, per staff account.
CREATE TABLE engine_review_filters (
	owner  TEXT NOT NULL,
	name   TEXT NOT NULL,
	filter TEXT NOT NULL,                      -- engineapi.QueueFilter as JSON
	saved  INTEGER NOT NULL,
	PRIMARY KEY (owner, name)
) WITHOUT ROWID;

-- The reason library: every version kept; frozen once sent to a family.
CREATE TABLE engine_review_reasons (
	id      TEXT NOT NULL,
	version INTEGER NOT NULL,
	kind    TEXT NOT NULL,                     -- return, reject
	title   TEXT NOT NULL,
	text    TEXT NOT NULL,
	by      TEXT NOT NULL,
	at      INTEGER NOT NULL,
	frozen  INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (id, version)
) WITHOUT ROWID;

-- Reviewers automatic assignment draws on (beside staff_users, when the
-- accounts table exists), and the last one given an application per school.
CREATE TABLE engine_review_roster (
	id     TEXT PRIMARY KEY,
	name   TEXT NOT NULL DEFAULT '',
	role   TEXT NOT NULL,
	school TEXT NOT NULL DEFAULT ''
);
CREATE TABLE engine_review_rr (
	school TEXT PRIMARY KEY,
	last   TEXT NOT NULL
);
-- Every assignment, automatic or by hand.
CREATE TABLE engine_review_assignments (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	app_id   TEXT NOT NULL,
	assignee TEXT NOT NULL,
	previous TEXT NOT NULL,
	by       TEXT NOT NULL,
	at       INTEGER NOT NULL
);
CREATE INDEX engine_review_assignments_app ON engine_review_assignments (app_id, seq);

-- Resolved duplicate sets: valid while the set's members are these.
CREATE TABLE engine_review_dups (
	set_id   TEXT PRIMARY KEY,
	members  TEXT NOT NULL,                    -- sorted application IDs, comma-separated
	keep     TEXT NOT NULL DEFAULT '',
	distinct_children INTEGER NOT NULL DEFAULT 0,
	by       TEXT NOT NULL,
	at       INTEGER NOT NULL
);

-- Pushed items the engine refused without storing (choices_outside_zone …).
CREATE TABLE engine_refused (
	app_id    TEXT PRIMARY KEY,
	reg_no    TEXT NOT NULL,
	device_id TEXT NOT NULL,
	stage     TEXT NOT NULL,
	child     TEXT NOT NULL,                   -- masked ID number
	school    TEXT NOT NULL DEFAULT '',        -- the family's first choice
	code      TEXT NOT NULL DEFAULT '',
	reason    TEXT NOT NULL,
	at        INTEGER NOT NULL
);
CREATE INDEX engine_refused_at ON engine_refused (at);

INSERT INTO engine_review_dirty (app_id) SELECT id FROM engine_applications;

INSERT INTO engine_review_reasons (id, version, kind, title, text, by, at) VALUES
	('R-PROPERTY', 1, 'return', '补充房产证明', '报名{reg_no}：请在{deadline}前携带房产证或不动产权证书原件到{counter}补充材料。', 'engine', 0),
	('R-LEASE', 1, 'return', '补充租赁备案', '报名{reg_no}：请在{deadline}前携带租赁备案证明到{counter}补充材料。', 'engine', 0),
	('R-INSURANCE', 1, 'return', '补充社保缴费证明', '报名{reg_no}：请在{deadline}前携带社保缴费证明到{counter}补充材料。咨询{hotline}。', 'engine', 0),
	('R-GUARDIAN', 1, 'return', '补充监护关系证明', '报名{reg_no}：请在{deadline}前携带出生医学证明或户口簿到{counter}核对监护关系。', 'engine', 0),
	('J-ZONE', 1, 'reject', '不在学区', '报名{reg_no}：经核验，住址不在{school}招生范围内，不予通过。如有疑问请拨打{hotline}。', 'engine', 0),
	('J-DUPLICATE', 1, 'reject', '重复报名', '报名{reg_no}：孩子已有另一份报名，本份不予通过。如有疑问请拨打{hotline}。', 'engine', 0),
	('J-OTHER', 1, 'reject', '其他原因', '报名{reg_no}：经审核不予通过：{detail}。如有疑问请拨打{hotline}。', 'engine', 0);
