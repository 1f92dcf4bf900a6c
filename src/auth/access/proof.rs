//! Proof values: a case handed out only after the policy said yes. Their fields are private
//! and they have no public constructor, so holding one proves the check was made; queries on
//! what a case holds take one ([`CaseScope`]) instead of a bare id.

use std::ops::Deref;

use diesel::prelude::*;
use uuid::Uuid;

use super::{AccessFacts, Purpose, StoredFacts, evaluate};
use crate::db::case_bundle::{self, CaseBundle};
use crate::db::models::CaseRow;
use crate::db::schema::cases;
use crate::domain::Viewer;
use crate::error::{ApiError, ApiResult};

mod sealed {
    pub trait Sealed {}
}

/// A case the policy lets the caller work with: a [`VisibleCase`] or a [`LockedCase`].
pub trait CaseScope: sealed::Sealed {
    fn row(&self) -> &CaseRow;
    fn id(&self) -> Uuid {
        self.row().id
    }
}

/// A case whose content the caller may see.
#[derive(Debug)]
pub struct VisibleCase {
    case: CaseRow,
}

impl Deref for VisibleCase {
    type Target = CaseRow;
    fn deref(&self) -> &CaseRow {
        &self.case
    }
}

impl VisibleCase {
    pub fn into_row(self) -> CaseRow {
        self.case
    }
}

impl sealed::Sealed for VisibleCase {}
impl CaseScope for VisibleCase {
    fn row(&self) -> &CaseRow {
        &self.case
    }
}

/// A case whose content the caller may see and change, its row locked until the
/// transaction ends: changes to one case queue, and each sees what the one before it left.
#[derive(Debug)]
pub struct LockedCase {
    visible: VisibleCase,
}

impl Deref for LockedCase {
    type Target = VisibleCase;
    fn deref(&self) -> &VisibleCase {
        &self.visible
    }
}

impl LockedCase {
    /// The row as a change in this transaction left it (the lock is still held).
    pub fn refresh(&mut self, after: CaseRow) -> ApiResult<()> {
        if after.id != self.visible.case.id {
            return Err(ApiError::internal(
                "locked case",
                "a different case's row was offered",
            ));
        }
        self.visible.case = after;
        Ok(())
    }

    pub fn into_row(self) -> CaseRow {
        self.visible.case
    }
}

impl sealed::Sealed for LockedCase {}
impl CaseScope for LockedCase {
    fn row(&self) -> &CaseRow {
        &self.visible.case
    }
}

/// A case whose audit trail the caller may read.
#[derive(Clone, Copy, Debug)]
pub struct CaseTrail {
    id: Uuid,
}

impl CaseTrail {
    pub fn id(&self) -> Uuid {
        self.id
    }
}

// A case row is read by id here and nowhere else: what reads it hands it out only as a proof.

// Each read holds the case for the rest of the transaction (`wall::HOLD_CASE`): what the
// transaction then reads of it is decided by a comparison, and a change it makes that takes
// the case out of its caller's sight still sees it through.

fn read(conn: &mut PgConnection, id: Uuid) -> ApiResult<Option<CaseRow>> {
    use diesel::sql_types::{Nullable, Text};
    Ok(cases::table
        .find(id)
        .select((
            CaseRow::as_select(),
            diesel::dsl::sql::<Nullable<Text>>(super::wall::HOLD_CASE),
        ))
        .first::<(CaseRow, Option<String>)>(conn)
        .optional()?
        .map(|(case, _)| case))
}

/// Locks the row until the transaction ends.
fn read_for_update(conn: &mut PgConnection, id: Uuid) -> ApiResult<Option<CaseRow>> {
    use diesel::sql_types::{Nullable, Text};
    Ok(cases::table
        .find(id)
        .select((
            CaseRow::as_select(),
            diesel::dsl::sql::<Nullable<Text>>(super::wall::HOLD_CASE),
        ))
        .for_update()
        .first::<(CaseRow, Option<String>)>(conn)
        .optional()?
        .map(|(case, _)| case))
}

fn check(
    viewer: &Viewer,
    purpose: Purpose,
    conn: &mut PgConnection,
    case: Option<CaseRow>,
) -> ApiResult<CaseRow> {
    let case = case.ok_or_else(ApiError::not_found)?;
    let facts = &mut StoredFacts {
        conn,
        case_id: case.id,
    };
    if evaluate(viewer, purpose, &case, facts)? {
        Ok(case)
    } else {
        Err(ApiError::not_found())
    }
}

/// The case, if the caller may see its content (404 otherwise: it does not exist for them).
pub fn find_visible(conn: &mut PgConnection, viewer: &Viewer, id: Uuid) -> ApiResult<VisibleCase> {
    let case = read(conn, id)?;
    let case = check(viewer, Purpose::Content, conn, case)?;
    Ok(VisibleCase { case })
}

/// Like [`find_visible`], the row locked until the transaction ends.
pub fn lock(conn: &mut PgConnection, viewer: &Viewer, id: Uuid) -> ApiResult<LockedCase> {
    let case = read_for_update(conn, id)?;
    let case = check(viewer, Purpose::Content, conn, case)?;
    Ok(LockedCase {
        visible: VisibleCase { case },
    })
}

/// Records a new case: its creator works on it in the same transaction (the insert holds
/// the row's lock), whatever the need-to-know rule would say of it later.
pub fn create(conn: &mut PgConnection, row: &CaseRow) -> ApiResult<LockedCase> {
    super::wall::hold(conn, row.id)?;
    let case = crate::db::cases::insert(conn, row)?;
    Ok(LockedCase {
        visible: VisibleCase { case },
    })
}

/// The case's audit trail, if the caller may read it. A trail can be readable where the
/// case's content is not (an auditor's), so the database decides it past the content
/// policies, by the rule as [`super::sql`] renders it.
pub fn find_trail(conn: &mut PgConnection, viewer: &Viewer, id: Uuid) -> ApiResult<CaseTrail> {
    if super::wall::trail_visible(conn, viewer, id)? {
        Ok(CaseTrail { id })
    } else {
        Err(ApiError::not_found())
    }
}

/// The facts of a case read with it (one statement: `db::case_bundle`).
struct BundleFacts<'b>(&'b CaseBundle);

impl AccessFacts for BundleFacts<'_> {
    fn is_member(&mut self, user: Uuid) -> ApiResult<bool> {
        Ok(self.0.members.contains(&user))
    }
    fn linked_to_subject(&mut self, user: Uuid) -> ApiResult<bool> {
        Ok(self.0.linked_users.contains(&user))
    }
}

fn check_bundle(
    viewer: &Viewer,
    found: Option<(CaseRow, CaseBundle)>,
) -> ApiResult<(CaseRow, CaseBundle)> {
    let (case, bundle) = found.ok_or_else(ApiError::not_found)?;
    if evaluate(viewer, Purpose::Content, &case, &mut BundleFacts(&bundle))? {
        Ok((case, bundle))
    } else {
        Err(ApiError::not_found())
    }
}

/// The case with what it holds (one statement), if the caller may see its content.
pub fn find_record(
    conn: &mut PgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<(VisibleCase, CaseBundle)> {
    let (case, bundle) = check_bundle(viewer, case_bundle::find(conn, id)?)?;
    Ok((VisibleCase { case }, bundle))
}

/// Like [`find_record`], the case row locked until the transaction ends.
pub fn lock_record(
    conn: &mut PgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> ApiResult<(LockedCase, CaseBundle)> {
    let (case, bundle) = check_bundle(viewer, case_bundle::lock(conn, id)?)?;
    Ok((
        LockedCase {
            visible: VisibleCase { case },
        },
        bundle,
    ))
}

/// What a case already proven holds, read afresh in the caller's transaction (after a change
/// to it); the row is the caller's, perhaps just changed.
pub fn reload_record<S: CaseScope>(conn: &mut PgConnection, case: &S) -> ApiResult<CaseBundle> {
    let (_, bundle) = case_bundle::find(conn, case.id())?.ok_or_else(ApiError::not_found)?;
    Ok(bundle)
}
