//! The subject registry: one record per officer or staff member, across cases.

use diesel::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access;
use crate::casework::Caller;
use crate::casework::flags;
use crate::casework::views::{CaseSummary, HistoryEntry, SubjectHistory, SubjectView};
use crate::config::CaseworkSettings;
use crate::db::models::SubjectRow;
use crate::db::subjects::SubjectFilter;
use crate::db::{cases, subjects, unique_violation_as};
use crate::domain::Viewer;
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
    Ok(SubjectView::new(row, Vec::new()))
}

/// The subjects with their flag reasons written for `viewer`.
fn views(
    conn: &mut PgConnection,
    viewer: &Viewer,
    settings: &CaseworkSettings,
    rows: Vec<SubjectRow>,
) -> ApiResult<Vec<SubjectView>> {
    let mut reasons =
        flags::subject_reasons(conn, viewer, settings, &rows.iter().collect::<Vec<_>>())?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine = reasons.remove(&r.id).unwrap_or_default();
            SubjectView::new(r, mine)
        })
        .collect())
}

fn view(
    conn: &mut PgConnection,
    viewer: &Viewer,
    settings: &CaseworkSettings,
    row: SubjectRow,
) -> ApiResult<SubjectView> {
    views(conn, viewer, settings, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal("subject view", "no view of the subject"))
}

/// Subjects by name (one page, and one more to tell whether there are more).
pub fn list(
    conn: &mut PgConnection,
    settings: &CaseworkSettings,
    filter: &SubjectFilter,
) -> ApiResult<Vec<SubjectView>> {
    let rows = subjects::list(conn, filter)?;
    views(conn, &filter.viewer, settings, rows)
}

pub fn get(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    id: Uuid,
) -> ApiResult<SubjectView> {
    let row = subjects::find_for(conn, &caller.viewer, id)?.ok_or_else(ApiError::not_found)?;
    view(conn, &caller.viewer, settings, row)
}

/// Every case and allegation about this person that the caller may see.
pub fn history(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    id: Uuid,
) -> ApiResult<SubjectHistory> {
    let subject = subjects::find_for(conn, &caller.viewer, id)?.ok_or_else(ApiError::not_found)?;
    let rows = cases::about_subject(conn, &caller.viewer, id)?;
    let mut entries = Vec::new();
    for (case, allegations) in rows {
        entries.push(HistoryEntry {
            case: CaseSummary::from_row(case)?,
            allegations,
        });
    }
    Ok(SubjectHistory {
        subject: view(conn, &caller.viewer, settings, subject)?,
        cases: entries,
    })
}
