//! Queries on cases. Need-to-know visibility is decided here, in [`visible_to`], and every
//! query that reads a case for a user goes through it: no handler can forget it.

use chrono::{DateTime, Datelike, Utc};
use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Uuid as SqlUuid};
use uuid::Uuid;

use crate::db::models::CaseRow;
use crate::db::schema::{case_members, case_reference_counters, cases};
use crate::domain::case::CaseReference;
use crate::domain::{Role, Viewer};

/// A predicate on `cases` for a query over `QS` (the table itself, or a join with it).
pub type CasePredicate<QS = cases::table> = Box<dyn BoxableExpression<QS, Pg, SqlType = Bool>>;

/// Why a case is being read: its content, or its audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Content,
    AuditTrail,
}

/// The need-to-know rule, as one SQL predicate on `cases`:
/// - nobody sees a case in which they are linked to a subject, whatever their role;
/// - supervisor: every case, except restricted cases where they are neither a member nor
///   the assigned investigator;
/// - investigator: cases assigned to them, and cases where they are a named member
///   (for the audit trail: only the assigned investigator);
/// - intake: cases they created, while the case is still in `intake` and not restricted;
/// - auditor: no case content, but every case's audit trail;
/// - admin: nothing.
pub fn visible_to<QS: 'static>(viewer: &Viewer, purpose: Purpose) -> CasePredicate<QS> {
    let id = viewer.user_id;
    let not_subject = sql::<Bool>(
        "NOT EXISTS (SELECT 1 FROM allegations va JOIN subjects vs ON vs.id = va.subject_id \
         WHERE va.case_id = cases.id AND vs.user_id = ",
    )
    .bind::<SqlUuid, _>(id)
    .sql(") AND ");
    const MEMBER: &str =
        "EXISTS (SELECT 1 FROM case_members vm WHERE vm.case_id = cases.id AND vm.user_id = ";
    match (viewer.role, purpose) {
        (Role::Supervisor, _) => Box::new(
            not_subject
                .sql("(NOT cases.restricted OR cases.assigned_investigator_id = ")
                .bind::<SqlUuid, _>(id)
                .sql(" OR ")
                .sql(MEMBER)
                .bind::<SqlUuid, _>(id)
                .sql("))"),
        ),
        (Role::Investigator, Purpose::Content) => Box::new(
            not_subject
                .sql("(cases.assigned_investigator_id = ")
                .bind::<SqlUuid, _>(id)
                .sql(" OR ")
                .sql(MEMBER)
                .bind::<SqlUuid, _>(id)
                .sql("))"),
        ),
        (Role::Investigator, Purpose::AuditTrail) => Box::new(
            not_subject
                .sql("cases.assigned_investigator_id = ")
                .bind::<SqlUuid, _>(id),
        ),
        (Role::Intake, Purpose::Content) => Box::new(
            not_subject
                .sql("cases.state = 'intake' AND NOT cases.restricted AND cases.created_by = ")
                .bind::<SqlUuid, _>(id),
        ),
        (Role::Auditor, Purpose::AuditTrail) => Box::new(not_subject.sql("TRUE")),
        _ => Box::new(sql::<Bool>("FALSE")),
    }
}

/// The next reference of `year`: PSD-YYYY-NNNNNN, numbered from 1 each year. The counter
/// row is locked by the upsert until the transaction ends, so numbers are never reused.
pub fn next_reference(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<CaseReference> {
    use case_reference_counters::dsl as c;
    let year = now.year();
    let number: i32 = diesel::insert_into(c::case_reference_counters)
        .values((c::year.eq(year), c::last_number.eq(1)))
        .on_conflict(c::year)
        .do_update()
        .set(c::last_number.eq(c::last_number + 1))
        .returning(c::last_number)
        .get_result(conn)?;
    Ok(CaseReference::new(year, number))
}

pub fn insert(conn: &mut PgConnection, row: &CaseRow) -> QueryResult<CaseRow> {
    diesel::insert_into(cases::table)
        .values(row)
        .returning(CaseRow::as_returning())
        .get_result(conn)
}

/// The need-to-know rule of [`visible_to`], for one case already read (by id, a statement
/// PostgreSQL keeps prepared), so the hot single-case paths do not re-plan the list
/// predicate on every request. The two must agree: the authorization matrix and the
/// need-to-know tests drive both (lists through `visible_to`, single cases through this).
fn may_see(
    conn: &mut PgConnection,
    viewer: &Viewer,
    purpose: Purpose,
    case: &CaseRow,
) -> QueryResult<bool> {
    let id = case.id;
    may_see_case(
        viewer,
        purpose,
        case,
        |conn: &mut PgConnection| is_member(conn, id, viewer.user_id),
        |conn: &mut PgConnection| linked_to_subject(conn, id, viewer.user_id),
        conn,
    )
}

/// The single-case rule itself. Whether the viewer is a named member of the case, and
/// whether they are linked to one of its subjects, are asked only when the answer depends
/// on them: from the database, or (`CaseRecord`) from what was already read with the case.
pub fn may_see_case<C>(
    viewer: &Viewer,
    purpose: Purpose,
    case: &CaseRow,
    is_member: impl FnOnce(&mut C) -> QueryResult<bool>,
    linked_to_subject: impl FnOnce(&mut C) -> QueryResult<bool>,
    source: &mut C,
) -> QueryResult<bool> {
    let me = viewer.user_id;
    let assigned = case.assigned_investigator_id == Some(me);
    let role_allows = match (viewer.role, purpose) {
        (Role::Supervisor, _) => !case.restricted || assigned || is_member(source)?,
        (Role::Investigator, Purpose::Content) => assigned || is_member(source)?,
        (Role::Investigator, Purpose::AuditTrail) => assigned,
        (Role::Intake, Purpose::Content) => {
            case.state == "intake" && !case.restricted && case.created_by == me
        }
        (Role::Auditor, Purpose::AuditTrail) => true,
        _ => false,
    };
    Ok(role_allows && !linked_to_subject(source)?)
}

fn is_member(conn: &mut PgConnection, case_id: Uuid, user_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        case_members::table
            .filter(case_members::case_id.eq(case_id))
            .filter(case_members::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

/// Whether `user_id` is linked to a subject with an allegation on the case.
fn linked_to_subject(conn: &mut PgConnection, case_id: Uuid, user_id: Uuid) -> QueryResult<bool> {
    use crate::db::schema::{allegations, subjects};
    diesel::select(diesel::dsl::exists(
        allegations::table
            .inner_join(subjects::table)
            .filter(allegations::case_id.eq(case_id))
            .filter(subjects::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

/// The case if `viewer` may see it for `purpose`.
pub fn find_visible(
    conn: &mut PgConnection,
    viewer: &Viewer,
    purpose: Purpose,
    id: Uuid,
) -> QueryResult<Option<CaseRow>> {
    let case = cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?;
    match case {
        Some(c) if may_see(conn, viewer, purpose, &c)? => Ok(Some(c)),
        _ => Ok(None),
    }
}

/// Like [`find_visible`], locking the row until the transaction ends: changes to one case
/// (and appends whose preconditions depend on it) queue.
pub fn lock_visible(
    conn: &mut PgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> QueryResult<Option<CaseRow>> {
    let case = cases::table
        .find(id)
        .select(CaseRow::as_select())
        .for_update()
        .first(conn)
        .optional()?;
    match case {
        Some(c) if may_see(conn, viewer, Purpose::Content, &c)? => Ok(Some(c)),
        _ => Ok(None),
    }
}

/// What a change other than a workflow transition may set (a transition goes through
/// [`set_state`], the only writer of `state`, `suspended_from` and `closure_reason`).
#[derive(AsChangeset, Default)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub source: Option<String>,
    pub category: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub came_to_attention_at: Option<DateTime<Utc>>,
    pub restricted: Option<bool>,
    pub assigned_investigator_id: Option<Option<Uuid>>,
    pub flagged: Option<bool>,
    pub flag_reasons: Option<serde_json::Value>,
}

/// Applies `changes`, bumps the version and stamps `updated_at`.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &CaseChanges,
    now: DateTime<Utc>,
) -> QueryResult<CaseRow> {
    diesel::update(cases::table.find(id))
        .set((
            changes,
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
}

/// Moves a locked case to another state, bumping its version and stamping `updated_at`, and
/// returns the row as it now stands (computed, not read back: the caller holds the row lock,
/// so nothing else can have changed it). Workflow transitions are the busiest change of all,
/// so this is a statement of fixed text that diesel keeps prepared (it never caches its own
/// `UPDATE`s, whose text depends on the changeset); `suspended_from` and `closure_reason`
/// are always written, so `change` carries the values that stay.
pub fn set_state(
    conn: &mut PgConnection,
    locked: &CaseRow,
    change: StateChange,
    now: DateTime<Utc>,
) -> QueryResult<CaseRow> {
    let mut after = locked.clone();
    after.state.clone_from(&change.state);
    after.suspended_from.clone_from(&change.suspended_from);
    after.closure_reason.clone_from(&change.closure_reason);
    after.version = locked.version + 1;
    after.updated_at = now;
    let update = SetState {
        id: locked.id,
        version: locked.version,
        change,
        now,
    };
    match update.execute(conn)? {
        1 => Ok(after),
        // The row lock makes this unreachable; if it ever happens, nothing may be written.
        _ => Err(diesel::result::Error::RollbackTransaction),
    }
}

pub struct StateChange {
    pub state: String,
    pub suspended_from: Option<String>,
    pub closure_reason: Option<String>,
}

struct SetState {
    id: Uuid,
    /// The version the caller locked: the update touches the row only if it is unchanged.
    version: i32,
    change: StateChange,
    now: DateTime<Utc>,
}

impl diesel::query_builder::QueryId for SetState {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl RunQueryDsl<PgConnection> for SetState {}

impl diesel::query_builder::QueryFragment<Pg> for SetState {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Integer, Nullable, Text, Timestamptz};
        out.push_sql("UPDATE cases SET state = ");
        out.push_bind_param::<Text, _>(&self.change.state)?;
        out.push_sql(", suspended_from = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.change.suspended_from)?;
        out.push_sql(", closure_reason = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.change.closure_reason)?;
        out.push_sql(", version = version + 1, updated_at = ");
        out.push_bind_param::<Timestamptz, _>(&self.now)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<SqlUuid, _>(&self.id)?;
        out.push_sql(" AND version = ");
        out.push_bind_param::<Integer, _>(&self.version)
    }
}

pub fn members(conn: &mut PgConnection, case_id: Uuid) -> QueryResult<Vec<Uuid>> {
    case_members::table
        .filter(case_members::case_id.eq(case_id))
        .select(case_members::user_id)
        .order(case_members::user_id)
        .load(conn)
}

pub fn replace_members(
    conn: &mut PgConnection,
    case_id: Uuid,
    user_ids: &[Uuid],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(case_members::table.filter(case_members::case_id.eq(case_id))).execute(conn)?;
    let rows: Vec<_> = user_ids
        .iter()
        .map(|u| {
            (
                case_members::case_id.eq(case_id),
                case_members::user_id.eq(*u),
                case_members::added_at.eq(now),
            )
        })
        .collect();
    diesel::insert_into(case_members::table)
        .values(&rows)
        .execute(conn)
        .map(|_| ())
}

/// Users linked (through a subject record) to a subject with an allegation on the case.
pub fn subject_user_ids(conn: &mut PgConnection, case_id: Uuid) -> QueryResult<Vec<Uuid>> {
    use crate::db::schema::{allegations, subjects};
    allegations::table
        .inner_join(subjects::table)
        .filter(allegations::case_id.eq(case_id))
        .filter(subjects::user_id.is_not_null())
        .select(subjects::user_id.assume_not_null())
        .distinct()
        .load(conn)
}

/// Bumps the version of a case whose related rows changed (its members).
pub fn touch(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<CaseRow> {
    diesel::update(cases::table.find(id))
        .set((
            cases::version.eq(cases::version + 1),
            cases::updated_at.eq(now),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
}

/// An open, assigned case, for the workload view.
#[derive(Queryable)]
pub struct OpenAssigned {
    pub assigned_to: Uuid,
    pub state: String,
    pub received_at: DateTime<Utc>,
    pub came_to_attention_at: DateTime<Utc>,
    pub reports_made: i64,
}

pub fn open_assigned(conn: &mut PgConnection, viewer: &Viewer) -> QueryResult<Vec<OpenAssigned>> {
    cases::table
        .filter(visible_to(viewer, Purpose::Content))
        .filter(cases::state.ne("closed"))
        .filter(cases::assigned_investigator_id.is_not_null())
        .select((
            cases::assigned_investigator_id.assume_not_null(),
            cases::state,
            cases::received_at,
            cases::came_to_attention_at,
            sql::<diesel::sql_types::BigInt>(
                "(SELECT count(*) FROM decisions d WHERE d.case_id = cases.id AND d.kind = 'twelve_month_report')",
            ),
        ))
        .load(conn)
}

/// The visible cases with allegations against `subject_id`, newest first, each with those
/// allegations.
pub fn about_subject(
    conn: &mut PgConnection,
    viewer: &Viewer,
    subject_id: Uuid,
) -> QueryResult<Vec<(CaseRow, Vec<crate::db::models::AllegationRow>)>> {
    use crate::db::models::AllegationRow;
    use crate::db::schema::allegations;
    let found: Vec<CaseRow> = cases::table
        .filter(visible_to(viewer, Purpose::Content))
        .filter(diesel::dsl::exists(
            allegations::table
                .filter(allegations::case_id.eq(cases::id))
                .filter(allegations::subject_id.eq(subject_id)),
        ))
        .order((cases::received_at.desc(), cases::id))
        .select(CaseRow::as_select())
        .load(conn)?;
    let ids: Vec<Uuid> = found.iter().map(|c| c.id).collect();
    let all: Vec<AllegationRow> = allegations::table
        .filter(allegations::case_id.eq_any(&ids))
        .filter(allegations::subject_id.eq(subject_id))
        .order((allegations::created_at, allegations::id))
        .select(AllegationRow::as_select())
        .load(conn)?;
    Ok(found
        .into_iter()
        .map(|c| {
            let mine = all.iter().filter(|a| a.case_id == c.id).cloned().collect();
            (c, mine)
        })
        .collect())
}

/// How a case list is ordered (keyset pagination on the key, then the id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    ReceivedAt,
    CreatedAt,
    UpdatedAt,
}

pub struct CaseFilter {
    pub state: Option<String>,
    pub category: Option<String>,
    pub severity: Option<String>,
    pub assigned_to: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    pub flagged: Option<bool>,
    pub restricted: Option<bool>,
    pub q: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
    pub report_first_months: i32,
    pub report_repeat_months: i32,
    pub now: DateTime<Utc>,
}

/// The visible cases matching `f`, one page (plus one row to tell whether more follow).
pub fn list(conn: &mut PgConnection, viewer: &Viewer, f: &CaseFilter) -> QueryResult<Vec<CaseRow>> {
    use diesel::sql_types::{Int4, Text, Timestamptz};
    let mut q = cases::table
        .filter(visible_to(viewer, Purpose::Content))
        .select(CaseRow::as_select())
        .into_boxed();
    if let Some(state) = &f.state {
        q = q.filter(cases::state.eq(state.clone()));
    }
    if let Some(category) = &f.category {
        q = q.filter(cases::category.eq(category.clone()));
    }
    if let Some(severity) = &f.severity {
        // A current (not superseded) severity assessment of that severity, for any subject.
        q = q.filter(
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = cases.id AND d.kind = 'severity_assessment' \
                 AND d.details->>'severity' = ",
            )
            .bind::<Text, _>(severity.clone())
            .sql(" AND NOT EXISTS (SELECT 1 FROM decisions d2 WHERE d2.supersedes_id = d.id))"),
        );
    }
    if let Some(user) = f.assigned_to {
        q = q.filter(cases::assigned_investigator_id.eq(user));
    }
    if let Some(subject) = f.subject_id {
        q = q.filter(
            sql::<Bool>("EXISTS (SELECT 1 FROM allegations a WHERE a.case_id = cases.id AND a.subject_id = ")
                .bind::<SqlUuid, _>(subject)
                .sql(")"),
        );
    }
    if let Some(from) = f.received_from {
        q = q.filter(cases::received_at.ge(from));
    }
    if let Some(to) = f.received_to {
        q = q.filter(cases::received_at.lt(to));
    }
    if let Some(overdue) = f.overdue {
        // The same rule as `ReportSchedule::is_overdue`, in SQL.
        // The cheap, indexable bound first: nothing is overdue before its first report is due.
        let expr = sql::<Bool>("(cases.state <> 'closed' AND cases.came_to_attention_at < ")
            .bind::<Timestamptz, _>(f.now)
            .sql(" - make_interval(months => ")
            .bind::<Int4, _>(f.report_first_months)
            .sql(") AND ")
            .bind::<Timestamptz, _>(f.now)
            .sql(" > cases.came_to_attention_at + make_interval(months => ")
            .bind::<Int4, _>(f.report_first_months)
            .sql(" + ")
            .bind::<Int4, _>(f.report_repeat_months)
            .sql(
                " * (SELECT count(*)::int FROM decisions d WHERE d.case_id = cases.id \
                 AND d.kind = 'twelve_month_report')))",
            );
        q = if overdue {
            q.filter(expr)
        } else {
            q.filter(diesel::dsl::not(expr))
        };
    }
    if let Some(flagged) = f.flagged {
        q = q.filter(cases::flagged.eq(flagged));
    }
    if let Some(restricted) = f.restricted {
        q = q.filter(cases::restricted.eq(restricted));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            sql::<Bool>("(cases.search @@ websearch_to_tsquery('english', ")
                .bind::<Text, _>(text.clone())
                .sql(") OR EXISTS (SELECT 1 FROM allegations a WHERE a.case_id = cases.id AND to_tsvector('english', a.description) @@ websearch_to_tsquery('english', ")
                .bind::<Text, _>(text.clone())
                .sql(")))"),
        );
    }
    macro_rules! keyset {
        ($col:expr) => {{
            if let Some((at, id)) = f.after {
                q = if f.descending {
                    q.filter($col.lt(at).or($col.eq(at).and(cases::id.lt(id))))
                } else {
                    q.filter($col.gt(at).or($col.eq(at).and(cases::id.gt(id))))
                };
            }
            q = if f.descending {
                q.order(($col.desc(), cases::id.desc()))
            } else {
                q.order(($col.asc(), cases::id.asc()))
            };
        }};
    }
    match f.sort {
        SortKey::ReceivedAt => keyset!(cases::received_at),
        SortKey::CreatedAt => keyset!(cases::created_at),
        SortKey::UpdatedAt => keyset!(cases::updated_at),
    }
    q.limit(f.limit).load(conn)
}
