//! The history of a case record: each version, who made it and when, with its content for
//! those who may see the case (the audit log shows an auditor only fingerprints).

use actix_web::{HttpResponse, get, web};

use crate::auth::permissions::marker::ReadCases;
use crate::casework::history::{self as service, RecordKind, RecordVersion};
use crate::error::ApiResult;
use crate::http::case_request::PageQuery;
use crate::http::extract::{ApiQuery, Require, parse_uuid};
use crate::http::pagination::{self, Page};
use crate::state::AppState;

/// A page of a record's versions, oldest first.
pub type RecordHistory = Page<RecordVersion>;

async fn history(
    user: &Require<ReadCases>,
    state: &AppState,
    path: &(String, String),
    record: (&str, RecordKind),
    query: PageQuery,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path.0)?;
    let record_id = parse_uuid(record.0, &path.1)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor::<i64>(query.cursor.as_deref())?;
    let viewer = user.viewer();
    let master = state.settings.data_key.clone();
    let (items, next) = state
        .db
        .run_as(viewer, move |c| {
            let which = (case_id, record.1, record_id);
            service::of_record(c, &viewer, master.as_ref(), which, after, limit)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: next.map(|p| pagination::encode_cursor(&p)),
    }))
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
                PageQuery,
            ),
            responses(
                (status = 200, description = "The record's versions", body = Page<RecordVersion>),
            )
        )]
        #[get($path)]
        pub async fn $name(
            user: Require<ReadCases>,
            state: web::Data<AppState>,
            path: web::Path<(String, String)>,
            ApiQuery(query): ApiQuery<PageQuery>,
        ) -> ApiResult<HttpResponse> {
            history(&user, &state, &path, ($param, $kind), query).await
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
