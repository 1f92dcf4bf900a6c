//! Queries on investigation tasks beyond those every case record shares
//! (`casework::tasks`' `case_table!`): each user's own open tasks, across cases.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::access::Purpose;
use crate::auth::access::sql::cases_visible_to;
use crate::db::models::TaskRow;
use crate::db::schema::{cases, tasks};
use crate::domain::Viewer;
use crate::domain::task::TaskStatus;

/// Where an open task stands in its assignee's list: overdue first (0), then by due date
/// (undated last, as the far date), then as made.
pub type MineKey = (i32, NaiveDate, DateTime<Utc>, Uuid);

/// The date an undated task sorts under: after every real one.
fn undated() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

pub fn mine_key(t: &TaskRow, today: NaiveDate) -> MineKey {
    let overdue = t.due_on.is_some_and(|d| d < today);
    (
        i32::from(!overdue),
        t.due_on.unwrap_or_else(undated),
        t.created_at,
        t.id,
    )
}

/// Up to `limit` of the viewer's open tasks on cases they can see, after `after`, in the
/// order of [`MineKey`].
pub fn open_for(
    conn: &mut PgConnection,
    viewer: &Viewer,
    today: NaiveDate,
    after: Option<MineKey>,
    limit: i64,
) -> QueryResult<Vec<TaskRow>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Date, Integer, Timestamptz};
    // One expression for the order and the cursor, so the two cannot disagree.
    let position = || {
        sql::<Bool>("")
            .sql("(CASE WHEN tasks.due_on < ")
            .bind::<Date, _>(today)
            .sql(" THEN 0 ELSE 1 END, COALESCE(tasks.due_on, ")
            .bind::<Date, _>(undated())
            .sql("), tasks.created_at, tasks.id)")
    };
    let mut query = tasks::table
        .inner_join(cases::table)
        .filter(cases_visible_to(viewer, Purpose::Content))
        .filter(tasks::assignee_id.eq(viewer.user_id))
        .filter(tasks::status.eq(TaskStatus::Open))
        .select(TaskRow::as_select())
        .into_boxed();
    if let Some((rank, due, created, id)) = after {
        query = query.filter(
            position()
                .sql(" > (")
                .bind::<Integer, _>(rank)
                .sql(", ")
                .bind::<Date, _>(due)
                .sql(", ")
                .bind::<Timestamptz, _>(created)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(id)
                .sql(")"),
        );
    }
    query
        .order(
            sql::<Bool>("CASE WHEN tasks.due_on < ")
                .bind::<Date, _>(today)
                .sql(" THEN 0 ELSE 1 END, COALESCE(tasks.due_on, ")
                .bind::<Date, _>(undated())
                .sql("), tasks.created_at, tasks.id"),
        )
        .limit(limit)
        .load(conn)
}
