//! The need-to-know rule of [`super::clauses`] as SQL, for queries over many rows: case
//! lists and counts, and what is listed beside cases (subjects, reports, audit events).
//!
//! [`AccessSql`] is one boolean expression that renders the rule for a viewer (a bound id),
//! for each user of an enclosing query, or for the caller a transaction runs for (the text
//! of PostgreSQL's row-level policies: [`super::wall`]). It is valid in any query (like a SQL
//! literal), so the same predicate serves a list of cases, a join, and an `EXISTS` subquery.
//!
//! For the viewer and the caller of the transaction (who are the same user: queries for a
//! viewer run in a transaction for them), the subject-conflict rule reads a view that sees past
//! the row-level policies and answers for the caller only (installed by [`super::wall`], its
//! body is [`CALLER_CONFLICTS`]). A policy on `cases` must not read `allegations` under the
//! caller's policies: an allegation hidden from a conflicted user would hide the conflict too.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Bool, Uuid as SqlUuid};
use uuid::Uuid;

use super::{Clause, Purpose, clauses};
use crate::domain::{Role, Viewer};

/// Whom a predicate is about: the viewer (a bound id), each user of an enclosing query on
/// `users`, or the caller the transaction runs for (`probity.user_id`, set with the
/// database role at the start of each transaction: [`super::wall::begin_as`]).
#[derive(Clone, Copy, Debug)]
enum Who {
    Viewer(Uuid),
    EachUser,
    Session,
}

/// The caller of the transaction, read once per statement (an init plan). Without one the
/// statement fails: a user's role with no user is never a way to see something.
pub(super) const SESSION_USER: &str = "(SELECT current_setting('probity.user_id')::uuid)";

/// The cases with an allegation against a subject linked to the caller of the transaction,
/// as an array, read once per statement; NULL when there are none (the usual case). Not an
/// empty array: PostgreSQL copies a small array value out of its short form each time a row
/// is compared with it, which on a list that walks thousands of rows costs more than the
/// rest of the rule; a NULL array answers at once (see [`AccessSql::conflict`]).
const CALLER_CONFLICT_ARRAY: &str = "(SELECT array_agg(case_id) FROM probity_caller_conflicts)";

/// The cases with an allegation against a subject linked, by staff identity, to the caller of
/// the transaction (a case once per allegation): the subject-conflict rule's facts, as the
/// view `probity_caller_conflicts`.
pub(super) const CALLER_CONFLICTS: &str = "SELECT va.case_id \
     FROM allegations va JOIN subjects vs ON vs.id = va.subject_id \
     WHERE vs.staff_key = (SELECT vu.staff_key FROM users vu WHERE vu.id = \
       (SELECT current_setting('probity.user_id')::uuid))";

/// Where a predicate is written: a diesel query (the viewer's id bound), or the text of a
/// policy (nothing bound).
trait Out<'b> {
    fn sql(&mut self, sql: &str);
    fn id(&mut self, id: &'b Uuid) -> QueryResult<()>;
}

impl<'b> Out<'b> for AstPass<'_, 'b, Pg> {
    fn sql(&mut self, sql: &str) {
        self.push_sql(sql);
    }
    fn id(&mut self, id: &'b Uuid) -> QueryResult<()> {
        self.push_bind_param::<SqlUuid, _>(id)
    }
}

impl<'b> Out<'b> for String {
    fn sql(&mut self, sql: &str) {
        self.push_str(sql);
    }
    fn id(&mut self, _: &'b Uuid) -> QueryResult<()> {
        Err(diesel::result::Error::QueryBuilderError(
            "a policy's text binds no value".into(),
        ))
    }
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Rows of `cases` the rule lets `who` see for the purpose.
    Cases(Purpose),
    /// Subjects other than the viewer themselves.
    Subjects,
    /// Reports from the public in the intake queue.
    Reports,
    /// Audit events.
    Events,
}

/// The access policy's predicate for one viewer and one kind of row.
#[derive(Clone, Copy, Debug)]
pub struct AccessSql {
    role: Role,
    who: Who,
    shape: Shape,
}

/// The cases `viewer` may see for `purpose`.
pub fn cases_visible_to(viewer: &Viewer, purpose: Purpose) -> AccessSql {
    AccessSql {
        role: viewer.role,
        who: Who::Viewer(viewer.user_id),
        shape: Shape::Cases(purpose),
    }
}

/// The cases that each user (with `role`) of an enclosing query on `users` may see.
pub fn cases_visible_to_users(role: Role, purpose: Purpose) -> AccessSql {
    AccessSql {
        role,
        who: Who::EachUser,
        shape: Shape::Cases(purpose),
    }
}

/// Subjects other than the viewer themselves: nobody reads their own subject record.
pub fn subjects_visible_to(viewer: &Viewer) -> AccessSql {
    AccessSql {
        role: viewer.role,
        who: Who::Viewer(viewer.user_id),
        shape: Shape::Subjects,
    }
}

/// Reports from the public that `viewer` may see in the intake queue (and accept or
/// reject): none that names them (the named officer's force and collar number match their
/// staff identity), and, once a report is accepted, only if they may see its case.
pub fn reports_visible_to(viewer: &Viewer) -> AccessSql {
    AccessSql {
        role: viewer.role,
        who: Who::Viewer(viewer.user_id),
        shape: Shape::Reports,
    }
}

/// Audit events `viewer` may read: those of no case, and those of cases whose trail the
/// policy lets them read.
pub fn events_visible_to(viewer: &Viewer) -> AccessSql {
    AccessSql {
        role: viewer.role,
        who: Who::Viewer(viewer.user_id),
        shape: Shape::Events,
    }
}

/// The cases that the caller of the transaction, whose role is `role`, may see for
/// `purpose`: the policy on `cases` for that role.
pub(super) fn cases_visible_to_session(role: Role, purpose: Purpose) -> AccessSql {
    AccessSql {
        role,
        who: Who::Session,
        shape: Shape::Cases(purpose),
    }
}

/// The audit events that the caller of the transaction, whose role is `role`, may read: the
/// policy on `audit_events` for that role.
pub(super) fn events_visible_to_session(role: Role) -> AccessSql {
    AccessSql {
        role,
        who: Who::Session,
        shape: Shape::Events,
    }
}

/// Whether deciding a clause reads the case row (every clause but [`Clause::Every`]).
fn reads_case_row(clauses: &[Clause]) -> bool {
    clauses.iter().any(|c| *c != Clause::Every)
}

impl AccessSql {
    /// The predicate as SQL text, for a policy: only a predicate about the caller of the
    /// transaction has one (no value is bound).
    pub(super) fn to_policy_sql(self) -> QueryResult<String> {
        let mut out = String::new();
        self.render(&mut out)?;
        Ok(out)
    }

    fn who<'b, O: Out<'b>>(&'b self, out: &mut O) -> QueryResult<()> {
        match &self.who {
            Who::Viewer(id) => out.id(id),
            Who::EachUser => {
                out.sql("users.id");
                Ok(())
            }
            Who::Session => {
                out.sql(SESSION_USER);
                Ok(())
            }
        }
    }

    fn clause<'b, O: Out<'b>>(&'b self, clause: Clause, out: &mut O) -> QueryResult<()> {
        match clause {
            Clause::Every => out.sql("TRUE"),
            Clause::Unrestricted => out.sql("NOT cases.restricted"),
            Clause::Assigned => {
                out.sql("cases.assigned_investigator_id = ");
                self.who(out)?;
            }
            // For the caller of the transaction (a policy) and the viewer (who is the
            // caller), from a view that reads the caller's memberships past the policy on
            // `case_members`: that policy asks `cases` for each row, and a member's own rows
            // are what this clause looks for. The view holds only the caller's rows, so a
            // viewer who is not the caller is a member of nothing.
            //
            // `OFFSET 0` keeps the check a probe of the membership index for the rows that
            // reach it (restricted cases only): without it PostgreSQL hashes every membership
            // of the caller first, for each statement and for each copy of the rule in it
            // (a list under the wall has two), whether or not a restricted case comes up.
            Clause::Member if matches!(self.who, Who::Session) => out.sql(
                "EXISTS (SELECT 1 FROM probity_caller_memberships vm \
                 WHERE vm.case_id = cases.id OFFSET 0)",
            ),
            Clause::Member if matches!(self.who, Who::Viewer(_)) => {
                out.sql(
                    "EXISTS (SELECT 1 FROM probity_caller_memberships vm \
                     WHERE vm.case_id = cases.id AND vm.user_id = ",
                );
                self.who(out)?;
                out.sql(" OFFSET 0)");
            }
            Clause::Member => {
                out.sql(
                    "EXISTS (SELECT 1 FROM case_members vm WHERE vm.case_id = cases.id AND vm.user_id = ",
                );
                self.who(out)?;
                out.sql(")");
            }
            Clause::OwnIntake => {
                out.sql("(cases.state = 'intake' AND NOT cases.restricted AND cases.created_by = ");
                self.who(out)?;
                out.sql(")");
            }
        }
        Ok(())
    }

    /// The subject-conflict rule: `who` is linked, by staff identity, to a subject with an
    /// allegation on the case whose id is `case_id` (an SQL expression).
    fn conflict<'b, O: Out<'b>>(&'b self, case_id: &str, out: &mut O) -> QueryResult<()> {
        match self.who {
            Who::EachUser => {
                out.sql(
                    "EXISTS (SELECT 1 FROM allegations va JOIN subjects vs ON vs.id = va.subject_id \
                     JOIN users vu ON vu.staff_key = vs.staff_key WHERE va.case_id = ",
                );
                out.sql(case_id);
                out.sql(" AND vu.id = ");
                self.who(out)?;
                out.sql(")");
            }
            // From a view: see the module's documentation. It answers for the caller of the
            // transaction only, so a viewer who is not the caller fails the statement. The
            // array is NULL when the caller has no conflict: COALESCE makes that "no".
            Who::Viewer(_) => {
                out.sql("COALESCE(");
                out.sql(case_id);
                out.sql(" = ANY ((SELECT CASE WHEN ");
                self.who(out)?;
                out.sql(&format!(
                    " = {SESSION_USER} THEN {CALLER_CONFLICT_ARRAY} \
                     ELSE probity_not_the_caller() END)::uuid[]), FALSE)"
                ));
            }
            Who::Session => {
                out.sql("COALESCE(");
                out.sql(case_id);
                out.sql(&format!(" = ANY ({CALLER_CONFLICT_ARRAY}::uuid[]), FALSE)"));
            }
        }
        Ok(())
    }

    /// The rule for the case whose id is `case_id`: one of the role's clauses, and not
    /// linked to a subject. A clause that reads the case row reads `cases`, which the
    /// enclosing query provides.
    fn case_rule<'b, O: Out<'b>>(
        &'b self,
        purpose: Purpose,
        case_id: &str,
        out: &mut O,
    ) -> QueryResult<()> {
        let clauses = clauses(self.role, purpose);
        if clauses.is_empty() {
            out.sql("FALSE");
            return Ok(());
        }
        // COALESCE: a clause on a NULL column (an unassigned case) is NULL, not false; the
        // predicate is false there, also under NOT and when selected as a value.
        out.sql("COALESCE(((");
        for (i, clause) in clauses.iter().enumerate() {
            if i > 0 {
                out.sql(" OR ");
            }
            self.clause(*clause, out)?;
        }
        out.sql(") AND NOT ");
        self.conflict(case_id, out)?;
        out.sql("), FALSE)");
        Ok(())
    }

    /// The viewer's staff identity is `key` (an SQL expression).
    fn is_viewer<'b, O: Out<'b>>(&'b self, key: &str, out: &mut O) -> QueryResult<()> {
        out.sql("EXISTS (SELECT 1 FROM users vu WHERE vu.staff_key = ");
        out.sql(key);
        out.sql(" AND vu.id = ");
        self.who(out)?;
        out.sql(")");
        Ok(())
    }

    /// The audit-trail rule for the case whose id is `case_id` (an SQL expression).
    fn trail_rule<'b, O: Out<'b>>(&'b self, case_id: &str, out: &mut O) -> QueryResult<()> {
        if reads_case_row(clauses(self.role, Purpose::AuditTrail)) {
            out.sql("EXISTS (SELECT 1 FROM cases WHERE cases.id = ");
            out.sql(case_id);
            out.sql(" AND ");
            self.case_rule(Purpose::AuditTrail, "cases.id", out)?;
            out.sql(")");
            Ok(())
        } else {
            // Every case's trail (or none): the case row is not read, so a role that sees no
            // case content (an auditor) reads the trails all the same.
            self.case_rule(Purpose::AuditTrail, case_id, out)
        }
    }

    fn render<'b, O: Out<'b>>(&'b self, out: &mut O) -> QueryResult<()> {
        match self.shape {
            Shape::Cases(purpose) => self.case_rule(purpose, "cases.id", out),
            Shape::Subjects => {
                out.sql("NOT ");
                self.is_viewer("subjects.staff_key", out)
            }
            Shape::Reports => {
                out.sql("(NOT ");
                self.is_viewer(
                    "lower(btrim(public_reports.officer_force)) || chr(31) \
                     || lower(btrim(public_reports.officer_collar_number))",
                    out,
                )?;
                out.sql(
                    " AND (public_reports.case_id IS NULL OR EXISTS (SELECT 1 FROM cases \
                     WHERE cases.id = public_reports.case_id AND ",
                );
                self.case_rule(Purpose::Content, "cases.id", out)?;
                out.sql(")))");
                Ok(())
            }
            Shape::Events => {
                // An event of a case is on its chain and carries its id. Events recorded
                // before some case events carried one (`subject.flagged`,
                // `public_report.accepted`) name their case only in `after`; the log is
                // append-only, so they are judged by that case instead.
                out.sql("(CASE WHEN audit_events.case_id IS NOT NULL THEN ");
                self.trail_rule("audit_events.case_id", out)?;
                out.sql(
                    " WHEN audit_events.after ->> 'case_id' IS NULL THEN TRUE \
                     WHEN (audit_events.after ->> 'case_id') \
                     ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN ",
                );
                self.trail_rule("(audit_events.after ->> 'case_id')::uuid", out)?;
                out.sql(" ELSE FALSE END)");
                Ok(())
            }
        }
    }
}

impl QueryFragment<Pg> for AccessSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.render(&mut out)
    }
}

impl Expression for AccessSql {
    type SqlType = Bool;
}

// Like a SQL literal, the predicate names its tables itself: it is valid in any query.
impl<QS> AppearsOnTable<QS> for AccessSql {}
impl<QS> SelectableExpression<QS> for AccessSql {}

impl<GB> ValidGrouping<GB> for AccessSql {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryId for AccessSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// The cases of which the caller of the transaction is a named member, as the view
/// `probity_caller_memberships`.
pub(super) const CALLER_MEMBERSHIPS: &str = "SELECT vm.case_id, vm.user_id FROM case_members vm \
     WHERE vm.user_id = (SELECT current_setting('probity.user_id')::uuid)";
