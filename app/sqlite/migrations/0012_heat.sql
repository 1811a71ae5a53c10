-- 0012: the demand heat map (issue 9). An application counts at its first
-- choice: the school the family ranked first (the only school of a
-- single-school zone). A virtual column reads it from the stored body, so
-- no writer has to fill it, and an index covering the heat map's count
-- (year, stage, school, category, state) keeps it to an index scan.

ALTER TABLE engine_applications ADD COLUMN first_school TEXT
	GENERATED ALWAYS AS (json_extract(body, '$.choices[0].code')) VIRTUAL;

CREATE INDEX engine_applications_heat
	ON engine_applications (year, stage, first_school, category, state);
