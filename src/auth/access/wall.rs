//! The second wall: PostgreSQL itself enforces the need-to-know rule on every table that holds
//! case content, with row-level security, so a query that forgets the access predicate still
//! finds nothing its caller may not see.
//!
//! Each transaction names its caller at its start ([`begin_as`], [`BEGIN_AS_SYSTEM`]): it
//! switches to a database role (`SET LOCAL ROLE`) and, for a user, sets `probity.user_id`,
//! both transaction-local, so a pooled connection goes back to `probity_runtime` (which may
//! read no case table at all) when the transaction ends and cannot carry one request's
//! caller into the next. The roles (created by a migration) are:
//!
//! - `probity_<role>` for a user's requests, one per application role: its policies are the
//!   rule of [`super::clauses`] for that role, rendered by [`super::sql`] for the caller of
//!   the transaction;
//! - `probity_system` for work done for no user (public pages and reports, the command line,
//!   audit verification, statistics): its policies show every row;
//! - `probity_runtime`, the connections' role between transactions: no policy and no
//!   privilege on case tables, so whatever runs without naming its caller is refused.
//!
//! A case a transaction has locked or created stays visible to that transaction
//! ([`HOLD_CASE`], [`hold`]): a change may take a case out of its caller's sight (an intake
//! officer moving it on, a supervisor restricting it), and the rest of the change, its
//! audit event included, still has to be written.
//!
//! [`install`] puts the functions and policies in place after the migrations, as the schema's
//! owner, whenever their text changed (a digest of it is recorded): the rule is written only
//! in this module, never by hand in a migration.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text, Uuid as SqlUuid};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Purpose;
use super::sql::{
    CONFLICT_CASES, SESSION_USER, caller_conflicted, cases_visible_to_session,
    events_visible_to_session,
};
use crate::domain::{Role, Viewer};

/// The role the pool's connections take when they open, and keep between transactions.
pub const RUNTIME_ROLE: &str = "probity_runtime";

/// The role of work done for no user.
pub const SYSTEM_ROLE: &str = "probity_system";

/// The database role a user's transactions run as.
pub fn user_role(role: Role) -> &'static str {
    match role {
        Role::Admin => "probity_admin",
        Role::Supervisor => "probity_supervisor",
        Role::Investigator => "probity_investigator",
        Role::Intake => "probity_intake",
        Role::Auditor => "probity_auditor",
    }
}

/// What belongs to a case: rows with a `case_id`, visible exactly when their case is.
const CASE_RECORD_TABLES: [&str; 11] = [
    "parties",
    "allegations",
    "notes",
    "decisions",
    "case_members",
    "tasks",
    "documents",
    "proceedings",
    "outcomes",
    "list_reports",
    "publications",
];

/// Every table under the wall: cases, what belongs to them, the reports from the public
/// (once accepted, their case's) and the audit events (those of a case, its trail).
pub fn case_tables() -> impl Iterator<Item = &'static str> {
    std::iter::once("cases")
        .chain(CASE_RECORD_TABLES)
        .chain(["public_reports", "audit_events"])
}

/// Begins a transaction for `viewer`: one round trip, `BEGIN` and the caller together. The
/// values are written into the text, not bound (a simple query cannot bind): a role name
/// from a fixed list and a UUID, neither of which can carry a quote.
pub fn begin_as(viewer: &Viewer) -> String {
    format!(
        "BEGIN; SELECT set_config('role', '{}', true), set_config('probity.user_id', '{}', true)",
        user_role(viewer.role),
        viewer.user_id.hyphenated()
    )
}

/// Begins a transaction for no user.
pub const BEGIN_AS_SYSTEM: &str = "BEGIN; SELECT set_config('role', 'probity_system', true)";

/// An SQL expression, for a query on `cases` that locks the row: it records the case as held
/// by the transaction (and yields the list of held cases). It is evaluated only for a row the
/// caller's policy let through, so it never opens a case the caller could not see.
pub const HOLD_CASE: &str = "set_config('probity.held_cases', concat_ws(',', \
     nullif(current_setting('probity.held_cases', true), ''), cases.id::text), true)";

/// The cases this transaction holds, in a policy: read once per statement.
const HELD: &str = "cases.id = ANY ((SELECT string_to_array(\
     current_setting('probity.held_cases', true), ',')::uuid[])::uuid[])";

/// Records a case the transaction is about to create as held: the insert itself (and
/// what the creator adds to it next) must see it, whatever the rule says of it.
pub fn hold(conn: &mut PgConnection, case_id: Uuid) -> QueryResult<()> {
    diesel::select(
        diesel::dsl::sql::<Nullable<Text>>(
            "set_config('probity.held_cases', concat_ws(',', \
         nullif(current_setting('probity.held_cases', true), ''), ",
        )
        .bind::<Text, _>(case_id.hyphenated().to_string())
        .sql("), true)"),
    )
    .execute(conn)
    .map(|_| ())
}

/// Whether the caller of the transaction (`viewer`) may read the audit trail of case `id`.
/// A trail can be readable where the case's content is not (an auditor reads every trail and
/// no content), so this is decided past the content policies, by the same rule.
pub fn trail_visible(conn: &mut PgConnection, viewer: &Viewer, id: Uuid) -> QueryResult<bool> {
    diesel::select(
        diesel::dsl::sql::<Bool>("probity_trail_visible(")
            .bind::<SqlUuid, _>(id)
            .sql(", ")
            .bind::<Text, _>(viewer.role.as_str())
            .sql(")"),
    )
    .get_result(conn)
}

/// Raised by a function that reads past the wall when asked about anyone but the caller.
const ONLY_THE_CALLER: &str = "IF who IS DISTINCT FROM nullif(current_setting('probity.user_id', true), '')::uuid THEN \
     RAISE EXCEPTION '% answers only for the caller of the transaction', fn USING ERRCODE = 'insufficient_privilege'; \
     END IF;";

fn functions() -> Result<String, String> {
    let mut trail = String::from("CASE p_role");
    for role in Role::ALL {
        let rule = cases_visible_to_session(role, Purpose::AuditTrail)
            .to_policy_sql()
            .map_err(|e| e.to_string())?;
        trail.push_str(&format!(" WHEN '{}' THEN {rule}", role.as_str()));
    }
    trail.push_str(" ELSE false END");
    Ok(format!(
        r#"
-- The cases with an allegation against a subject linked to the caller (`who`, who must be
-- the caller of the transaction), read past the policies: an allegation the caller may not
-- see must still keep its case from them. Every policy asks it (once per statement and
-- table), so it is read once per transaction and kept in `probity.conflict_cases` until the
-- transaction ends or writes to what it was read from (`probity_forget_access_facts`).
CREATE OR REPLACE FUNCTION probity_conflict_cases(who uuid) RETURNS uuid[]
LANGUAGE plpgsql STABLE SET role = 'probity_system' AS $fn$
DECLARE
    fn text := 'probity_conflict_cases';
    kept text := current_setting('probity.conflict_cases', true);
    found uuid[];
BEGIN
    {ONLY_THE_CALLER}
    IF kept LIKE who::text || ':%' THEN
        RETURN substr(kept, 38)::uuid[];
    END IF;
    found := ({CONFLICT_CASES});
    PERFORM set_config('probity.conflict_cases', who::text || ':' || found::text, true);
    RETURN found;
END;
$fn$;

-- A write to what it reads makes the transaction read it again.
CREATE OR REPLACE FUNCTION probity_forget_access_facts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM set_config('probity.conflict_cases', '', true);
    RETURN NULL;
END;
$fn$;
CREATE OR REPLACE TRIGGER probity_forget_access_facts AFTER INSERT OR UPDATE OR DELETE ON allegations
    FOR EACH STATEMENT EXECUTE FUNCTION probity_forget_access_facts();
CREATE OR REPLACE TRIGGER probity_forget_access_facts AFTER INSERT OR UPDATE OR DELETE ON subjects
    FOR EACH STATEMENT EXECUTE FUNCTION probity_forget_access_facts();
CREATE OR REPLACE TRIGGER probity_forget_access_facts AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION probity_forget_access_facts();

-- Whether the caller may see case `p_case`, by the policy on `cases`: for the policy on
-- `case_members`, which cannot read `cases` itself (the policy on `cases` reads
-- `case_members`).
CREATE OR REPLACE FUNCTION probity_case_visible(p_case uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN EXISTS (SELECT 1 FROM cases WHERE cases.id = p_case);
END;
$fn$;

-- The head of an audit chain (its last event's seq and hash), for appending to it: the
-- appender may not be allowed to read the chain (an intake officer recording a case whose
-- trail they cannot read), but the chain must continue from its real head.
CREATE OR REPLACE FUNCTION probity_chain_head(chain text) RETURNS TABLE (seq bigint, hash text)
LANGUAGE plpgsql STABLE SET role = 'probity_system' AS $fn$
BEGIN
    RETURN QUERY SELECT e.seq, e.hash FROM audit_events e WHERE e.chain_id = chain
        ORDER BY e.seq DESC LIMIT 1;
END;
$fn$;

-- Whether the caller, whose application role is `p_role`, may read the audit trail of case
-- `p_case` (the rule for the audit-trail purpose, past the content policies).
CREATE OR REPLACE FUNCTION probity_trail_visible(p_case uuid, p_role text) RETURNS boolean
LANGUAGE plpgsql STABLE SET role = 'probity_system' AS $fn$
BEGIN
    RETURN EXISTS (SELECT 1 FROM cases WHERE cases.id = p_case AND ({trail}));
END;
$fn$;
"#
    ))
}

fn policies() -> Result<String, String> {
    let mut out = String::new();
    // Policies of an earlier rendering go, whatever they were called.
    out.push_str(&format!(
        "DO $do$ DECLARE p record; BEGIN \
         FOR p IN SELECT policyname, tablename FROM pg_policies \
         WHERE schemaname = current_schema() AND tablename = ANY (ARRAY['{}']) LOOP \
         EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename); END LOOP; END $do$;\n",
        case_tables().collect::<Vec<_>>().join("', '")
    ));
    for table in case_tables() {
        out.push_str(&format!(
            "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n\
             ALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n\
             CREATE POLICY probity_system ON {table} TO probity_system USING (true) WITH CHECK (true);\n"
        ));
    }
    // Inserts are the use cases' to allow (they check the rule first); every row a user
    // reads, changes or removes must be visible to them, and so must every row a change
    // leaves (PostgreSQL checks the new row against the same policy), which is why a case
    // the transaction holds stays visible to it.
    let users: Vec<&str> = Role::ALL.iter().map(|r| user_role(*r)).collect();
    let users = users.join(", ");
    for role in Role::ALL {
        let cases = cases_visible_to_session(role, Purpose::Content)
            .to_policy_sql()
            .map_err(|e| e.to_string())?;
        let events = events_visible_to_session(role)
            .to_policy_sql()
            .map_err(|e| e.to_string())?;
        let name = user_role(role);
        out.push_str(&format!(
            "CREATE POLICY {name} ON cases TO {name} USING ({cases} OR {HELD}) WITH CHECK (true);\n\
             CREATE POLICY {name} ON audit_events TO {name} USING ({events}) WITH CHECK (true);\n"
        ));
    }
    // Who is a member of a case is visible with the case, and to each member (unless the case
    // is about them). The policy on `cases` reads `case_members`, so this one asks `cases`
    // through a function: two policies that name each other's tables are refused.
    // (PostgreSQL checks that when it plans a query; a function's body is planned apart.)
    out.push_str(&format!(
        "CREATE POLICY probity_users ON case_members TO {users} \
         USING ((case_members.user_id = {SESSION_USER} AND NOT {}) \
         OR probity_case_visible(case_members.case_id)) WITH CHECK (true);\n",
        caller_conflicted("case_members.case_id")
    ));
    for table in CASE_RECORD_TABLES.iter().filter(|t| **t != "case_members") {
        out.push_str(&format!(
            "CREATE POLICY probity_users ON {table} TO {users} \
             USING (EXISTS (SELECT 1 FROM cases WHERE cases.id = {table}.case_id)) WITH CHECK (true);\n"
        ));
    }
    // A report from the public is the intake queue's until it is accepted, then its case's.
    out.push_str(&format!(
        "CREATE POLICY probity_users ON public_reports TO {users} \
         USING (public_reports.case_id IS NULL OR EXISTS (SELECT 1 FROM cases WHERE cases.id = public_reports.case_id)) \
         WITH CHECK (true);\n"
    ));
    // Without a caller, a connection only appends events of no case (logins, sessions).
    out.push_str(
        "CREATE POLICY probity_runtime ON audit_events FOR INSERT TO probity_runtime \
         WITH CHECK (case_id IS NULL);\n",
    );
    Ok(out)
}

/// The SQL that installs the wall: the functions, then the policies.
pub fn install_sql() -> Result<String, String> {
    Ok(format!("{}\n{}", functions()?, policies()?))
}

/// A digest of [`install_sql`]: which rendering of the rule a database has.
pub fn digest() -> Result<String, String> {
    Ok(hex::encode(Sha256::digest(install_sql()?.as_bytes())))
}

#[derive(QueryableByName)]
struct Installed {
    #[diesel(sql_type = Text)]
    digest: String,
}

/// Whether the database has this rendering of the wall (reading only).
pub fn installed(conn: &mut PgConnection) -> Result<bool, String> {
    let table: bool = diesel::select(diesel::dsl::sql::<Bool>(
        "to_regclass('access_policy_installed') IS NOT NULL",
    ))
    .get_result(conn)
    .map_err(|e| format!("checking the access policy: {e}"))?;
    if !table {
        return Ok(false);
    }
    let found: Option<Installed> = diesel::sql_query("SELECT digest FROM access_policy_installed")
        .get_result(conn)
        .optional()
        .map_err(|e| format!("reading the access policy: {e}"))?;
    Ok(found.is_some_and(|f| Some(f.digest) == digest().ok()))
}

/// Installs the wall if the database has another rendering of it, in one transaction, as the
/// schema's owner. Returns whether it did.
pub fn install(conn: &mut PgConnection) -> Result<bool, String> {
    if installed(conn)? {
        return Ok(false);
    }
    let sql = install_sql()?;
    let digest = digest()?;
    conn.transaction(|c| {
        // probity_runtime must not inherit from the roles it switches to: it would have their
        // policies (probity_system's shows every row) without naming a caller.
        let inherits: bool = diesel::select(diesel::dsl::sql::<Bool>(
            "EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname LIKE 'probity\\_%' \
             AND r.rolname <> 'probity_runtime' AND pg_has_role('probity_runtime', r.oid, 'USAGE'))",
        ))
        .get_result(c)?;
        if inherits {
            return Err(diesel::result::Error::QueryBuilderError(
                "probity_runtime inherits the privileges of a role it switches to; \
                 make it NOINHERIT (see the README)"
                    .into(),
            ));
        }
        c.batch_execute(&sql)?;
        diesel::sql_query(
            "INSERT INTO access_policy_installed (one, digest, installed_at) VALUES (true, $1, now()) \
             ON CONFLICT (one) DO UPDATE SET digest = EXCLUDED.digest, installed_at = EXCLUDED.installed_at",
        )
        .bind::<Text, _>(&digest)
        .execute(c)?;
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| format!("installing the access policy: {e}"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::access::{Clause, clauses};

    #[test]
    fn a_trail_policy_that_reads_the_case_row_reads_one_the_content_policy_shows() {
        // The audit-event policy of a role whose trail clauses read the case row finds that
        // row through `cases`, under the role's content policy: it must show every case
        // whose trail the role may read, or trails would vanish.
        for role in Role::ALL {
            let trail = clauses(role, Purpose::AuditTrail);
            let content = clauses(role, Purpose::Content);
            if trail.iter().any(|c| *c != Clause::Every) {
                assert!(
                    trail.iter().all(|c| content.contains(c)),
                    "{role}: {trail:?} is not within {content:?}"
                );
            }
        }
    }

    #[test]
    fn the_rule_is_rendered_for_the_caller_of_the_transaction() {
        let sql = install_sql().unwrap();
        assert!(sql.contains("current_setting('probity.user_id')::uuid"));
        assert!(!sql.contains("$1"), "a policy binds nothing");
        for role in Role::ALL {
            assert!(sql.contains(&format!(
                "CREATE POLICY {0} ON cases TO {0}",
                user_role(role)
            )));
        }
        assert_eq!(digest().unwrap(), digest().unwrap());
    }

    #[test]
    fn a_transaction_names_its_caller_in_its_first_round_trip() {
        let viewer = Viewer {
            user_id: Uuid::nil(),
            role: Role::Intake,
        };
        assert_eq!(
            begin_as(&viewer),
            "BEGIN; SELECT set_config('role', 'probity_intake', true), \
             set_config('probity.user_id', '00000000-0000-0000-0000-000000000000', true)"
        );
    }
}
