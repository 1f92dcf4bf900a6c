-- From this migration on, audit events hold no personal data or free text in clear: such
-- values are replaced in `before`/`after` by keyed fingerprints and kept, encrypted with a key
-- of the event's chain, in `sealed` (src/audit/seal.rs). Each chain's key is stored on its
-- row, wrapped by the master key PROBITY_DATA_KEY (never in the database); erasing it
-- (`data_key` NULL, `data_key_erased_at` set) makes the chain's sealed values unreadable for
-- good while every hash still verifies. Events written before this migration are unchanged:
-- the log is append-only.
ALTER TABLE audit_chains
    ADD COLUMN data_key bytea,
    ADD COLUMN data_key_erased_at timestamptz;
ALTER TABLE audit_events ADD COLUMN sealed bytea;
