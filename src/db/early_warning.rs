//! What the early warning reads: the allegations against subjects, each marked with whether
//! the reader may see its case (the access policy's predicate decides), and the flagged cases
//! about them that the reader may see.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::access::Purpose;
use crate::auth::access::sql::cases_visible_to;
use crate::db::schema::{allegations, cases};
use crate::domain::Viewer;
use crate::domain::case::Category;
use crate::domain::early_warning::AllegationFact;

/// Subject, case, category, when added, and whether visible.
type AllegationRow = (Uuid, Uuid, Category, DateTime<Utc>, bool);

/// Every allegation against these subjects, with its subject; `visible` says whether
/// `viewer` may see its case's content. The early warning counts all of them when it decides
/// to flag; what a reader is told counts only the visible ones. They are read past the
/// row-level policies (which would hide those of cases the viewer cannot see), and each is
/// marked by the access policy's own predicate for the viewer.
pub fn allegations_about(
    conn: &mut PgConnection,
    viewer: &Viewer,
    subject_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, AllegationFact)>> {
    if subject_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<AllegationRow> = crate::db::past_the_wall(conn, |conn| {
        allegations::table
            .inner_join(cases::table)
            .filter(allegations::subject_id.eq_any(subject_ids))
            .select((
                allegations::subject_id,
                allegations::case_id,
                allegations::category,
                allegations::created_at,
                cases_visible_to(viewer, Purpose::Content),
            ))
            .load(conn)
    })?;
    Ok(rows
        .into_iter()
        .map(|(subject_id, case_id, category, created_at, visible)| {
            (
                subject_id,
                AllegationFact {
                    case_id,
                    apsp: category == Category::Apsp,
                    created_at,
                    visible,
                },
            )
        })
        .collect())
}

/// A flagged case the reader may see: its id, reference and stored flags.
pub type FlaggedCase = (Uuid, String, serde_json::Value);

/// The flagged cases with an allegation against one of these subjects that `viewer` may see.
pub fn flagged_cases_about(
    conn: &mut PgConnection,
    viewer: &Viewer,
    subject_ids: &[Uuid],
) -> QueryResult<Vec<FlaggedCase>> {
    if subject_ids.is_empty() {
        return Ok(Vec::new());
    }
    cases::table
        .filter(cases::flagged.eq(true))
        .filter(
            cases::id.eq_any(
                allegations::table
                    .filter(allegations::subject_id.eq_any(subject_ids))
                    .select(allegations::case_id),
            ),
        )
        .filter(cases_visible_to(viewer, Purpose::Content))
        .select((cases::id, cases::reference, cases::flag_reasons))
        .load(conn)
}
