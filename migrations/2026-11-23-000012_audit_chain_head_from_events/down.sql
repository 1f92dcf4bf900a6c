ALTER TABLE audit_chains
    ADD COLUMN head_seq bigint NOT NULL DEFAULT 0,
    ADD COLUMN head_hash text NOT NULL DEFAULT repeat('0', 64);
UPDATE audit_chains c
   SET head_seq = e.seq, head_hash = e.hash
  FROM (SELECT DISTINCT ON (chain_id) chain_id, seq, hash FROM audit_events ORDER BY chain_id, seq DESC) e
 WHERE e.chain_id = c.id;
