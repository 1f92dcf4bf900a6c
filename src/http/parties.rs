//! Parties to a case. Contact details and vulnerability factors are the most sensitive data
//! held: every read of them is recorded.

use actix_web::{HttpResponse, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::permissions::marker::EditCases;
use crate::casework::Checks;
use crate::casework::parties::PartyFields;
use crate::casework::sub_record;
use crate::db::models::PartyRow;
use crate::domain::party::{PartyRole, VulnerabilityFactor};
use crate::domain::text::{EmailOrBlank, Line, LineOrBlank, ParagraphOrBlank};
use crate::error::ApiResult;
use crate::http::case_request::{CaseRequest, record_response};
use crate::http::extract::ApiJson;

/// A party. Contact details and vulnerability factors are the most sensitive data held:
/// every read of them is recorded.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "victim", "name": "Jane Roe", "phone": "07700 900123",
    "email": "jane.roe@example.org", "vulnerability_factors": ["mental_health"]}))]
pub struct PartyBody {
    pub role: PartyRole,
    pub name: Line<200>,
    pub email: Option<EmailOrBlank<254>>,
    pub phone: Option<LineOrBlank<40>>,
    pub address: Option<ParagraphOrBlank<1000>>,
    pub date_of_birth: Option<NaiveDate>,
    /// Each factor once (at most all of them).
    #[serde(default)]
    #[schema(max_items = 7)]
    pub vulnerability_factors: Vec<VulnerabilityFactor>,
    pub notes: Option<ParagraphOrBlank<5000>>,
}

// The schema's `maxItems` is the number of factors there are.
const _: () = assert!(VulnerabilityFactor::ALL.len() == 7);

fn party_fields(body: PartyBody) -> ApiResult<PartyFields> {
    if body.vulnerability_factors.len() > VulnerabilityFactor::ALL.len() {
        let mut checks = Checks::default();
        checks.push(
            "vulnerability_factors",
            "too_long",
            "lists a factor more than once",
        );
        checks.finish()?;
    }
    Ok(PartyFields {
        role: body.role,
        name: body.name.into_string(),
        email: body.email.and_then(EmailOrBlank::into_option),
        phone: body.phone.and_then(LineOrBlank::into_option),
        address: body.address.and_then(ParagraphOrBlank::into_option),
        date_of_birth: body.date_of_birth,
        vulnerability_factors: body.vulnerability_factors,
        notes: body.notes.and_then(ParagraphOrBlank::into_option),
    })
}

/// Add a party to a case.
#[utoipa::path(
    operation_id = "parties_add",
    tag = "parties",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = PartyBody,
    responses(
        (status = 201, description = "Added", body = PartyRow, headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new party"))),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/parties")]
pub async fn add(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<PartyBody>,
) -> ApiResult<HttpResponse> {
    let fields = party_fields(body)?;
    let row = req
        .write(move |c, caller, case| sub_record::add::<PartyRow>(c, caller, case, fields))
        .await?;
    req.created(row)
}

crate::sub_record_reads!(
    PartyRow => PartyRow, tag: "parties",
    list: ("parties_list", "/cases/{id}/parties", "The parties of a case, oldest first. The read is recorded (`parties.viewed`)."),
    get: ("parties_get", "/cases/{id}/parties/{party_id}", "party_id", "One party. The read is recorded (`parties.viewed`)."),
    etag: "The version, for `If-Match`",
);

/// Change a party (the whole record is replaced). Needs `If-Match` with the party's ETag.
#[utoipa::path(
    operation_id = "parties_update",
    tag = "parties",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The case"),
        ("party_id" = Uuid, Path, description = "The party"),
        ("If-Match" = String, Header, description = "The party's ETag"),
    ),
    request_body = PartyBody,
    responses(
        (status = 200, description = "Changed", body = PartyRow, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/cases/{id}/parties/{party_id}")]
pub async fn update(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<PartyBody>,
) -> ApiResult<HttpResponse> {
    let (id, fields) = (req.record_id()?, party_fields(body)?);
    let if_match = req.if_match.clone();
    let row = req
        .write(move |c, caller, case| {
            sub_record::update::<PartyRow>(c, caller, case, id, fields, |v| if_match.require(v))
        })
        .await?;
    record_response(HttpResponse::Ok(), row)
}
