ALTER TABLE audit_signing DROP COLUMN from_time;
