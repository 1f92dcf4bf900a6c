//! Queries on cases. Who may see which case is decided by `auth::access`: lists take its
//! predicate, and single cases are read here only for it to check.

use chrono::{DateTime, Datelike, Utc};
use diesel::dsl::sql;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Uuid as SqlUuid};
use uuid::Uuid;

use crate::auth::access::sql::cases_visible_to;
use crate::auth::access::{CaseScope, LockedCase, Purpose};
use crate::db::models::CaseRow;
use crate::db::schema::{case_members, case_reference_counters, cases, users};
use crate::domain::case::CaseReference;
use crate::domain::case::{CaseState, Category, ClosureReason, Source};
use crate::domain::decision::Severity;
use crate::domain::{Role, Viewer};

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

pub fn is_member(conn: &mut PgConnection, case_id: Uuid, user_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        case_members::table
            .filter(case_members::case_id.eq(case_id))
            .filter(case_members::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

/// Whether `user_id` is linked, by staff identity, to a subject with an allegation on the
/// case (the subject-conflict rule of `auth::access`).
pub fn linked_to_subject(
    conn: &mut PgConnection,
    case_id: Uuid,
    user_id: Uuid,
) -> QueryResult<bool> {
    use crate::db::schema::{allegations, subjects, users};
    diesel::select(diesel::dsl::exists(
        allegations::table
            .inner_join(subjects::table)
            .inner_join(users::table.on(users::staff_key.eq(subjects::staff_key.nullable())))
            .filter(allegations::case_id.eq(case_id))
            .filter(users::id.eq(user_id)),
    ))
    .get_result(conn)
}

/// Whether some active user with `role` may see the case, by `visible` (the access
/// policy's predicate for the users of this query).
pub fn any_user_sees(
    conn: &mut PgConnection,
    case_id: Uuid,
    role: Role,
    visible: crate::auth::access::sql::AccessSql,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cases::table
            .filter(cases::id.eq(case_id))
            .filter(diesel::dsl::exists(
                users::table
                    .filter(users::active)
                    .filter(users::role.eq(role.as_str()))
                    .filter(visible),
            )),
    ))
    .get_result(conn)
}

/// What a change other than a workflow transition may set (a transition goes through
/// [`set_state`], the only writer of `state`, `suspended_from` and `closure_reason`).
#[derive(AsChangeset, Default)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub source: Option<Source>,
    pub category: Option<Category>,
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
    case: &LockedCase,
    changes: &CaseChanges,
    now: DateTime<Utc>,
) -> QueryResult<CaseRow> {
    diesel::update(cases::table.find(case.id()))
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
    locked: &LockedCase,
    change: StateChange,
    now: DateTime<Utc>,
) -> QueryResult<CaseRow> {
    let locked = locked.row();
    let mut after = locked.clone();
    after.state = change.state;
    after.suspended_from = change.suspended_from;
    after.closure_reason = change.closure_reason;
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
    pub state: CaseState,
    pub suspended_from: Option<CaseState>,
    pub closure_reason: Option<ClosureReason>,
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

pub fn members(conn: &mut PgConnection, case: &impl CaseScope) -> QueryResult<Vec<Uuid>> {
    case_members::table
        .filter(case_members::case_id.eq(case.id()))
        .select(case_members::user_id)
        .order(case_members::user_id)
        .load(conn)
}

pub fn replace_members(
    conn: &mut PgConnection,
    case: &LockedCase,
    user_ids: &[Uuid],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let case_id = case.id();
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

/// Bumps the version of a case whose related rows changed (its members).
pub fn touch(
    conn: &mut PgConnection,
    case: &LockedCase,
    now: DateTime<Utc>,
) -> QueryResult<CaseRow> {
    diesel::update(cases::table.find(case.id()))
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
        .filter(cases_visible_to(viewer, Purpose::Content))
        .filter(cases::state.ne("closed"))
        .filter(cases::assigned_investigator_id.is_not_null())
        .select((
            cases::assigned_investigator_id.assume_not_null(),
            cases::state,
            cases::received_at,
            cases::came_to_attention_at,
            // Counted on the case row (migration `cases_twelve_month_report_count`).
            sql::<diesel::sql_types::BigInt>("cases.twelve_month_reports::bigint"),
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
        .filter(cases_visible_to(viewer, Purpose::Content))
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

impl SortKey {
    /// The column of `cases` it orders by.
    fn column(self) -> &'static str {
        match self {
            SortKey::ReceivedAt => "received_at",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
        }
    }
}

pub struct CaseFilter {
    pub state: Option<CaseState>,
    pub category: Option<Category>,
    pub severity: Option<Severity>,
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

/// `cases.id IN (the ids probity_search_cases finds)`: fixed text with bound values, not an
/// SQL literal, so that a list that searches is prepared once per connection like any other
/// (diesel never caches a statement holding a literal: each would be parsed and planned again
/// on every request, which under load shows as a long tail of slow searches).
struct SearchMatches {
    text: String,
    sort: &'static str,
    descending: bool,
    after_at: Option<DateTime<Utc>>,
    after_id: Option<Uuid>,
    limit: Option<i32>,
}

impl QueryFragment<Pg> for SearchMatches {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::{Int4, Nullable, Text, Timestamptz};
        out.push_sql("cases.id IN (SELECT probity_search_cases(websearch_to_tsquery('english', ");
        out.push_bind_param::<Text, _>(&self.text)?;
        out.push_sql("), ");
        out.push_bind_param::<Text, _>(&self.sort)?;
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&self.descending)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Timestamptz>, _>(&self.after_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&self.after_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Int4>, _>(&self.limit)?;
        out.push_sql("))");
        Ok(())
    }
}

impl Expression for SearchMatches {
    type SqlType = Bool;
}

impl AppearsOnTable<cases::table> for SearchMatches {}
impl SelectableExpression<cases::table> for SearchMatches {}

impl<GB> ValidGrouping<GB> for SearchMatches {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryId for SearchMatches {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl CaseFilter {
    /// Whether the text is the list's only filter, so that the search can stop at the page:
    /// with another filter it must find every match, for the filter to choose among them.
    /// (Every field is named, so a new filter cannot be forgotten here.)
    fn text_only(&self) -> bool {
        let CaseFilter {
            state,
            category,
            severity,
            assigned_to,
            subject_id,
            received_from,
            received_to,
            overdue,
            flagged,
            restricted,
            q: _,
            sort: _,
            descending: _,
            after: _,
            limit: _,
            report_first_months: _,
            report_repeat_months: _,
            now: _,
        } = self;
        state.is_none()
            && category.is_none()
            && severity.is_none()
            && assigned_to.is_none()
            && subject_id.is_none()
            && received_from.is_none()
            && received_to.is_none()
            && overdue.is_none()
            && flagged.is_none()
            && restricted.is_none()
    }
}

/// The visible cases matching `f`, one page (plus one row to tell whether more follow).
pub fn list(conn: &mut PgConnection, viewer: &Viewer, f: &CaseFilter) -> QueryResult<Vec<CaseRow>> {
    use diesel::sql_types::{Int4, Text, Timestamptz};
    let mut q = cases::table
        .filter(cases_visible_to(viewer, Purpose::Content))
        .select(CaseRow::as_select())
        .into_boxed();
    if let Some(state) = f.state {
        q = q.filter(cases::state.eq(state));
    }
    if let Some(category) = f.category {
        q = q.filter(cases::category.eq(category));
    }
    if let Some(severity) = f.severity {
        // A current (not superseded) severity assessment of that severity, for any subject.
        q = q.filter(
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = cases.id AND d.kind = 'severity_assessment' \
                 AND d.details->>'severity' = ",
            )
            .bind::<Text, _>(severity)
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
            // The case's 12-month reports, counted on its row (migration
            // `cases_twelve_month_report_count`).
            .sql(" * cases.twelve_month_reports))");
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
        // The title and summary, or the descriptions of the case's allegations (vectors the
        // case row carries), matched through their indexes by `probity_search_cases`, which
        // keeps only the cases the caller's rule shows (installed by `auth::access::wall`). It
        // stops at the page when nothing else filters the list.
        let (after_at, after_id) = f.after.unzip();
        q = q.filter(SearchMatches {
            text: text.clone(),
            sort: f.sort.column(),
            descending: f.descending,
            after_at,
            after_id,
            limit: f
                .text_only()
                .then(|| i32::try_from(f.limit).unwrap_or(i32::MAX)),
        });
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
