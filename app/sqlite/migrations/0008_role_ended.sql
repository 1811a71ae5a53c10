-- 0008: an enterprise role's end (issue 8). A migrant parent's role in an
-- enterprise proves work only while it is held; the registry records the day
-- the person left the role or the enterprise was deregistered (离任, 注销).
-- 0 while the role holds, and for every role recorded before this step.

ALTER TABLE enterprise_roles ADD COLUMN ended INTEGER NOT NULL DEFAULT 0; -- unix seconds, 0 while held
