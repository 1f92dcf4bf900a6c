-- Failed logins are counted per account and client address: five wrong passwords from one
-- address lock the account for that address only, so an outsider cannot lock an officer out
-- of their own account from elsewhere. `users.failed_logins` and `locked_until` stay as the
-- looser account-wide lock (PROBITY_LOCKOUT_ACCOUNT_THRESHOLD), for guessing spread over many
-- addresses.
CREATE TABLE login_lockouts (
    user_id uuid NOT NULL REFERENCES users (id),
    client_addr text NOT NULL,
    failures integer NOT NULL,
    first_failure_at timestamptz NOT NULL,
    locked_until timestamptz,
    PRIMARY KEY (user_id, client_addr)
);

-- Logins are throttled per client address (rate_limit_buckets) before any password is
-- checked; logins run as the connections' own role, which counts them.
GRANT SELECT, INSERT, UPDATE, DELETE ON login_lockouts TO probity_tables, probity_runtime;
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_buckets TO probity_runtime;
