//! Queries on what a case holds: allegations, parties, notes, decisions. Callers have
//! already established that the case is visible (through `cases::find_visible`).

use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::access::{CaseScope, LockedCase};

use crate::db::models::{AllegationRow, DecisionRow, NoteRow, PartyRow};
use crate::db::schema::{allegations, decisions, notes, parties};

pub fn insert_allegation(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &AllegationRow,
) -> QueryResult<AllegationRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(allegations::table)
        .values(row)
        .returning(AllegationRow::as_returning())
        .get_result(conn)
}

pub fn allegations(
    conn: &mut PgConnection,
    case: &impl CaseScope,
) -> QueryResult<Vec<AllegationRow>> {
    allegations::table
        .filter(allegations::case_id.eq(case.id()))
        .order((allegations::created_at, allegations::id))
        .select(AllegationRow::as_select())
        .load(conn)
}

pub fn allegation_for_update(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
) -> QueryResult<Option<AllegationRow>> {
    allegations::table
        .filter(allegations::case_id.eq(case.id()))
        .filter(allegations::id.eq(id))
        .select(AllegationRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn update_allegation(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &AllegationRow,
) -> QueryResult<AllegationRow> {
    diesel::update(
        allegations::table
            .find(row.id)
            .filter(allegations::case_id.eq(case.id())),
    )
    .set((
        allegations::standard.eq(&row.standard),
        allegations::category.eq(&row.category),
        allegations::description.eq(&row.description),
        allegations::conduct_from.eq(row.conduct_from),
        allegations::conduct_to.eq(row.conduct_to),
        allegations::warning_signs.eq(&row.warning_signs),
        allegations::version.eq(allegations::version + 1),
        allegations::updated_at.eq(row.updated_at),
    ))
    .returning(AllegationRow::as_returning())
    .get_result(conn)
}

/// How many allegations `subject_id` has in cases other than `case_id` since `since`, and
/// whether any of them, ever, was APSP: the early-warning inputs. They count cases the
/// caller may not see (that is the point of an early warning), so they are read past the
/// row-level policies, and only the count and the yes or no come back.
pub fn prior_allegations(
    conn: &mut PgConnection,
    subject_id: Uuid,
    case_id: Uuid,
    since: chrono::DateTime<chrono::Utc>,
) -> QueryResult<(i64, bool)> {
    crate::db::past_the_wall(conn, |conn| {
        let others = allegations::table
            .filter(allegations::subject_id.eq(subject_id))
            .filter(allegations::case_id.ne(case_id));
        let recent: i64 = others
            .filter(allegations::created_at.ge(since))
            .count()
            .get_result(conn)?;
        let apsp: bool = diesel::select(diesel::dsl::exists(
            others.filter(allegations::category.eq("apsp")),
        ))
        .get_result(conn)?;
        Ok((recent, apsp))
    })
}

pub fn insert_party(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &PartyRow,
) -> QueryResult<PartyRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(parties::table)
        .values(row)
        .returning(PartyRow::as_returning())
        .get_result(conn)
}

pub fn parties(conn: &mut PgConnection, case: &impl CaseScope) -> QueryResult<Vec<PartyRow>> {
    parties::table
        .filter(parties::case_id.eq(case.id()))
        .order((parties::created_at, parties::id))
        .select(PartyRow::as_select())
        .load(conn)
}

pub fn party_for_update(
    conn: &mut PgConnection,
    case: &LockedCase,
    id: Uuid,
) -> QueryResult<Option<PartyRow>> {
    parties::table
        .filter(parties::case_id.eq(case.id()))
        .filter(parties::id.eq(id))
        .select(PartyRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn update_party(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &PartyRow,
) -> QueryResult<PartyRow> {
    diesel::update(
        parties::table
            .find(row.id)
            .filter(parties::case_id.eq(case.id())),
    )
    .set((
        parties::role.eq(&row.role),
        parties::name.eq(&row.name),
        parties::email.eq(&row.email),
        parties::phone.eq(&row.phone),
        parties::address.eq(&row.address),
        parties::date_of_birth.eq(row.date_of_birth),
        parties::vulnerability_factors.eq(&row.vulnerability_factors),
        parties::notes.eq(&row.notes),
        parties::version.eq(parties::version + 1),
        parties::updated_at.eq(row.updated_at),
    ))
    .returning(PartyRow::as_returning())
    .get_result(conn)
}

pub fn insert_note(
    conn: &mut PgConnection,
    case: &LockedCase,
    row: &NoteRow,
) -> QueryResult<NoteRow> {
    crate::db::belongs_to(case, row.case_id)?;
    diesel::insert_into(notes::table)
        .values(row)
        .returning(NoteRow::as_returning())
        .get_result(conn)
}

pub fn notes(conn: &mut PgConnection, case: &impl CaseScope) -> QueryResult<Vec<NoteRow>> {
    notes::table
        .filter(notes::case_id.eq(case.id()))
        .order((notes::created_at, notes::id))
        .select(NoteRow::as_select())
        .load(conn)
}

pub fn note_exists(conn: &mut PgConnection, case: &impl CaseScope, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        notes::table
            .filter(notes::case_id.eq(case.id()))
            .filter(notes::id.eq(id)),
    ))
    .get_result(conn)
}

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
