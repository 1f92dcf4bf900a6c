//! Logging in, refreshing tokens and logging out.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::audit::Actor;
use crate::auth::sessions::{self, TokenPair};
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, RequestMeta};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "j.smith", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    pub username: String,
    /// Verified exactly as sent.
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "k3X9yqv2Tq6cR1mZC0bH8wQ5uJ7nL4pD2sF6gA1eY0o"}))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Log in with a username and password.
///
/// Five failures from one client address lock the account for that address for fifteen
/// minutes, fifty from anywhere lock it everywhere (settings). An unknown user, a wrong
/// password, an inactive and a locked account all get the same 401 body. Attempts are limited
/// per client address (429).
#[utoipa::path(
    operation_id = "auth_login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenPair),
        (status = 401, description = "`invalid_credentials`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many login attempts from this address; with `Retry-After`, `RateLimit-Policy` and `RateLimit`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let tokens = sessions::login(
        &state,
        meta.audit(Actor::Public),
        body.username,
        body.password,
    )
    .await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// Exchange a refresh token for a new pair. Each refresh token works once; presenting one
/// that was already used ends its whole session.
#[utoipa::path(
    operation_id = "auth_refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, description = "`invalid_refresh_token`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let tokens = sessions::refresh(&state, meta.audit(Actor::Public), body.refresh_token).await?;
    Ok(HttpResponse::Ok().json(tokens))
}

/// End the session the refresh token belongs to. Its access tokens stop working at once.
#[utoipa::path(
    operation_id = "auth_logout",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Logged out"),
        (status = 401, description = "`invalid_refresh_token`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    meta: RequestMeta,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    sessions::logout(&state, meta.audit(Actor::Public), body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}
