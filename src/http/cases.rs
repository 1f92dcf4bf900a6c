//! Cases: record, read, change, list, move through the workflow, assign, name members, and
//! read a case's audit trail.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::audit::Actor;
use crate::auth::access::{self, LockedCase};
use crate::auth::permissions::PermissionMarker;
use crate::auth::permissions::marker::{
    CreateCases, EditCases, ManageCases, ReadCaseAudit, ReadCases, TransitionCases,
};
use crate::casework::cases::{self as service, CaseEdit, NewCase, TransitionRequest};
use crate::casework::views::{CaseSummary, CaseView};
use crate::casework::{Caller, Checks};
use crate::db::audit::{EventFilter, EventScope};
use crate::db::cases::{self as queries, CaseFilter, SortKey};
use crate::domain::Viewer;
use crate::domain::case::{CaseState, Category, ClosureReason, Source};
use crate::domain::decision::Severity;
use crate::domain::text::{Line, Paragraph};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::audit::AuditEvent;
use crate::http::case_request::CaseRequest;
use crate::http::extract::{
    ApiJson, ApiQuery, AuthUser, RequestMeta, Require, etag, parse_uuid, present,
};
use crate::http::openapi::BodyRules;
use crate::http::pagination::{self, Page};
use crate::state::AppState;

pub const TITLE_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 20_000;
pub const REASON_MAX: usize = 5_000;

/// A case's title.
pub type Title = Line<TITLE_MAX>;
/// A case's summary.
pub type Summary = Paragraph<SUMMARY_MAX>;
/// Why a change is made: kept on the audit trail.
pub type Reason = Paragraph<REASON_MAX>;

pub fn caller(user: &AuthUser, meta: &RequestMeta) -> Caller {
    Caller {
        viewer: Viewer {
            user_id: user.id,
            role: user.role,
        },
        audit: meta.audit(Actor::User(user.id)),
    }
}

/// A case view with its `ETag`.
pub fn case_response(mut builder: actix_web::HttpResponseBuilder, view: CaseView) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag(view.version)))
        .json(view)
}

/// The case as it stands after a change, read in the change's own transaction (the caller
/// saw it when the change began; a transition may take it out of their sight).
fn view_after(
    c: &mut diesel::PgConnection,
    viewer: &Viewer,
    case: LockedCase,
    settings: &crate::config::CaseworkSettings,
) -> ApiResult<CaseView> {
    let record = crate::casework::facts::CaseRecord::load(c, case)?;
    service::build_view(c, viewer, record, settings)
}

/// Runs a change to a case in one transaction and answers with the case as it then stands.
async fn change_case<P, F>(req: &CaseRequest<P>, change: F) -> ApiResult<HttpResponse>
where
    P: PermissionMarker,
    F: FnOnce(&mut diesel::PgConnection, &Caller) -> ApiResult<LockedCase> + Send + 'static,
{
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| {
            let row = change(c, caller)?;
            view_after(c, &caller.viewer, row, &settings)
        })
        .await?;
    Ok(case_response(HttpResponse::Ok(), view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Officer contacting a domestic abuse victim",
    "summary": "A victim reports that the officer who took her statement keeps messaging her.",
    "source": "public_report",
    "category": "apsp",
    "received_at": "2026-11-20T09:00:00Z"
}))]
pub struct CreateCase {
    pub title: Title,
    pub summary: Summary,
    pub source: Source,
    pub category: Category,
    pub received_at: DateTime<Utc>,
    /// When the matter came to the force's attention (default: `received_at`); the 12-month
    /// report is counted from it.
    pub came_to_attention_at: Option<DateTime<Utc>>,
    /// Restricted cases are seen only by named members and the assigned investigator
    /// (supervisors only may set it).
    #[serde(default)]
    pub restricted: bool,
}

/// The fields to change (at least one); a field left out is left as it is.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1, example = json!({"title": "Officer contacting a victim of crime", "restricted": true}))]
pub struct UpdateCase {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub title: Option<Title>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub summary: Option<Summary>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub source: Option<Source>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub category: Option<Category>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub received_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub came_to_attention_at: Option<DateTime<Utc>>,
    /// Supervisors only.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub restricted: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "assessment", "reason": "An allegation is recorded against the officer."}))]
pub struct TransitionBody {
    pub to: CaseState,
    /// Why: kept on the case's audit trail.
    pub reason: Reason,
    /// Required when `to` is `closed`.
    pub closure_reason: Option<ClosureReason>,
}

/// `closure_reason` only with `to: closed` (checked in [`transition`]).
impl BodyRules for TransitionBody {
    fn rules() -> serde_json::Map<String, serde_json::Value> {
        let rules = serde_json::json!({"anyOf": [
            {"properties": {"to": {"const": CaseState::Closed.as_str()}}},
            {"properties": {"closure_reason": {"type": "null"}}},
        ]});
        rules.as_object().cloned().unwrap_or_default()
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"investigator_id": "0b6a8c4e-5a53-4a4f-9d2e-3f4f7f8a1c2d"}))]
pub struct AssignmentBody {
    pub investigator_id: Uuid,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_ids": ["0b6a8c4e-5a53-4a4f-9d2e-3f4f7f8a1c2d"]}))]
pub struct MembersBody {
    /// At most 100 people.
    #[schema(max_items = 100)]
    pub user_ids: Vec<Uuid>,
}

/// How many members a case may name (the schema's `max_items` above says it too).
pub const MEMBERS_MAX: usize = 100;
const _: () = assert!(MEMBERS_MAX == 100);

#[derive(Clone, Copy, Deserialize, ToSchema)]
pub enum CaseSort {
    #[serde(rename = "received_at")]
    ReceivedAt,
    #[serde(rename = "-received_at")]
    ReceivedAtDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    #[serde(rename = "updated_at")]
    UpdatedAt,
    #[serde(rename = "-updated_at")]
    UpdatedAtDesc,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCases {
    pub state: Option<CaseState>,
    pub category: Option<Category>,
    /// Cases with a current severity assessment of this severity.
    pub severity: Option<Severity>,
    pub assigned_to: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    pub overdue: Option<bool>,
    pub flagged: Option<bool>,
    pub restricted: Option<bool>,
    /// Full-text search over title, summary and allegation descriptions.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `received_at`, `-received_at` (default), `created_at`, `-created_at`, `updated_at`,
    /// `-updated_at`.
    #[param(inline)]
    pub sort: Option<CaseSort>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`; one this list did not issue is 400 `invalid_cursor`.
    pub cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseAuditQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`; one this list did not issue is 400 `invalid_cursor`.
    pub cursor: Option<String>,
}

const PROBLEM: &str = "application/problem+json";

/// Record a case.
#[utoipa::path(
    operation_id = "cases_create",
    tag = "cases",
    security(("bearer" = [])),
    request_body = CreateCase,
    responses(
        (status = 201, description = "Recorded, in `intake`", body = CaseView, headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The case"))),
    )
)]
#[post("/cases")]
pub async fn create_case(
    user: Require<CreateCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<CreateCase>,
) -> ApiResult<HttpResponse> {
    let came = body.came_to_attention_at.unwrap_or(body.received_at);
    let caller = caller(&user, &meta);
    let input = NewCase {
        title: body.title.into_string(),
        summary: body.summary.into_string(),
        source: body.source,
        category: body.category,
        received_at: body.received_at,
        came_to_attention_at: came,
        restricted: body.restricted,
    };
    let settings = state.settings.casework.clone();
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            let row = service::create(c, &caller, input)?;
            view_after(c, &caller.viewer, row, &settings)
        })
        .await?;
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/api/v1/cases/{}", view.id)));
    Ok(case_response(builder, view))
}

/// Read a case. The read is recorded on the case's audit trail.
#[utoipa::path(
    operation_id = "cases_get",
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses(
        (status = 200, description = "The case", body = CaseView, headers(("ETag" = String, description = "The version"))),
    )
)]
#[get("/cases/{id}")]
pub async fn get_case(req: CaseRequest<ReadCases>) -> ApiResult<HttpResponse> {
    let id = req.case_id;
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| service::view(c, caller, &settings, id))
        .await?;
    Ok(case_response(HttpResponse::Ok(), view))
}

/// Change a case's details. Needs `If-Match`.
#[utoipa::path(
    operation_id = "cases_update",
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = UpdateCase,
    responses(
        (status = 200, description = "Changed", body = CaseView, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`forbidden` (only supervisors restrict cases)", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[patch("/cases/{id}")]
pub async fn update_case(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<UpdateCase>,
) -> ApiResult<HttpResponse> {
    let if_match = req.if_match.clone();
    let id = req.case_id;
    let mut checks = Checks::default();
    let nothing = body.title.is_none()
        && body.summary.is_none()
        && body.source.is_none()
        && body.category.is_none()
        && body.received_at.is_none()
        && body.came_to_attention_at.is_none()
        && body.restricted.is_none();
    if nothing {
        checks.push("body", "empty", "name at least one field to change");
    }
    checks.finish()?;
    let edit = CaseEdit {
        title: body.title.map(Title::into_string),
        summary: body.summary.map(Summary::into_string),
        source: body.source,
        category: body.category,
        received_at: body.received_at,
        came_to_attention_at: body.came_to_attention_at,
        restricted: body.restricted,
    };
    change_case(&req, move |c, caller| {
        service::update(c, caller, id, edit, |v| if_match.require(v))
    })
    .await
}

/// Find cases: filters, full-text search, sorting, cursor pagination. Only cases the caller
/// may see are listed.
#[utoipa::path(
    operation_id = "cases_list",
    tag = "cases",
    security(("bearer" = [])),
    params(ListCases),
    responses(
        (status = 200, description = "One page of cases", body = Page<CaseSummary>),
    )
)]
#[get("/cases")]
pub async fn list_cases(
    user: Require<ReadCases>,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<ListCases>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor::<(DateTime<Utc>, Uuid)>(q.cursor.as_deref())?;
    let (sort, descending) = match q.sort.unwrap_or(CaseSort::ReceivedAtDesc) {
        CaseSort::ReceivedAt => (SortKey::ReceivedAt, false),
        CaseSort::ReceivedAtDesc => (SortKey::ReceivedAt, true),
        CaseSort::CreatedAt => (SortKey::CreatedAt, false),
        CaseSort::CreatedAtDesc => (SortKey::CreatedAt, true),
        CaseSort::UpdatedAt => (SortKey::UpdatedAt, false),
        CaseSort::UpdatedAtDesc => (SortKey::UpdatedAt, true),
    };
    let schedule = state.settings.casework.report_schedule;
    if q.q.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "q",
            "too_long",
            "must be at most 200 characters",
        ));
    }
    let text = q.q.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let filter = CaseFilter {
        state: q.state,
        category: q.category,
        severity: q.severity,
        assigned_to: q.assigned_to,
        subject_id: q.subject_id,
        received_from: q.received_from,
        received_to: q.received_to,
        overdue: q.overdue,
        flagged: q.flagged,
        restricted: q.restricted,
        q: text,
        sort,
        descending,
        after,
        limit: limit + 1,
        report_first_months: i32::try_from(schedule.first_months).unwrap_or(i32::MAX),
        report_repeat_months: i32::try_from(schedule.repeat_months).unwrap_or(i32::MAX),
        now: crate::audit::now(),
    };
    let viewer = Viewer {
        user_id: user.id,
        role: user.role,
    };
    let timeout = state.settings.database.list_statement_timeout;
    let rows = state
        .db
        .list_as(viewer, timeout, move |c| {
            Ok(queries::list(c, &viewer, &filter)?)
        })
        .await?;
    let page = pagination::page(
        rows,
        limit,
        |r| match sort {
            SortKey::ReceivedAt => (r.received_at, r.id),
            SortKey::CreatedAt => (r.created_at, r.id),
            SortKey::UpdatedAt => (r.updated_at, r.id),
        },
        CaseSummary::from_row,
    );
    let items = page.items.into_iter().collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Move a case through the workflow. Needs `If-Match`. A refusal lists every unmet
/// precondition by code.
#[utoipa::path(
    operation_id = "cases_transition",
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = TransitionBody,
    responses(
        (status = 200, description = "Moved", body = CaseView, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`forbidden`: not yours to move", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`transition_not_allowed`, or `preconditions_unmet` with `unmet`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/transitions")]
pub async fn transition(
    req: CaseRequest<TransitionCases>,
    ApiJson(body): ApiJson<TransitionBody>,
) -> ApiResult<HttpResponse> {
    let if_match = req.if_match.clone();
    let id = req.case_id;
    let mut checks = Checks::default();
    if body.closure_reason.is_some() && body.to != CaseState::Closed {
        checks.push(
            "closure_reason",
            "invalid_value",
            "is only for `to: closed`",
        );
    }
    checks.finish()?;
    let request = TransitionRequest {
        to: body.to,
        reason: body.reason.into_string(),
        closure_reason: body.closure_reason,
    };
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| {
            let record = service::transition(c, caller, id, request, |v| if_match.require(v))?;
            service::build_view(c, &caller.viewer, record, &settings)
        })
        .await?;
    Ok(case_response(HttpResponse::Ok(), view))
}

/// Assign the case to an investigator. Needs `If-Match`.
#[utoipa::path(
    operation_id = "cases_assign",
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = AssignmentBody,
    responses(
        (status = 200, description = "Assigned", body = CaseView, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "`conflict_of_interest` (linked to a subject), `investigator_unavailable` or `case_closed`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[put("/cases/{id}/assignment")]
pub async fn assign(
    req: CaseRequest<ManageCases>,
    ApiJson(body): ApiJson<AssignmentBody>,
) -> ApiResult<HttpResponse> {
    let if_match = req.if_match.clone();
    let id = req.case_id;
    change_case(&req, move |c, caller| {
        service::assign(c, caller, id, body.investigator_id, |v| if_match.require(v))
    })
    .await
}

/// Name the case's members (replacing the list). Needs `If-Match`.
#[utoipa::path(
    operation_id = "cases_set_members",
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("If-Match" = String, Header, description = "The ETag last read")),
    request_body = MembersBody,
    responses(
        (status = 200, description = "Members named", body = CaseView, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "`conflict_of_interest` or `investigator_unavailable`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[put("/cases/{id}/members")]
pub async fn set_members(
    req: CaseRequest<ManageCases>,
    ApiJson(body): ApiJson<MembersBody>,
) -> ApiResult<HttpResponse> {
    let if_match = req.if_match.clone();
    let id = req.case_id;
    if body.user_ids.len() > MEMBERS_MAX {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "user_ids",
            "too_long",
            "at most 100 members",
        ));
    }
    change_case(&req, move |c, caller| {
        service::set_members(c, caller, id, body.user_ids, |v| if_match.require(v))
    })
    .await
}

/// The case's audit trail, oldest first: the assigned investigator, supervisors who can see
/// the case, and auditors.
#[utoipa::path(
    operation_id = "cases_audit",
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), CaseAuditQuery),
    responses(
        (status = 200, description = "One page of the case's events", body = Page<AuditEvent>),
    )
)]
#[get("/cases/{id}/audit")]
pub async fn case_audit(
    user: Require<ReadCaseAudit>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiQuery(q): ApiQuery<CaseAuditQuery>,
) -> ApiResult<HttpResponse> {
    let id = parse_uuid("id", &path)?;
    let limit = pagination::limit(q.limit)?;
    let after_position = pagination::decode_cursor::<i64>(q.cursor.as_deref())?;
    let viewer = Viewer {
        user_id: user.id,
        role: user.role,
    };
    let rows = state
        .db
        .run_as(viewer, move |c| {
            let trail = access::find_trail(c, &viewer, id)?;
            let filter = EventFilter {
                after_position,
                limit: limit + 1,
                ..Default::default()
            };
            Ok(crate::db::audit::list(
                c,
                &EventScope::trail(&trail),
                &filter,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |r| r.position,
        AuditEvent::from,
    )))
}
