//! Queries on user accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::{NewUserRow, UserRow};
use crate::db::schema::users;
use crate::domain::Role;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub fn insert(conn: &mut PgConnection, row: &NewUserRow<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values(row)
        .returning(UserRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the row until the transaction ends, so concurrent changes to one account queue.
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(lower(users::username).eq(username.to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn any_active_admin(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::role.eq(Role::Admin.as_str()))
            .filter(users::active.eq(true)),
    ))
    .get_result(conn)
}

/// Locks every active admin row and counts them: two admins demoting each other at once
/// cannot both succeed and leave none.
pub fn lock_active_admins(conn: &mut PgConnection) -> QueryResult<usize> {
    users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::active.eq(true))
        .select(users::id)
        .order(users::id)
        .for_update()
        .load::<Uuid>(conn)
        .map(|ids| ids.len())
}

pub struct ListFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Keyset cursor: the (created_at, id) of the last row of the previous page.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub fn list(conn: &mut PgConnection, filter: &ListFilter) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some((created, id)) = filter.after {
        query = query.filter(
            users::created_at
                .gt(created)
                .or(users::created_at.eq(created).and(users::id.gt(id))),
        );
    }
    query
        .order((users::created_at.asc(), users::id.asc()))
        .limit(filter.limit)
        .load(conn)
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    pub display_name: Option<&'a str>,
    pub role: Option<&'a str>,
    pub active: Option<bool>,
    pub password_hash: Option<&'a str>,
    pub force: Option<Option<&'a str>>,
    pub collar_number: Option<Option<&'a str>>,
}

/// Applies `changes`, bumps the version and stamps `updated_at`.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &UserChanges<'_>,
    now: DateTime<Utc>,
) -> QueryResult<UserRow> {
    diesel::update(users::table.find(id))
        .set((
            changes,
            users::version.eq(users::version + 1),
            users::updated_at.eq(now),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
}

/// Counts a failed login; once `threshold` failures in a row are reached the account is
/// locked until `lock_until` and the counter starts again. Returns the updated row.
pub fn record_failed_login(
    conn: &mut PgConnection,
    id: Uuid,
    threshold: i32,
    lock_until: DateTime<Utc>,
) -> QueryResult<UserRow> {
    let row: UserRow = diesel::update(users::table.find(id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .returning(UserRow::as_returning())
        .get_result(conn)?;
    if row.failed_logins >= threshold {
        diesel::update(users::table.find(id))
            .set((
                users::failed_logins.eq(0),
                users::locked_until.eq(Some(lock_until)),
            ))
            .returning(UserRow::as_returning())
            .get_result(conn)
    } else {
        Ok(row)
    }
}

pub fn reset_failed_logins(conn: &mut PgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Whether some account's staff identity is this force and collar number.
pub fn staff_identity_exists(
    conn: &mut PgConnection,
    force: &str,
    collar_number: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(
        users::staff_key.eq(crate::db::staff_key(force, collar_number)),
    )))
    .get_result(conn)
}

/// Whether the user's staff identity is this force and collar number, normalised as
/// `users.staff_key` is.
pub fn has_staff_identity(
    conn: &mut PgConnection,
    id: Uuid,
    force: &str,
    collar_number: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::id.eq(id))
            .filter(users::staff_key.eq(crate::db::staff_key(force, collar_number))),
    ))
    .get_result(conn)
}
