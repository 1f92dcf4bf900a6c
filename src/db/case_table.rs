//! The queries every case record shares, generated for each record's table by
//! [`case_table!`](crate::case_table): insert into a case the caller holds, one record or a
//! page of them from a case the caller may see, and, for records that change, the row locked
//! for the change and its save. Each takes the access module's proof of the case, so no
//! query reaches a record of a case the caller was not shown.

use chrono::{DateTime, Utc};
use diesel::{PgConnection, QueryResult};
use uuid::Uuid;

use crate::auth::access::{CaseScope, LockedCase};

/// Where a record stands in its case's list: the order it was made in.
pub type Key = (DateTime<Utc>, Uuid);

pub trait CaseTable: Sized {
    fn id(&self) -> Uuid;
    fn key(&self) -> Key;
    /// The version its `ETag` carries, for records that change.
    fn version(&self) -> Option<i32>;
    fn insert(conn: &mut PgConnection, case: &LockedCase, row: &Self) -> QueryResult<Self>;
    fn find(conn: &mut PgConnection, case: &impl CaseScope, id: Uuid) -> QueryResult<Option<Self>>;
    /// Up to `limit` records of the case after `after`, oldest first.
    fn page(
        conn: &mut PgConnection,
        case: &impl CaseScope,
        after: Option<Key>,
        limit: i64,
    ) -> QueryResult<Vec<Self>>;
}

/// A record that changes: versioned, locked for a change, saved whole.
pub trait VersionedTable: CaseTable {
    fn for_update(
        conn: &mut PgConnection,
        case: &LockedCase,
        id: Uuid,
    ) -> QueryResult<Option<Self>>;
    /// Saves the row as the next version (the version and `updated_at` are set here).
    fn save(
        conn: &mut PgConnection,
        case: &LockedCase,
        row: Self,
        at: DateTime<Utc>,
    ) -> QueryResult<Self>;
}

/// Implements [`CaseTable`] (and with `versioned`, [`VersionedTable`]) for a row type of a
/// table with `id`, `case_id` and `created_at` columns (and `version`, `updated_at`).
#[macro_export]
macro_rules! case_table {
    ($row:ty, $table:ident) => {
        $crate::case_table!(@table $row, $table, |_row: &$row| None);
    };
    ($row:ty, $table:ident, versioned) => {
        $crate::case_table!(@table $row, $table, |row: &$row| Some(row.version));

        impl $crate::db::case_table::VersionedTable for $row {
            fn for_update(
                conn: &mut diesel::PgConnection,
                case: &$crate::auth::access::LockedCase,
                id: uuid::Uuid,
            ) -> diesel::QueryResult<Option<Self>> {
                use diesel::prelude::*;
                use $crate::auth::access::CaseScope;
                use $crate::db::schema::$table as t;
                t::table
                    .filter(t::case_id.eq(case.id()))
                    .filter(t::id.eq(id))
                    .select(<$row>::as_select())
                    .for_update()
                    .first(conn)
                    .optional()
            }

            fn save(
                conn: &mut diesel::PgConnection,
                case: &$crate::auth::access::LockedCase,
                mut row: Self,
                at: chrono::DateTime<chrono::Utc>,
            ) -> diesel::QueryResult<Self> {
                use diesel::prelude::*;
                use $crate::auth::access::CaseScope;
                use $crate::db::schema::$table as t;
                $crate::db::belongs_to(case, row.case_id)?;
                row.version += 1;
                row.updated_at = at;
                diesel::update(t::table.find(row.id).filter(t::case_id.eq(case.id())))
                    .set(&row)
                    .returning(<$row>::as_returning())
                    .get_result(conn)
            }
        }
    };
    (@table $row:ty, $table:ident, $version:expr) => {
        impl $crate::db::case_table::CaseTable for $row {
            fn id(&self) -> uuid::Uuid {
                self.id
            }

            fn key(&self) -> $crate::db::case_table::Key {
                (self.created_at, self.id)
            }

            fn version(&self) -> Option<i32> {
                ($version)(self)
            }

            fn insert(
                conn: &mut diesel::PgConnection,
                case: &$crate::auth::access::LockedCase,
                row: &Self,
            ) -> diesel::QueryResult<Self> {
                use diesel::prelude::*;
                $crate::db::belongs_to(case, row.case_id)?;
                diesel::insert_into($crate::db::schema::$table::table)
                    .values(row)
                    .returning(<$row>::as_returning())
                    .get_result(conn)
            }

            fn find(
                conn: &mut diesel::PgConnection,
                case: &impl $crate::auth::access::CaseScope,
                id: uuid::Uuid,
            ) -> diesel::QueryResult<Option<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table as t;
                t::table
                    .filter(t::case_id.eq(case.id()))
                    .filter(t::id.eq(id))
                    .select(<$row>::as_select())
                    .first(conn)
                    .optional()
            }

            fn page(
                conn: &mut diesel::PgConnection,
                case: &impl $crate::auth::access::CaseScope,
                after: Option<$crate::db::case_table::Key>,
                limit: i64,
            ) -> diesel::QueryResult<Vec<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table as t;
                let mut query = t::table
                    .filter(t::case_id.eq(case.id()))
                    .select(<$row>::as_select())
                    .into_boxed();
                if let Some((at, id)) = after {
                    query = query.filter(
                        t::created_at
                            .gt(at)
                            .or(t::created_at.eq(at).and(t::id.gt(id))),
                    );
                }
                query
                    .order((t::created_at, t::id))
                    .limit(limit)
                    .load(conn)
            }
        }
    };
}
