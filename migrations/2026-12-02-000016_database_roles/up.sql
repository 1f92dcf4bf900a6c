-- The database roles Probity's connections run as, for row-level security (the policies
-- themselves, and the functions they call, are rendered from the need-to-know rule in
-- `src/auth/access` and installed by `probity migrate` right after the migrations:
-- `src/auth/access/wall.rs`).
--
-- probity_runtime     what the pool's connections switch to (`SET ROLE`) when they open: no
--                     privilege on any table that holds case content, and a member of the
--                     roles below without inheriting from them, so that each transaction
--                     can switch to one of them (`SET LOCAL ROLE`) and no other;
-- probity_system      work done for no user (public pages and reports, the command line,
--                     audit verification, statistics): sees every row;
-- probity_<app role>  a user's requests (supervisor, investigator, intake, auditor, admin):
--                     see the rows of the cases the need-to-know rule lets the user (named
--                     per transaction in `probity.user_id`) see;
-- probity_tables      holds the table privileges the roles above inherit (no policy names it).
--
-- Roles belong to the whole cluster: they are created only if missing (by this migration, or
-- beforehand by an administrator when the migrating role may not create roles: see the
-- README), and shared by every Probity database in the cluster.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['probity_runtime', 'probity_tables', 'probity_system',
        'probity_admin', 'probity_supervisor', 'probity_investigator', 'probity_intake',
        'probity_auditor']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN %s', r,
                    CASE WHEN r = 'probity_runtime' THEN 'NOINHERIT' ELSE 'INHERIT' END);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created at the same moment by another database's migration
            END;
        END IF;
    END LOOP;
    -- If probity_runtime inherited from the roles it may switch to, it would have their
    -- policies too (probity_system's shows every row).
    IF (SELECT rolinherit FROM pg_roles WHERE rolname = 'probity_runtime') THEN
        ALTER ROLE probity_runtime NOINHERIT;
    END IF;
    FOREACH r IN ARRAY ARRAY['probity_system', 'probity_admin', 'probity_supervisor',
        'probity_investigator', 'probity_intake', 'probity_auditor']
    LOOP
        IF NOT pg_has_role(r, 'probity_tables', 'MEMBER') THEN
            EXECUTE format('GRANT probity_tables TO %I', r);
        END IF;
        IF NOT pg_has_role('probity_runtime', r, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO probity_runtime', r);
        END IF;
    END LOOP;
    -- The migrating role may switch to them too (`probity migrate` and the other commands
    -- run as probity_system once migrated).
    IF NOT pg_has_role(current_user, 'probity_runtime', 'MEMBER') THEN
        GRANT probity_runtime TO CURRENT_USER;
    END IF;
END;
$$;

-- Which rendering of the access policy is installed (`src/auth/access/wall.rs`): a
-- digest of its SQL, so that it is replaced exactly when the rule changes.
CREATE TABLE access_policy_installed (
    one             boolean PRIMARY KEY DEFAULT true CHECK (one),
    digest          text NOT NULL,
    installed_at    timestamptz NOT NULL
);

-- What the roles may do to each table; which rows of a case table they reach is the
-- policies' business. Nothing may change or remove an audit event, a note, a decision, an
-- outcome or a list report.
GRANT USAGE ON SCHEMA public TO probity_tables, probity_runtime;
GRANT SELECT, INSERT ON audit_events TO probity_tables;
GRANT SELECT, INSERT, UPDATE ON audit_chains TO probity_tables;   -- the chain row is locked on each append
GRANT SELECT, INSERT, UPDATE ON users, sessions, refresh_tokens TO probity_tables;
GRANT SELECT, INSERT, UPDATE ON cases, case_reference_counters, subjects, parties, allegations TO probity_tables;
GRANT SELECT, INSERT, DELETE ON case_members TO probity_tables;  -- members are replaced as a set
GRANT SELECT, INSERT ON notes, decisions, outcomes, list_reports TO probity_tables;
GRANT SELECT, INSERT, UPDATE ON proceedings, publications, public_reports TO probity_tables;
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_buckets, idempotency_keys TO probity_tables; -- expired rows are removed
GRANT SELECT, INSERT, UPDATE ON tasks, documents TO probity_tables;  -- documents: only withdrawal updates
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO probity_tables;

-- Without a caller, a connection only logs people in and keeps their sessions: accounts,
-- sessions, and events of the `system` chain (a policy lets it insert only those).
GRANT SELECT, INSERT, UPDATE ON users, sessions, refresh_tokens TO probity_runtime;
GRANT SELECT, INSERT, UPDATE ON audit_chains TO probity_runtime;
GRANT INSERT ON audit_events TO probity_runtime;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO probity_runtime;
-- `probity serve` checks, as the login role (which is granted probity_runtime), that the
-- schema and the access policy are up to date.
GRANT SELECT ON __diesel_schema_migrations, access_policy_installed TO probity_runtime;
