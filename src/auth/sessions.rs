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
use crate::db::{sessions, throttle, users};
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

/// The counter of failed logins for unknown usernames from one address: reported in the
/// audit log once per address and window, with the count ([`report_unknown_user_failures`]).
fn unknown_user_key(client: &str) -> String {
    format!("{}login_unknown_user:{client}", throttle::REPORTED_PREFIX)
}

pub async fn login(
    state: &AppState,
    ctx: AuditContext,
    username: String,
    password: String,
) -> ApiResult<TokenPair> {
    let settings = state.settings.auth.clone();
    let client = ctx.client_addr.clone().unwrap_or_else(|| "unknown".into());
    // Attempts per client address, counted before any password is checked: a storm of
    // logins from one address is refused cheaply instead of queueing for the hasher.
    let throttle_key = format!("login:{client}");
    let window_secs = settings.login_window_secs;
    let window = state
        .db
        .transaction(move |c| Ok(throttle::hit(c, &throttle_key, window_secs, audit::now())?))
        .await?;
    window.refuse_over(
        settings.login_limit,
        settings.login_window_secs,
        "logins",
        "Too many login attempts from this address; try again later.",
    )?;
    // Usernames are ASCII (`Username::parse`) and unique regardless of case: a name with
    // anything else (a Kelvin sign for a K) names nobody, rather than whichever account
    // PostgreSQL's case folding would match.
    let username = username.is_ascii().then(|| username.to_ascii_lowercase());
    let user = match username {
        Some(name) => {
            state
                .db
                .run(move |c| Ok(users::find_by_username(c, &name)?))
                .await?
        }
        None => None,
    };
    let matched = state
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    let outcome = state
        .db
        .transaction(move |c| {
            let now = audit::now();
            let failed = |c: &mut diesel::PgConnection,
                          user_id: Uuid,
                          reason: &str|
             -> ApiResult<Option<(Uuid, Uuid, String)>> {
                let event = Event::new("auth.login_failed")
                    .entity("user", user_id)
                    .after(json!({ "failure": reason }));
                audit::append(c, &ctx.with_actor(Actor::Public), event)?;
                Ok(None)
            };
            // Unknown usernames are counted, not logged one by one: a storm of them would
            // grow the log without bound. One event per address and window says how many.
            let unknown =
                |c: &mut diesel::PgConnection| -> ApiResult<Option<(Uuid, Uuid, String)>> {
                    throttle::hit(
                        c,
                        &unknown_user_key(&client),
                        settings.login_window_secs,
                        now,
                    )?;
                    Ok(None)
                };
            let Some(found) = user else {
                return unknown(c);
            };
            let Some(user) = users::find_for_update(c, found.id)? else {
                return unknown(c);
            };
            if user.is_locked(now) || throttle::locked_until(c, user.id, &client, now)?.is_some() {
                return failed(c, user.id, "locked");
            }
            if !matched {
                let period = seconds(settings.lockout_duration);
                failed(c, user.id, "wrong_password")?;
                if let Some(until) = throttle::record_failure(
                    c,
                    user.id,
                    &client,
                    settings.lockout_threshold,
                    period,
                    now,
                )? {
                    lock_event(
                        c,
                        &ctx,
                        user.id,
                        until,
                        "address",
                        settings.lockout_threshold,
                    )?;
                }
                let updated = users::record_failed_login(
                    c,
                    user.id,
                    settings.lockout_account_threshold,
                    now + period,
                )?;
                if updated.is_locked(now) {
                    lock_event(
                        c,
                        &ctx,
                        user.id,
                        now + period,
                        "account",
                        settings.lockout_account_threshold,
                    )?;
                }
                return Ok(None);
            }
            if !user.active {
                return failed(c, user.id, "inactive");
            }
            throttle::clear_failures(c, user.id, Some(&client))?;
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

/// Records that an account was locked, for one client address (`scope` "address") or for
/// every one ("account").
fn lock_event(
    c: &mut diesel::PgConnection,
    ctx: &AuditContext,
    user_id: Uuid,
    until: chrono::DateTime<chrono::Utc>,
    scope: &str,
    failed_logins: i32,
) -> ApiResult<()> {
    audit::append(
        c,
        &ctx.with_actor(Actor::System),
        Event::new("auth.locked")
            .entity("user", user_id)
            .after(json!({
                "locked_until": audit::hash::format_time(&until),
                "scope": scope,
                "failed_logins": failed_logins,
            })),
    )?;
    Ok(())
}

/// Writes one `auth.login_failed` event (failure `unknown_user`, with `attempts` and the
/// window) for each address whose window of failed logins for unknown usernames has ended,
/// and forgets the count. The server runs it every minute ([`schedule_reports`]).
pub async fn report_unknown_user_failures(
    state: &AppState,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<usize> {
    let window_secs = state.settings.auth.login_window_secs;
    let keys = state.audit_keys.clone();
    state
        .db
        .transaction(move |c| {
            let prefix = unknown_user_key("");
            let closed = throttle::take_closed(c, &prefix, window_secs, now)?;
            for (client, window_start, attempts) in &closed {
                let ctx = AuditContext {
                    actor: Actor::Public,
                    request_id: None,
                    client_addr: Some(client.clone()),
                    keys: keys.clone(),
                };
                let window_end = *window_start + ChronoDuration::seconds(i64::from(window_secs));
                audit::append(
                    c,
                    &ctx,
                    Event::new("auth.login_failed").after(json!({
                        "failure": "unknown_user",
                        "attempts": attempts,
                        "from": audit::hash::format_time(window_start),
                        "to": audit::hash::format_time(&window_end),
                    })),
                )?;
            }
            Ok(closed.len())
        })
        .await
}

/// Reports the ended windows of failed logins for unknown usernames every minute.
pub fn schedule_reports(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = report_unknown_user_failures(&state, audit::now()).await {
                tracing::error!(error = %e, "could not report failed logins for unknown usernames");
            }
        }
    });
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
    let client = ctx.client_addr.clone().unwrap_or_else(|| "unknown".into());
    let now = audit::now();
    let lock_client = client.clone();
    let (stored, address_lock) = state
        .db
        .run(move |c| {
            let user = users::find(c, user_id)?.ok_or_else(ApiError::not_found)?;
            let address_lock = throttle::locked_until(c, user_id, &lock_client, now)?;
            Ok((user, address_lock))
        })
        .await?;
    // A locked account's password is not checked at all, right or wrong: a stolen access
    // token must not keep guessing where the login form has stopped, nor set a new password
    // on an account locked for that reason (for the caller's address, or everywhere).
    let account_lock = stored.locked_until.filter(|_| stored.is_locked(now));
    if let Some(until) = account_lock.max(address_lock) {
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
                let now = audit::now();
                let period = seconds(settings.lockout_duration);
                // Counted as failed logins are: for the address, and for the account.
                throttle::record_failure(
                    c,
                    user_id,
                    &client,
                    settings.lockout_threshold,
                    period,
                    now,
                )?;
                users::record_failed_login(
                    c,
                    user_id,
                    settings.lockout_account_threshold,
                    now + period,
                )?;
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
