//! What a case holds: parties, allegations, notes and decisions. Every handler first
//! establishes that the caller may see the case (404 otherwise), inside the casework layer.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::permissions::marker::{EditCases, ReadCases, RecordDecisions};
use crate::casework::Checks;
use crate::casework::records::{self as service, AllegationFields, NewDecision, PartyFields};
use crate::casework::views::{AllegationView, DecisionView, NoteView, PartyView};
use crate::domain::allegation::{Standard, WarningSign};
use crate::domain::case::Category;
use crate::domain::decision::{DecisionDetails, DecisionKind};
use crate::domain::party::{PartyRole, VulnerabilityFactor};
use crate::domain::text;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::cases::caller;
use crate::http::extract::{ApiJson, IfMatch, RequestMeta, Require, parse_uuid, versioned};
use crate::state::AppState;

const PROBLEM: &str = "application/problem+json";

/// A list of a case's records.
#[derive(Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

fn ids(path: &(String, String), second: &str) -> ApiResult<(Uuid, Uuid)> {
    Ok((parse_uuid("id", &path.0)?, parse_uuid(second, &path.1)?))
}

fn optional_line(
    checks: &mut Checks,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    value
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| checks.take(field, text::line(&v, max)))
}

// ---------------------------------------------------------------------------------------
// Parties

/// A party. Contact details and vulnerability factors are the most sensitive data held:
/// every read of them is recorded.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyBody {
    pub role: PartyRole,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub vulnerability_factors: Vec<VulnerabilityFactor>,
    pub notes: Option<String>,
}

fn party_fields(body: PartyBody) -> ApiResult<PartyFields> {
    let mut checks = Checks::default();
    let name = checks.take("name", text::line(&body.name, 200));
    let email = optional_line(&mut checks, "email", body.email, 254);
    if email.as_ref().is_some_and(|e| !e.contains('@')) {
        checks.push("email", "invalid_value", "is not an email address");
    }
    let phone = optional_line(&mut checks, "phone", body.phone, 40);
    let address = body
        .address
        .filter(|a| !a.trim().is_empty())
        .and_then(|a| checks.take("address", text::paragraph(&a, 1000)));
    let notes = body
        .notes
        .filter(|n| !n.trim().is_empty())
        .and_then(|n| checks.take("notes", text::paragraph(&n, 5000)));
    if body.vulnerability_factors.len() > VulnerabilityFactor::ALL.len() {
        checks.push(
            "vulnerability_factors",
            "too_long",
            "lists a factor more than once",
        );
    }
    checks.finish()?;
    Ok(PartyFields {
        role: body.role,
        name: name.unwrap_or_default(),
        email,
        phone,
        address,
        date_of_birth: body.date_of_birth,
        vulnerability_factors: body.vulnerability_factors,
        notes,
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
        (status = 201, description = "Added", body = PartyView, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/parties")]
pub async fn add_party(
    user: Require<EditCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<PartyBody>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let fields = party_fields(body)?;
    let caller = caller(&user, &meta);
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::add_party(c, &caller, case_id, fields)
        })
        .await?;
    Ok(versioned(HttpResponse::Created(), view.version, &view))
}

/// The parties of a case. The read is recorded (`parties.viewed`).
#[utoipa::path(
    operation_id = "parties_list",
    tag = "parties",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses(
        (status = 200, description = "The parties", body = Items<PartyView>),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/cases/{id}/parties")]
pub async fn list_parties(
    user: Require<ReadCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let caller = caller(&user, &meta);
    let items = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::list_parties(c, &caller, case_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

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
        (status = 200, description = "Changed", body = PartyView, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 412, description = "`precondition_failed`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 428, description = "`precondition_required`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[patch("/cases/{id}/parties/{party_id}")]
pub async fn update_party(
    user: Require<EditCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<PartyBody>,
) -> ApiResult<HttpResponse> {
    let (case_id, party_id) = ids(&path, "party_id")?;
    let fields = party_fields(body)?;
    let caller = caller(&user, &meta);
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::update_party(c, &caller, case_id, party_id, fields, |v| {
                if_match.require(v)
            })
        })
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}

// ---------------------------------------------------------------------------------------
// Allegations

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAllegationBody {
    /// A subject from the registry (`POST /api/v1/subjects`).
    pub subject_id: Uuid,
    pub standard: Standard,
    pub category: Category,
    pub description: String,
    pub conduct_from: Option<NaiveDate>,
    pub conduct_to: Option<NaiveDate>,
    #[serde(default)]
    pub warning_signs: Vec<WarningSign>,
}

/// An allegation's fields (its subject cannot change: record a new allegation instead).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllegationBody {
    pub standard: Standard,
    pub category: Category,
    pub description: String,
    pub conduct_from: Option<NaiveDate>,
    pub conduct_to: Option<NaiveDate>,
    #[serde(default)]
    pub warning_signs: Vec<WarningSign>,
}

fn allegation_fields(body: AllegationBody) -> ApiResult<AllegationFields> {
    let mut checks = Checks::default();
    let description = checks.take("description", text::paragraph(&body.description, 20_000));
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
        description: description.unwrap_or_default(),
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
        (status = 201, description = "Added", body = AllegationView, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/allegations")]
pub async fn add_allegation(
    user: Require<EditCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<NewAllegationBody>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let subject_id = body.subject_id;
    let fields = allegation_fields(AllegationBody {
        standard: body.standard,
        category: body.category,
        description: body.description,
        conduct_from: body.conduct_from,
        conduct_to: body.conduct_to,
        warning_signs: body.warning_signs,
    })?;
    let caller = caller(&user, &meta);
    let settings = state.settings.casework.clone();
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::add_allegation(c, &caller, &settings, case_id, subject_id, fields)
        })
        .await?;
    Ok(versioned(HttpResponse::Created(), view.version, &view))
}

/// The allegations on a case.
#[utoipa::path(
    operation_id = "allegations_list",
    tag = "allegations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses(
        (status = 200, description = "The allegations", body = Items<AllegationView>),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/cases/{id}/allegations")]
pub async fn list_allegations(
    user: Require<ReadCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let caller = caller(&user, &meta);
    let items = state
        .db
        .run_as(caller.viewer, move |c| {
            service::list_allegations(c, &caller, case_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

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
        (status = 200, description = "Changed", body = AllegationView, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 412, description = "`precondition_failed`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 428, description = "`precondition_required`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[patch("/cases/{id}/allegations/{allegation_id}")]
pub async fn update_allegation(
    user: Require<EditCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<AllegationBody>,
) -> ApiResult<HttpResponse> {
    let (case_id, allegation_id) = ids(&path, "allegation_id")?;
    let fields = allegation_fields(body)?;
    let caller = caller(&user, &meta);
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::update_allegation(c, &caller, case_id, allegation_id, fields, |v| {
                if_match.require(v)
            })
        })
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}

// ---------------------------------------------------------------------------------------
// Notes

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub body: String,
    /// The note this one corrects (notes are never edited).
    pub corrects_id: Option<Uuid>,
}

/// Append a note to the case log.
#[utoipa::path(
    operation_id = "notes_add",
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = NoteBody,
    responses(
        (status = 201, description = "Added", body = NoteView),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/notes")]
pub async fn add_note(
    user: Require<EditCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let mut checks = Checks::default();
    let text = checks.take("body", text::paragraph(&body.body, 50_000));
    checks.finish()?;
    let caller = caller(&user, &meta);
    let corrects = body.corrects_id;
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::add_note(c, &caller, case_id, text.unwrap_or_default(), corrects)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The case log. The read is recorded (`notes.viewed`).
#[utoipa::path(
    operation_id = "notes_list",
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses(
        (status = 200, description = "The notes, oldest first", body = Items<NoteView>),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/cases/{id}/notes")]
pub async fn list_notes(
    user: Require<ReadCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let caller = caller(&user, &meta);
    let items = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::list_notes(c, &caller, case_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

// ---------------------------------------------------------------------------------------
// Decisions

/// A decision: `kind`, a required `rationale`, `subject_id` for per-subject kinds, and the
/// kind's own fields:
/// - `severity_assessment` {subject_id, severity} (supervisor);
/// - `iopc_referral` {referred_at, mode} (supervisor);
/// - `reg17_notice` {subject_id, served_at} (assigned investigator or supervisor);
/// - `final_report` {summary, submitted_at} (assigned investigator);
/// - `case_to_answer` {subject_id, answer, proceedings} (supervisor);
/// - `twelve_month_report` {reported_at} (assigned investigator or supervisor).
#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    pub kind: DecisionKind,
    pub subject_id: Option<Uuid>,
    pub rationale: String,
    /// The kind's own fields, at the top level of the body.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

fn decision_from(body: DecisionBody) -> ApiResult<NewDecision> {
    let mut checks = Checks::default();
    let rationale = checks.take("rationale", text::paragraph(&body.rationale, 20_000));
    checks.finish()?;
    let details =
        DecisionDetails::from_value(body.kind, serde_json::Value::Object(body.fields.clone()))
            .map_err(|e| {
                let message = e.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_owned();
                let named = |prefix: &str| {
                    message
                        .strip_prefix(prefix)
                        .and_then(|r| r.strip_prefix('`'))
                        .and_then(|r| r.split_once('`'))
                        .map(|(n, _)| n.to_owned())
                };
                let (field, code) = if let Some(n) = named("missing field ") {
                    (n, "required")
                } else if let Some(n) = named("unknown field ") {
                    (n, "unknown_field")
                } else {
                    // serde_json names no field for a bad value; find the first field that is wrong.
                    (
                        first_bad_field(body.kind, &body.fields)
                            .unwrap_or_else(|| "body".to_owned()),
                        "invalid_value",
                    )
                };
                ApiError::validation(vec![FieldError::new(field, code, message)])
            })?;
    if let DecisionDetails::FinalReport(r) = &details {
        let mut checks = Checks::default();
        checks.take("summary", text::paragraph(&r.summary, 50_000));
        checks.finish()?;
    }
    Ok(NewDecision {
        kind: body.kind,
        subject_id: body.subject_id,
        details,
        rationale: rationale.unwrap_or_default(),
    })
}

/// The first field whose value alone fails to parse for `kind`.
fn first_bad_field(
    kind: DecisionKind,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let mut names: Vec<&String> = fields.keys().collect();
    names.sort();
    names
        .into_iter()
        .find(|name| {
            let mut only_good = fields.clone();
            only_good.remove(*name);
            // If removing this field turns the error into "missing field" for it, it was bad.
            match DecisionDetails::from_value(kind, serde_json::Value::Object(only_good)) {
                Err(e) => e.to_string().contains(&format!("missing field `{name}`")),
                Ok(_) => false,
            }
        })
        .map(|s| s.to_owned())
}

/// Record a decision. A later decision of the same kind (for the same subject) supersedes
/// the earlier; both stay.
#[utoipa::path(
    operation_id = "decisions_add",
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = DecisionBody,
    responses(
        (status = 201, description = "Recorded", body = DecisionView),
        (status = 403, description = "`forbidden`: not yours to decide", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/decisions")]
pub async fn add_decision(
    user: Require<RecordDecisions>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let decision = decision_from(body)?;
    let caller = caller(&user, &meta);
    let view = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::add_decision(c, &caller, case_id, decision)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Every decision on the case, oldest first, with `current` marking those not superseded.
#[utoipa::path(
    operation_id = "decisions_list",
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    responses(
        (status = 200, description = "The decisions", body = Items<DecisionView>),
        (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/cases/{id}/decisions")]
pub async fn list_decisions(
    user: Require<ReadCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let caller = caller(&user, &meta);
    let items = state
        .db
        .run_as(caller.viewer, move |c| {
            service::list_decisions(c, &caller, case_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}
