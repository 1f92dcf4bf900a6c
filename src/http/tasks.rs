//! Investigation tasks: a case's plan, and each user's own open tasks.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::permissions::marker::{EditCases, ReadCases};
use crate::casework::sub_record;
use crate::casework::tasks::{self as service, TaskFields, TaskView};
use crate::db::models::TaskRow;
use crate::domain::task::TaskStatus;
use crate::domain::text::{Line, ParagraphOrBlank};
use crate::error::ApiResult;
use crate::http::case_request::{CaseRequest, record_response};
use crate::http::extract::{ApiJson, ApiQuery, Require, nullable, present};
use crate::http::pagination::{self, Page};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Obtain the officer's duty rosters for September", "due_on": "2026-12-15"}))]
pub struct NewTaskBody {
    pub title: Line<300>,
    pub detail: Option<ParagraphOrBlank<10_000>>,
    /// Someone who can see the case.
    pub assignee_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
}

/// Changes to a task; `null` clears a field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "done", "outcome_note": "Rosters obtained and exhibited."}))]
pub struct TaskChangeBody {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub title: Option<Line<300>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ParagraphOrBlank<10_000>>)]
    pub detail: Option<Option<ParagraphOrBlank<10_000>>>,
    #[serde(default, deserialize_with = "nullable")]
    pub assignee_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    pub due_on: Option<Option<NaiveDate>>,
    pub status: Option<TaskStatus>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ParagraphOrBlank<10_000>>)]
    pub outcome_note: Option<Option<ParagraphOrBlank<10_000>>>,
}

/// Add a task to the case's investigation plan.
#[utoipa::path(
    operation_id = "tasks_create",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = NewTaskBody,
    responses(
        (status = 201, description = "Added", body = TaskView, headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new task"))),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/tasks")]
pub async fn create(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<NewTaskBody>,
) -> ApiResult<HttpResponse> {
    let fields = TaskFields {
        title: Some(body.title.into_string()),
        detail: Some(body.detail.and_then(ParagraphOrBlank::into_option)),
        assignee_id: Some(body.assignee_id),
        due_on: Some(body.due_on),
        ..Default::default()
    };
    let row = req
        .write(move |c, caller, case| sub_record::add::<TaskRow>(c, caller, case, fields))
        .await?;
    req.created(row)
}

crate::sub_record_reads!(
    TaskRow => TaskView, tag: "tasks",
    list: ("tasks_list", "/cases/{id}/tasks", "The case's tasks, oldest first."),
    get: ("tasks_get", "/cases/{id}/tasks/{task_id}", "task_id", "One task."),
    etag: "The version, for `If-Match`",
);

/// Change a task. Needs `If-Match` with the task's ETag.
#[utoipa::path(
    operation_id = "tasks_update",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("task_id" = Uuid, Path, description = "The task"), ("If-Match" = String, Header, description = "The task's ETag")),
    request_body = TaskChangeBody,
    responses(
        (status = 200, description = "Changed", body = TaskView, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cases/{id}/tasks/{task_id}")]
pub async fn update(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<TaskChangeBody>,
) -> ApiResult<HttpResponse> {
    let id = req.record_id()?;
    let blank_is_none = |v: Option<ParagraphOrBlank<10_000>>| v.and_then(|t| t.into_option());
    let fields = TaskFields {
        title: body.title.map(Line::into_string),
        detail: body.detail.map(blank_is_none),
        assignee_id: body.assignee_id,
        due_on: body.due_on,
        status: body.status,
        outcome_note: body.outcome_note.map(blank_is_none),
    };
    let if_match = req.if_match.clone();
    let row = req
        .write(move |c, caller, case| {
            sub_record::update::<TaskRow>(c, caller, case, id, fields, |v| if_match.require(v))
        })
        .await?;
    record_response(HttpResponse::Ok(), row)
}
/// Whose tasks: only the caller's own (`me`) for now.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assignee {
    Me,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyTasks {
    /// `me`: the caller's own open tasks.
    #[param(inline)]
    pub assignee: Assignee,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The caller's open tasks across the cases they can see, overdue first.
#[utoipa::path(
    operation_id = "tasks_mine",
    tag = "tasks",
    security(("bearer" = [])),
    params(MyTasks),
    responses(
        (status = 200, description = "Open tasks", body = Page<TaskView>),
    )
)]
#[get("/tasks")]
pub async fn mine(
    user: Require<ReadCases>,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<MyTasks>,
) -> ApiResult<HttpResponse> {
    let Assignee::Me = q.assignee;
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref())?;
    let viewer = user.viewer();
    let (items, next) = state
        .db
        .run_as(viewer, move |c| service::mine(c, &viewer, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(|k| pagination::encode_cursor(&k)),
    }))
}
