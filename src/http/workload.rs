//! The supervisor's view of who is working on what.

use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::auth::permissions::marker::ViewWorkload;
use crate::casework::cases::workload as compute;
use crate::casework::views::WorkloadEntry;
use crate::error::ApiResult;
use crate::http::case_request::PageQuery;
use crate::http::extract::{ApiQuery, Require};
use crate::http::pagination::{self, Page};
use crate::state::AppState;

/// A page of the workload: active investigators by name, each with their open cases (only
/// cases the caller may see).
pub type Workload = Page<WorkloadEntry>;

/// Per investigator: open cases by state, overdue counts, the oldest case's age.
#[utoipa::path(
    operation_id = "cases_workload",
    tag = "cases",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "The workload, by investigator's name", body = Page<WorkloadEntry>),
        (status = 403, description = "`forbidden`: supervisors only", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/workload")]
pub async fn workload(
    user: Require<ViewWorkload>,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor::<(String, Uuid)>(q.cursor.as_deref())?;
    let viewer = user.viewer();
    let schedule = state.settings.casework.report_schedule;
    // A force has hundreds of investigators, not millions: the workload is computed whole
    // (one pass over the open cases) and paged by name.
    let entries = state
        .db
        .run_as(viewer, move |c| compute(c, &viewer, &schedule))
        .await?;
    let rows: Vec<WorkloadEntry> = entries
        .into_iter()
        .filter(|e| {
            after
                .as_ref()
                .is_none_or(|(name, id)| (&e.display_name, &e.investigator_id) > (name, id))
        })
        .take(usize::try_from(limit + 1).unwrap_or(usize::MAX))
        .collect();
    let page: Workload = pagination::page(
        rows,
        limit,
        |e| (e.display_name.clone(), e.investigator_id),
        |e| e,
    );
    Ok(HttpResponse::Ok().json(page))
}
