//! Proceedings, outcomes, barred and advisory list reports, and publications.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use diesel::PgConnection;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access::{CaseScope, VisibleCase};
use crate::casework::Caller;
use crate::casework::cases::{lock_for_change, lock_record};
use crate::casework::sub_record::{Listed, Paging, page_rows};
use crate::config::CaseworkSettings;
use crate::db::case_table::CaseTable;
use crate::db::models::{CaseRow, ListReportRow, OutcomeRow, ProceedingRow, PublicationRow};
use crate::db::{proceedings as queries, unique_violation_as};
use crate::domain::case::CaseState;
use crate::domain::decision::{CaseToAnswerFinding, DecisionDetails};
use crate::domain::proceedings::{
    Breach, Finding, ListKind, OutcomeAction, ProceedingStatus, ProceedingsKind, PublicationKind,
    PublicationStatus, check_kind, check_outcome,
};
use crate::domain::workflow::Unmet;
use crate::error::{ApiError, ApiResult, ErrorCode};

// ---------------------------------------------------------------------------------------
// Views

#[derive(Debug, Serialize, ToSchema)]
pub struct ProceedingView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: ProceedingsKind,
    pub subject_ids: Vec<Uuid>,
    pub scheduled_for: DateTime<Utc>,
    pub venue: String,
    pub chair: String,
    pub panel: Vec<String>,
    pub public: bool,
    pub status: ProceedingStatus,
    pub cancelled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProceedingView {
    fn from_row(r: ProceedingRow) -> ApiResult<Self> {
        Ok(Self {
            id: r.id,
            case_id: r.case_id,
            kind: r.kind,
            subject_ids: r.subject_ids,
            scheduled_for: r.scheduled_for,
            venue: r.venue,
            chair: r.chair,
            panel: r.panel,
            public: r.public,
            status: r.status,
            cancelled_reason: r.cancelled_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub proceeding_id: Uuid,
    pub subject_id: Uuid,
    pub finding: Finding,
    pub action: OutcomeAction,
    pub rationale: String,
    pub recorded_by: Uuid,
    pub decided_on: NaiveDate,
    /// For a dismissal: the last day to report it to the barred list.
    pub barred_list_due_by: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListReportView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub subject_id: Uuid,
    pub list: ListKind,
    pub reported_on: NaiveDate,
    pub due_by: Option<NaiveDate>,
    /// Reported after its due date.
    pub late: bool,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<ListReportRow> for ListReportView {
    fn from(r: ListReportRow) -> Self {
        Self {
            late: r.due_by.is_some_and(|d| r.reported_on > d),
            id: r.id,
            case_id: r.case_id,
            subject_id: r.subject_id,
            list: r.list,
            reported_on: r.reported_on,
            due_by: r.due_by,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
        }
    }
}

/// A publication as its authors and approvers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub proceeding_id: Option<Uuid>,
    pub kind: PublicationKind,
    pub officer_name: String,
    pub officer_rank: Option<String>,
    pub force: String,
    pub hearing_date: Option<DateTime<Utc>>,
    pub venue: Option<String>,
    pub allegation_summary: String,
    pub outcome: Option<String>,
    pub publish_from: DateTime<Utc>,
    pub publish_until: DateTime<Utc>,
    pub status: PublicationStatus,
    pub drafted_by: Uuid,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PublicationRow> for PublicationView {
    fn from(r: PublicationRow) -> Self {
        Self {
            id: r.id,
            case_id: r.case_id,
            proceeding_id: r.proceeding_id,
            kind: r.kind,
            officer_name: r.officer_name,
            officer_rank: r.officer_rank,
            force: r.force,
            hearing_date: r.hearing_date,
            venue: r.venue,
            allegation_summary: r.allegation_summary,
            outcome: r.outcome,
            publish_from: r.publish_from,
            publish_until: r.publish_until,
            status: r.status,
            drafted_by: r.drafted_by,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
            withdrawn_reason: r.withdrawn_reason,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// What the public sees of a publication: its own authored fields and nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicNotice {
    pub id: Uuid,
    pub kind: PublicationKind,
    pub officer_name: String,
    pub officer_rank: Option<String>,
    pub force: String,
    pub hearing_date: Option<DateTime<Utc>>,
    pub venue: Option<String>,
    pub allegation_summary: String,
    pub outcome: Option<String>,
    pub publish_from: DateTime<Utc>,
    pub publish_until: DateTime<Utc>,
}

impl From<PublicationRow> for PublicNotice {
    fn from(r: PublicationRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            officer_name: r.officer_name,
            officer_rank: r.officer_rank,
            force: r.force,
            hearing_date: r.hearing_date,
            venue: r.venue,
            allegation_summary: r.allegation_summary,
            outcome: r.outcome,
            publish_from: r.publish_from,
            publish_until: r.publish_until,
        }
    }
}

fn rules_broken(breaches: Vec<(Breach, Option<Uuid>)>) -> ApiError {
    let mut err = ApiError::new(
        ErrorCode::RulesBroken,
        format!("{} rule(s) would be broken.", breaches.len()),
    );
    err.unmet = breaches
        .into_iter()
        .map(|(b, s)| Unmet {
            code: b.code,
            subject_id: s,
            message: b.message,
        })
        .collect();
    err
}

fn require_state(case: &CaseRow, state: CaseState) -> ApiResult<()> {
    if case.state == state {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::WrongState,
            format!("The case must be in `{state}`; it is in `{}`.", case.state),
        ))
    }
}

fn live_final_warning(
    conn: &mut PgConnection,
    settings: &CaseworkSettings,
    subject: Uuid,
    on: NaiveDate,
) -> ApiResult<bool> {
    let since = on
        .checked_sub_months(Months::new(settings.final_warning_months))
        .unwrap_or(on);
    Ok(queries::live_final_warning(conn, subject, since)?)
}

/// The first day a public hearing may be held if its notice goes out on `notice_on`.
pub fn earliest_hearing(settings: &CaseworkSettings, notice_on: NaiveDate) -> NaiveDate {
    settings
        .calendar
        .add_working_days(notice_on, settings.hearing_notice_working_days)
}

fn notice_too_short(settings: &CaseworkSettings) -> ApiError {
    ApiError::new(
        ErrorCode::NoticePeriodTooShort,
        format!(
            "A public hearing's notice must be published at least {} working days before the hearing.",
            settings.hearing_notice_working_days
        ),
    )
}

// ---------------------------------------------------------------------------------------
// Proceedings

pub struct NewProceedings {
    pub kind: ProceedingsKind,
    pub subject_ids: Vec<Uuid>,
    pub scheduled_for: DateTime<Utc>,
    pub venue: String,
    pub chair: String,
    pub panel: Vec<String>,
    pub public: Option<bool>,
}

fn proceeding_audit(p: &ProceedingRow) -> Value {
    json!({
        "kind": p.kind, "subject_ids": p.subject_ids, "scheduled_for": audit::hash::format_time(&p.scheduled_for),
        "venue": p.venue, "chair": p.chair, "panel": p.panel, "public": p.public, "status": p.status,
    })
}

pub fn schedule(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case_id: Uuid,
    input: NewProceedings,
) -> ApiResult<ProceedingView> {
    let record = lock_record(conn, caller, case_id)?;
    require_state(record.case.row(), CaseState::Proceedings)?;
    let mut answers = std::collections::HashMap::new();
    for current in record.current_details()? {
        if let (DecisionDetails::CaseToAnswer(d), Some(s)) = (current.details, current.subject_id) {
            answers.insert(s, d.answer);
        }
    }
    let today = audit::now().date_naive();
    let mut breaches = Vec::new();
    for subject in &input.subject_ids {
        let answer = answers
            .get(subject)
            .copied()
            .unwrap_or(CaseToAnswerFinding::None);
        let live = live_final_warning(conn, settings, *subject, today)?;
        if let Some(b) = check_kind(input.kind, answer, live) {
            breaches.push((b, Some(*subject)));
        }
    }
    if !breaches.is_empty() {
        return Err(rules_broken(breaches));
    }
    let public = input.public.unwrap_or(input.kind.public_by_default());
    if public && input.scheduled_for.date_naive() < earliest_hearing(settings, today) {
        return Err(notice_too_short(settings));
    }
    let now = audit::now();
    let row = queries::insert(
        conn,
        &record.case,
        &ProceedingRow {
            id: Uuid::new_v4(),
            case_id,
            kind: input.kind,
            subject_ids: input.subject_ids,
            scheduled_for: input.scheduled_for,
            venue: input.venue,
            chair: input.chair,
            panel: input.panel,
            public,
            status: ProceedingStatus::Scheduled,
            cancelled_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("proceedings.scheduled")
            .entity("proceedings", row.id)
            .case(case_id)
            .after(proceeding_audit(&row)),
    )?;
    ProceedingView::from_row(row)
}

/// A page of a visible case's proceedings, in the order they were scheduled.
pub fn list(
    conn: &mut PgConnection,
    case: &VisibleCase,
    paging: Paging,
) -> ApiResult<Listed<ProceedingView>> {
    let (rows, next) = page_rows::<ProceedingRow>(conn, case, paging)?;
    Ok(Listed {
        items: rows
            .into_iter()
            .map(ProceedingView::from_row)
            .collect::<ApiResult<_>>()?,
        next,
    })
}

/// Moves the proceedings (`at` and `venue`), or cancels them (`cancel_reason`).
#[allow(clippy::too_many_arguments)]
pub fn change(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case_id: Uuid,
    id: Uuid,
    reschedule_to: Option<(DateTime<Utc>, Option<String>)>,
    cancel_reason: Option<String>,
    reason: &str,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<ProceedingView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    let before = queries::find_for_update(conn, &case, id)?.ok_or_else(ApiError::not_found)?;
    check_version(before.version)?;
    if before.status == ProceedingStatus::Cancelled {
        return Err(ApiError::new(
            ErrorCode::WrongState,
            "These proceedings are cancelled.",
        ));
    }
    let now = audit::now();
    let (after, action) = match (reschedule_to, cancel_reason) {
        (Some((at, venue)), _) => {
            if before.public && at.date_naive() < earliest_hearing(settings, now.date_naive()) {
                // A published notice must again give the full notice period for the new date.
                return Err(notice_too_short(settings));
            }
            let venue = venue.unwrap_or_else(|| before.venue.clone());
            (
                queries::reschedule(conn, &case, id, at, &venue, now)?,
                "proceedings.rescheduled",
            )
        }
        (None, Some(why)) => (
            queries::cancel(conn, &case, id, &why, now)?,
            "proceedings.cancelled",
        ),
        (None, None) => {
            return Err(ApiError::new(
                ErrorCode::ValidationFailed,
                "Nothing to change.",
            ));
        }
    };
    let mut after_json = proceeding_audit(&after);
    after_json["reason"] = json!(reason);
    audit::append(
        conn,
        &caller.audit,
        Event::new(action)
            .entity("proceedings", id)
            .case(case_id)
            .before(proceeding_audit(&before))
            .after(after_json),
    )?;
    ProceedingView::from_row(after)
}

// ---------------------------------------------------------------------------------------
// Outcomes

pub struct NewOutcome {
    pub proceeding_id: Uuid,
    pub subject_id: Uuid,
    pub finding: Finding,
    pub action: OutcomeAction,
    pub rationale: String,
    pub decided_on: NaiveDate,
}

fn outcome_view(o: OutcomeRow, settings: &CaseworkSettings) -> ApiResult<OutcomeView> {
    let action = o.action;
    Ok(OutcomeView {
        barred_list_due_by: (action == OutcomeAction::DismissalWithoutNotice).then(|| {
            settings
                .calendar
                .add_working_days(o.decided_on, settings.barred_list_working_days)
        }),
        id: o.id,
        case_id: o.case_id,
        proceeding_id: o.proceeding_id,
        subject_id: o.subject_id,
        finding: o.finding,
        action,
        rationale: o.rationale,
        recorded_by: o.recorded_by,
        decided_on: o.decided_on,
        created_at: o.created_at,
    })
}

pub fn record_outcome(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case_id: Uuid,
    input: NewOutcome,
) -> ApiResult<OutcomeView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    require_state(&case, CaseState::Proceedings)?;
    let proceeding =
        queries::find_for_update(conn, &case, input.proceeding_id)?.ok_or_else(|| {
            ApiError::field(
                ErrorCode::ValidationFailed,
                "proceeding_id",
                "unknown_proceedings",
                "is not proceedings of this case",
            )
        })?;
    if proceeding.status == ProceedingStatus::Cancelled {
        return Err(ApiError::new(
            ErrorCode::WrongState,
            "These proceedings are cancelled.",
        ));
    }
    if !proceeding.subject_ids.contains(&input.subject_id) {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "subject_id",
            "not_in_proceedings",
            "is not a subject of these proceedings",
        ));
    }
    let kind = proceeding.kind;
    let live = live_final_warning(conn, settings, input.subject_id, input.decided_on)?;
    let breaches = check_outcome(kind, input.finding, input.action, live);
    if !breaches.is_empty() {
        return Err(rules_broken(
            breaches
                .into_iter()
                .map(|b| (b, Some(input.subject_id)))
                .collect(),
        ));
    }
    let row = queries::insert_outcome(
        conn,
        &case,
        &OutcomeRow {
            id: Uuid::new_v4(),
            case_id,
            proceeding_id: proceeding.id,
            subject_id: input.subject_id,
            finding: input.finding,
            action: input.action,
            rationale: input.rationale,
            recorded_by: caller.viewer.user_id,
            decided_on: input.decided_on,
            created_at: audit::now(),
        },
    )
    .map_err(|e| {
        unique_violation_as(
            e,
            ApiError::new(
                ErrorCode::AlreadyRecorded,
                "This subject's outcome is already recorded.",
            ),
        )
    })?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("outcome.recorded").entity("outcome", row.id).case(case_id).after(json!({
            "proceeding_id": row.proceeding_id, "subject_id": row.subject_id, "finding": row.finding,
            "action": row.action, "decided_on": row.decided_on, "rationale": row.rationale,
        })),
    )?;
    outcome_view(row, settings)
}

pub fn list_outcomes(
    conn: &mut PgConnection,
    settings: &CaseworkSettings,
    case: &VisibleCase,
    paging: Paging,
) -> ApiResult<Listed<OutcomeView>> {
    let (rows, next) = page_rows::<OutcomeRow>(conn, case, paging)?;
    Ok(Listed {
        items: rows
            .into_iter()
            .map(|o| outcome_view(o, settings))
            .collect::<ApiResult<_>>()?,
        next,
    })
}

/// Records the report of a dismissed subject to the barred list, or of a subject who resigned
/// or retired under investigation to the advisory list.
pub fn record_list_report(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case_id: Uuid,
    subject_id: Uuid,
    list: ListKind,
    reported_on: NaiveDate,
) -> ApiResult<ListReportView> {
    let record = lock_record(conn, caller, case_id)?;
    if !record.subject_ids().contains(&subject_id) {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "subject_id",
            "subject_not_in_case",
            "has no allegation on this case",
        ));
    }
    let dismissal = record
        .dismissals()
        .find(|o| o.subject_id == subject_id)
        .map(|o| o.decided_on);
    let due_by = match (list, dismissal) {
        (ListKind::Barred, Some(decided)) => Some(
            settings
                .calendar
                .add_working_days(decided, settings.barred_list_working_days),
        ),
        (ListKind::Barred, None) => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "list",
                "no_dismissal",
                "only a dismissed subject goes on the barred list",
            ));
        }
        (_, Some(_)) => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "list",
                "dismissed",
                "a dismissed subject goes on the barred list",
            ));
        }
        _ => None,
    };
    let row = queries::insert_list_report(
        conn,
        &record.case,
        &ListReportRow {
            id: Uuid::new_v4(),
            case_id,
            subject_id,
            list,
            reported_on,
            due_by,
            recorded_by: caller.viewer.user_id,
            created_at: audit::now(),
        },
    )
    .map_err(|e| {
        unique_violation_as(
            e,
            ApiError::new(
                ErrorCode::AlreadyRecorded,
                "This report is already recorded.",
            ),
        )
    })?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("list_report.recorded").entity("list_report", row.id).case(case_id).after(json!({
            "subject_id": subject_id, "list": list, "reported_on": reported_on, "due_by": due_by,
        })),
    )?;
    Ok(row.into())
}

// ---------------------------------------------------------------------------------------
// Publications

pub struct NewPublication {
    pub kind: PublicationKind,
    pub proceeding_id: Option<Uuid>,
    pub officer_name: String,
    pub officer_rank: Option<String>,
    pub force: String,
    pub hearing_date: Option<DateTime<Utc>>,
    pub venue: Option<String>,
    pub allegation_summary: String,
    pub outcome: Option<String>,
    pub publish_from: DateTime<Utc>,
    pub publish_until: Option<DateTime<Utc>>,
}

fn publication_audit(p: &PublicationRow) -> Value {
    // A publication is public text by design: recorded in full.
    json!({
        "kind": p.kind, "proceeding_id": p.proceeding_id, "officer_name": p.officer_name, "officer_rank": p.officer_rank,
        "force": p.force, "hearing_date": p.hearing_date.map(|d| audit::hash::format_time(&d)), "venue": p.venue,
        "allegation_summary": p.allegation_summary, "outcome": p.outcome,
        "publish_from": audit::hash::format_time(&p.publish_from), "publish_until": audit::hash::format_time(&p.publish_until),
        "status": p.status, "approved_by": p.approved_by,
    })
}

pub fn draft(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case_id: Uuid,
    p: NewPublication,
) -> ApiResult<PublicationView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    let min_window = Duration::days(i64::from(settings.outcome_publication_days));
    let publish_until = match (p.kind.as_str(), p.publish_until, p.hearing_date) {
        ("outcome", Some(until), _) if until < p.publish_from + min_window => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "publish_until",
                "window_too_short",
                &format!(
                    "an outcome stays published at least {} days",
                    settings.outcome_publication_days
                ),
            ));
        }
        ("outcome", until, _) => until.unwrap_or(p.publish_from + min_window),
        (_, Some(until), _) => until,
        (_, None, Some(hearing)) => hearing + Duration::days(1),
        (_, None, None) => p.publish_from + min_window,
    };
    if let Some(pid) = p.proceeding_id {
        let proceeding = queries::find_for_update(conn, &case, pid)?.ok_or_else(|| {
            ApiError::field(
                ErrorCode::ValidationFailed,
                "proceeding_id",
                "unknown_proceedings",
                "is not proceedings of this case",
            )
        })?;
        if p.kind == PublicationKind::HearingNotice && !proceeding.public {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "proceeding_id",
                "not_public",
                "these proceedings are held in private",
            ));
        }
    }
    let now = audit::now();
    let row = queries::insert_publication(
        conn,
        &case,
        &PublicationRow {
            id: Uuid::new_v4(),
            case_id,
            proceeding_id: p.proceeding_id,
            kind: p.kind,
            officer_name: p.officer_name,
            officer_rank: p.officer_rank,
            force: p.force,
            hearing_date: p.hearing_date,
            venue: p.venue,
            allegation_summary: p.allegation_summary,
            outcome: p.outcome,
            publish_from: p.publish_from,
            publish_until,
            status: PublicationStatus::Draft,
            drafted_by: caller.viewer.user_id,
            approved_by: None,
            approved_at: None,
            withdrawn_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("publication.drafted")
            .entity("publication", row.id)
            .case(case_id)
            .after(publication_audit(&row)),
    )?;
    Ok(row.into())
}

/// Approval by a second supervisor publishes; the author cannot approve their own text.
pub fn approve(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case_id: Uuid,
    id: Uuid,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<PublicationView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    let before =
        queries::publication_for_update(conn, &case, id)?.ok_or_else(ApiError::not_found)?;
    check_version(before.version)?;
    if before.status != PublicationStatus::Draft {
        return Err(ApiError::new(
            ErrorCode::WrongState,
            format!("The publication is {}, not a draft.", before.status),
        ));
    }
    if before.drafted_by == caller.viewer.user_id {
        return Err(ApiError::new(
            ErrorCode::AuthorCannotApprove,
            "A second supervisor must approve this publication.",
        ));
    }
    let now = audit::now();
    if before.kind == PublicationKind::HearingNotice {
        // The notice counts from when it is actually visible.
        let visible_from = before.publish_from.max(now).date_naive();
        let hearing = before
            .hearing_date
            .map(|d| d.date_naive())
            .unwrap_or(visible_from);
        if hearing < earliest_hearing(settings, visible_from) {
            return Err(notice_too_short(settings));
        }
    }
    let after = queries::set_publication_status(
        conn,
        &case,
        id,
        "published",
        Some(caller.viewer.user_id),
        None,
        now,
    )?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("publication.approved")
            .entity("publication", id)
            .case(case_id)
            .before(publication_audit(&before))
            .after(publication_audit(&after)),
    )?;
    Ok(after.into())
}

pub fn withdraw(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    id: Uuid,
    reason: &str,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<PublicationView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    let before =
        queries::publication_for_update(conn, &case, id)?.ok_or_else(ApiError::not_found)?;
    check_version(before.version)?;
    if before.status == PublicationStatus::Withdrawn {
        return Err(ApiError::new(
            ErrorCode::WrongState,
            "The publication is already withdrawn.",
        ));
    }
    let after = queries::set_publication_status(
        conn,
        &case,
        id,
        "withdrawn",
        None,
        Some(reason),
        audit::now(),
    )?;
    let mut after_json = publication_audit(&after);
    after_json["withdrawn_reason"] = json!(reason);
    audit::append(
        conn,
        &caller.audit,
        Event::new("publication.withdrawn")
            .entity("publication", id)
            .case(case_id)
            .before(publication_audit(&before))
            .after(after_json),
    )?;
    Ok(after.into())
}

pub fn list_publications(
    conn: &mut PgConnection,
    case: &VisibleCase,
    paging: Paging,
) -> ApiResult<Listed<PublicationView>> {
    let (rows, next) = page_rows::<PublicationRow>(conn, case, paging)?;
    Ok(Listed {
        items: rows.into_iter().map(PublicationView::from).collect(),
        next,
    })
}

crate::case_table!(ProceedingRow, proceedings);
crate::case_table!(ListReportRow, list_reports);

pub fn get_proceeding(
    conn: &mut PgConnection,
    case: &VisibleCase,
    id: Uuid,
) -> ApiResult<ProceedingView> {
    let row = ProceedingRow::find(conn, case, id)?.ok_or_else(ApiError::not_found)?;
    ProceedingView::from_row(row)
}

pub fn get_outcome(
    conn: &mut PgConnection,
    settings: &CaseworkSettings,
    case: &VisibleCase,
    id: Uuid,
) -> ApiResult<OutcomeView> {
    let row = OutcomeRow::find(conn, case, id)?.ok_or_else(ApiError::not_found)?;
    outcome_view(row, settings)
}

pub fn get_list_report(
    conn: &mut PgConnection,
    case: &VisibleCase,
    id: Uuid,
) -> ApiResult<ListReportView> {
    let row = ListReportRow::find(conn, case, id)?.ok_or_else(ApiError::not_found)?;
    Ok(row.into())
}

pub fn get_publication(
    conn: &mut PgConnection,
    case: &VisibleCase,
    id: Uuid,
) -> ApiResult<PublicationView> {
    let row = PublicationRow::find(conn, case, id)?.ok_or_else(ApiError::not_found)?;
    Ok(row.into())
}
crate::case_table!(OutcomeRow, outcomes);
crate::case_table!(PublicationRow, publications);
