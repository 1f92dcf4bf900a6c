-- A chain's head is read from its last event (an index lookup) instead of being cached on
-- the chain row: the row is only the lock that serializes appends, and is never rewritten.
ALTER TABLE audit_chains DROP COLUMN head_seq, DROP COLUMN head_hash;
