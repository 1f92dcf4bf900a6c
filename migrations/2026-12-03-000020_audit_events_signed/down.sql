DROP TABLE audit_signing;
ALTER TABLE audit_events DROP COLUMN signature;
