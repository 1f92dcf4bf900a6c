//! Investigation tasks: a case's plan, and each user's own open tasks.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::permissions::marker::{EditCases, ReadCases};
use crate::casework::Checks;
use crate::casework::tasks::{self as service, TaskFields, TaskView};
use crate::domain::Viewer;
use crate::domain::text;
use crate::error::ApiResult;
use crate::http::case_records::Items;
use crate::http::cases::caller;
use crate::http::extract::{
    ApiJson, ApiQuery, IfMatch, RequestMeta, Require, nullable, parse_uuid, versioned,
};
use crate::http::pagination;
use crate::state::AppState;

const PROBLEM: &str = "application/problem+json";

#[derive(Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Done,
    Cancelled,
}

impl TaskStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTaskBody {
    pub title: String,
    pub detail: Option<String>,
    /// Someone who can see the case.
    pub assignee_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
}

/// Changes to a task; `null` clears a field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskChangeBody {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub detail: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub assignee_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    pub due_on: Option<Option<NaiveDate>>,
    pub status: Option<TaskStatus>,
    #[serde(default, deserialize_with = "nullable")]
    pub outcome_note: Option<Option<String>>,
}

fn long(checks: &mut Checks, field: &str, v: Option<String>) -> Option<String> {
    v.filter(|x| !x.trim().is_empty())
        .and_then(|x| checks.take(field, text::paragraph(&x, 10_000)))
}

/// Add a task to the case's investigation plan.
#[utoipa::path(
    operation_id = "tasks_create",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = NewTaskBody,
    responses(
        (status = 201, description = "Added", body = TaskView, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/tasks")]
pub async fn create(
    user: Require<EditCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<NewTaskBody>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let mut checks = Checks::default();
    let title = checks.take("title", text::line(&body.title, 300));
    let detail = long(&mut checks, "detail", body.detail);
    checks.finish()?;
    let fields = TaskFields {
        title,
        detail: Some(detail),
        assignee_id: Some(body.assignee_id),
        due_on: Some(body.due_on),
        ..Default::default()
    };
    let caller = caller(&user, &meta);
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::create(c, &caller, case_id, fields)
        })
        .await?;
    Ok(versioned(HttpResponse::Created(), view.version, &view))
}

/// The case's tasks.
#[utoipa::path(
    operation_id = "tasks_list",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses(
        (status = 200, description = "The tasks", body = Items<TaskView>),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/cases/{id}/tasks")]
pub async fn list(
    user: Require<ReadCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let caller = caller(&user, &meta);
    let items = state
        .db
        .run_as(caller.viewer, move |c| service::list(c, &caller, case_id))
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// Change a task. Needs `If-Match` with the task's ETag.
#[utoipa::path(
    operation_id = "tasks_update",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("task_id" = Uuid, Path, description = "The task"), ("If-Match" = String, Header, description = "The task's ETag")),
    request_body = TaskChangeBody,
    responses(
        (status = 200, description = "Changed", body = TaskView, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 412, description = "`precondition_failed`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 428, description = "`precondition_required`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[patch("/cases/{id}/tasks/{task_id}")]
pub async fn update(
    user: Require<EditCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<TaskChangeBody>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path.0)?;
    let id = parse_uuid("task_id", &path.1)?;
    let mut checks = Checks::default();
    let title = body
        .title
        .as_deref()
        .and_then(|t| checks.take("title", text::line(t, 300)));
    let detail = body.detail.map(|d| long(&mut checks, "detail", d));
    let outcome_note = body
        .outcome_note
        .map(|n| long(&mut checks, "outcome_note", n));
    checks.finish()?;
    let fields = TaskFields {
        title,
        detail,
        assignee_id: body.assignee_id,
        due_on: body.due_on,
        status: body.status.map(|s| s.as_str().to_owned()),
        outcome_note,
    };
    let caller = caller(&user, &meta);
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::update(c, &caller, case_id, id, fields, |v| if_match.require(v))
        })
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
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
}

/// The caller's open tasks across the cases they can see, overdue first.
#[utoipa::path(
    operation_id = "tasks_mine",
    tag = "tasks",
    security(("bearer" = [])),
    params(MyTasks),
    responses(
        (status = 200, description = "Open tasks", body = Items<TaskView>),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
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
    let viewer = Viewer {
        user_id: user.id,
        role: user.role,
    };
    let items = state
        .db
        .run_as(viewer, move |c| service::mine(c, &viewer, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}
