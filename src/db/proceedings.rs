//! Queries on proceedings, outcomes, barred and advisory list reports, and publications.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::domain::proceedings::{PublicationKind, PublicationStatus};
use uuid::Uuid;

use crate::auth::access::{CaseScope, LockedCase};

use crate::db::models::{ListReportRow, OutcomeRow, ProceedingRow, PublicationRow};
use crate::db::schema::{list_reports, outcomes, proceedings, publications};

pub fn insert(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &ProceedingRow,
) -> QueryResult<ProceedingRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(proceedings::table)
        .values(row)
        .returning(ProceedingRow::as_returning())
        .get_result(conn)
}

pub fn for_case(conn: &mut PgConnection, case: &impl CaseScope) -> QueryResult<Vec<ProceedingRow>> {
    proceedings::table
        .filter(proceedings::case_id.eq(case.id()))
        .order((proceedings::scheduled_for, proceedings::id))
        .select(ProceedingRow::as_select())
        .load(conn)
}

pub fn find_for_update(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
) -> QueryResult<Option<ProceedingRow>> {
    proceedings::table
        .filter(proceedings::case_id.eq(case.id()))
        .filter(proceedings::id.eq(id))
        .select(ProceedingRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn reschedule(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
    at: DateTime<Utc>,
    venue: &str,
    now: DateTime<Utc>,
) -> QueryResult<ProceedingRow> {
    diesel::update(
        proceedings::table
            .find(id)
            .filter(proceedings::case_id.eq(case.id())),
    )
    .set((
        proceedings::scheduled_for.eq(at),
        proceedings::venue.eq(venue),
        proceedings::version.eq(proceedings::version + 1),
        proceedings::updated_at.eq(now),
    ))
    .returning(ProceedingRow::as_returning())
    .get_result(conn)
}

pub fn cancel(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<ProceedingRow> {
    diesel::update(
        proceedings::table
            .find(id)
            .filter(proceedings::case_id.eq(case.id())),
    )
    .set((
        proceedings::status.eq("cancelled"),
        proceedings::cancelled_reason.eq(Some(reason)),
        proceedings::version.eq(proceedings::version + 1),
        proceedings::updated_at.eq(now),
    ))
    .returning(ProceedingRow::as_returning())
    .get_result(conn)
}

pub fn insert_outcome(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &OutcomeRow,
) -> QueryResult<OutcomeRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(outcomes::table)
        .values(row)
        .returning(OutcomeRow::as_returning())
        .get_result(conn)
}

pub fn outcomes_for_case(
    conn: &mut PgConnection,
    case: &impl CaseScope,
) -> QueryResult<Vec<OutcomeRow>> {
    outcomes::table
        .filter(outcomes::case_id.eq(case.id()))
        .order((outcomes::created_at, outcomes::id))
        .select(OutcomeRow::as_select())
        .load(conn)
}

/// Whether the subject has a final written warning decided on or after `since`.
pub fn live_final_warning(
    conn: &mut PgConnection,
    subject_id: Uuid,
    since: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outcomes::table
            .filter(outcomes::subject_id.eq(subject_id))
            .filter(outcomes::action.eq("final_written_warning"))
            .filter(outcomes::decided_on.ge(since)),
    ))
    .get_result(conn)
}

pub fn insert_list_report(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &ListReportRow,
) -> QueryResult<ListReportRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(list_reports::table)
        .values(row)
        .returning(ListReportRow::as_returning())
        .get_result(conn)
}

pub fn list_reports_for_case(
    conn: &mut PgConnection,
    case: &impl CaseScope,
) -> QueryResult<Vec<ListReportRow>> {
    list_reports::table
        .filter(list_reports::case_id.eq(case.id()))
        .order((list_reports::created_at, list_reports::id))
        .select(ListReportRow::as_select())
        .load(conn)
}

pub fn insert_publication(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &PublicationRow,
) -> QueryResult<PublicationRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(publications::table)
        .values(row)
        .returning(PublicationRow::as_returning())
        .get_result(conn)
}

pub fn publications_for_case(
    conn: &mut PgConnection,
    case: &impl CaseScope,
) -> QueryResult<Vec<PublicationRow>> {
    publications::table
        .filter(publications::case_id.eq(case.id()))
        .order((publications::created_at, publications::id))
        .select(PublicationRow::as_select())
        .load(conn)
}

pub fn publication_for_update(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
) -> QueryResult<Option<PublicationRow>> {
    publications::table
        .filter(publications::case_id.eq(case.id()))
        .filter(publications::id.eq(id))
        .select(PublicationRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn set_publication_status(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
    status: &str,
    approved_by: Option<Uuid>,
    withdrawn_reason: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<PublicationRow> {
    let row: PublicationRow = publications::table
        .find(id)
        .filter(publications::case_id.eq(case.id()))
        .select(PublicationRow::as_select())
        .first(conn)?;
    diesel::update(
        publications::table
            .find(id)
            .filter(publications::case_id.eq(case.id())),
    )
    .set((
        publications::status.eq(status),
        publications::approved_by.eq(approved_by.or(row.approved_by)),
        publications::approved_at.eq(if approved_by.is_some() {
            Some(now)
        } else {
            row.approved_at
        }),
        publications::withdrawn_reason
            .eq(withdrawn_reason.map(str::to_owned).or(row.withdrawn_reason)),
        publications::version.eq(publications::version + 1),
        publications::updated_at.eq(now),
    ))
    .returning(PublicationRow::as_returning())
    .get_result(conn)
}

/// Published texts of `kind` whose window contains `now`; hearing notices only for hearings
/// still to come. Newest first, keyset on (publish_from, id).
pub fn public(
    conn: &mut PgConnection,
    kind: PublicationKind,
    now: DateTime<Utc>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<PublicationRow>> {
    let mut q = publications::table
        .filter(publications::status.eq(PublicationStatus::Published))
        .filter(publications::kind.eq(kind))
        .filter(publications::publish_from.le(now))
        .filter(publications::publish_until.gt(now))
        .select(PublicationRow::as_select())
        .into_boxed();
    if kind == PublicationKind::HearingNotice {
        q = q.filter(publications::hearing_date.ge(now));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            publications::publish_from
                .lt(at)
                .or(publications::publish_from
                    .eq(at)
                    .and(publications::id.lt(id))),
        );
    }
    q.order((publications::publish_from.desc(), publications::id.desc()))
        .limit(limit)
        .load(conn)
}
