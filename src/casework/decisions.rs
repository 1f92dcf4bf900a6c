//! Decisions: each with its rationale, by the role the regulations give it to. A later
//! decision of the same kind (for the same subject) supersedes the earlier; both stay.

use diesel::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access::{self, CaseScope, LockedCase, VisibleCase};
use crate::casework::facts::CaseRecord;
use crate::casework::sub_record::{Listed, Paging, page_rows, require_open};
use crate::casework::views::DecisionView;
use crate::casework::{Caller, forbidden};
use crate::db::case_records;
use crate::db::case_table::CaseTable;
use crate::db::models::DecisionRow;
use crate::domain::decision::{DecisionDetails, DecisionKind};
use crate::error::{ApiError, ApiResult, ErrorCode};

crate::case_table!(DecisionRow, decisions);

pub struct NewDecision {
    pub kind: DecisionKind,
    pub subject_id: Option<Uuid>,
    pub details: DecisionDetails,
    pub rationale: String,
}

/// Records a decision on a case the caller holds, read with what it holds.
pub fn add_decision(
    conn: &mut PgConnection,
    caller: &Caller,
    record: &CaseRecord<LockedCase>,
    d: NewDecision,
) -> ApiResult<DecisionView> {
    let case_id = record.case.id();
    require_open(&record.case)?;
    if !access::may_record(&caller.viewer, &record.case, d.kind.recorded_by()) {
        return Err(forbidden(
            "You may not record this kind of decision on this case.",
        ));
    }
    match (d.kind.per_subject(), d.subject_id) {
        (true, None) => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "subject_id",
                "required",
                "is required for this kind",
            ));
        }
        (true, Some(s)) if !record.subject_ids().contains(&s) => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "subject_id",
                "subject_not_in_case",
                "has no allegation on this case",
            ));
        }
        (false, Some(_)) => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "subject_id",
                "unknown_field",
                "is not a field of this kind",
            ));
        }
        _ => {}
    }
    let supersedes_id = record
        .decisions
        .iter()
        .rev()
        .find(|x| x.kind == d.kind && x.subject_id == d.subject_id)
        .map(|x| x.id);
    let details =
        serde_json::to_value(&d.details).map_err(|e| ApiError::internal("decision details", e))?;
    let row = case_records::insert_decision(
        conn,
        &record.case,
        &DecisionRow {
            id: Uuid::new_v4(),
            case_id,
            kind: d.kind,
            subject_id: d.subject_id,
            details: details.clone(),
            rationale: d.rationale,
            author_id: caller.viewer.user_id,
            supersedes_id,
            created_at: audit::now(),
        },
    )?;
    let audited = details;
    audit::append(
        conn,
        &caller.audit,
        Event::new("decision.recorded")
            .entity("decision", row.id)
            .case(case_id)
            .after(json!({
                "kind": row.kind,
                "subject_id": row.subject_id,
                "details": audited,
                "rationale": row.rationale,
                "supersedes_id": row.supersedes_id,
            })),
    )?;
    DecisionView::from_row(row, true)
}

/// A page of a visible case's decisions, oldest first, each marked current unless a later
/// one supersedes it.
pub fn list_decisions(
    conn: &mut PgConnection,
    case: &VisibleCase,
    paging: Paging,
) -> ApiResult<Listed<DecisionView>> {
    let (rows, next) = page_rows::<DecisionRow>(conn, case, paging)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let superseded = case_records::superseded_among(conn, case, &ids)?;
    let items = rows
        .into_iter()
        .map(|r| {
            let current = !superseded.contains(&r.id);
            DecisionView::from_row(r, current)
        })
        .collect::<ApiResult<_>>()?;
    Ok(Listed { items, next })
}

/// One decision of a visible case (404 if it has none with this id).
pub fn get_decision(
    conn: &mut PgConnection,
    case: &VisibleCase,
    id: Uuid,
) -> ApiResult<DecisionView> {
    let row = DecisionRow::find(conn, case, id)?.ok_or_else(ApiError::not_found)?;
    let superseded = case_records::superseded_among(conn, case, &[id])?;
    DecisionView::from_row(row, superseded.is_empty())
}
