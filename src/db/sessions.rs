//! Queries on login sessions and their refresh tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::models::{RefreshTokenRow, SessionRow};
use crate::db::schema::{refresh_tokens, sessions, users};

pub fn create(
    conn: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<SessionRow> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .returning(SessionRow::as_returning())
        .get_result(conn)
}

pub fn insert_refresh_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
    session_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::issued_at.eq(now),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The refresh token with its session, both locked: two concurrent uses of one token queue,
/// and the second sees that the first rotated it.
pub fn find_refresh_token_for_update(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<(RefreshTokenRow, SessionRow)>> {
    refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((RefreshTokenRow::as_select(), SessionRow::as_select()))
        .for_update()
        .first(conn)
        .optional()
}

pub fn mark_rotated(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(token_hash))
        .set(refresh_tokens::rotated_at.eq(Some(now)))
        .execute(conn)
        .map(|_| ())
}

/// Revokes one session (idempotent: a revoked session keeps its first reason).
pub fn revoke(
    conn: &mut PgConnection,
    id: Uuid,
    now: DateTime<Utc>,
    reason: &str,
) -> QueryResult<bool> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Some(now)),
        sessions::revoked_reason.eq(Some(reason)),
    ))
    .execute(conn)
    .map(|n| n > 0)
}

/// Revokes every live session of `user_id` except `keep`. Returns how many were revoked.
pub fn revoke_all_for_user(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
    reason: &str,
) -> QueryResult<usize> {
    let mut query = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(sessions::id.ne(keep));
    }
    query
        .set((
            sessions::revoked_at.eq(Some(now)),
            sessions::revoked_reason.eq(Some(reason)),
        ))
        .execute(conn)
}

/// Who is behind an access token: what an authenticated request needs of the user and the
/// session, and no more (never the password hash).
#[derive(Queryable)]
pub struct Principal {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub session_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Principal {
    /// An active user on a session neither revoked nor expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.active && self.revoked_at.is_none() && self.expires_at > now
    }
}

/// The user and session behind an access token, read on every authenticated request so
/// that deactivation, role changes and logouts take effect at once.
pub fn load_principal(
    conn: &mut PgConnection,
    user_id: Uuid,
    session_id: Uuid,
) -> QueryResult<Option<Principal>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .filter(sessions::user_id.eq(user_id))
        .select((
            users::id,
            users::username,
            users::display_name,
            users::role,
            users::active,
            sessions::id,
            sessions::expires_at,
            sessions::revoked_at,
        ))
        .first(conn)
        .optional()
}
