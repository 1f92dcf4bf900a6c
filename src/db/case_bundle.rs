//! A case with what its views and workflow rules read (members, allegations, decisions and
//! the subjects alleged against), in one statement: one round trip to PostgreSQL instead of
//! five, on the paths every change and every read of a case takes. The rows of the other
//! tables come back as JSON arrays of whole rows (`json_agg`, `json_build_array`), whose
//! keys are the column names, so they deserialize into the structs diesel reads them into.
//!
//! The statement's text never varies, so diesel keeps it prepared on each connection: it is
//! a query type of its own (diesel never caches raw SQL).

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, Json, Nullable, Text, Uuid as SqlUuid};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::db::models::{AllegationRow, CaseRow, DecisionRow, SubjectRow};

pub struct CaseBundle {
    /// Named members, by user id, ascending.
    pub members: Vec<Uuid>,
    /// Oldest first (created, then id), as `case_records::allegations`.
    pub allegations: Vec<AllegationRow>,
    /// Oldest first (created, then id), as `case_records::decisions`.
    pub decisions: Vec<DecisionRow>,
    /// Every subject with an allegation on the case, by id.
    pub subjects: Vec<SubjectRow>,
    /// The accounts linked, by staff identity, to those subjects.
    pub linked_users: Vec<Uuid>,
}

/// The case and what it holds, if it exists. Only the access policy calls this: it hands
/// the case out as a proof value once it has checked it.
pub(crate) fn find(
    conn: &mut PgConnection,
    id: Uuid,
) -> QueryResult<Option<(CaseRow, CaseBundle)>> {
    BundleQuery::<false>::new(id)
        .get_result(conn)
        .optional()
        .map(|r| r.map(bundle))
}

/// Like [`find`], locking the case row (only it) until the transaction ends.
pub(crate) fn lock(
    conn: &mut PgConnection,
    id: Uuid,
) -> QueryResult<Option<(CaseRow, CaseBundle)>> {
    BundleQuery::<true>::new(id)
        .get_result(conn)
        .optional()
        .map(|r| r.map(bundle))
}

type BundleRow = (
    CaseRow,
    Vec<Uuid>,
    JsonRows<(AllegationRow, SubjectRow)>,
    JsonRows<DecisionRow>,
    Vec<Uuid>,
    Option<String>,
);

fn bundle(
    (case, members, alleged, decisions, linked_users, _held): BundleRow,
) -> (CaseRow, CaseBundle) {
    let mut subjects: Vec<SubjectRow> = Vec::new();
    let mut allegations = Vec::with_capacity(alleged.0.len());
    for (allegation, subject) in alleged.0 {
        if !subjects.iter().any(|s| s.id == subject.id) {
            subjects.push(subject);
        }
        allegations.push(allegation);
    }
    subjects.sort_by_key(|s| s.id);
    let bundle = CaseBundle {
        members,
        allegations,
        decisions: decisions.0,
        subjects,
        linked_users,
    };
    (case, bundle)
}

/// `WITH cases AS (SELECT <case>, <held> FROM cases WHERE id = $1 [FOR UPDATE]) SELECT <case>,
/// <members>, <[allegation, its subject] pairs>, <decisions>, <linked accounts>, <held> FROM
/// cases`. The case row is read (and locked when `LOCK`) first, in the `WITH` query, which
/// also holds the case for the transaction (`auth::access::wall::HOLD_CASE`); so when the
/// rest of the statement reads what the case holds, the row-level policies of those tables
/// find it held and need not decide the rule again for each row. (Within its own definition
/// a `WITH` query's name is not yet defined: `FROM cases` there is the table.)
struct BundleQuery<const LOCK: bool> {
    id: Uuid,
    columns: AsSelect<CaseRow, Pg>,
}

impl<const LOCK: bool> BundleQuery<LOCK> {
    fn new(id: Uuid) -> Self {
        Self {
            id,
            columns: CaseRow::as_select(),
        }
    }
}

impl<const LOCK: bool> QueryId for BundleQuery<LOCK> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const LOCK: bool> Query for BundleQuery<LOCK> {
    type SqlType = (
        SqlTypeOf<AsSelect<CaseRow, Pg>>,
        Array<SqlUuid>,
        Json,
        Json,
        Array<SqlUuid>,
        Nullable<Text>,
    );
}

impl<const LOCK: bool> RunQueryDsl<PgConnection> for BundleQuery<LOCK> {}

impl<const LOCK: bool> QueryFragment<Pg> for BundleQuery<LOCK> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH cases AS MATERIALIZED (SELECT ");
        self.columns.walk_ast(out.reborrow())?;
        out.push_sql(", ");
        out.push_sql(crate::auth::access::wall::HOLD_CASE);
        out.push_sql(" AS probity_held FROM cases WHERE cases.id = ");
        out.push_bind_param::<SqlUuid, _>(&self.id)?;
        if LOCK {
            out.push_sql(" FOR UPDATE OF cases");
        }
        out.push_sql(") SELECT ");
        self.columns.walk_ast(out.reborrow())?;
        out.push_sql(
            ", ARRAY(SELECT m.user_id FROM case_members m WHERE m.case_id = cases.id \
               ORDER BY m.user_id), \
             (SELECT coalesce(json_agg(json_build_array(a, s) ORDER BY a.created_at, a.id), '[]') \
               FROM allegations a JOIN subjects s ON s.id = a.subject_id \
               WHERE a.case_id = cases.id), \
             (SELECT coalesce(json_agg(d ORDER BY d.created_at, d.id), '[]') \
               FROM decisions d WHERE d.case_id = cases.id), \
             ARRAY(SELECT DISTINCT u.id FROM allegations a JOIN subjects s ON s.id = a.subject_id \
               JOIN users u ON u.staff_key = s.staff_key WHERE a.case_id = cases.id), \
             cases.probity_held FROM cases",
        );
        Ok(())
    }
}

/// A JSON array of rows, read straight into their structs.
#[derive(FromSqlRow)]
struct JsonRows<T>(Vec<T>);

impl<T: DeserializeOwned> FromSql<Json, Pg> for JsonRows<T> {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        Ok(Self(serde_json::from_slice(value.as_bytes())?))
    }
}
