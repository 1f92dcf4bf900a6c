//! Cases: recording, reading, changing, moving through the workflow, assigning.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access::{self, CaseScope, LockedCase};
use crate::auth::permissions::Permission;
use crate::casework::facts::CaseRecord;
use crate::casework::flags;
use crate::casework::views::{CaseSubject, CaseView, Deadlines, IopcReferralView, WorkloadEntry};
use crate::casework::{Caller, forbidden};
use crate::config::CaseworkSettings;
use crate::db::models::CaseRow;
use crate::db::{cases, users};
use crate::domain::case::{CaseState, Category, ClosureReason, Source};
use crate::domain::deadlines::ReportSchedule;
use crate::domain::decision::DecisionDetails;
use crate::domain::workflow::{self, Plan};
use crate::domain::{Role, Viewer};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// What the audit log records of a case (its free text is sealed: `audit::seal`).
pub fn audit_view(c: &CaseRow) -> Value {
    json!({
        "reference": c.reference,
        "title": c.title,
        "summary": c.summary,
        "source": c.source,
        "category": c.category,
        "state": c.state,
        "suspended_from": c.suspended_from,
        "closure_reason": c.closure_reason,
        "restricted": c.restricted,
        "received_at": audit::hash::format_time(&c.received_at),
        "came_to_attention_at": audit::hash::format_time(&c.came_to_attention_at),
        "assigned_investigator_id": c.assigned_investigator_id,
    })
}

pub struct NewCase {
    pub title: String,
    pub summary: String,
    pub source: Source,
    pub category: Category,
    pub received_at: DateTime<Utc>,
    pub came_to_attention_at: DateTime<Utc>,
    pub restricted: bool,
}

pub fn create(conn: &mut PgConnection, caller: &Caller, input: NewCase) -> ApiResult<LockedCase> {
    if input.restricted {
        caller.require(Permission::ManageCases)?;
    }
    let now = audit::now();
    let reference = cases::next_reference(conn, now)?;
    let case = access::create(
        conn,
        &CaseRow {
            id: Uuid::new_v4(),
            reference: reference.as_str().to_owned(),
            title: input.title,
            summary: input.summary,
            source: input.source,
            category: input.category,
            received_at: input.received_at,
            came_to_attention_at: input.came_to_attention_at,
            state: CaseState::Intake,
            suspended_from: None,
            closure_reason: None,
            restricted: input.restricted,
            assigned_investigator_id: None,
            created_by: caller.viewer.user_id,
            flagged: false,
            flag_reasons: json!([]),
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )?;
    // A supervisor who restricts a case must still see it.
    if case.restricted {
        cases::replace_members(conn, &case, &[caller.viewer.user_id], now)?;
    }
    audit::append(
        conn,
        &caller.audit,
        Event::new("case.created")
            .entity("case", case.id)
            .case(case.id)
            .after(audit_view(&case)),
    )?;
    Ok(case)
}

/// The case with everything computed, if the caller may see it; the read is recorded.
pub fn view(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    id: Uuid,
) -> ApiResult<CaseView> {
    let record = CaseRecord::find_visible(conn, &caller.viewer, id)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("case.viewed").entity("case", id).case(id),
    )?;
    build_view(conn, &caller.viewer, record, settings)
}

/// The case as `viewer` sees it: the flag reasons are written for them.
pub fn build_view<S: CaseScope>(
    conn: &mut PgConnection,
    viewer: &Viewer,
    mut record: CaseRecord<S>,
    settings: &CaseworkSettings,
) -> ApiResult<CaseView> {
    let flag_reasons =
        flags::case_reasons(conn, viewer, settings, record.case.row(), &record.subjects)?;
    let subject_ids = record.subject_ids();
    let mut per_subject: HashMap<Uuid, CaseSubject> = HashMap::new();
    for s in std::mem::take(&mut record.subjects) {
        per_subject.insert(
            s.id,
            CaseSubject {
                subject_id: s.id,
                name: s.name,
                force: s.force,
                collar_number: s.collar_number,
                rank: s.rank,
                severity: None,
                reg17_served_at: None,
                case_to_answer: None,
                proceedings: None,
            },
        );
    }
    let mut iopc_referral = None;
    for current in record.current_details()? {
        let decision_id = current.id;
        let entry = current.subject_id.and_then(|s| per_subject.get_mut(&s));
        match (current.details, entry) {
            (DecisionDetails::SeverityAssessment(d), Some(e)) => e.severity = Some(d.severity),
            (DecisionDetails::Reg17Notice(d), Some(e)) => e.reg17_served_at = Some(d.served_at),
            (DecisionDetails::CaseToAnswer(d), Some(e)) => {
                e.case_to_answer = Some(d.answer);
                e.proceedings = Some(d.proceedings);
            }
            (DecisionDetails::IopcReferral(d), _) => {
                iopc_referral = Some(IopcReferralView {
                    referred_at: d.referred_at,
                    mode: d.mode,
                    decision_id,
                });
            }
            _ => {}
        }
    }
    let state: CaseState = record.state()?;
    let reports_made = record.reports_made();
    let record_barred_overdue = record.barred_list_overdue(settings, audit::now().date_naive());
    let c = record.case.row().clone();
    let schedule = &settings.report_schedule;
    let barred_list_overdue = record_barred_overdue;
    let due = schedule.next_due(c.came_to_attention_at, reports_made);
    Ok(CaseView {
        id: c.id,
        reference: c.reference,
        title: c.title,
        summary: c.summary,
        source: c.source,
        category: c.category,
        received_at: c.received_at,
        came_to_attention_at: c.came_to_attention_at,
        state,
        suspended_from: c.suspended_from,
        closure_reason: c.closure_reason,
        restricted: c.restricted,
        assigned_investigator_id: c.assigned_investigator_id,
        members: record.members,
        created_by: c.created_by,
        subjects: subject_ids
            .iter()
            .filter_map(|id| per_subject.remove(id))
            .collect(),
        iopc_referral,
        deadlines: Deadlines {
            twelve_month_report_due: due,
            overdue: schedule.is_overdue(
                c.came_to_attention_at,
                reports_made,
                state != CaseState::Closed,
                audit::now(),
            ),
            reports_made,
            barred_list_overdue,
        },
        flagged: c.flagged,
        flag_reasons,
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// Locks a case the caller may see, and checks `If-Match` against it.
pub fn lock_for_change(
    conn: &mut PgConnection,
    viewer: &Viewer,
    id: Uuid,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<LockedCase> {
    let case = access::lock(conn, viewer, id)?;
    check_version(case.version)?;
    Ok(case)
}

/// Locks a case the caller may see, read with what it holds (one statement), for a change
/// whose rules need the record.
pub fn lock_record(
    conn: &mut PgConnection,
    caller: &Caller,
    id: Uuid,
) -> ApiResult<CaseRecord<LockedCase>> {
    CaseRecord::lock_visible(conn, &caller.viewer, id)
}

#[derive(Default)]
pub struct CaseEdit {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub source: Option<Source>,
    pub category: Option<Category>,
    pub received_at: Option<DateTime<Utc>>,
    pub came_to_attention_at: Option<DateTime<Utc>>,
    pub restricted: Option<bool>,
}

pub fn update(
    conn: &mut PgConnection,
    caller: &Caller,
    id: Uuid,
    edit: CaseEdit,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<LockedCase> {
    if edit.restricted.is_some() {
        caller.require(Permission::ManageCases)?;
    }
    let mut case = lock_for_change(conn, &caller.viewer, id, check_version)?;
    let before = case.row().clone();
    if before.state == CaseState::Closed {
        return Err(case_closed());
    }
    let changes = cases::CaseChanges {
        title: edit.title,
        summary: edit.summary,
        source: edit.source,
        category: edit.category,
        received_at: edit.received_at,
        came_to_attention_at: edit.came_to_attention_at,
        restricted: edit.restricted,
        ..Default::default()
    };
    let now = audit::now();
    let after = cases::update(conn, &case, &changes, now)?;
    case.refresh(after.clone())?;
    // A supervisor who restricts a case must still see it: they become a member.
    let assigned_to_caller = after.assigned_investigator_id == Some(caller.viewer.user_id);
    if after.restricted && !before.restricted && !assigned_to_caller {
        let mut members = cases::members(conn, &case)?;
        if !members.contains(&caller.viewer.user_id) {
            members.push(caller.viewer.user_id);
            cases::replace_members(conn, &case, &members, now)?;
        }
    }
    audit::append(
        conn,
        &caller.audit,
        Event::new("case.updated")
            .entity("case", id)
            .case(id)
            .before(audit_view(&before))
            .after(audit_view(&after)),
    )?;
    Ok(case)
}

pub fn case_closed() -> ApiError {
    ApiError::new(ErrorCode::CaseClosed, "The case is closed.")
}

pub struct TransitionRequest {
    pub to: CaseState,
    pub reason: String,
    pub closure_reason: Option<ClosureReason>,
}

pub fn transition(
    conn: &mut PgConnection,
    caller: &Caller,
    id: Uuid,
    request: TransitionRequest,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<CaseRecord<LockedCase>> {
    let mut record = lock_record(conn, caller, id)?;
    check_version(record.case.version)?;
    let from = record.state()?;
    let suspended_from = record.case.suspended_from;
    let mut facts = record.facts()?;
    facts.closure_reason = request.closure_reason;
    let Plan::Move { mover, unmet } = workflow::plan(from, request.to, suspended_from, &facts)
    else {
        return Err(ApiError::new(
            ErrorCode::TransitionNotAllowed,
            format!("A case cannot move from `{from}` to `{}`.", request.to),
        ));
    };
    if !access::may_move(&caller.viewer, &record.case, mover) {
        return Err(forbidden("You may not make this transition."));
    }
    if !unmet.is_empty() {
        let mut err = ApiError::new(
            ErrorCode::PreconditionsUnmet,
            format!(
                "{} precondition(s) of `{from}` → `{}` are not met.",
                unmet.len(),
                request.to
            ),
        );
        err.unmet = unmet;
        return Err(err);
    }
    let change = cases::StateChange {
        state: request.to,
        suspended_from: (request.to == CaseState::Suspended).then_some(from),
        closure_reason: if request.to == CaseState::Closed {
            request.closure_reason
        } else {
            record.case.closure_reason
        },
    };
    let after = cases::set_state(conn, &record.case, change, audit::now())?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("case.transitioned")
            .entity("case", id)
            .case(id)
            .before(json!({ "state": from }))
            .after(json!({
                "state": request.to,
                "reason": request.reason,
                "closure_reason": request.closure_reason,
            })),
    )?;
    // The rest of the record is unchanged: answer from it without reading it again.
    record.case.refresh(after)?;
    Ok(record)
}

fn conflict_of_interest(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::ConflictOfInterest, detail)
}

pub fn assign(
    conn: &mut PgConnection,
    caller: &Caller,
    id: Uuid,
    investigator_id: Uuid,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<LockedCase> {
    let mut case = lock_for_change(conn, &caller.viewer, id, check_version)?;
    if case.state == CaseState::Closed {
        return Err(case_closed());
    }
    let user = users::find(conn, investigator_id)?;
    if !user.as_ref().is_some_and(access::assignable) {
        return Err(ApiError::field(
            ErrorCode::InvestigatorUnavailable,
            "investigator_id",
            "not_an_active_investigator",
            "is not an active investigator",
        ));
    }
    if access::conflicted(conn, &case, investigator_id)? {
        return Err(conflict_of_interest(
            "That investigator is linked to a subject of this case.",
        ));
    }
    let changes = cases::CaseChanges {
        assigned_investigator_id: Some(Some(investigator_id)),
        ..Default::default()
    };
    let after = cases::update(conn, &case, &changes, audit::now())?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("case.assigned")
            .entity("case", id)
            .case(id)
            .before(json!({ "assigned_investigator_id": case.assigned_investigator_id }))
            .after(json!({ "assigned_investigator_id": investigator_id })),
    )?;
    case.refresh(after)?;
    Ok(case)
}

pub fn set_members(
    conn: &mut PgConnection,
    caller: &Caller,
    id: Uuid,
    user_ids: Vec<Uuid>,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<LockedCase> {
    let mut case = lock_for_change(conn, &caller.viewer, id, check_version)?;
    let mut wanted = user_ids;
    wanted.sort_unstable();
    wanted.dedup();
    for (i, user_id) in wanted.iter().enumerate() {
        if !users::find(conn, *user_id)?.is_some_and(|u| access::may_be_member(&u)) {
            return Err(ApiError::field(
                ErrorCode::InvestigatorUnavailable,
                &format!("user_ids[{i}]"),
                "not_case_staff",
                "is not an active investigator or supervisor",
            ));
        }
        if access::conflicted(conn, &case, *user_id)? {
            return Err(conflict_of_interest(
                "A proposed member is linked to a subject of this case.",
            ));
        }
    }
    let before = cases::members(conn, &case)?;
    let now = audit::now();
    cases::replace_members(conn, &case, &wanted, now)?;
    let after = cases::touch(conn, &case, now)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("case.members_changed")
            .entity("case", id)
            .case(id)
            .before(json!({ "members": before }))
            .after(json!({ "members": wanted })),
    )?;
    case.refresh(after)?;
    Ok(case)
}

/// Per investigator: open cases by state, overdue counts, the oldest case's age. Only cases
/// the supervisor may see are counted.
pub fn workload(
    conn: &mut PgConnection,
    viewer: &Viewer,
    schedule: &ReportSchedule,
) -> ApiResult<Vec<WorkloadEntry>> {
    let now = audit::now();
    let investigators = users::list(
        conn,
        &users::ListFilter {
            role: Some(Role::Investigator),
            active: Some(true),
            after: None,
            limit: i64::MAX,
        },
    )?;
    let open = cases::open_assigned(conn, viewer)?;
    let mut entries: BTreeMap<(String, Uuid), WorkloadEntry> = investigators
        .into_iter()
        .map(|u| {
            (
                (u.display_name.clone(), u.id),
                WorkloadEntry {
                    investigator_id: u.id,
                    display_name: u.display_name,
                    open_by_state: BTreeMap::new(),
                    open_total: 0,
                    overdue: 0,
                    oldest_case_age_days: None,
                },
            )
        })
        .collect();
    let mut index: HashMap<Uuid, (String, Uuid)> =
        entries.keys().map(|k| (k.1, k.clone())).collect();
    for c in open {
        let Some(key) = index.get_mut(&c.assigned_to) else {
            continue;
        };
        let Some(entry) = entries.get_mut(key) else {
            continue;
        };
        *entry.open_by_state.entry(c.state.clone()).or_default() += 1;
        entry.open_total += 1;
        let reports = u32::try_from(c.reports_made).unwrap_or(u32::MAX);
        if schedule.is_overdue(c.came_to_attention_at, reports, true, now) {
            entry.overdue += 1;
        }
        let age = (now - c.received_at).num_days();
        entry.oldest_case_age_days = Some(entry.oldest_case_age_days.map_or(age, |a| a.max(age)));
    }
    Ok(entries.into_values().collect())
}
