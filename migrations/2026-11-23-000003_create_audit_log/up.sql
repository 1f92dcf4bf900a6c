-- The audit log: one hash chain per case plus the `system` chain. The chain row is the lock
-- that serializes appends within one chain (SELECT ... FOR UPDATE) and caches its head, so
-- appends to different chains never wait on each other.
CREATE TABLE audit_chains (
    id              text PRIMARY KEY,
    case_id         uuid,
    head_seq        bigint NOT NULL DEFAULT 0,
    head_hash       text NOT NULL DEFAULT repeat('0', 64),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_events (
    -- Global insertion order, for listing and cursors; not part of the hash.
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              uuid NOT NULL UNIQUE,
    chain_id        text NOT NULL REFERENCES audit_chains (id),
    seq             bigint NOT NULL CHECK (seq >= 1),
    occurred_at     timestamptz NOT NULL,
    actor_type      text NOT NULL CHECK (actor_type IN ('user', 'system', 'public')),
    actor_id        uuid,
    action          text NOT NULL,
    entity_type     text,
    entity_id       text,
    case_id         uuid,
    before          jsonb,
    after           jsonb,
    request_id      text,
    client_addr     text,
    prev_hash       text NOT NULL,
    hash            text NOT NULL,
    UNIQUE (chain_id, seq),
    CHECK ((actor_type = 'user') = (actor_id IS NOT NULL))
);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, position);
CREATE INDEX audit_events_action_idx ON audit_events (action, position);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, position);
CREATE INDEX audit_events_case_idx ON audit_events (case_id, position) WHERE case_id IS NOT NULL;

-- Append-only, enforced by the database itself: whatever the application does, an event
-- once written cannot be changed or removed unless the table's owner or a superuser disables
-- these triggers (so the application must not run as the owner: see the README).
CREATE FUNCTION audit_events_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % rejected', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();

INSERT INTO audit_chains (id) VALUES ('system');
