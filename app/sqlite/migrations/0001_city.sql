-- 0001: the department sources of one city (the demo city, or a kiosk's
-- local copy). Every person-keyed table has an index on the resident ID, every
-- home-keyed table on the structured key; addresses are columns so that a
-- look-up reads no JSON. Dates are unix seconds (UTC).

-- Indexes a bulk load dropped and will recreate at Flush; Open recreates any
-- left behind by a load that never finished.
CREATE TABLE bulk_deferred_indexes (
	name TEXT PRIMARY KEY,
	sql  TEXT NOT NULL
);

CREATE TABLE households (
	id           INTEGER PRIMARY KEY,
	number       TEXT NOT NULL,
	kind         TEXT NOT NULL,
	county       TEXT NOT NULL,
	street       TEXT NOT NULL,
	compound     TEXT NOT NULL,
	compound_key TEXT NOT NULL,
	building     INTEGER NOT NULL,
	unit         INTEGER NOT NULL,
	room         TEXT NOT NULL,
	authority    TEXT NOT NULL
);
CREATE INDEX households_number ON households (number);

CREATE TABLE household_members (
	household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
	seq          INTEGER NOT NULL,
	resident_id  TEXT NOT NULL,
	name         TEXT NOT NULL,
	relation     TEXT NOT NULL,
	moved_in     INTEGER NOT NULL,
	PRIMARY KEY (household_id, seq)
) WITHOUT ROWID;
CREATE INDEX household_members_resident ON household_members (resident_id, household_id);

CREATE TABLE properties (
	id           INTEGER PRIMARY KEY,
	cert_no      TEXT NOT NULL,
	usage        TEXT NOT NULL,
	county       TEXT NOT NULL,
	street       TEXT NOT NULL,
	compound     TEXT NOT NULL,
	compound_key TEXT NOT NULL,
	building     INTEGER NOT NULL,
	unit         INTEGER NOT NULL,
	room         TEXT NOT NULL,
	registered   INTEGER NOT NULL
);

CREATE TABLE property_owners (
	property_id INTEGER NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	resident_id TEXT NOT NULL,
	name        TEXT NOT NULL,
	share       REAL NOT NULL,
	PRIMARY KEY (property_id, seq)
) WITHOUT ROWID;
CREATE INDEX property_owners_resident ON property_owners (resident_id, property_id);

CREATE TABLE contracts (
	id           INTEGER PRIMARY KEY,
	contract_no  TEXT NOT NULL,
	usage        TEXT NOT NULL,
	county       TEXT NOT NULL,
	street       TEXT NOT NULL,
	compound     TEXT NOT NULL,
	compound_key TEXT NOT NULL,
	building     INTEGER NOT NULL,
	unit         INTEGER NOT NULL,
	room         TEXT NOT NULL,
	signed       INTEGER NOT NULL
);

CREATE TABLE contract_buyers (
	contract_id INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	resident_id TEXT NOT NULL,
	name        TEXT NOT NULL,
	share       REAL NOT NULL,
	PRIMARY KEY (contract_id, seq)
) WITHOUT ROWID;
CREATE INDEX contract_buyers_resident ON contract_buyers (resident_id, contract_id);

CREATE TABLE rentals (
	id           INTEGER PRIMARY KEY,
	filing_no    TEXT NOT NULL,
	tenant       TEXT NOT NULL,
	county       TEXT NOT NULL,
	street       TEXT NOT NULL,
	compound     TEXT NOT NULL,
	compound_key TEXT NOT NULL,
	building     INTEGER NOT NULL,
	unit         INTEGER NOT NULL,
	room         TEXT NOT NULL,
	valid_from   INTEGER NOT NULL,
	valid_to     INTEGER NOT NULL
);
CREATE INDEX rentals_tenant ON rentals (tenant);

CREATE TABLE insurance (
	id         INTEGER PRIMARY KEY,
	person     TEXT NOT NULL,
	employer   TEXT NOT NULL,
	kind       TEXT NOT NULL,
	from_month INTEGER NOT NULL,
	to_month   INTEGER NOT NULL
);
CREATE INDEX insurance_person ON insurance (person);

CREATE TABLE businesses (
	id           INTEGER PRIMARY KEY,
	reg_no       TEXT NOT NULL,
	name         TEXT NOT NULL,
	operator     TEXT NOT NULL,
	county       TEXT NOT NULL,
	street       TEXT NOT NULL,
	compound     TEXT NOT NULL,
	compound_key TEXT NOT NULL,
	building     INTEGER NOT NULL,
	unit         INTEGER NOT NULL,
	room         TEXT NOT NULL,
	registered   INTEGER NOT NULL,
	active       INTEGER NOT NULL
);
CREATE INDEX businesses_operator ON businesses (operator);

CREATE TABLE enterprise_roles (
	id          INTEGER PRIMARY KEY,
	credit_code TEXT NOT NULL,
	company     TEXT NOT NULL,
	person      TEXT NOT NULL,
	role        TEXT NOT NULL,
	since       INTEGER NOT NULL
);
CREATE INDEX enterprise_roles_person ON enterprise_roles (person);

CREATE TABLE residence_permits (
	id           INTEGER PRIMARY KEY,
	permit_no    TEXT NOT NULL,
	holder       TEXT NOT NULL,
	county       TEXT NOT NULL,
	street       TEXT NOT NULL,
	compound     TEXT NOT NULL,
	compound_key TEXT NOT NULL,
	building     INTEGER NOT NULL,
	unit         INTEGER NOT NULL,
	room         TEXT NOT NULL,
	issued       INTEGER NOT NULL,
	expires      INTEGER NOT NULL
);
CREATE INDEX residence_permits_holder ON residence_permits (holder);

CREATE TABLE births (
	id          INTEGER PRIMARY KEY,
	cert_no     TEXT NOT NULL,
	child       TEXT NOT NULL,
	mother_id   TEXT NOT NULL,
	mother_name TEXT NOT NULL,
	father_id   TEXT NOT NULL,
	father_name TEXT NOT NULL
);
CREATE INDEX births_child ON births (child, id);

CREATE TABLE students (
	id         INTEGER PRIMARY KEY,
	student_no TEXT NOT NULL,
	child      TEXT NOT NULL,
	school     TEXT NOT NULL,
	grade      INTEGER NOT NULL,
	graduating INTEGER NOT NULL
);
CREATE INDEX students_child ON students (child, id);

CREATE TABLE seat_uses (
	id       INTEGER PRIMARY KEY,
	home_key TEXT NOT NULL,
	child    TEXT NOT NULL,
	year     INTEGER NOT NULL,
	stage    TEXT NOT NULL
);
CREATE INDEX seat_uses_home ON seat_uses (home_key);

CREATE TABLE schools (
	code     TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	stage    TEXT NOT NULL,
	county   TEXT NOT NULL,
	capacity INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE zones (
	code  TEXT PRIMARY KEY,
	name  TEXT NOT NULL,
	stage TEXT NOT NULL
) WITHOUT ROWID;

-- A zone's schools as the zone named them; reads prefer the schools table.
CREATE TABLE zone_schools (
	zone_code   TEXT NOT NULL REFERENCES zones (code) ON DELETE CASCADE,
	school_code TEXT NOT NULL,
	name        TEXT NOT NULL,
	stage       TEXT NOT NULL,
	county      TEXT NOT NULL,
	capacity    INTEGER NOT NULL,
	PRIMARY KEY (zone_code, school_code)
) WITHOUT ROWID;

CREATE TABLE zone_rules (
	id            INTEGER PRIMARY KEY,
	zone_code     TEXT NOT NULL REFERENCES zones (code) ON DELETE CASCADE,
	compound_key  TEXT NOT NULL,
	from_building INTEGER NOT NULL,
	to_building   INTEGER NOT NULL
);
CREATE INDEX zone_rules_compound ON zone_rules (compound_key);
CREATE INDEX zone_rules_zone ON zone_rules (zone_code);

CREATE TABLE personas (
	seq         INTEGER PRIMARY KEY,
	key         TEXT NOT NULL,
	title       TEXT NOT NULL,
	guardian_id TEXT NOT NULL,
	child_id    TEXT NOT NULL,
	sibling_id  TEXT NOT NULL,
	stage       TEXT NOT NULL
);
