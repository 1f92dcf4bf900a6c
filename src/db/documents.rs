//! Queries on documents.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::access::{CaseScope, LockedCase};

use crate::db::models::DocumentRow;
use crate::db::schema::documents;

pub fn insert(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &DocumentRow,
) -> QueryResult<DocumentRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(documents::table)
        .values(row)
        .returning(DocumentRow::as_returning())
        .get_result(conn)
}

pub fn for_case(
    conn: &mut PgConnection,
    case: &impl CaseScope,
    include_withdrawn: bool,
) -> QueryResult<Vec<DocumentRow>> {
    let mut q = documents::table
        .filter(documents::case_id.eq(case.id()))
        .select(DocumentRow::as_select())
        .into_boxed();
    if !include_withdrawn {
        q = q.filter(documents::withdrawn_at.is_null());
    }
    q.order((documents::created_at, documents::id)).load(conn)
}

pub fn find(
    conn: &mut PgConnection,
    case: &impl CaseScope,
    id: Uuid,
) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .filter(documents::case_id.eq(case.id()))
        .filter(documents::id.eq(id))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

pub fn withdraw(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
    by: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<DocumentRow> {
    diesel::update(
        documents::table
            .find(id)
            .filter(documents::case_id.eq(case.id())),
    )
    .set((
        documents::withdrawn_at.eq(Some(now)),
        documents::withdrawn_reason.eq(Some(reason)),
        documents::withdrawn_by.eq(Some(by)),
    ))
    .returning(DocumentRow::as_returning())
    .get_result(conn)
}

/// Every stored document in order, a batch at a time, for verification.
pub fn batch(
    conn: &mut PgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<DocumentRow>> {
    let mut q = documents::table
        .select(DocumentRow::as_select())
        .into_boxed();
    if let Some(id) = after {
        q = q.filter(documents::id.gt(id));
    }
    q.order(documents::id).limit(limit).load(conn)
}
