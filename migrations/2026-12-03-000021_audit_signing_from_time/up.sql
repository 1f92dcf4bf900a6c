-- When events began to be signed: a case created since then must have its chain, starting
-- with its creation event, and a chain row since then its events (`probity audit verify`).
-- Cases and chains from before are as they were written.
ALTER TABLE audit_signing ADD COLUMN from_time timestamptz NOT NULL DEFAULT now();
