//! Queries on the subject registry.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::SubjectRow;
use crate::db::schema::subjects;

pub fn insert(conn: &mut PgConnection, row: &SubjectRow) -> QueryResult<SubjectRow> {
    diesel::insert_into(subjects::table)
        .values(row)
        .returning(SubjectRow::as_returning())
        .get_result(conn)
}

/// The subject, unless it is the viewer themselves: nobody reads their own subject record.
pub fn find_for(
    conn: &mut PgConnection,
    viewer: Uuid,
    id: Uuid,
) -> QueryResult<Option<SubjectRow>> {
    subjects::table
        .filter(subjects::id.eq(id))
        .filter(subjects::user_id.is_distinct_from(viewer))
        .select(SubjectRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<SubjectRow>> {
    subjects::table
        .find(id)
        .select(SubjectRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn find_many(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<SubjectRow>> {
    subjects::table
        .filter(subjects::id.eq_any(ids))
        .select(SubjectRow::as_select())
        .load(conn)
}

pub struct SubjectFilter {
    pub viewer: Uuid,
    pub q: Option<String>,
    pub force: Option<String>,
    pub flagged: Option<bool>,
    pub after: Option<(String, Uuid)>,
    pub limit: i64,
}

/// Subjects by name, then id.
pub fn list(conn: &mut PgConnection, f: &SubjectFilter) -> QueryResult<Vec<SubjectRow>> {
    let mut q = subjects::table
        .filter(subjects::user_id.is_distinct_from(f.viewer))
        .select(SubjectRow::as_select())
        .into_boxed();
    if let Some(text) = &f.q {
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        q = q.filter(
            subjects::name
                .ilike(pattern.clone())
                .or(subjects::collar_number.ilike(pattern)),
        );
    }
    if let Some(force) = &f.force {
        q = q.filter(subjects::force.ilike(force.clone()));
    }
    if let Some(flagged) = f.flagged {
        q = q.filter(subjects::flagged.eq(flagged));
    }
    if let Some((name, id)) = &f.after {
        q = q.filter(
            subjects::name
                .gt(name.clone())
                .or(subjects::name.eq(name.clone()).and(subjects::id.gt(*id))),
        );
    }
    q.order((subjects::name, subjects::id))
        .limit(f.limit)
        .load(conn)
}

pub fn set_flag(
    conn: &mut PgConnection,
    id: Uuid,
    reasons: &serde_json::Value,
    now: DateTime<Utc>,
) -> QueryResult<SubjectRow> {
    diesel::update(subjects::table.find(id))
        .set((
            subjects::flagged.eq(true),
            subjects::flag_reasons.eq(reasons),
            subjects::version.eq(subjects::version + 1),
            subjects::updated_at.eq(now),
        ))
        .returning(SubjectRow::as_returning())
        .get_result(conn)
}
