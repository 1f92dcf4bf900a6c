-- From this migration on, every audit event carries an Ed25519 signature by the audit signing
-- key (PROBITY_AUDIT_SIGNING_KEY) over its hash, so that someone with the database's
-- credentials but not the key cannot add an event that verifies (src/audit/sign.rs). Events
-- up to `from_position` were written before events were signed; every later one must be.
ALTER TABLE audit_events ADD COLUMN signature bytea;

CREATE TABLE audit_signing (
    one             boolean PRIMARY KEY DEFAULT true CHECK (one),
    from_position   bigint NOT NULL
);
-- Read as the table's owner past the row-level policies (installed again after migrating).
ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY;
INSERT INTO audit_signing (one, from_position)
    SELECT true, coalesce(max(position), 0) FROM audit_events;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
-- Read only: moving the line would excuse unsigned events.
GRANT SELECT ON audit_signing TO probity_tables;
