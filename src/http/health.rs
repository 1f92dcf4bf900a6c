//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use diesel::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(
    operation_id = "health_live",tag = "health", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers, within `PROBITY_READYZ_TIMEOUT_MS`; otherwise 503.
#[utoipa::path(
    operation_id = "health_ready",
    tag = "health",
    responses((status = 200, description = "The database answers", body = Health))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    // Its own deadline, on the client side: a database that is frozen (not down) accepts
    // the connection and never answers, and a server-side timeout cannot fire.
    let check = state.db.run(|c| {
        diesel::sql_query("SELECT 1").execute(c)?;
        Ok(())
    });
    match tokio::time::timeout(state.settings.database.readyz_timeout, check).await {
        Ok(answer) => answer?,
        Err(_) => {
            tracing::warn!("the database did not answer the readiness check in time");
            return Err(ApiError::unavailable(
                "The database did not answer in time; retry later.",
            ));
        }
    }
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}
