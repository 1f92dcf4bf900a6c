//! Investigation tasks: the plan of a case, each task assigned to someone who can see it.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access::{self, LockedCase};
use crate::casework::Caller;
use crate::casework::cases::lock_for_change;
use crate::db::models::TaskRow;
use crate::db::{tasks as queries, users};
use crate::domain::Viewer;
use crate::error::{ApiError, ApiResult, ErrorCode};

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub title: String,
    pub detail: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    /// `open`, `done` or `cancelled`.
    pub status: String,
    pub outcome_note: Option<String>,
    /// Open and past its due date.
    pub overdue: bool,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TaskRow> for TaskView {
    fn from(t: TaskRow) -> Self {
        let today = audit::now().date_naive();
        Self {
            overdue: t.status == "open" && t.due_on.is_some_and(|d| d < today),
            id: t.id,
            case_id: t.case_id,
            title: t.title,
            detail: t.detail,
            assignee_id: t.assignee_id,
            due_on: t.due_on,
            status: t.status,
            outcome_note: t.outcome_note,
            created_by: t.created_by,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A task's fields, as set by a create or a change (`None` leaves a field as it is).
#[derive(Default)]
pub struct TaskFields {
    pub title: Option<String>,
    pub detail: Option<Option<String>>,
    pub assignee_id: Option<Option<Uuid>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub status: Option<String>,
    pub outcome_note: Option<Option<String>>,
}

fn task_audit(t: &TaskRow) -> Value {
    json!({
        "title": t.title, "detail": t.detail, "assignee_id": t.assignee_id,
        "due_on": t.due_on, "status": t.status, "outcome_note": t.outcome_note,
    })
}

/// Refuses an assignee who could not see the case.
fn check_assignee(
    conn: &mut PgConnection,
    case: &LockedCase,
    assignee: Option<Uuid>,
) -> ApiResult<()> {
    let Some(user_id) = assignee else {
        return Ok(());
    };
    let can_see = match users::find(conn, user_id)? {
        Some(u) => access::could_see(conn, &u, case)?,
        None => false,
    };
    if can_see {
        Ok(())
    } else {
        Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "assignee_id",
            "cannot_see_case",
            "is not someone who can see this case",
        ))
    }
}

fn apply(row: &mut TaskRow, f: TaskFields) {
    if let Some(v) = f.title {
        row.title = v;
    }
    if let Some(v) = f.detail {
        row.detail = v;
    }
    if let Some(v) = f.assignee_id {
        row.assignee_id = v;
    }
    if let Some(v) = f.due_on {
        row.due_on = v;
    }
    if let Some(v) = f.status {
        row.status = v;
    }
    if let Some(v) = f.outcome_note {
        row.outcome_note = v;
    }
}

pub fn create(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    fields: TaskFields,
) -> ApiResult<TaskView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    if case.state == "closed" {
        return Err(crate::casework::cases::case_closed());
    }
    let now = audit::now();
    let mut row = TaskRow {
        id: Uuid::new_v4(),
        case_id,
        title: String::new(),
        detail: None,
        assignee_id: None,
        due_on: None,
        status: "open".into(),
        outcome_note: None,
        created_by: caller.viewer.user_id,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    apply(&mut row, fields);
    check_assignee(conn, &case, row.assignee_id)?;
    let row = queries::insert(conn, &case, &row)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("task.created")
            .entity("task", row.id)
            .case(case_id)
            .after(task_audit(&row)),
    )?;
    Ok(row.into())
}

pub fn update(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    id: Uuid,
    fields: TaskFields,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<TaskView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    let before = queries::find_for_update(conn, &case, id)?.ok_or_else(ApiError::not_found)?;
    check_version(before.version)?;
    let mut row = before.clone();
    apply(&mut row, fields);
    if row.assignee_id != before.assignee_id {
        check_assignee(conn, &case, row.assignee_id)?;
    }
    row.updated_at = audit::now();
    let after = queries::save(conn, &case, &row)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("task.updated")
            .entity("task", id)
            .case(case_id)
            .before(task_audit(&before))
            .after(task_audit(&after)),
    )?;
    Ok(after.into())
}

pub fn list(conn: &mut PgConnection, caller: &Caller, case_id: Uuid) -> ApiResult<Vec<TaskView>> {
    let case = access::find_visible(conn, &caller.viewer, case_id)?;
    Ok(queries::for_case(conn, &case)?
        .into_iter()
        .map(TaskView::from)
        .collect())
}

pub fn mine(conn: &mut PgConnection, viewer: &Viewer, limit: i64) -> ApiResult<Vec<TaskView>> {
    Ok(
        queries::open_for(conn, viewer, audit::now().date_naive(), limit)?
            .into_iter()
            .map(TaskView::from)
            .collect(),
    )
}
