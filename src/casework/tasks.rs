//! Investigation tasks: the plan of a case, each task assigned to someone who can see it.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit;
use crate::auth::access::{self, CaseScope, LockedCase};
use crate::casework::Caller;
use crate::casework::sub_record::{EditableSubRecord, SubRecord};
use crate::db::models::TaskRow;
use crate::db::{tasks as queries, users};
use crate::domain::Viewer;
use crate::domain::task::TaskStatus;
use crate::error::{ApiError, ApiResult, ErrorCode};

crate::case_table!(TaskRow, tasks, versioned);

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    #[serde(flatten)]
    #[schema(inline)]
    pub task: TaskRow,
    /// Open and past its due date.
    pub overdue: bool,
}

impl From<TaskRow> for TaskView {
    fn from(task: TaskRow) -> Self {
        let today = audit::now().date_naive();
        Self {
            overdue: task.status == TaskStatus::Open && task.due_on.is_some_and(|d| d < today),
            task,
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
    pub status: Option<TaskStatus>,
    pub outcome_note: Option<Option<String>>,
}

impl SubRecord for TaskRow {
    const ENTITY: &'static str = "task";
    const CREATED: &'static str = "task.created";
    type Fields = TaskFields;
    type View = TaskView;

    fn new(case: &LockedCase, caller: &Caller, fields: TaskFields, now: DateTime<Utc>) -> Self {
        let mut row = TaskRow {
            id: Uuid::new_v4(),
            case_id: case.id(),
            title: String::new(),
            detail: None,
            assignee_id: None,
            due_on: None,
            status: TaskStatus::Open,
            outcome_note: None,
            created_by: caller.viewer.user_id,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        row.apply(fields);
        row
    }

    fn audit(&self) -> Value {
        json!({
            "title": self.title, "detail": self.detail, "assignee_id": self.assignee_id,
            "due_on": self.due_on, "status": self.status, "outcome_note": self.outcome_note,
        })
    }

    fn view(self) -> ApiResult<TaskView> {
        Ok(self.into())
    }

    /// Refuses an assignee who could not see the case.
    fn check(
        &self,
        conn: &mut PgConnection,
        case: &LockedCase,
        before: Option<&Self>,
    ) -> ApiResult<()> {
        let Some(user_id) = self.assignee_id else {
            return Ok(());
        };
        if before.is_some_and(|b| b.assignee_id == self.assignee_id) {
            return Ok(());
        }
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
}

impl EditableSubRecord for TaskRow {
    const UPDATED: &'static str = "task.updated";
    type Change = TaskFields;

    fn apply(&mut self, f: TaskFields) {
        if let Some(v) = f.title {
            self.title = v;
        }
        if let Some(v) = f.detail {
            self.detail = v;
        }
        if let Some(v) = f.assignee_id {
            self.assignee_id = v;
        }
        if let Some(v) = f.due_on {
            self.due_on = v;
        }
        if let Some(v) = f.status {
            self.status = v;
        }
        if let Some(v) = f.outcome_note {
            self.outcome_note = v;
        }
    }
}

/// A page of the viewer's open tasks on the cases they can see: overdue first, then by due
/// date (undated last). The cursor is the position of the last task of the previous page.
pub fn mine(
    conn: &mut PgConnection,
    viewer: &Viewer,
    after: Option<queries::MineKey>,
    limit: i64,
) -> ApiResult<(Vec<TaskView>, Option<queries::MineKey>)> {
    let today = audit::now().date_naive();
    let mut rows = queries::open_for(conn, viewer, today, after, limit + 1)?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|t| queries::mine_key(t, today))
    } else {
        None
    };
    Ok((rows.into_iter().map(TaskView::from).collect(), next))
}
