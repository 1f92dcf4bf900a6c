-- A session is one login: the family of refresh tokens rotated from it. Access tokens carry
-- the session id, so revoking the session ends the access tokens issued to it at once.
CREATE TABLE sessions (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_reason  text
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens are stored only as the SHA-256 of the token. A token that has been used
-- once (rotated_at set) and is presented again means it was stolen: the session is revoked.
CREATE TABLE refresh_tokens (
    token_hash      bytea PRIMARY KEY,
    session_id      uuid NOT NULL REFERENCES sessions (id),
    issued_at       timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    rotated_at      timestamptz
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
