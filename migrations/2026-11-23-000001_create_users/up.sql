-- Accounts of the people who use Probity. Roles are checked here as well as in the code so
-- that a row written by hand cannot carry a role the application does not know.
CREATE TABLE users (
    id              uuid PRIMARY KEY,
    username        text NOT NULL,
    display_name    text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'supervisor', 'investigator', 'intake', 'auditor')),
    password_hash   text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    failed_logins   integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- Usernames are unique regardless of case: "JSmith" and "jsmith" are one person.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
