//! Documents and their chain of custody. Visibility follows the case; a `sensitive` document
//! (a victim's images, medical records) is seen only by the assigned investigator and the
//! supervisors who can see the case.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access::{self, DocumentAccess, VisibleCase};
use crate::casework::Caller;
use crate::casework::cases::{case_closed, lock_for_change};
use crate::casework::sub_record::{Listed, Paging, page_rows};
use crate::db::audit::{EventFilter, EventScope};
use crate::db::documents as queries;
use crate::db::models::{AuditEventRow, DocumentRow};
use crate::domain::Viewer;
use crate::domain::case::CaseState;
pub use crate::domain::document::DocumentKind;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::storage::Stored;

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    pub case_id: Uuid,
    pub title: String,
    pub kind: DocumentKind,
    pub description: Option<String>,
    pub collected_at: Option<DateTime<Utc>>,
    pub collected_by: Option<String>,
    pub source: Option<String>,
    pub filename: Option<String>,
    /// Detected from the bytes, not taken from the client.
    pub content_type: String,
    pub size_bytes: i64,
    /// hex SHA-256 of the bytes as received; also the content's `ETag`.
    pub sha256: String,
    pub sensitive: bool,
    pub supersedes_id: Option<Uuid>,
    pub uploaded_by: Uuid,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DocumentRow> for DocumentView {
    fn from(d: DocumentRow) -> Self {
        Self {
            id: d.id,
            case_id: d.case_id,
            title: d.title,
            kind: d.kind,
            description: d.description,
            collected_at: d.collected_at,
            collected_by: d.collected_by,
            source: d.source,
            filename: d.filename,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            sha256: d.sha256,
            sensitive: d.sensitive,
            supersedes_id: d.supersedes_id,
            uploaded_by: d.uploaded_by,
            withdrawn_at: d.withdrawn_at,
            withdrawn_reason: d.withdrawn_reason,
            created_at: d.created_at,
        }
    }
}

fn access_of(doc: &DocumentRow) -> DocumentAccess {
    DocumentAccess {
        sensitive: doc.sensitive,
        withdrawn: doc.withdrawn_at.is_some(),
    }
}

/// The document, if the caller may see it (404 otherwise).
pub fn visible_document(
    conn: &mut PgConnection,
    viewer: &Viewer,
    case_id: Uuid,
    id: Uuid,
) -> ApiResult<(VisibleCase, DocumentRow)> {
    let case = access::find_visible(conn, viewer, case_id)?;
    let doc = queries::find(conn, &case, id)?
        .filter(|d| access::may_see_document(viewer, &case, access_of(d)))
        .ok_or_else(ApiError::not_found)?;
    Ok((case, doc))
}

/// The document, if the caller may read its bytes: a withdrawn document's content is served
/// only to supervisors (it stays in storage and in the custody history).
pub fn readable_document(
    conn: &mut PgConnection,
    viewer: &Viewer,
    case_id: Uuid,
    id: Uuid,
) -> ApiResult<(VisibleCase, DocumentRow)> {
    let (case, doc) = visible_document(conn, viewer, case_id, id)?;
    if access::may_read_document_content(viewer, access_of(&doc)) {
        Ok((case, doc))
    } else {
        Err(ApiError::not_found())
    }
}

/// Checks before an upload is streamed, so nothing is stored for a caller who may not add it.
pub fn check_can_add(conn: &mut PgConnection, viewer: &Viewer, case_id: Uuid) -> ApiResult<()> {
    let case = access::find_visible(conn, viewer, case_id)?;
    if case.state == CaseState::Closed {
        Err(case_closed())
    } else {
        Ok(())
    }
}

pub struct DocumentMeta {
    pub title: String,
    pub kind: DocumentKind,
    pub description: Option<String>,
    pub collected_at: Option<DateTime<Utc>>,
    pub collected_by: Option<String>,
    pub source: Option<String>,
    pub filename: Option<String>,
    pub sensitive: bool,
    pub supersedes_id: Option<Uuid>,
}

/// Records a stored upload (the caller deletes the object if this fails).
pub fn record(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    meta: DocumentMeta,
    stored: &Stored,
) -> ApiResult<DocumentView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    if case.state == CaseState::Closed {
        return Err(case_closed());
    }
    if let Some(old) = meta.supersedes_id {
        let found = queries::find(conn, &case, old)?
            .filter(|d| access::may_see_document(&caller.viewer, &case, access_of(d)));
        if found.is_none() {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "supersedes_id",
                "unknown_document",
                "is not a document of this case",
            ));
        }
    }
    let row = queries::insert(
        conn,
        &case,
        &DocumentRow {
            id: Uuid::new_v4(),
            case_id,
            title: meta.title,
            kind: meta.kind,
            description: meta.description,
            collected_at: meta.collected_at,
            collected_by: meta.collected_by,
            source: meta.source,
            filename: meta.filename,
            content_type: stored.content_type.clone(),
            size_bytes: i64::try_from(stored.size).unwrap_or(i64::MAX),
            sha256: stored.sha256.clone(),
            object_key: stored.key.clone(),
            sensitive: meta.sensitive,
            supersedes_id: meta.supersedes_id,
            uploaded_by: caller.viewer.user_id,
            withdrawn_at: None,
            withdrawn_reason: None,
            withdrawn_by: None,
            created_at: audit::now(),
        },
    )?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("document.uploaded").entity("document", row.id).case(case_id).after(json!({
            "title": row.title, "kind": row.kind, "content_type": row.content_type, "size_bytes": row.size_bytes,
            "sha256": row.sha256, "sensitive": row.sensitive, "supersedes_id": row.supersedes_id,
        })),
    )?;
    if let Some(old) = row.supersedes_id {
        audit::append(
            conn,
            &caller.audit,
            Event::new("document.superseded")
                .entity("document", old)
                .case(case_id)
                .after(json!({ "superseded_by": row.id })),
        )?;
    }
    Ok(row.into())
}

/// A page of a visible case's documents, oldest first: those the caller may see, withdrawn
/// ones only if asked for. A page can hold fewer than the limit (even none) and still have
/// a next one.
pub fn list(
    conn: &mut PgConnection,
    caller: &Caller,
    case: &VisibleCase,
    include_withdrawn: bool,
    paging: Paging,
) -> ApiResult<Listed<DocumentView>> {
    let (rows, next) = page_rows::<DocumentRow>(conn, case, paging)?;
    let items = rows
        .into_iter()
        .filter(|d| include_withdrawn || d.withdrawn_at.is_none())
        .filter(|d| access::may_see_document(&caller.viewer, case, access_of(d)))
        .map(DocumentView::from)
        .collect();
    Ok(Listed { items, next })
}

crate::case_table!(DocumentRow, documents);

/// Records a download (who, when, from where, which hash, which bytes) before it starts.
pub fn record_download(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    id: Uuid,
    range: Option<(u64, u64)>,
) -> ApiResult<DocumentRow> {
    let (_, doc) = readable_document(conn, &caller.viewer, case_id, id)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("document.downloaded")
            .entity("document", id)
            .case(case_id)
            .after(json!({
                "sha256": doc.sha256,
                "range": range.map(|(a, b)| format!("bytes={a}-{b}")),
            })),
    )?;
    Ok(doc)
}

pub fn withdraw(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    id: Uuid,
    reason: &str,
) -> ApiResult<DocumentView> {
    let case = lock_for_change(conn, &caller.viewer, case_id, |_| Ok(()))?;
    let doc = queries::find(conn, &case, id)?
        .filter(|d| access::may_see_document(&caller.viewer, &case, access_of(d)))
        .ok_or_else(ApiError::not_found)?;
    if doc.withdrawn_at.is_some() {
        return Err(ApiError::new(
            ErrorCode::WrongState,
            "The document is already withdrawn.",
        ));
    }
    let after = queries::withdraw(conn, &case, id, caller.viewer.user_id, reason, audit::now())?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("document.withdrawn")
            .entity("document", id)
            .case(case_id)
            .after(json!({ "reason": reason, "sha256": after.sha256 })),
    )?;
    Ok(after.into())
}

/// Every custody event of one document, oldest first: ready to print for a hearing bundle.
/// The custody record belongs to the document: whoever may see the document reads it, even
/// if the row-level policies keep the rest of the case's audit trail from them (a named
/// member, an intake officer), so the document's own events are read past them, once the
/// document is proven visible.
pub fn custody(
    conn: &mut PgConnection,
    caller: &Caller,
    case_id: Uuid,
    id: Uuid,
) -> ApiResult<(DocumentRow, Vec<AuditEventRow>)> {
    let (case, doc) = visible_document(conn, &caller.viewer, case_id, id)?;
    let filter = EventFilter {
        limit: 10_000,
        ..Default::default()
    };
    // The custody of a document the caller may see, whether or not they may read the rest
    // of the case's trail (a named member investigator): read past the row-level policies,
    // limited to this document's events by the scope.
    let scope = EventScope::custody(&case, doc.id);
    let events = crate::db::past_the_wall(conn, |c| crate::db::audit::list(c, &scope, &filter))?;
    Ok((doc, events))
}
