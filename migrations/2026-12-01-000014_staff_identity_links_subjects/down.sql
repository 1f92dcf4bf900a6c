ALTER TABLE subjects ADD COLUMN user_id uuid REFERENCES users (id);
UPDATE subjects s SET user_id = u.id FROM users u WHERE u.staff_key = s.staff_key;
CREATE UNIQUE INDEX subjects_user_id_key ON subjects (user_id) WHERE user_id IS NOT NULL;
DROP INDEX subjects_staff_key_idx;
ALTER TABLE subjects DROP COLUMN staff_key;
DROP INDEX users_staff_key_key;
ALTER TABLE users DROP COLUMN staff_key;
ALTER TABLE users DROP CONSTRAINT users_staff_identity_whole;
ALTER TABLE users DROP COLUMN collar_number, DROP COLUMN force;
