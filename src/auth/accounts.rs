//! Creating and changing accounts, with their audit events, for the HTTP API and the CLI.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, AuditContext, Event};
use crate::db::models::{NewUserRow, UserRow};
use crate::db::{sessions, unique_violation_as, users};
use crate::domain::{DisplayName, Role, StaffIdentity, Username};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// What the audit log records of an account: never the password hash or lockout counters.
pub fn audit_view(row: &UserRow) -> Value {
    let mut view = json!({
        "username": row.username,
        "display_name": row.display_name,
        "role": row.role,
        "active": row.active,
    });
    // The staff identity, when there is one: who is linked to which subjects is an admin's
    // act, and auditors watch it.
    if let (Some(force), Some(collar)) = (&row.force, &row.collar_number) {
        view["force"] = json!(force);
        view["collar_number"] = json!(collar);
    }
    view
}

pub struct NewAccount {
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub password_hash: String,
    pub staff: Option<StaffIdentity>,
}

pub fn create(
    conn: &mut PgConnection,
    ctx: &AuditContext,
    account: &NewAccount,
) -> ApiResult<UserRow> {
    let now = audit::now();
    let row = users::insert(
        conn,
        &NewUserRow {
            id: Uuid::new_v4(),
            username: account.username.as_str(),
            display_name: account.display_name.as_str(),
            role: account.role.as_str(),
            password_hash: &account.password_hash,
            active: true,
            created_at: now,
            updated_at: now,
            force: account.staff.as_ref().map(StaffIdentity::force),
            collar_number: account.staff.as_ref().map(StaffIdentity::collar_number),
        },
    )
    .map_err(|e| match &e {
        diesel::result::Error::DatabaseError(_, info)
            if info.constraint_name() == Some("users_staff_key_key") =>
        {
            staff_identity_taken()
        }
        _ => unique_violation_as(
            e,
            ApiError::field(
                ErrorCode::UsernameTaken,
                "username",
                "taken",
                "is already in use",
            ),
        ),
    })?;
    audit::append(
        conn,
        ctx,
        Event::new("user.created")
            .entity("user", row.id)
            .after(audit_view(&row)),
    )?;
    Ok(row)
}

fn staff_identity_taken() -> ApiError {
    ApiError::field(
        ErrorCode::StaffIdentityTaken,
        "collar_number",
        "taken",
        "is already another account's staff identity in this force",
    )
}

#[derive(Default)]
pub struct AccountChanges {
    pub display_name: Option<DisplayName>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// `Some(None)` clears the staff identity.
    pub staff: Option<Option<StaffIdentity>>,
}

/// Applies `changes` if `check_version` accepts the current version. Refuses to leave no
/// active admin. Deactivation also ends the account's sessions.
pub fn update(
    conn: &mut PgConnection,
    ctx: &AuditContext,
    id: Uuid,
    changes: &AccountChanges,
    check_version: impl FnOnce(i32) -> ApiResult<()>,
) -> ApiResult<UserRow> {
    // Admin rows are locked first, always in the same order, so two admins changing each
    // other at once queue instead of deadlocking, and cannot both demote the other.
    let touches_admins = changes.role.is_some() || changes.active.is_some();
    let active_admins = if touches_admins {
        users::lock_active_admins(conn)?
    } else {
        0
    };
    let before = users::find_for_update(conn, id)?.ok_or_else(ApiError::not_found)?;
    check_version(before.version)?;

    let was_active_admin = before.active && before.role == Role::Admin;
    let stays_admin =
        changes.role.is_none_or(|r| r == Role::Admin) && changes.active != Some(false);
    if was_active_admin && !stays_admin && active_admins <= 1 {
        return Err(ApiError::new(
            ErrorCode::LastAdmin,
            "This is the last active administrator; make another administrator first.",
        ));
    }

    let now: DateTime<Utc> = audit::now();
    let after = users::update(
        conn,
        id,
        &users::UserChanges {
            display_name: changes.display_name.as_ref().map(DisplayName::as_str),
            role: changes.role.map(Role::as_str),
            active: changes.active,
            password_hash: None,
            force: changes
                .staff
                .as_ref()
                .map(|s| s.as_ref().map(StaffIdentity::force)),
            collar_number: changes
                .staff
                .as_ref()
                .map(|s| s.as_ref().map(StaffIdentity::collar_number)),
        },
        now,
    )
    .map_err(|e| unique_violation_as(e, staff_identity_taken()))?;
    if before.active && !after.active {
        sessions::revoke_all_for_user(conn, id, None, now, "deactivated")?;
    }
    audit::append(
        conn,
        ctx,
        Event::new("user.updated")
            .entity("user", id)
            .before(audit_view(&before))
            .after(audit_view(&after)),
    )?;
    Ok(after)
}

/// Lifts every lock on the account named `username` (lower case): for every client address
/// and account-wide. Audited as `user.unlocked`, with how many address locks there were.
pub fn unlock(conn: &mut PgConnection, ctx: &AuditContext, username: &str) -> ApiResult<()> {
    let user = users::find_by_username(conn, username)?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no account `{username}`")))?;
    let cleared = crate::db::throttle::clear_failures(conn, user.id, None)?;
    users::reset_failed_logins(conn, user.id)?;
    audit::append(
        conn,
        ctx,
        Event::new("user.unlocked")
            .entity("user", user.id)
            .after(json!({
                "count": cleared,
                "locked_until": user.locked_until.map(|t| audit::hash::format_time(&t)),
            })),
    )?;
    Ok(())
}
