ALTER TABLE audit_events DROP COLUMN sealed;
ALTER TABLE audit_chains DROP COLUMN data_key, DROP COLUMN data_key_erased_at;
