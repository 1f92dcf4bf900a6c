-- A user's staff identity: the force and collar (or payroll) number that name them as an
-- officer or member of staff, set by an admin. A subject is linked to an account exactly when
-- the two match, compared without regard to case or surrounding space: the link is derived
-- from facts an admin sets, never written by casework users (who could otherwise use it to
-- hide a case from a supervisor).
ALTER TABLE users
    ADD COLUMN force text,
    ADD COLUMN collar_number text,
    ADD CONSTRAINT users_staff_identity_whole CHECK ((force IS NULL) = (collar_number IS NULL));
ALTER TABLE users
    ADD COLUMN staff_key text GENERATED ALWAYS AS (lower(btrim(force)) || chr(31) || lower(btrim(collar_number))) STORED;
CREATE UNIQUE INDEX users_staff_key_key ON users (staff_key);

ALTER TABLE subjects
    ADD COLUMN staff_key text GENERATED ALWAYS AS (lower(btrim(force)) || chr(31) || lower(btrim(collar_number))) STORED;
CREATE INDEX subjects_staff_key_idx ON subjects (staff_key);

-- The links recorded so far become the accounts' staff identity.
UPDATE users u SET force = s.force, collar_number = s.collar_number
FROM subjects s WHERE s.user_id = u.id;

DROP INDEX subjects_user_id_key;
ALTER TABLE subjects DROP COLUMN user_id;
