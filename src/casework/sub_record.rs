//! Case records (parties, allegations, notes, tasks...): one trait, and the use cases every
//! record shares. A new record is its row, its `case_table!` line, its `SubRecord` impl, its
//! routes and its tests; adding, reading, listing, changing and auditing it are here, once.
//!
//! Every function takes the access module's proof of the case: a `VisibleCase` to read, a
//! `LockedCase` to change. Each change appends its audit event in the caller's transaction.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access::{CaseScope, LockedCase, VisibleCase};
use crate::casework::Caller;
use crate::casework::cases::case_closed;
use crate::db::case_table::{CaseTable, Key, VersionedTable};
use crate::domain::case::CaseState;
use crate::error::{ApiError, ApiResult};

pub trait SubRecord: CaseTable {
    /// The record's `entity_type` in audit events (`party`).
    const ENTITY: &'static str;
    /// The audit action of a new record (`party.created`).
    const CREATED: &'static str;
    /// Reading these records is itself recorded under this action (`parties.viewed`): the
    /// records that hold the most sensitive personal data.
    const READ: Option<&'static str> = None;
    /// What a new record is made from.
    type Fields;
    /// What the API answers with.
    type View: Serialize;

    /// A new row on `case`, made by `caller` at `now`.
    fn new(case: &LockedCase, caller: &Caller, fields: Self::Fields, now: DateTime<Utc>) -> Self;
    /// What its audit events carry of it (the audit module seals personal data).
    fn audit(&self) -> Value;
    fn view(self) -> ApiResult<Self::View>;
    /// Checks that need the database, before the row is written (`before` on a change).
    fn check(
        &self,
        _conn: &mut PgConnection,
        _case: &LockedCase,
        _before: Option<&Self>,
    ) -> ApiResult<()> {
        Ok(())
    }
}

/// A record that changes after it is made, under `If-Match`.
pub trait EditableSubRecord: SubRecord + VersionedTable + Clone {
    /// The audit action of a change (`party.updated`).
    const UPDATED: &'static str;
    type Change;
    fn apply(&mut self, change: Self::Change);
}

/// One page of records: the views, and where the next page starts (if there is one).
pub struct Listed<V> {
    pub items: Vec<V>,
    pub next: Option<Key>,
}

/// Which page: at most `limit` records after `after`.
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub limit: i64,
    pub after: Option<Key>,
}

/// Refuses a change to a closed case.
pub fn require_open(case: &LockedCase) -> ApiResult<()> {
    if case.state == CaseState::Closed {
        return Err(case_closed());
    }
    Ok(())
}

/// Adds a record to an open case, with its audit event.
pub fn add<R: SubRecord>(
    conn: &mut PgConnection,
    caller: &Caller,
    case: &LockedCase,
    fields: R::Fields,
) -> ApiResult<R> {
    add_as(conn, caller, case, fields, R::CREATED)
}

/// [`add`], recorded under a more specific action than `R::CREATED`.
pub fn add_as<R: SubRecord>(
    conn: &mut PgConnection,
    caller: &Caller,
    case: &LockedCase,
    fields: R::Fields,
    action: &'static str,
) -> ApiResult<R> {
    require_open(case)?;
    let row = R::new(case, caller, fields, audit::now());
    row.check(conn, case, None)?;
    let row = R::insert(conn, case, &row)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new(action)
            .entity(R::ENTITY, row.id())
            .case(case.id())
            .after(row.audit()),
    )?;
    Ok(row)
}

/// Changes a record of an open case: `check_version` sees the version the record has now
/// (the `If-Match` rule), and the audit event carries it before and after.
pub fn update<R: EditableSubRecord>(
    conn: &mut PgConnection,
    caller: &Caller,
    case: &LockedCase,
    id: Uuid,
    change: R::Change,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<R> {
    require_open(case)?;
    let before = R::for_update(conn, case, id)?.ok_or_else(ApiError::not_found)?;
    check_version(before.version().unwrap_or_default())?;
    let mut row = before.clone();
    row.apply(change);
    row.check(conn, case, Some(&before))?;
    let after = R::save(conn, case, row, audit::now())?;
    audit::append(
        conn,
        &caller.audit,
        Event::new(R::UPDATED)
            .entity(R::ENTITY, id)
            .case(case.id())
            .before(before.audit())
            .after(after.audit()),
    )?;
    Ok(after)
}

/// One record of a visible case (404 if the case has none with this id).
pub fn get<R: SubRecord>(
    conn: &mut PgConnection,
    caller: &Caller,
    case: &VisibleCase,
    id: Uuid,
) -> ApiResult<R> {
    let row = R::find(conn, case, id)?.ok_or_else(ApiError::not_found)?;
    record_read::<R>(conn, caller, case, json!({ "count": 1, "id": id }))?;
    Ok(row)
}

/// Records who read a sensitive record (`R::READ`), on the case: the record's own trail is
/// its versions.
fn record_read<R: SubRecord>(
    conn: &mut PgConnection,
    caller: &Caller,
    case: &VisibleCase,
    what: serde_json::Value,
) -> ApiResult<()> {
    if let Some(action) = R::READ {
        audit::append(
            conn,
            &caller.audit,
            Event::new(action)
                .entity("case", case.id())
                .case(case.id())
                .after(what),
        )?;
    }
    Ok(())
}

/// A page of a case's rows, oldest first, and the key the next page starts after (if there
/// is a next page: one row more than the page is read to know).
pub fn page_rows<R: CaseTable>(
    conn: &mut PgConnection,
    case: &impl CaseScope,
    paging: Paging,
) -> ApiResult<(Vec<R>, Option<Key>)> {
    let mut rows = R::page(conn, case, paging.after, paging.limit + 1)?;
    let limit = usize::try_from(paging.limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(CaseTable::key)
    } else {
        None
    };
    Ok((rows, next))
}

/// A page of a visible case's records, oldest first.
pub fn list<R: SubRecord>(
    conn: &mut PgConnection,
    caller: &Caller,
    case: &VisibleCase,
    paging: Paging,
) -> ApiResult<Listed<R::View>> {
    let (rows, next) = page_rows::<R>(conn, case, paging)?;
    record_read::<R>(conn, caller, case, json!({ "count": rows.len() }))?;
    Ok(Listed {
        items: rows.into_iter().map(R::view).collect::<ApiResult<_>>()?,
        next,
    })
}
