//! Queries on decisions beyond those every case record shares (`case_table!`). Callers have
//! already established that the case is visible (the access module's proofs).

use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::access::{CaseScope, LockedCase};

use crate::db::models::DecisionRow;
use crate::db::schema::decisions;

pub fn insert_decision(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &DecisionRow,
) -> QueryResult<DecisionRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(decisions::table)
        .values(row)
        .returning(DecisionRow::as_returning())
        .get_result(conn)
}

/// Every decision on the case, oldest first.
pub fn decisions(conn: &mut PgConnection, case: &impl CaseScope) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::case_id.eq(case.id()))
        .order((decisions::created_at, decisions::id))
        .select(DecisionRow::as_select())
        .load(conn)
}

/// Which of `ids` (decisions of the case) a later decision supersedes.
pub fn superseded_among(
    conn: &mut PgConnection,
    case: &impl CaseScope,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    decisions::table
        .filter(decisions::case_id.eq(case.id()))
        .filter(decisions::supersedes_id.eq_any(ids))
        .select(decisions::supersedes_id.assume_not_null())
        .load(conn)
}
