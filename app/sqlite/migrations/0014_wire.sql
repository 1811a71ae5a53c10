-- 0014: a hardened wire (issue 10).
--
-- One public key belongs to one live device: a key bound to a device that
-- is not revoked cannot be bound to another. An admin who revokes a device
-- and issues a new code may take the same kiosk back (its key then belongs
-- to the new device alone). Devices registered before this step may share
-- a key: the latest registration keeps it live, older ones are revoked.
UPDATE engine_devices
SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER)
WHERE public_key IS NOT NULL AND revoked_at = 0 AND EXISTS (
	SELECT 1 FROM engine_devices d2
	WHERE d2.public_key = engine_devices.public_key AND d2.revoked_at = 0
	  AND (d2.registered_at > engine_devices.registered_at
	       OR (d2.registered_at = engine_devices.registered_at AND d2.id > engine_devices.id)));
CREATE UNIQUE INDEX engine_devices_public_key ON engine_devices (public_key) WHERE public_key IS NOT NULL AND revoked_at = 0;

-- Every device gets a registration-number prefix (1000..9999), unique:
-- the first group of the numbers it prints once enrolled.
ALTER TABLE engine_devices ADD COLUMN reg_prefix INTEGER;
UPDATE engine_devices SET reg_prefix = 999 + (
	SELECT COUNT(*) FROM engine_devices d2
	WHERE d2.created_at < engine_devices.created_at
	   OR (d2.created_at = engine_devices.created_at AND d2.id <= engine_devices.id));
CREATE UNIQUE INDEX engine_devices_reg_prefix ON engine_devices (reg_prefix);

-- A registration number is kept once: the engine refuses a second
-- application carrying one it holds.
DROP INDEX engine_applications_reg_no;
CREATE UNIQUE INDEX engine_applications_reg_no ON engine_applications (reg_no);

-- The kiosk side: the engine key pinned at enrolment and the prefix the
-- engine assigned.
ALTER TABLE sync_device ADD COLUMN engine_key BLOB;
ALTER TABLE sync_device ADD COLUMN reg_prefix INTEGER NOT NULL DEFAULT 0;
