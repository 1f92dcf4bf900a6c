-- A chain's head (its last event's seq and hash) is kept on the chain row again, written in
-- the transaction that appends the event, under the row's lock. Reading it from the last
-- event needed a function that reads past the row-level policies on `audit_events` (the
-- appender may not be allowed to read the trail it appends to), and that call cost more than
-- the append itself. The row also says how long the chain is, so `probity audit verify` can
-- tell a chain whose last events were removed.
ALTER TABLE audit_chains
    ADD COLUMN head_seq bigint NOT NULL DEFAULT 0,
    ADD COLUMN head_hash text NOT NULL DEFAULT repeat('0', 64);

-- The heads of the events already written, read as the table's owner past the policies (the
-- wall forces them on the owner too, and is installed again right after the migrations).
ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY;
UPDATE audit_chains c
   SET head_seq = e.seq, head_hash = e.hash
  FROM (SELECT DISTINCT ON (chain_id) chain_id, seq, hash
          FROM audit_events ORDER BY chain_id, seq DESC) e
 WHERE e.chain_id = c.id;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
