//! The supervisor's view of who is working on what.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::permissions::marker::ViewWorkload;
use crate::casework::cases::workload as compute;
use crate::casework::views::WorkloadEntry;
use crate::domain::Viewer;
use crate::error::ApiResult;
use crate::http::extract::Require;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Workload {
    /// Every active investigator, by name, with their open cases (only cases the caller may see).
    pub items: Vec<WorkloadEntry>,
}

/// Per investigator: open cases by state, overdue counts, the oldest case's age.
#[utoipa::path(
    operation_id = "cases_workload",
    tag = "cases",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The workload", body = Workload),
        (status = 403, description = "`forbidden`: supervisors only", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/workload")]
pub async fn workload(
    user: Require<ViewWorkload>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let viewer = Viewer {
        user_id: user.id,
        role: user.role,
    };
    let schedule = state.settings.casework.report_schedule;
    let items = state
        .db
        .run_as(viewer, move |c| compute(c, &viewer, &schedule))
        .await?;
    Ok(HttpResponse::Ok().json(Workload { items }))
}
