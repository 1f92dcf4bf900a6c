//! The caller's own account.

use actix_web::{HttpResponse, get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::Actor;
use crate::auth::permissions::permissions;
use crate::auth::sessions;
use crate::domain::{NewPassword, Password, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::extract::{ApiJson, AuthUser, RequestMeta};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// What this role may do, e.g. `users.manage`.
    pub permissions: Vec<&'static str>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "current_password": "correct horse battery staple",
    "new_password": "a completely different passphrase"
}))]
pub struct ChangePassword {
    /// Verified exactly as sent.
    pub current_password: String,
    pub new_password: NewPassword,
}

/// Who am I?
#[utoipa::path(
    operation_id = "me_get",
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's account", body = Me))
)]
#[get("/me")]
pub async fn me(user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        id: user.id,
        permissions: permissions(user.role).iter().map(|p| p.as_str()).collect(),
        username: user.username,
        display_name: user.display_name,
        role: user.role,
    })
}

/// Change my password. Ends every other session of mine.
#[utoipa::path(
    operation_id = "me_change_password",
    tag = "me",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "`wrong_password`: the current password does not match", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 423, description = "`account_locked`: locked after repeated failures (logins or password checks); `Retry-After` says for how long", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`weak_password` or `validation_failed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/password")]
pub async fn change_password(
    user: AuthUser,
    meta: RequestMeta,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<ChangePassword>,
) -> ApiResult<HttpResponse> {
    let new = Password::new(body.new_password.0, Some(&user.username)).map_err(|e| {
        ApiError::field(
            ErrorCode::WeakPassword,
            "new_password",
            e.code(),
            &e.message(),
        )
    })?;
    sessions::change_password(
        &state,
        meta.audit(Actor::User(user.id)),
        user.id,
        user.session_id,
        body.current_password,
        new,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
