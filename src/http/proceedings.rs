//! Proceedings, outcomes, barred/advisory list reports and publications of a case.

use actix_web::{HttpResponse, get, post};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::permissions::marker::{ConductProceedings, ManagePublications, ReadCases};
use crate::casework::Checks;
use crate::casework::proceedings::{
    self as service, ListReportView, NewOutcome, NewProceedings, NewPublication, OutcomeView,
    ProceedingView, PublicationView,
};
use crate::domain::proceedings::{
    Finding, ListKind, OutcomeAction, ProceedingsKind, PublicationKind,
};
use crate::domain::text::{Line, Paragraph, PublicLine, PublicParagraph};
use crate::error::ApiResult;
use crate::http::case_request::{CaseRequest, PageQuery, page};
use crate::http::cases::Reason;
use crate::http::extract::{ApiJson, versioned};
use crate::http::extract::{ApiQuery, created};
use crate::http::openapi::BodyRules;
use crate::http::pagination::Page;

const PROBLEM: &str = "application/problem+json";

/// Where proceedings are held.
pub type Venue = Line<300>;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "misconduct_hearing",
    "subject_ids": ["5f0c6d1e-8a3b-4c2d-9e1f-7a6b5c4d3e2f"],
    "scheduled_for": "2027-02-15T10:00:00Z",
    "venue": "Wessex Police HQ, Conference Room 2",
    "chair": "Deputy Chief Constable R. Patel",
    "panel": ["Ms J. Okafor (independent member)", "Mr T. Lewis (independent member)"]
}))]
pub struct ProceedingsBody {
    pub kind: ProceedingsKind,
    /// At least one.
    #[schema(min_items = 1)]
    pub subject_ids: Vec<Uuid>,
    pub scheduled_for: DateTime<Utc>,
    pub venue: Venue,
    /// The chair (since May 2024 the chief officer or a delegate, for hearings).
    pub chair: Line<200>,
    /// Panel members (for hearings: two independent members and a legally qualified adviser).
    #[serde(default)]
    pub panel: Vec<Line<200>>,
    /// Default: true for hearings, false for meetings.
    pub public: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "scheduled_for": "2027-03-01T10:00:00Z",
    "venue": "Wessex Police HQ, Conference Room 1",
    "reason": "The legally qualified adviser is unavailable on the first date."
}))]
pub struct RescheduleBody {
    pub scheduled_for: DateTime<Utc>,
    /// The new venue (default: the same).
    pub venue: Option<Venue>,
    pub reason: Reason,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The officer has resigned; the matter goes to the advisory list."}))]
pub struct ReasonBody {
    pub reason: Reason,
}

/// Schedule proceedings. The kind must fit each subject's case to answer; a public hearing
/// needs the notice period in working days.
#[utoipa::path(
    operation_id = "proceedings_schedule",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = ProceedingsBody,
    responses(
        (status = 201, description = "Scheduled", body = ProceedingView, headers(("ETag" = String, description = "The version"))),
        (status = 409, description = "`wrong_state`, `rules_broken` (with `unmet`), `notice_period_too_short`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/proceedings")]
pub async fn schedule(
    req: CaseRequest<ConductProceedings>,
    ApiJson(body): ApiJson<ProceedingsBody>,
) -> ApiResult<HttpResponse> {
    let case_id = req.case_id;
    let mut checks = Checks::default();
    if body.subject_ids.is_empty() {
        checks.push("subject_ids", "required", "name at least one subject");
    }
    checks.finish()?;
    let input = NewProceedings {
        kind: body.kind,
        subject_ids: body.subject_ids,
        scheduled_for: body.scheduled_for,
        venue: body.venue.into_string(),
        chair: body.chair.into_string(),
        panel: body.panel.into_iter().map(Line::into_string).collect(),
        public: body.public,
    };
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| service::schedule(c, caller, &settings, case_id, input))
        .await?;
    let location = format!("/api/v1/cases/{case_id}/proceedings/{}", view.id);
    Ok(created(location, Some(view.version), &view))
}

/// The case's proceedings.
#[utoipa::path(
    operation_id = "proceedings_list",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), PageQuery),
    responses(
        (status = 200, description = "The proceedings", body = Page<ProceedingView>),
    )
)]
#[get("/cases/{id}/proceedings")]
pub async fn list(
    req: CaseRequest<ReadCases>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let listed = req
        .read(move |c, _, case| service::list(c, case, paging))
        .await?;
    Ok(page(listed))
}

/// Move proceedings to a new date (and venue), with a reason. Needs `If-Match`.
#[utoipa::path(
    operation_id = "proceedings_reschedule",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("proceeding_id" = Uuid, Path, description = "The proceedings"), ("If-Match" = String, Header, description = "The proceedings' ETag")),
    request_body = RescheduleBody,
    responses(
        (status = 200, description = "Moved", body = ProceedingView, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "`wrong_state`, `notice_period_too_short`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/proceedings/{proceeding_id}/reschedule")]
pub async fn reschedule(
    req: CaseRequest<ConductProceedings>,
    ApiJson(body): ApiJson<RescheduleBody>,
) -> ApiResult<HttpResponse> {
    let if_match = req.if_match.clone();
    let (case_id, id) = (req.case_id, req.record_id()?);
    let reason = body.reason.into_string();
    let venue = body.venue.map(Venue::into_string);
    let settings = req.state().settings.casework.clone();
    let at = body.scheduled_for;
    let view = req
        .within(move |c, caller| {
            service::change(
                c,
                caller,
                &settings,
                case_id,
                id,
                Some((at, venue)),
                None,
                &reason,
                |v| if_match.require(v),
            )
        })
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}

/// Cancel proceedings, with a reason. Needs `If-Match`.
#[utoipa::path(
    operation_id = "proceedings_cancel",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("proceeding_id" = Uuid, Path, description = "The proceedings"), ("If-Match" = String, Header, description = "The proceedings' ETag")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Cancelled", body = ProceedingView),
        (status = 409, description = "`wrong_state`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/proceedings/{proceeding_id}/cancel")]
pub async fn cancel(
    req: CaseRequest<ConductProceedings>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<HttpResponse> {
    let if_match = req.if_match.clone();
    let (case_id, id) = (req.case_id, req.record_id()?);
    let reason = body.reason.into_string();
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| {
            service::change(
                c,
                caller,
                &settings,
                case_id,
                id,
                None,
                Some(reason.clone()),
                &reason,
                |v| if_match.require(v),
            )
        })
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "proceeding_id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    "subject_id": "5f0c6d1e-8a3b-4c2d-9e1f-7a6b5c4d3e2f",
    "finding": "gross_misconduct_proven",
    "action": "dismissal_without_notice",
    "rationale": "The panel found that the officer pursued a relationship with a vulnerable victim.",
    "decided_on": "2027-02-16"
}))]
pub struct OutcomeBody {
    pub proceeding_id: Uuid,
    pub subject_id: Uuid,
    pub finding: Finding,
    pub action: OutcomeAction,
    pub rationale: Paragraph<20_000>,
    /// The day of the decision (default: today); the barred-list report is due within
    /// working days of it.
    pub decided_on: Option<NaiveDate>,
}

/// Record a subject's outcome. The statutory limits are enforced: a meeting imposes at most a
/// final written warning; reduction in rank and dismissal need a hearing (and, for
/// misconduct, a live final written warning); gross misconduct cannot end in a written warning.
#[utoipa::path(
    operation_id = "outcomes_record",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = OutcomeBody,
    responses(
        (status = 201, description = "Recorded", body = OutcomeView),
        (status = 409, description = "`wrong_state`, `rules_broken` (with `unmet`), `already_recorded`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/outcomes")]
pub async fn record_outcome(
    req: CaseRequest<ConductProceedings>,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> ApiResult<HttpResponse> {
    let case_id = req.case_id;
    let input = NewOutcome {
        proceeding_id: body.proceeding_id,
        subject_id: body.subject_id,
        finding: body.finding,
        action: body.action,
        rationale: body.rationale.into_string(),
        decided_on: body
            .decided_on
            .unwrap_or_else(|| crate::audit::now().date_naive()),
    };
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| service::record_outcome(c, caller, &settings, case_id, input))
        .await?;
    let location = format!("/api/v1/cases/{case_id}/outcomes/{}", view.id);
    Ok(created(location, None, &view))
}

/// The case's outcomes.
#[utoipa::path(
    operation_id = "outcomes_list",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), PageQuery),
    responses(
        (status = 200, description = "The outcomes", body = Page<OutcomeView>),
    )
)]
#[get("/cases/{id}/outcomes")]
pub async fn list_outcomes(
    req: CaseRequest<ReadCases>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let settings = req.state().settings.casework.clone();
    let listed = req
        .read(move |c, _, case| service::list_outcomes(c, &settings, case, paging))
        .await?;
    Ok(page(listed))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "subject_id": "5f0c6d1e-8a3b-4c2d-9e1f-7a6b5c4d3e2f",
    "list": "barred",
    "reported_on": "2027-02-18"
}))]
pub struct ListReportBody {
    pub subject_id: Uuid,
    pub list: ListKind,
    pub reported_on: NaiveDate,
}

/// Record that a subject was reported to the barred or the advisory list.
#[utoipa::path(
    operation_id = "list_reports_record",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = ListReportBody,
    responses(
        (status = 201, description = "Recorded", body = ListReportView),
        (status = 409, description = "`already_recorded`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/list-reports")]
pub async fn record_list_report(
    req: CaseRequest<ConductProceedings>,
    ApiJson(body): ApiJson<ListReportBody>,
) -> ApiResult<HttpResponse> {
    let case_id = req.case_id;
    let which = body.list;
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| {
            service::record_list_report(
                c,
                caller,
                &settings,
                case_id,
                body.subject_id,
                which,
                body.reported_on,
            )
        })
        .await?;
    let location = format!("/api/v1/cases/{case_id}/list-reports/{}", view.id);
    Ok(created(location, None, &view))
}

/// A public text, written for the public: never assembled from case fields.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "hearing_notice",
    "proceeding_id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    "officer_name": "Alex Brown",
    "officer_rank": "PC",
    "force": "Wessex Police",
    "hearing_date": "2027-02-15T10:00:00Z",
    "venue": "Wessex Police HQ, Conference Room 2",
    "allegation_summary": "It is alleged that the officer used their position to pursue a relationship with a member of the public.",
    "publish_from": "2027-01-20T09:00:00Z"
}))]
pub struct PublicationBody {
    pub kind: PublicationKind,
    /// The hearing a notice announces (required for `hearing_notice`).
    pub proceeding_id: Option<Uuid>,
    pub officer_name: PublicLine<200>,
    pub officer_rank: Option<PublicLine<100>>,
    pub force: PublicLine<100>,
    /// Required for `hearing_notice`.
    pub hearing_date: Option<DateTime<Utc>>,
    /// Required for `hearing_notice`.
    pub venue: Option<PublicLine<300>>,
    pub allegation_summary: PublicParagraph<5000>,
    /// Required for `outcome`.
    pub outcome: Option<PublicParagraph<5000>>,
    pub publish_from: DateTime<Utc>,
    /// Default: for outcomes, `publish_from` plus the outcome publication days (at least that);
    /// for notices, the day after the hearing.
    pub publish_until: Option<DateTime<Utc>>,
}

/// What each kind needs (checked in [`publication_from`]): a hearing notice names its
/// hearing, date and venue; an outcome states the outcome.
impl BodyRules for PublicationBody {
    fn rules() -> serde_json::Map<String, serde_json::Value> {
        let rules = serde_json::json!({"anyOf": [
            {
                "properties": {
                    "kind": {"const": "hearing_notice"},
                    "proceeding_id": {"type": "string"},
                    "hearing_date": {"type": "string"},
                    "venue": {"type": "string"},
                },
                "required": ["proceeding_id", "hearing_date", "venue"],
            },
            {
                "properties": {"kind": {"const": "outcome"}, "outcome": {"type": "string"}},
                "required": ["outcome"],
            },
        ]});
        rules.as_object().cloned().unwrap_or_default()
    }
}

fn publication_from(body: PublicationBody) -> ApiResult<NewPublication> {
    let mut checks = Checks::default();
    let venue = body.venue.map(PublicLine::into_string);
    let outcome = body.outcome.map(PublicParagraph::into_string);
    let kind = match body.kind {
        PublicationKind::HearingNotice => {
            if body.proceeding_id.is_none() {
                checks.push(
                    "proceeding_id",
                    "required",
                    "a hearing notice names its hearing",
                );
            }
            if body.hearing_date.is_none() {
                checks.push(
                    "hearing_date",
                    "required",
                    "a hearing notice gives the date",
                );
            }
            if venue.is_none() {
                checks.push("venue", "required", "a hearing notice gives the venue");
            }
            PublicationKind::HearingNotice
        }
        PublicationKind::Outcome => {
            if outcome.is_none() {
                checks.push(
                    "outcome",
                    "required",
                    "an outcome publication states the outcome",
                );
            }
            PublicationKind::Outcome
        }
    };
    if body.publish_until.is_some_and(|u| u <= body.publish_from) {
        checks.push(
            "publish_until",
            "before_publish_from",
            "must be after publish_from",
        );
    }
    checks.finish()?;
    Ok(NewPublication {
        kind: kind.to_owned(),
        proceeding_id: body.proceeding_id,
        officer_name: body.officer_name.into_string(),
        officer_rank: body.officer_rank.map(PublicLine::into_string),
        force: body.force.into_string(),
        hearing_date: body.hearing_date,
        venue,
        allegation_summary: body.allegation_summary.into_string(),
        outcome,
        publish_from: body.publish_from,
        publish_until: body.publish_until,
    })
}

/// Draft a publication. Only a second supervisor's approval publishes it.
#[utoipa::path(
    operation_id = "publications_draft",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = PublicationBody,
    responses(
        (status = 201, description = "Drafted", body = PublicationView, headers(("ETag" = String, description = "The version"))),
    )
)]
#[post("/cases/{id}/publications")]
pub async fn draft(
    req: CaseRequest<ManagePublications>,
    ApiJson(body): ApiJson<PublicationBody>,
) -> ApiResult<HttpResponse> {
    let case_id = req.case_id;
    let input = publication_from(body)?;
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| service::draft(c, caller, &settings, case_id, input))
        .await?;
    let location = format!("/api/v1/cases/{case_id}/publications/{}", view.id);
    Ok(created(location, Some(view.version), &view))
}

/// The case's publications, drafts included.
#[utoipa::path(
    operation_id = "publications_list",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), PageQuery),
    responses(
        (status = 200, description = "The publications", body = Page<PublicationView>),
    )
)]
#[get("/cases/{id}/publications")]
pub async fn list_publications(
    req: CaseRequest<ReadCases>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<HttpResponse> {
    let paging = q.paging()?;
    let listed = req
        .read(move |c, _, case| service::list_publications(c, case, paging))
        .await?;
    Ok(page(listed))
}

/// Approve (and so publish) a draft: a different supervisor from its author. Needs `If-Match`.
#[utoipa::path(
    operation_id = "publications_approve",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("publication_id" = Uuid, Path, description = "The publication"), ("If-Match" = String, Header, description = "The publication's ETag")),
    responses(
        (status = 200, description = "Published", body = PublicationView),
        (status = 409, description = "`author_cannot_approve`, `notice_period_too_short`, `wrong_state`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/publications/{publication_id}/approve")]
pub async fn approve(req: CaseRequest<ManagePublications>) -> ApiResult<HttpResponse> {
    let if_match = req.if_match.clone();
    let (case_id, id) = (req.case_id, req.record_id()?);
    let settings = req.state().settings.casework.clone();
    let view = req
        .within(move |c, caller| {
            service::approve(c, caller, &settings, case_id, id, |v| if_match.require(v))
        })
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}

/// Withdraw a publication, with a reason. Needs `If-Match`.
#[utoipa::path(
    operation_id = "publications_withdraw",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("publication_id" = Uuid, Path, description = "The publication"), ("If-Match" = String, Header, description = "The publication's ETag")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "Withdrawn", body = PublicationView),
        (status = 409, description = "`wrong_state`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/publications/{publication_id}/withdraw")]
pub async fn withdraw(
    req: CaseRequest<ManagePublications>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<HttpResponse> {
    let if_match = req.if_match.clone();
    let (case_id, id) = (req.case_id, req.record_id()?);
    let reason = body.reason.into_string();
    let view = req
        .within(move |c, caller| {
            service::withdraw(c, caller, case_id, id, &reason, |v| if_match.require(v))
        })
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}

/// One of the case's proceedings.
#[utoipa::path(
    operation_id = "proceedings_get",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("proceeding_id" = Uuid, Path, description = "The proceedings")),
    responses((status = 200, description = "The proceedings", body = ProceedingView, headers(("ETag" = String, description = "The version"))))
)]
#[get("/cases/{id}/proceedings/{proceeding_id}")]
pub async fn get(req: CaseRequest<ReadCases>) -> ApiResult<HttpResponse> {
    let id = req.record_id()?;
    let view = req
        .read(move |c, _, case| service::get_proceeding(c, case, id))
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}

/// One outcome.
#[utoipa::path(
    operation_id = "outcomes_get",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("outcome_id" = Uuid, Path, description = "The outcome")),
    responses((status = 200, description = "The outcome", body = OutcomeView))
)]
#[get("/cases/{id}/outcomes/{outcome_id}")]
pub async fn get_outcome(req: CaseRequest<ReadCases>) -> ApiResult<HttpResponse> {
    let id = req.record_id()?;
    let settings = req.state().settings.casework.clone();
    let view = req
        .read(move |c, _, case| service::get_outcome(c, &settings, case, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One report to the barred or advisory list.
#[utoipa::path(
    operation_id = "list_reports_get",
    tag = "proceedings",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("report_id" = Uuid, Path, description = "The list report")),
    responses((status = 200, description = "The list report", body = ListReportView))
)]
#[get("/cases/{id}/list-reports/{report_id}")]
pub async fn get_list_report(req: CaseRequest<ReadCases>) -> ApiResult<HttpResponse> {
    let id = req.record_id()?;
    let view = req
        .read(move |c, _, case| service::get_list_report(c, case, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One publication, draft or published.
#[utoipa::path(
    operation_id = "publications_get",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("publication_id" = Uuid, Path, description = "The publication")),
    responses((status = 200, description = "The publication", body = PublicationView, headers(("ETag" = String, description = "The version"))))
)]
#[get("/cases/{id}/publications/{publication_id}")]
pub async fn get_publication(req: CaseRequest<ReadCases>) -> ApiResult<HttpResponse> {
    let id = req.record_id()?;
    let view = req
        .read(move |c, _, case| service::get_publication(c, case, id))
        .await?;
    Ok(versioned(HttpResponse::Ok(), view.version, &view))
}
