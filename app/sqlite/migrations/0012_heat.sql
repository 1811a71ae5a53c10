-- 0012: the demand heat map (issue 9). An application counts at its first
-- choice: the school the family ranked first (the only school of a
-- single-school zone), read from the stored body. Triggers keep running
-- totals by (year, stage, school, category, state) as rows of
-- engine_applications are written, whatever statement writes them, so a
-- heat map reads a few thousand totals instead of 100,000 applications
-- (reading their bodies, or even an index entry each, takes longer than
-- the heat map may).

CREATE TABLE engine_heat (
	year     INTEGER NOT NULL,
	stage    TEXT NOT NULL,
	school   TEXT NOT NULL,        -- first choice's code, '' for none
	category TEXT NOT NULL,
	state    TEXT NOT NULL,
	n        INTEGER NOT NULL,
	PRIMARY KEY (year, stage, school, category, state)
) WITHOUT ROWID;

CREATE TRIGGER engine_heat_insert AFTER INSERT ON engine_applications BEGIN
	INSERT INTO engine_heat (year, stage, school, category, state, n)
	VALUES (NEW.year, NEW.stage, COALESCE(json_extract(NEW.body, '$.choices[0].code'), ''), NEW.category, NEW.state, 1)
	ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER engine_heat_update AFTER UPDATE OF year, stage, body, category, state ON engine_applications BEGIN
	UPDATE engine_heat SET n = n - 1
	WHERE year = OLD.year AND stage = OLD.stage AND school = COALESCE(json_extract(OLD.body, '$.choices[0].code'), '')
		AND category = OLD.category AND state = OLD.state;
	INSERT INTO engine_heat (year, stage, school, category, state, n)
	VALUES (NEW.year, NEW.stage, COALESCE(json_extract(NEW.body, '$.choices[0].code'), ''), NEW.category, NEW.state, 1)
	ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER engine_heat_delete AFTER DELETE ON engine_applications BEGIN
	UPDATE engine_heat SET n = n - 1
	WHERE year = OLD.year AND stage = OLD.stage AND school = COALESCE(json_extract(OLD.body, '$.choices[0].code'), '')
		AND category = OLD.category AND state = OLD.state;
END;

INSERT INTO engine_heat (year, stage, school, category, state, n)
	SELECT year, stage, COALESCE(json_extract(body, '$.choices[0].code'), ''), category, state, COUNT(*)
	FROM engine_applications GROUP BY 1, 2, 3, 4, 5;
