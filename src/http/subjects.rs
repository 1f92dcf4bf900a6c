//! The subject registry: officers and staff, one record per person across cases.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::permissions::marker::{ReadSubjects, RecordSubjects};
use crate::casework::subjects::{self as service, NewSubject};
use crate::casework::views::{SubjectHistory, SubjectView};
use crate::db::subjects::SubjectFilter;
use crate::domain::text::{Line, LineOrBlank};
use crate::domain::user_fields::{CollarNumber, Force};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::cases::caller;
use crate::http::extract::{ApiJson, ApiQuery, RequestMeta, Require, etag, parse_uuid, versioned};
use crate::http::pagination::{self, Page};
use crate::state::AppState;

const PROBLEM: &str = "application/problem+json";

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "force": "Wessex Police",
    "collar_number": "4521",
    "name": "Alex Brown",
    "rank": "PC"
}))]
pub struct CreateSubject {
    /// The force, e.g. `Metropolitan Police Service`.
    pub force: Force,
    /// Collar or payroll number: with the force, identifies the person across cases.
    pub collar_number: CollarNumber,
    pub name: Line<200>,
    /// Blank is the same as absent.
    pub rank: Option<LineOrBlank<100>>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListSubjects {
    /// Part of a name or collar number.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub force: Option<String>,
    /// Only subjects flagged by the early warning.
    pub flagged: Option<bool>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`; one this list did not issue is 400 `invalid_cursor`.
    pub cursor: Option<String>,
}

/// Register a subject.
#[utoipa::path(
    operation_id = "subjects_create",
    tag = "subjects",
    security(("bearer" = [])),
    request_body = CreateSubject,
    responses(
        (status = 201, description = "Registered", body = SubjectView, headers(("ETag" = String, description = "The version"))),
        (status = 409, description = "`subject_exists` (the same answer whoever the subject is), or `conflict_of_interest`: the caller's own staff identity", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/subjects")]
pub async fn create_subject(
    user: Require<RecordSubjects>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<CreateSubject>,
) -> ApiResult<HttpResponse> {
    let input = NewSubject {
        force: body.force.into_string(),
        collar_number: body.collar_number.into_string(),
        name: body.name.into_string(),
        rank: body.rank.and_then(LineOrBlank::into_option),
    };
    let caller = caller(&user, &meta);
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| service::create(c, &caller, input))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/subjects/{}", view.id)))
        .insert_header((header::ETAG, etag(view.version)))
        .json(view))
}

/// Search the registry. `flagged=true` lists the subjects the early warning flagged.
/// Nobody sees their own subject record: a subject linked to the caller's staff identity
/// is never listed, and reading it answers 404, whatever the caller's role.
#[utoipa::path(
    operation_id = "subjects_list",
    tag = "subjects",
    security(("bearer" = [])),
    params(ListSubjects),
    responses(
        (status = 200, description = "One page of subjects, by name", body = Page<SubjectView>),
    )
)]
#[get("/subjects")]
pub async fn list_subjects(
    user: Require<ReadSubjects>,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<ListSubjects>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(q.limit)?;
    if q.q.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "q",
            "too_long",
            "must be at most 200 characters",
        ));
    }
    let filter = SubjectFilter {
        viewer: crate::domain::Viewer {
            user_id: user.id,
            role: user.role,
        },
        q: q.q.filter(|t| !t.trim().is_empty()),
        force: q.force,
        flagged: q.flagged,
        after: pagination::decode_cursor::<(String, Uuid)>(q.cursor.as_deref())?,
        limit: limit + 1,
    };
    let settings = state.settings.casework.clone();
    let timeout = state.settings.database.list_statement_timeout;
    let views = state
        .db
        .list_as(filter.viewer, timeout, move |c| {
            service::list(c, &settings, &filter)
        })
        .await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        views,
        limit,
        |v| (v.name.clone(), v.id),
        |v| v,
    )))
}

/// Read a subject.
/// Nobody sees their own subject record: a subject linked to the caller's staff identity
/// is never listed, and reading it answers 404, whatever the caller's role.
#[utoipa::path(
    operation_id = "subjects_get",
    tag = "subjects",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject")),
    responses(
        (status = 200, description = "The subject", body = SubjectView, headers(("ETag" = String, description = "The version"))),
    )
)]
#[get("/subjects/{id}")]
pub async fn get_subject(
    user: Require<ReadSubjects>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = parse_uuid("id", &path)?;
    let caller = caller(&user, &meta);
    let settings = state.settings.casework.clone();
    let view = state
        .db
        .run_as(caller.viewer, move |c| {
            service::get(c, &caller, &settings, id)
        })
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}

/// Every case and allegation about this person that the caller may see.
/// Nobody sees their own subject record: a subject linked to the caller's staff identity
/// is never listed, and reading it answers 404, whatever the caller's role.
#[utoipa::path(
    operation_id = "subjects_history",
    tag = "subjects",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject")),
    responses(
        (status = 200, description = "The history", body = SubjectHistory),
    )
)]
#[get("/subjects/{id}/history")]
pub async fn subject_history(
    user: Require<ReadSubjects>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = parse_uuid("id", &path)?;
    let caller = caller(&user, &meta);
    let settings = state.settings.casework.clone();
    let history = state
        .db
        .run_as(caller.viewer, move |c| {
            service::history(c, &caller, &settings, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(history))
}
