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
//! A case a transaction has read through the access module (read, locked or created) stays
//! visible to that transaction ([`HOLD_CASE`], [`hold`]): a change may take a case out of its
//! caller's sight (an intake officer moving it on, a supervisor restricting it), and the rest
//! of the change, its audit event included, still has to be written. Holding it is also what
//! makes the rest of the transaction cheap: what belongs to a held case is decided by one
//! comparison instead of the whole rule.
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
    CALLER_CONFLICTS, CALLER_MEMBERSHIPS, cases_visible_to_session, events_visible_to_session,
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

/// An SQL expression, for a query on `cases` that reads a case by id for the access module: it
/// records the case as held by the transaction (and yields the list of held cases). It is
/// evaluated only for a row the caller's policy let through, so it never opens a case the
/// caller could not see.
pub const HOLD_CASE: &str = "set_config('probity.held_cases', concat_ws(',', \
     nullif(current_setting('probity.held_cases', true), ''), cases.id::text), true)";

/// The case whose id is `case_id` (an SQL expression) is one this transaction holds, in a
/// policy: the list is read once per statement. With nothing held (every list) the array is
/// NULL, not empty: an empty array is copied out of its short form for every row compared
/// with it, a NULL one answers at once (and `NULL OR rule` is the rule).
fn held(case_id: &str) -> String {
    format!(
        "{case_id} = ANY ((SELECT string_to_array(\
         NULLIF(current_setting('probity.held_cases', true), ''), ',')::uuid[])::uuid[])"
    )
}

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

fn functions() -> Result<String, String> {
    let mut trail = String::from("CASE p_role");
    for &role in Role::ALL {
        let rule = cases_visible_to_session(role, Purpose::AuditTrail)
            .to_policy_sql()
            .map_err(|e| e.to_string())?;
        trail.push_str(&format!(" WHEN '{}' THEN {rule}", role.as_str()));
    }
    trail.push_str(" ELSE false END");
    let mut search = String::from("CASE caller_role");
    for &role in Role::ALL {
        let rule = cases_visible_to_session(role, Purpose::Content)
            .to_policy_sql()
            .map_err(|e| e.to_string())?;
        search.push_str(&format!(
            " WHEN '{}' THEN rule := $rule${rule}$rule$;",
            role.as_str()
        ));
    }
    search.push_str(" ELSE RETURN; END CASE;");
    Ok(format!(
        r#"
-- The cases with an allegation against a subject linked, by staff identity, to the caller of
-- the transaction: the subject-conflict rule's facts. A view runs with its owner's rights, so
-- it reads every allegation (the owner has a policy of its own on `allegations`, below): one
-- the caller may not see must still keep its case from them. It answers only for the caller
-- (it reads `probity.user_id` itself). Being a view, it is planned into the statement that
-- reads it; a function call costs more than most of the statements that ask.
CREATE OR REPLACE VIEW probity_caller_conflicts AS {CALLER_CONFLICTS};
GRANT SELECT ON probity_caller_conflicts TO probity_tables;

-- The cases of which the caller of the transaction is a named member, for the policy on
-- `cases`, read the same way: the policy on `case_members` asks `cases` (a member row is
-- visible with its case), so the policy on `cases` cannot read `case_members` under it.
CREATE OR REPLACE VIEW probity_caller_memberships AS {CALLER_MEMBERSHIPS};
GRANT SELECT ON probity_caller_memberships TO probity_tables;

-- A predicate about a viewer who is not the caller of the transaction is refused.
CREATE OR REPLACE FUNCTION probity_not_the_caller() RETURNS uuid[]
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'the subject-conflict rule answers only for the caller of the transaction'
        USING ERRCODE = 'insufficient_privilege';
END;
$fn$;

-- Whether the caller may see case `p_case`, by the policy on `cases`: for the policies on
-- what belongs to a case (see where they are rendered for why they do not read `cases`).
CREATE OR REPLACE FUNCTION probity_case_visible(p_case uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN EXISTS (SELECT 1 FROM cases WHERE cases.id = p_case);
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

-- The cases matching the text-search query `p_query` (title, summary or allegations) that the
-- caller of the transaction may see: in the order of `p_sort` (a column), after the keyset
-- (`p_after`, `p_after_id`) if one is given, the first `p_limit` of them (all if NULL). It
-- reads past the row-level policies, where the text-search indexes can serve the match (under
-- them none can: `@@` is not leakproof), and applies the caller's rule itself: the rule of the
-- role their account holds, read here, not taken from whoever calls (an inactive account,
-- or no caller, finds nothing). The statement is planned with its values (`EXECUTE`), so the
-- planner picks the indexes for a rare word and a walk in the list's order for a common one.
CREATE OR REPLACE FUNCTION probity_search_cases(p_query tsquery, p_sort text,
    p_descending boolean, p_after timestamptz, p_after_id uuid, p_limit integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SET role = 'probity_system' AS $fn$
DECLARE
    caller_role text := (SELECT u.role FROM users u WHERE u.active
                         AND u.id = NULLIF(current_setting('probity.user_id', true), '')::uuid);
    rule text;
    keyset text := '';
    direction text := CASE WHEN p_descending THEN 'DESC' ELSE 'ASC' END;
BEGIN
    {search}
    IF p_sort NOT IN ('received_at', 'created_at', 'updated_at') THEN
        RAISE EXCEPTION 'cases are not sorted by %', p_sort USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_after IS NOT NULL THEN
        keyset := format(' AND (cases.%I, cases.id) %s ($2, $3)', p_sort,
                         CASE WHEN p_descending THEN '<' ELSE '>' END);
    END IF;
    RETURN QUERY EXECUTE
        'SELECT cases.id FROM cases WHERE (cases.search @@ $1 OR cases.allegations_search @@ $1) AND ('
        || rule || ')' || keyset
        || format(' ORDER BY cases.%1$I %2$s, cases.id %2$s LIMIT $4', p_sort, direction)
        USING p_query, p_after, p_after_id, p_limit;
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
    for &role in Role::ALL {
        let cases = cases_visible_to_session(role, Purpose::Content)
            .to_policy_sql()
            .map_err(|e| e.to_string())?;
        let events = events_visible_to_session(role)
            .to_policy_sql()
            .map_err(|e| e.to_string())?;
        let name = user_role(role);
        out.push_str(&format!(
            "CREATE POLICY {name} ON cases TO {name} USING ({} OR {cases}) WITH CHECK (true);\n\
             CREATE POLICY {name} ON audit_events TO {name} USING ({events}) WITH CHECK (true);\n",
            held("cases.id")
        ));
    }
    // What belongs to a case is visible exactly when the case is. A case the transaction
    // holds is decided by a comparison (the case was shown to it when it was read, locked or
    // created, the usual way in); any other asks `cases` through a function. A function keeps
    // each policy one node of the plan: an `EXISTS` on `cases` here would copy the whole
    // policy on `cases` into every statement that reads one of these tables, and PostgreSQL
    // sets up all of it for each execution, even where the held case decides every row.
    for table in CASE_RECORD_TABLES {
        out.push_str(&format!(
            "CREATE POLICY probity_users ON {table} TO {users} \
             USING ({} OR probity_case_visible({table}.case_id)) WITH CHECK (true);\n",
            held(&format!("{table}.case_id"))
        ));
    }
    // A report from the public is the intake queue's until it is accepted, then its case's.
    out.push_str(&format!(
        "CREATE POLICY probity_users ON public_reports TO {users} \
         USING (public_reports.case_id IS NULL OR {} \
         OR probity_case_visible(public_reports.case_id)) WITH CHECK (true);\n",
        held("public_reports.case_id")
    ));
    // The views of the caller's conflicts and memberships read with their owner's rights (the
    // schema's owner, who installs them): the owner may read what they read.
    for table in ["allegations", "case_members"] {
        out.push_str(&format!(
            "CREATE POLICY probity_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true);\n"
        ));
    }
    // Without a caller, a connection only appends events of no case (logins, sessions).
    out.push_str(
        "CREATE POLICY probity_runtime ON audit_events FOR INSERT TO probity_runtime \
         WITH CHECK (case_id IS NULL);\n",
    );
    Ok(out)
}

/// What earlier renderings installed and this one no longer uses: removed once no policy
/// names it.
const RETIRED: &str = "
DROP TRIGGER IF EXISTS probity_forget_access_facts ON allegations;
DROP TRIGGER IF EXISTS probity_forget_access_facts ON subjects;
DROP TRIGGER IF EXISTS probity_forget_access_facts ON users;
DROP FUNCTION IF EXISTS probity_forget_access_facts();
DROP FUNCTION IF EXISTS probity_conflict_cases(uuid);
DROP FUNCTION IF EXISTS probity_chain_head(text);
";

/// The SQL that installs the wall: the functions, then the policies.
pub fn install_sql() -> Result<String, String> {
    Ok(format!("{}\n{}\n{RETIRED}", functions()?, policies()?))
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
        for &role in Role::ALL {
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
        assert!(
            !policies().unwrap().contains("$1"),
            "a policy binds nothing"
        );
        for &role in Role::ALL {
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
