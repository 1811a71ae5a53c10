-- 0002: a hardened wire (issue 10), as SQLite's 0014.
--
-- One public key belongs to one live device: a key bound to a device that
-- is not revoked cannot be bound to another (a partial unique index, so
-- the rule holds across engine processes). Devices registered before this
-- step may share a key: the latest registration keeps it live, older ones
-- are revoked.
UPDATE engine_devices d
SET revoked_at = extract(epoch FROM now())::bigint
WHERE public_key IS NOT NULL AND revoked_at = 0 AND EXISTS (
	SELECT 1 FROM engine_devices d2
	WHERE d2.public_key = d.public_key AND d2.revoked_at = 0
	  AND (d2.registered_at > d.registered_at OR (d2.registered_at = d.registered_at AND d2.id > d.id)));
CREATE UNIQUE INDEX engine_devices_public_key ON engine_devices (public_key) WHERE public_key IS NOT NULL AND revoked_at = 0;

-- Every device gets a registration-number prefix (1000..9999), unique: the
-- first group of the numbers it prints once enrolled.
ALTER TABLE engine_devices ADD COLUMN reg_prefix integer;
UPDATE engine_devices d SET reg_prefix = n.p
FROM (SELECT id, 999 + row_number() OVER (ORDER BY created_at, id) AS p FROM engine_devices) n
WHERE n.id = d.id;
CREATE UNIQUE INDEX engine_devices_reg_prefix ON engine_devices (reg_prefix);

-- A registration number is kept once: the engine refuses a second
-- application carrying one it holds.
DROP INDEX engine_applications_reg_no;
CREATE UNIQUE INDEX engine_applications_reg_no ON engine_applications (reg_no);
