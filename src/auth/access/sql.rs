//! The need-to-know rule of [`super::clauses`] as SQL, for queries over many rows: case
//! lists and counts, and what is listed beside cases (subjects, reports, audit events).
//!
//! [`AccessSql`] is one boolean expression that renders the rule for a viewer (a bound id)
//! or for each user of an enclosing query. It is valid in any query (like a SQL literal),
//! so the same predicate serves a list of cases, a join, and an `EXISTS` subquery.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;
use diesel::sql_types::{Bool, Uuid as SqlUuid};
use uuid::Uuid;

use super::{Clause, Purpose, clauses};
use crate::domain::{Role, Viewer};

/// Whom a predicate is about: the viewer (a bound id), or each user of an enclosing query
/// on `users`.
#[derive(Clone, Copy, Debug)]
enum Who {
    Viewer(Uuid),
    EachUser,
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
/// policy lets them read (an event names its case in `case_id`, or, for events recorded
/// before every case event carried it, in `after.case_id`).
pub fn events_visible_to(viewer: &Viewer) -> AccessSql {
    AccessSql {
        role: viewer.role,
        who: Who::Viewer(viewer.user_id),
        shape: Shape::Events,
    }
}

impl AccessSql {
    fn who<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match &self.who {
            Who::Viewer(id) => out.push_bind_param::<SqlUuid, _>(id),
            Who::EachUser => {
                out.push_sql("users.id");
                Ok(())
            }
        }
    }

    fn clause<'b>(&'b self, clause: Clause, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match clause {
            Clause::Every => out.push_sql("TRUE"),
            Clause::Unrestricted => out.push_sql("NOT cases.restricted"),
            Clause::Assigned => {
                out.push_sql("cases.assigned_investigator_id = ");
                self.who(out)?;
            }
            Clause::Member => {
                out.push_sql(
                    "EXISTS (SELECT 1 FROM case_members vm WHERE vm.case_id = cases.id AND vm.user_id = ",
                );
                self.who(out)?;
                out.push_sql(")");
            }
            Clause::OwnIntake => {
                out.push_sql(
                    "(cases.state = 'intake' AND NOT cases.restricted AND cases.created_by = ",
                );
                self.who(out)?;
                out.push_sql(")");
            }
        }
        Ok(())
    }

    /// The rule on the row `cases`: one of the role's clauses, and not linked to a subject.
    fn case_rule<'b>(&'b self, purpose: Purpose, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let clauses = clauses(self.role, purpose);
        if clauses.is_empty() {
            out.push_sql("FALSE");
            return Ok(());
        }
        // COALESCE: a clause on a NULL column (an unassigned case) is NULL, not false; the
        // predicate is false there, also under NOT and when selected as a value.
        out.push_sql("COALESCE(((");
        for (i, clause) in clauses.iter().enumerate() {
            if i > 0 {
                out.push_sql(" OR ");
            }
            self.clause(*clause, out)?;
        }
        // The subject-conflict rule: linked, by staff identity, to a subject of the case.
        out.push_sql(
            ") AND NOT EXISTS (SELECT 1 FROM allegations va JOIN subjects vs ON vs.id = va.subject_id \
             JOIN users vu ON vu.staff_key = vs.staff_key WHERE va.case_id = cases.id AND vu.id = ",
        );
        self.who(out)?;
        out.push_sql(")), FALSE)");
        Ok(())
    }

    /// The viewer's staff identity is `key` (an SQL expression).
    fn is_viewer<'b>(&'b self, key: &str, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXISTS (SELECT 1 FROM users vu WHERE vu.staff_key = ");
        out.push_sql(key);
        out.push_sql(" AND vu.id = ");
        self.who(out)?;
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<Pg> for AccessSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match self.shape {
            Shape::Cases(purpose) => self.case_rule(purpose, &mut out),
            Shape::Subjects => {
                out.push_sql("NOT ");
                self.is_viewer("subjects.staff_key", &mut out)
            }
            Shape::Reports => {
                out.push_sql("(NOT ");
                self.is_viewer(
                    "lower(btrim(public_reports.officer_force)) || chr(31) \
                     || lower(btrim(public_reports.officer_collar_number))",
                    &mut out,
                )?;
                out.push_sql(
                    " AND (public_reports.case_id IS NULL OR EXISTS (SELECT 1 FROM cases \
                     WHERE cases.id = public_reports.case_id AND ",
                );
                self.case_rule(Purpose::Content, &mut out)?;
                out.push_sql(")))");
                Ok(())
            }
            Shape::Events => {
                // An event of a case is on its chain and carries its id. Events recorded
                // before some case events carried one (`subject.flagged`,
                // `public_report.accepted`) name their case only in `after`; the log is
                // append-only, so they are judged by that case instead.
                out.push_sql(
                    "(CASE WHEN audit_events.case_id IS NOT NULL THEN EXISTS (SELECT 1 FROM cases \
                     WHERE cases.id = audit_events.case_id AND ",
                );
                self.case_rule(Purpose::AuditTrail, &mut out)?;
                out.push_sql(
                    ") WHEN audit_events.after ->> 'case_id' IS NULL THEN TRUE \
                     WHEN (audit_events.after ->> 'case_id') \
                     ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' THEN EXISTS (SELECT 1 FROM cases \
                     WHERE cases.id = (audit_events.after ->> 'case_id')::uuid AND ",
                );
                self.case_rule(Purpose::AuditTrail, &mut out)?;
                out.push_sql(") ELSE FALSE END)");
                Ok(())
            }
        }
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
