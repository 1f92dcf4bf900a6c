//! Decisions on a case, each with its rationale.

use actix_web::{HttpResponse, get, post};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::permissions::marker::{ReadCases, RecordDecisions};
use crate::casework::Checks;
use crate::casework::decisions::{self as service, NewDecision};
use crate::casework::views::DecisionView;
use crate::domain::decision::{DecisionDetails, DecisionKind};
use crate::domain::text::{self, Paragraph};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::case_request::{CaseRequest, PageQuery, page};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::pagination::Page;

/// A decision: `kind`, a required `rationale`, `subject_id` for per-subject kinds, and the
/// kind's own fields:
/// - `severity_assessment` {subject_id, severity} (supervisor);
/// - `iopc_referral` {referred_at, mode} (supervisor);
/// - `reg17_notice` {subject_id, served_at} (assigned investigator or supervisor);
/// - `final_report` {summary, submitted_at} (assigned investigator);
/// - `case_to_answer` {subject_id, answer, proceedings} (supervisor);
/// - `twelve_month_report` {reported_at} (assigned investigator or supervisor).
///
/// Its schema, one per kind with `kind` as the discriminator, is `http::decision_schema`.
#[derive(Deserialize)]
pub struct DecisionBody {
    pub kind: DecisionKind,
    pub subject_id: Option<Uuid>,
    pub rationale: Paragraph<20_000>,
    /// The kind's own fields, at the top level of the body.
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

pub(crate) fn decision_from(body: DecisionBody) -> ApiResult<NewDecision> {
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
        rationale: body.rationale.into_string(),
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
        (status = 201, description = "Recorded", body = DecisionView, headers(("Location" = String, description = "The decision"))),
        (status = 403, description = "`forbidden`: not yours to decide", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/decisions")]
pub async fn add(
    req: CaseRequest<RecordDecisions>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<HttpResponse> {
    let decision = decision_from(body)?;
    let case_id = req.case_id;
    let view = req
        .write_record(move |c, caller, record| service::add_decision(c, caller, &record, decision))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/cases/{case_id}/decisions/{}", view.id),
        ))
        .json(view))
}

/// The decisions on the case, oldest first, with `current` marking those not superseded.
#[utoipa::path(
    operation_id = "decisions_list",
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), PageQuery),
    responses((status = 200, description = "The decisions", body = Page<DecisionView>))
)]
#[get("/cases/{id}/decisions")]
pub async fn list(
    req: CaseRequest<ReadCases>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let listed = req
        .read(move |c, _, case| service::list_decisions(c, case, paging))
        .await?;
    Ok(page(listed))
}

/// One decision, with `current` unless a later one supersedes it.
#[utoipa::path(
    operation_id = "decisions_get",
    tag = "decisions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("decision_id" = Uuid, Path, description = "The decision")),
    responses((status = 200, description = "The decision", body = DecisionView))
)]
#[get("/cases/{id}/decisions/{decision_id}")]
pub async fn get(req: CaseRequest<ReadCases>) -> ApiResult<HttpResponse> {
    let id = req.record_id()?;
    let view = req
        .read(move |c, _, case| service::get_decision(c, case, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
