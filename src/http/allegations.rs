//! Allegations against subjects.

use actix_web::{HttpResponse, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::permissions::marker::EditCases;
use crate::casework::Checks;
use crate::casework::allegations::{self, AllegationFields, NewAllegation};
use crate::casework::sub_record;
use crate::db::models::AllegationRow;
use crate::domain::allegation::{Standard, WarningSign};
use crate::domain::case::Category;
use crate::domain::text::Paragraph;
use crate::error::ApiResult;
use crate::http::case_request::{CaseRequest, record_response};
use crate::http::extract::ApiJson;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject_id": "7f1c1f2e-1d7e-4c1a-9a51-3c9d8f6b2a10", "standard": "discreditable_conduct",
    "category": "apsp", "description": "Sent messages with kisses and visited off duty.",
    "conduct_from": "2026-09-01", "warning_signs": ["messages_with_kisses_or_sexual_comments", "off_duty_contact"]}))]
pub struct NewAllegationBody {
    /// A subject from the registry (`POST /api/v1/subjects`).
    pub subject_id: Uuid,
    pub standard: Standard,
    pub category: Category,
    pub description: Paragraph<20_000>,
    pub conduct_from: Option<NaiveDate>,
    /// Not before `conduct_from`.
    pub conduct_to: Option<NaiveDate>,
    #[serde(default)]
    pub warning_signs: Vec<WarningSign>,
}

/// An allegation's fields (its subject cannot change: record a new allegation instead).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"standard": "discreditable_conduct", "category": "apsp",
    "description": "Sent messages with kisses and visited off duty.", "conduct_from": "2026-09-01",
    "conduct_to": "2026-10-15", "warning_signs": ["off_duty_contact"]}))]
pub struct AllegationBody {
    pub standard: Standard,
    pub category: Category,
    pub description: Paragraph<20_000>,
    pub conduct_from: Option<NaiveDate>,
    /// Not before `conduct_from`.
    pub conduct_to: Option<NaiveDate>,
    #[serde(default)]
    pub warning_signs: Vec<WarningSign>,
}

fn allegation_fields(body: AllegationBody) -> ApiResult<AllegationFields> {
    let mut checks = Checks::default();
    if let (Some(from), Some(to)) = (body.conduct_from, body.conduct_to)
        && to < from
    {
        checks.push(
            "conduct_to",
            "before_conduct_from",
            "must not be before conduct_from",
        );
    }
    checks.finish()?;
    Ok(AllegationFields {
        standard: body.standard,
        category: body.category,
        description: body.description.into_string(),
        conduct_from: body.conduct_from,
        conduct_to: body.conduct_to,
        warning_signs: body.warning_signs,
    })
}

/// Add an allegation against a subject. Flags the subject and the case if the subject has
/// earlier allegations (the early warning).
#[utoipa::path(
    operation_id = "allegations_add",
    tag = "allegations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = NewAllegationBody,
    responses(
        (status = 201, description = "Added", body = AllegationRow, headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new allegation"))),
        (status = 409, description = "`case_closed`, or `no_oversight_left`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/allegations")]
pub async fn add(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<NewAllegationBody>,
) -> ApiResult<HttpResponse> {
    let new = NewAllegation {
        subject_id: body.subject_id,
        fields: allegation_fields(AllegationBody {
            standard: body.standard,
            category: body.category,
            description: body.description,
            conduct_from: body.conduct_from,
            conduct_to: body.conduct_to,
            warning_signs: body.warning_signs,
        })?,
    };
    let settings = req.state().settings.casework.clone();
    let row = req
        .write(move |c, caller, case| allegations::add(c, caller, &settings, case, new))
        .await?;
    req.created(row)
}

crate::sub_record_reads!(
    AllegationRow => AllegationRow, tag: "allegations",
    list: ("allegations_list", "/cases/{id}/allegations", "The allegations on a case, oldest first."),
    get: ("allegations_get", "/cases/{id}/allegations/{allegation_id}", "allegation_id", "One allegation."),
    etag: "The version, for `If-Match`",
);

/// Change an allegation. Needs `If-Match` with the allegation's ETag.
#[utoipa::path(
    operation_id = "allegations_update",
    tag = "allegations",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The case"),
        ("allegation_id" = Uuid, Path, description = "The allegation"),
        ("If-Match" = String, Header, description = "The allegation's ETag"),
    ),
    request_body = AllegationBody,
    responses(
        (status = 200, description = "Changed", body = AllegationRow, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cases/{id}/allegations/{allegation_id}")]
pub async fn update(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<AllegationBody>,
) -> ApiResult<HttpResponse> {
    let (id, fields) = (req.record_id()?, allegation_fields(body)?);
    let if_match = req.if_match.clone();
    let row = req
        .write(move |c, caller, case| {
            sub_record::update::<AllegationRow>(c, caller, case, id, fields, |v| {
                if_match.require(v)
            })
        })
        .await?;
    record_response(HttpResponse::Ok(), row)
}
