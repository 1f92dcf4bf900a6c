//! User accounts (admins only).

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::audit::Actor;
use crate::auth::accounts::{self, AccountChanges, NewAccount};
use crate::auth::permissions::marker::ManageUsers;
use crate::db::models::UserRow;
use crate::db::users;
use crate::domain::user_fields::{CollarNumber, Force};
use crate::domain::{DisplayName, NewPassword, Password, Role, StaffIdentity, Username};
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError};
use crate::http::extract::{
    ApiJson, ApiQuery, IfMatch, RequestMeta, Require, etag, nullable, parse_uuid, present,
};
use crate::http::openapi::BodyRules;
use crate::http::pagination::{self, Page};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Staff identity: the force and collar (or payroll) number that name this user as an
    /// officer or member of staff. Subjects with the same (compared without regard to case)
    /// are this user: they never see a case about them, nor are they assigned to one.
    pub force: Option<String>,
    pub collar_number: Option<String>,
    /// Set while the account is locked after repeated failed logins.
    pub locked_until: Option<DateTime<Utc>>,
    /// Also the `ETag`; send it back in `If-Match` to change the account.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    fn from_row(row: UserRow) -> ApiResult<Self> {
        let role = row.role;
        let locked_until = row
            .locked_until
            .filter(|until| *until > crate::audit::now());
        Ok(Self {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role,
            active: row.active,
            force: row.force,
            collar_number: row.collar_number,
            locked_until,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "username": "j.smith",
    "display_name": "DS Jane Smith",
    "role": "investigator",
    "password": "correct horse battery staple",
    "force": "Wessex Police",
    "collar_number": "4521"
}))]
pub struct CreateUser {
    /// Unique regardless of case.
    pub username: Username,
    pub display_name: DisplayName,
    pub role: Role,
    pub password: NewPassword,
    /// The staff identity's force (with `collar_number`, or neither).
    pub force: Option<Force>,
    /// The staff identity's collar or payroll number; unique within the force (with
    /// `force`, or neither).
    pub collar_number: Option<CollarNumber>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1, example = json!({"display_name": "DS Jane Smith", "active": false}))]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub display_name: Option<DisplayName>,
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub role: Option<Role>,
    /// `false` deactivates the account: its tokens stop working on the next request.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
    /// With `collar_number`: sets the staff identity; both `null` clear it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Force>)]
    pub force: Option<Option<Force>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<CollarNumber>)]
    pub collar_number: Option<Option<CollarNumber>>,
}

/// A staff identity is both parts or neither (checked in [`staff_identity`]); `null` is as
/// absent.
impl BodyRules for CreateUser {
    fn rules() -> serde_json::Map<String, serde_json::Value> {
        let rules = serde_json::json!({"anyOf": [
            {
                "properties": {"force": {"type": "string"}, "collar_number": {"type": "string"}},
                "required": ["force", "collar_number"],
            },
            {"properties": {"force": {"type": "null"}, "collar_number": {"type": "null"}}},
        ]});
        rules.as_object().cloned().unwrap_or_default()
    }
}

/// A staff identity is set (both parts) or cleared (both `null`) together, or left out
/// (checked in [`update_user`]).
impl BodyRules for UpdateUser {
    fn rules() -> serde_json::Map<String, serde_json::Value> {
        let rules = serde_json::json!({"anyOf": [
            {
                "properties": {"force": {"type": "string"}, "collar_number": {"type": "string"}},
                "required": ["force", "collar_number"],
            },
            {
                "properties": {"force": {"type": "null"}, "collar_number": {"type": "null"}},
                "required": ["force", "collar_number"],
            },
            {"not": {"anyOf": [{"required": ["force"]}, {"required": ["collar_number"]}]}},
        ]});
        rules.as_object().cloned().unwrap_or_default()
    }
}

/// The staff identity a body names: both parts, or neither (`None`).
fn staff_identity(
    force: Option<Force>,
    collar_number: Option<CollarNumber>,
    errors: &mut Vec<FieldError>,
) -> Option<StaffIdentity> {
    match (force, collar_number) {
        (None, None) => None,
        (Some(_), None) => {
            errors.push(FieldError::new(
                "collar_number",
                "required",
                "is required with force",
            ));
            None
        }
        (None, Some(_)) => {
            errors.push(FieldError::new(
                "force",
                "required",
                "is required with collar_number",
            ));
            None
        }
        (Some(f), Some(c)) => Some(StaffIdentity::new(f, c)),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsers {
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`; one this list did not issue is 400 `invalid_cursor`.
    pub cursor: Option<String>,
}

fn with_etag(mut builder: actix_web::HttpResponseBuilder, user: User) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag(user.version)))
        .json(user)
}

/// List accounts, oldest first.
#[utoipa::path(
    operation_id = "users_list",
    tag = "users",
    security(("bearer" = [])),
    params(ListUsers),
    responses(
        (status = 200, description = "One page of accounts", body = Page<User>),
        (status = 403, description = "`forbidden`: not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list_users(
    admin: Require<ManageUsers>,
    state: web::Data<AppState>,
    ApiQuery(query): ApiQuery<ListUsers>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor::<(DateTime<Utc>, Uuid)>(query.cursor.as_deref())?;
    let filter = users::ListFilter {
        role: query.role,
        active: query.active,
        after,
        limit: limit + 1,
    };
    let rows = state
        .db
        .run_as(admin.viewer(), move |c| Ok(users::list(c, &filter)?))
        .await?;
    let page = pagination::page(rows, limit, |r| (r.created_at, r.id), User::from_row);
    let items = page.items.into_iter().collect::<ApiResult<Vec<User>>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Create an account.
#[utoipa::path(
    operation_id = "users_create",
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = User,
         headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new account"))),
        (status = 403, description = "`forbidden`: not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`username_taken` or `staff_identity_taken`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` or `weak_password`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    admin: Require<ManageUsers>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<HttpResponse> {
    let mut errors = Vec::new();
    let staff = staff_identity(body.force, body.collar_number, &mut errors);
    let password = Password::new(body.password.0, Some(body.username.as_str()))
        .map_err(|e| errors.push(FieldError::new("password", e.code(), e.message())))
        .ok();
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        let weak = errors.iter().all(|e| e.field == "password");
        let mut err = ApiError::validation(errors);
        if weak {
            err.code = ErrorCode::WeakPassword;
        }
        return Err(err);
    };
    let password_hash = state.hasher.hash(password).await?;
    let ctx = meta.audit(Actor::User(admin.id));
    let account = NewAccount {
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        password_hash,
        staff,
    };
    let row = state
        .db
        .transaction_as(admin.viewer(), move |c| accounts::create(c, &ctx, &account))
        .await?;
    let location = format!("/api/v1/users/{}", row.id);
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, location));
    Ok(with_etag(builder, User::from_row(row)?))
}

/// Read an account.
#[utoipa::path(
    operation_id = "users_get",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account", body = User, headers(("ETag" = String, description = "The version"))),
        (status = 403, description = "`forbidden`: not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    admin: Require<ManageUsers>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = parse_uuid("id", &path)?;
    let row = state
        .db
        .run_as(admin.viewer(), move |c| {
            users::find(c, id)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), User::from_row(row)?))
}

/// Change an account's display name, role, active flag or staff identity. Needs `If-Match`.
#[utoipa::path(
    operation_id = "users_update",
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The account's id"),
        ("If-Match" = String, Header, description = "The ETag last read"),
    ),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Changed", body = User, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`forbidden`: not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_admin`: would leave no active admin; `staff_identity_taken`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`precondition_failed`: changed since read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`: no If-Match", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    admin: Require<ManageUsers>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    path: web::Path<String>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<HttpResponse> {
    let id = parse_uuid("id", &path)?;
    let mut errors = Vec::new();
    let staff = match (body.force, body.collar_number) {
        (None, None) => None,
        (Some(None), Some(None)) => Some(None),
        (Some(Some(f)), Some(Some(c))) => Some(Some(StaffIdentity::new(f, c))),
        (force, _) => {
            let field = if force.is_some() {
                "collar_number"
            } else {
                "force"
            };
            errors.push(FieldError::new(
                field,
                "required",
                "force and collar_number are set (or cleared with null) together",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if body.display_name.is_none()
        && body.role.is_none()
        && body.active.is_none()
        && staff.is_none()
    {
        return Err(ApiError::validation(vec![FieldError::new(
            "body",
            "empty",
            "name at least one of display_name, role, active, force and collar_number",
        )]));
    }
    let changes = AccountChanges {
        display_name: body.display_name,
        role: body.role,
        active: body.active,
        staff,
    };
    let ctx = meta.audit(Actor::User(admin.id));
    let row = state
        .db
        .transaction_as(admin.viewer(), move |c| {
            accounts::update(c, &ctx, id, &changes, |version| if_match.require(version))
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), User::from_row(row)?))
}
