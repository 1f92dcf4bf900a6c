//! Queries on investigation tasks.

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::access::{CaseScope, LockedCase};

use crate::auth::access::Purpose;
use crate::auth::access::sql::cases_visible_to;
use crate::db::models::TaskRow;
use crate::db::schema::{cases, tasks};
use crate::domain::Viewer;

pub fn insert(conn: &mut PgConnection, case: &LockedCase, row: &TaskRow) -> QueryResult<TaskRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(tasks::table)
        .values(row)
        .returning(TaskRow::as_returning())
        .get_result(conn)
}

pub fn for_case(conn: &mut PgConnection, case: &impl CaseScope) -> QueryResult<Vec<TaskRow>> {
    tasks::table
        .filter(tasks::case_id.eq(case.id()))
        .order((tasks::created_at, tasks::id))
        .select(TaskRow::as_select())
        .load(conn)
}

pub fn find_for_update(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
) -> QueryResult<Option<TaskRow>> {
    tasks::table
        .filter(tasks::case_id.eq(case.id()))
        .filter(tasks::id.eq(id))
        .select(TaskRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn save(conn: &mut PgConnection, case: &LockedCase, row: &TaskRow) -> QueryResult<TaskRow> {
    diesel::update(
        tasks::table
            .find(row.id)
            .filter(tasks::case_id.eq(case.id())),
    )
    .set((
        tasks::title.eq(&row.title),
        tasks::detail.eq(&row.detail),
        tasks::assignee_id.eq(row.assignee_id),
        tasks::due_on.eq(row.due_on),
        tasks::status.eq(&row.status),
        tasks::outcome_note.eq(&row.outcome_note),
        tasks::version.eq(tasks::version + 1),
        tasks::updated_at.eq(row.updated_at),
    ))
    .returning(TaskRow::as_returning())
    .get_result(conn)
}

/// The viewer's open tasks on cases they can see: overdue first, then by due date (undated
/// last).
pub fn open_for(
    conn: &mut PgConnection,
    viewer: &Viewer,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<TaskRow>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Date};
    tasks::table
        .inner_join(cases::table)
        .filter(cases_visible_to(viewer, Purpose::Content))
        .filter(tasks::assignee_id.eq(viewer.user_id))
        .filter(tasks::status.eq("open"))
        .order((
            sql::<Bool>("(tasks.due_on IS NOT NULL AND tasks.due_on < ")
                .bind::<Date, _>(today)
                .sql(") DESC"),
            tasks::due_on.asc().nulls_last(),
            tasks::created_at.asc(),
        ))
        .limit(limit)
        .select(TaskRow::as_select())
        .load(conn)
}
