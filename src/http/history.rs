//! The history of a case record: each version, who made it and when, with its content for
//! those who may see the case (the audit log shows an auditor only fingerprints).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::permissions::marker::ReadCases;
use crate::casework::history::{self as service, RecordKind, RecordVersion};
use crate::error::ApiResult;
use crate::http::extract::{Require, parse_uuid};
use crate::state::AppState;

const PROBLEM: &str = "application/problem+json";

#[derive(Serialize, ToSchema)]
pub struct RecordHistory {
    /// Oldest first.
    pub items: Vec<RecordVersion>,
}

async fn history(
    user: &Require<ReadCases>,
    state: &AppState,
    path: &(String, String),
    record: (&str, RecordKind),
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path.0)?;
    let record_id = parse_uuid(record.0, &path.1)?;
    let viewer = user.viewer();
    let master = state.settings.data_key.clone();
    let items = state
        .db
        .run_as(viewer, move |c| {
            service::of_record(c, &viewer, master.as_ref(), case_id, record.1, record_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RecordHistory { items }))
}

/// One history route per kind of record, all of the same shape: the record's versions,
/// oldest first.
macro_rules! history_route {
    ($name:ident, $operation:literal, $path:literal, $param:literal, $kind:expr, $what:literal) => {
        #[doc = concat!("The versions of ", $what, ", oldest first: who changed what and when.")]
        #[utoipa::path(
            operation_id = $operation,
            tag = "cases",
            security(("bearer" = [])),
            params(
                ("id" = Uuid, Path, description = "The case"),
                ($param = Uuid, Path, description = $what),
            ),
            responses(
                (status = 200, description = "The record's versions", body = RecordHistory),
                (status = 403, description = "`forbidden`", body = crate::error::Problem, content_type = PROBLEM),
            )
        )]
        #[get($path)]
        pub async fn $name(
            user: Require<ReadCases>,
            state: web::Data<AppState>,
            path: web::Path<(String, String)>,
        ) -> ApiResult<HttpResponse> {
            history(&user, &state, &path, ($param, $kind)).await
        }
    };
}

history_route!(
    party_history,
    "parties_history",
    "/cases/{id}/parties/{party_id}/history",
    "party_id",
    RecordKind::Parties,
    "a party"
);
history_route!(
    allegation_history,
    "allegations_history",
    "/cases/{id}/allegations/{allegation_id}/history",
    "allegation_id",
    RecordKind::Allegations,
    "an allegation"
);
history_route!(
    task_history,
    "tasks_history",
    "/cases/{id}/tasks/{task_id}/history",
    "task_id",
    RecordKind::Tasks,
    "a task"
);
history_route!(
    document_history,
    "documents_history",
    "/cases/{id}/documents/{doc_id}/history",
    "doc_id",
    RecordKind::Documents,
    "a document"
);
history_route!(
    proceeding_history,
    "proceedings_history",
    "/cases/{id}/proceedings/{proceeding_id}/history",
    "proceeding_id",
    RecordKind::Proceedings,
    "a proceeding"
);
history_route!(
    publication_history,
    "publications_history",
    "/cases/{id}/publications/{publication_id}/history",
    "publication_id",
    RecordKind::Publications,
    "a publication"
);
