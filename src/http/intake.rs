//! The intake queue: reports from the public, accepted into cases or rejected.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::permissions::marker::TriageReports;
use crate::casework::public_reports::{self as service, QueuedReport};
use crate::domain::case::Category;
use crate::domain::intake::IntakeStatus;
use crate::error::ApiResult;
use crate::http::cases::{Reason, Title, caller};
use crate::http::extract::{ApiJson, ApiQuery, RequestMeta, Require, parse_uuid};
use crate::http::pagination::{self, Page};
use crate::state::AppState;

const PROBLEM: &str = "application/problem+json";

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Default `received`.
    #[param(inline)]
    pub status: Option<IntakeStatus>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`; one this list did not issue is 400 `invalid_cursor`.
    pub cursor: Option<String>,
}

/// Reports from the public, oldest first. The read is recorded. A report that names the
/// caller (the named officer's force and collar number match their staff identity) is not
/// listed; an accepted report is listed only to those who may see its case.
#[utoipa::path(
    operation_id = "intake_list",
    tag = "intake",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        (status = 200, description = "One page of reports", body = Page<QueuedReport>),
    )
)]
#[get("/intake/reports")]
pub async fn queue(
    user: Require<TriageReports>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor::<(DateTime<Utc>, Uuid)>(q.cursor.as_deref())?;
    let status = q.status.unwrap_or(IntakeStatus::Received);
    let caller = caller(&user, &meta);
    let rows = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::queue(c, &caller, status, after, limit + 1)
        })
        .await?;
    let page = pagination::page(
        rows,
        limit,
        |r| (r.created_at, r.id),
        QueuedReport::from_row,
    );
    let items = page.items.into_iter().collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"category": "apsp", "title": "Officer pursuing a relationship with a witness"}))]
pub struct AcceptBody {
    /// The case's category (default `apsp`).
    pub category: Option<Category>,
    /// The case's title (default: "Public report <reference>").
    pub title: Option<Title>,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub case_id: Uuid,
}

/// Accept a report: creates a case in `intake` linked to it.
#[utoipa::path(
    operation_id = "intake_accept",
    tag = "intake",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The report")),
    request_body = AcceptBody,
    responses(
        (status = 201, description = "The new case", body = Accepted),
        (status = 404, description = "`not_found`: no such report, one that names the caller, or one accepted into a case they may not see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`wrong_state`: already accepted or rejected", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/intake/reports/{id}/accept")]
pub async fn accept(
    user: Require<TriageReports>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> ApiResult<HttpResponse> {
    let id = parse_uuid("id", &path)?;
    let title = body.title.map(Title::into_string);
    let caller = caller(&user, &meta);
    let settings = state.settings.casework.clone();
    let category = body.category.unwrap_or(Category::Apsp);
    let case_id = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::accept(c, &caller, &settings, id, category, title)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/cases/{case_id}"),
        ))
        .json(Accepted { case_id }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "A duplicate of a report already accepted."}))]
pub struct RejectBody {
    pub reason: Reason,
}

/// Reject a report, with a reason.
#[utoipa::path(
    operation_id = "intake_reject",
    tag = "intake",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The report")),
    request_body = RejectBody,
    responses(
        (status = 204, description = "Rejected"),
        (status = 404, description = "`not_found`: no such report, one that names the caller, or one accepted into a case they may not see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`wrong_state`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/intake/reports/{id}/reject")]
pub async fn reject(
    user: Require<TriageReports>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<RejectBody>,
) -> ApiResult<HttpResponse> {
    let id = parse_uuid("id", &path)?;
    let reason = body.reason.into_string();
    let caller = caller(&user, &meta);
    state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::reject(c, &caller, id, &reason)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
