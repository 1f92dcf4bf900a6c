//! Queries on the subject registry.

use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::access::sql::subjects_visible_to;
use crate::db::models::SubjectRow;
use crate::db::schema::{subjects, users};
use crate::domain::Viewer;

pub fn insert(conn: &mut PgConnection, row: &SubjectRow) -> QueryResult<SubjectRow> {
    diesel::insert_into(subjects::table)
        .values(row)
        .returning(SubjectRow::as_returning())
        .get_result(conn)
}

/// The subject, if the access policy lets the viewer read it.
pub fn find_for(
    conn: &mut PgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> QueryResult<Option<SubjectRow>> {
    subjects::table
        .filter(subjects::id.eq(id))
        .filter(subjects_visible_to(viewer))
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
    pub viewer: Viewer,
    pub q: Option<String>,
    pub force: Option<String>,
    pub flagged: Option<bool>,
    pub after: Option<(String, Uuid)>,
    pub limit: i64,
}

/// Subjects by name, then id.
pub fn list(conn: &mut PgConnection, f: &SubjectFilter) -> QueryResult<Vec<SubjectRow>> {
    let mut q = subjects::table
        .filter(subjects_visible_to(&f.viewer))
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

/// Marks the subject flagged, with the flags as now stored. Neither its version nor its
/// `updated_at` moves: the registered details have not changed, and the time would tell a
/// reader when an allegation was added to a case they may not see.
pub fn set_flag(
    conn: &mut PgConnection,
    id: Uuid,
    flags: &serde_json::Value,
) -> QueryResult<SubjectRow> {
    diesel::update(subjects::table.find(id))
        .set((subjects::flagged.eq(true), subjects::flag_reasons.eq(flags)))
        .returning(SubjectRow::as_returning())
        .get_result(conn)
}

/// Whether the subject is linked, by staff identity, to a Probity account.
pub fn linked_to_account(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        subjects::table
            .inner_join(users::table.on(users::staff_key.eq(subjects::staff_key.nullable())))
            .filter(subjects::id.eq(id)),
    ))
    .get_result(conn)
}

/// The subject with exactly this force and collar number (each compared without regard to
/// case or surrounding space, as staff identities are), if registered.
pub fn find_by_identity(
    conn: &mut PgConnection,
    force: &str,
    collar_number: &str,
) -> QueryResult<Option<Uuid>> {
    subjects::table
        .filter(
            subjects::staff_key
                .nullable()
                .eq(crate::db::staff_key(force, collar_number)),
        )
        .select(subjects::id)
        .first(conn)
        .optional()
}
