ALTER TABLE audit_chains DROP COLUMN head_seq, DROP COLUMN head_hash;
