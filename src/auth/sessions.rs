//! Logging in and out, refreshing, and changing one's password. Each flow commits its audit
//! events in the same transaction as its change, including the failures it records.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration as ChronoDuration;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Actor, AuditContext, Event};
use crate::db::{sessions, users};
use crate::domain::Password;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// What a login or a refresh returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// A JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque; exchange it once at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "The username or password is incorrect, or the account is locked or inactive.",
    )
}

fn invalid_refresh_token() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidRefreshToken,
        "The refresh token is unknown, expired, revoked or already used; log in again.",
    )
}

fn new_refresh_token() -> ApiResult<(String, Vec<u8>)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("no randomness", e))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    Ok((token, hash))
}

/// Refresh tokens carry 256 random bits, so a fast hash is enough: the store alone is useless.
fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn seconds(d: std::time::Duration) -> ChronoDuration {
    ChronoDuration::seconds(i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 1000))
}

fn issue(
    state: &AppState,
    user_id: Uuid,
    session_id: Uuid,
    refresh_token: String,
) -> ApiResult<TokenPair> {
    let access_token = state
        .tokens
        .issue(user_id, session_id)
        .map_err(|e| ApiError::internal("token signing", e))?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.ttl_secs(),
        refresh_token,
    })
}

pub async fn login(
    state: &AppState,
    ctx: AuditContext,
    username: String,
    password: String,
) -> ApiResult<TokenPair> {
    let user = state
        .db
        .run(move |c| Ok(users::find_by_username(c, &username)?))
        .await?;
    let matched = state
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    let settings = state.settings.auth.clone();
    let outcome = state
        .db
        .transaction(move |c| {
            let now = audit::now();
            let failed = |c: &mut diesel::PgConnection,
                          user_id: Option<Uuid>,
                          reason: &str|
             -> ApiResult<Option<(Uuid, Uuid, String)>> {
                let mut event = Event::new("auth.login_failed").after(json!({ "failure": reason }));
                if let Some(id) = user_id {
                    event = event.entity("user", id);
                }
                audit::append(c, &ctx.with_actor(Actor::Public), event)?;
                Ok(None)
            };
            let Some(found) = user else {
                return failed(c, None, "unknown_user");
            };
            let Some(user) = users::find_for_update(c, found.id)? else {
                return failed(c, None, "unknown_user");
            };
            if user.is_locked(now) {
                return failed(c, Some(user.id), "locked");
            }
            if !matched {
                let lock_until = now + seconds(settings.lockout_duration);
                let updated =
                    users::record_failed_login(c, user.id, settings.lockout_threshold, lock_until)?;
                failed(c, Some(user.id), "wrong_password")?;
                if updated.is_locked(now) {
                    audit::append(
                        c,
                        &ctx.with_actor(Actor::System),
                        Event::new("auth.locked")
                            .entity("user", user.id)
                            .after(json!({
                                "locked_until": audit::hash::format_time(&lock_until),
                                "failed_logins": settings.lockout_threshold,
                            })),
                    )?;
                }
                return Ok(None);
            }
            if !user.active {
                return failed(c, Some(user.id), "inactive");
            }
            if user.failed_logins != 0 || user.locked_until.is_some() {
                users::reset_failed_logins(c, user.id)?;
            }
            let session_id = Uuid::new_v4();
            let expires_at = now + seconds(settings.refresh_token_ttl);
            sessions::create(c, session_id, user.id, now, expires_at)?;
            let (refresh, refresh_hash) = new_refresh_token()?;
            sessions::insert_refresh_token(c, &refresh_hash, session_id, now, expires_at)?;
            audit::append(
                c,
                &ctx.with_actor(Actor::User(user.id)),
                Event::new("auth.login_succeeded")
                    .entity("user", user.id)
                    .after(json!({ "session_id": session_id })),
            )?;
            Ok(Some((user.id, session_id, refresh)))
        })
        .await?;
    let (user_id, session_id, refresh) = outcome.ok_or_else(invalid_credentials)?;
    issue(state, user_id, session_id, refresh)
}

enum RefreshOutcome {
    Rotated {
        user_id: Uuid,
        session_id: Uuid,
        refresh: String,
    },
    Invalid,
}

pub async fn refresh(state: &AppState, ctx: AuditContext, token: String) -> ApiResult<TokenPair> {
    let presented = hash_refresh_token(&token);
    let outcome = state
        .db
        .transaction(move |c| {
            let now = audit::now();
            let Some((tok, session)) = sessions::find_refresh_token_for_update(c, &presented)?
            else {
                return Ok(RefreshOutcome::Invalid);
            };
            if tok.rotated_at.is_some() {
                // A rotated token came back: whoever holds the family is not to be trusted.
                let revoked = sessions::revoke(c, session.id, now, "refresh_token_reuse")?;
                audit::append(
                    c,
                    &ctx.with_actor(Actor::Public),
                    Event::new("auth.refresh_token_reused")
                        .entity("user", session.user_id)
                        .after(json!({ "session_id": session.id, "session_revoked": revoked })),
                )?;
                return Ok(RefreshOutcome::Invalid);
            }
            let user = users::find(c, session.user_id)?;
            if !session.is_live(now)
                || tok.expires_at <= now
                || !user.as_ref().is_some_and(|u| u.active)
            {
                return Ok(RefreshOutcome::Invalid);
            }
            sessions::mark_rotated(c, &presented, now)?;
            let (refresh, refresh_hash) = new_refresh_token()?;
            sessions::insert_refresh_token(c, &refresh_hash, session.id, now, session.expires_at)?;
            audit::append(
                c,
                &ctx.with_actor(Actor::User(session.user_id)),
                Event::new("auth.token_refreshed")
                    .entity("user", session.user_id)
                    .after(json!({ "session_id": session.id })),
            )?;
            Ok(RefreshOutcome::Rotated {
                user_id: session.user_id,
                session_id: session.id,
                refresh,
            })
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated {
            user_id,
            session_id,
            refresh,
        } => issue(state, user_id, session_id, refresh),
        RefreshOutcome::Invalid => Err(invalid_refresh_token()),
    }
}

/// Ends the session the refresh token belongs to; its access tokens stop working at once.
pub async fn logout(state: &AppState, ctx: AuditContext, token: String) -> ApiResult<()> {
    let presented = hash_refresh_token(&token);
    let found = state
        .db
        .transaction(move |c| {
            let now = audit::now();
            let Some((_, session)) = sessions::find_refresh_token_for_update(c, &presented)? else {
                return Ok(false);
            };
            if sessions::revoke(c, session.id, now, "logout")? {
                audit::append(
                    c,
                    &ctx.with_actor(Actor::User(session.user_id)),
                    Event::new("auth.logout")
                        .entity("user", session.user_id)
                        .after(json!({ "session_id": session.id })),
                )?;
            }
            Ok(true)
        })
        .await?;
    if found {
        Ok(())
    } else {
        Err(invalid_refresh_token())
    }
}

/// Changes the caller's password and ends their other sessions.
pub async fn change_password(
    state: &AppState,
    ctx: AuditContext,
    user_id: Uuid,
    session_id: Uuid,
    current: String,
    new: Password,
) -> ApiResult<()> {
    let stored = state
        .db
        .run(move |c| users::find(c, user_id)?.ok_or_else(ApiError::not_found))
        .await?;
    // A locked account's password is not checked at all, right or wrong: a stolen access
    // token must not keep guessing where the login form has stopped, nor set a new password
    // on an account locked for that reason.
    let now = audit::now();
    if let Some(until) = stored.locked_until.filter(|_| stored.is_locked(now)) {
        let locked_ctx = ctx.clone();
        state
            .db
            .transaction(move |c| {
                audit::append(
                    c,
                    &locked_ctx,
                    Event::new("auth.password_change_failed")
                        .entity("user", user_id)
                        .after(json!({ "failure": "locked" })),
                )?;
                Ok(())
            })
            .await?;
        let wait = (until - now).num_seconds().max(1);
        return Err(ApiError::new(
            ErrorCode::AccountLocked,
            "The account is locked after repeated failures; try again later.",
        )
        .with_header(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(wait),
        ));
    }
    let matched = state
        .hasher
        .verify(current, Some(stored.password_hash))
        .await?;
    let settings = state.settings.auth.clone();
    if !matched {
        let failure_ctx = ctx.clone();
        state
            .db
            .transaction(move |c| {
                let lock_until = audit::now() + seconds(settings.lockout_duration);
                users::record_failed_login(c, user_id, settings.lockout_threshold, lock_until)?;
                audit::append(
                    c,
                    &failure_ctx,
                    Event::new("auth.password_change_failed")
                        .entity("user", user_id)
                        .after(json!({ "failure": "wrong_password" })),
                )?;
                Ok(())
            })
            .await?;
        return Err(ApiError::field(
            ErrorCode::WrongPassword,
            "current_password",
            "mismatch",
            "does not match the current password",
        ));
    }
    let new_hash = state.hasher.hash(new).await?;
    state
        .db
        .transaction(move |c| {
            let now = audit::now();
            let changes = users::UserChanges {
                password_hash: Some(&new_hash),
                ..Default::default()
            };
            users::update(c, user_id, &changes, now)?;
            let revoked = sessions::revoke_all_for_user(
                c,
                user_id,
                Some(session_id),
                now,
                "password_changed",
            )?;
            audit::append(
                c,
                &ctx,
                Event::new("auth.password_changed")
                    .entity("user", user_id)
                    .after(json!({ "other_sessions_revoked": revoked })),
            )?;
            Ok(())
        })
        .await
}
