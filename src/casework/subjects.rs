//! The subject registry: one record per officer or staff member, across cases.

use diesel::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access;
use crate::casework::Caller;
use crate::casework::views::{
    AllegationView, CaseSummary, HistoryEntry, SubjectHistory, SubjectView,
};
use crate::db::models::SubjectRow;
use crate::db::{cases, subjects, unique_violation_as};
use crate::error::{ApiError, ApiResult, ErrorCode};

pub struct NewSubject {
    pub force: String,
    pub collar_number: String,
    pub name: String,
    pub rank: Option<String>,
}

pub fn create(conn: &mut PgConnection, caller: &Caller, s: NewSubject) -> ApiResult<SubjectView> {
    // Nobody registers themselves: refused before the registry is looked at, so the answer
    // does not tell them whether they are already a subject.
    if access::is_own_identity(conn, &caller.viewer, &s.force, &s.collar_number)? {
        return Err(ApiError::new(
            ErrorCode::ConflictOfInterest,
            "This is your own staff identity: someone else must register it.",
        ));
    }
    let now = audit::now();
    let row = subjects::insert(
        conn,
        &SubjectRow {
            id: Uuid::new_v4(),
            force: s.force,
            collar_number: s.collar_number,
            name: s.name,
            rank: s.rank,
            flagged: false,
            flag_reasons: json!([]),
            version: 1,
            created_at: now,
            updated_at: now,
        },
    )
    .map_err(|e| {
        unique_violation_as(
            e,
            ApiError::new(
                ErrorCode::SubjectExists,
                "A subject with this force and collar number is already registered.",
            ),
        )
    })?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("subject.created")
            .entity("subject", row.id)
            .after(json!({
                "force": row.force, "collar_number": row.collar_number, "name": row.name,
                "rank": row.rank,
            })),
    )?;
    Ok(row.into())
}

pub fn get(conn: &mut PgConnection, caller: &Caller, id: Uuid) -> ApiResult<SubjectView> {
    subjects::find_for(conn, &caller.viewer, id)?
        .map(SubjectView::from)
        .ok_or_else(ApiError::not_found)
}

/// Every case and allegation about this person that the caller may see.
pub fn history(conn: &mut PgConnection, caller: &Caller, id: Uuid) -> ApiResult<SubjectHistory> {
    let subject = subjects::find_for(conn, &caller.viewer, id)?.ok_or_else(ApiError::not_found)?;
    let rows = cases::about_subject(conn, &caller.viewer, id)?;
    let mut entries = Vec::new();
    for (case, allegations) in rows {
        entries.push(HistoryEntry {
            case: CaseSummary::from_row(case)?,
            allegations: allegations
                .into_iter()
                .map(AllegationView::from_row)
                .collect::<ApiResult<_>>()?,
        });
    }
    Ok(SubjectHistory {
        subject: subject.into(),
        cases: entries,
    })
}
