//! Documents: streamed uploads, downloads with ranges, withdrawal, and the chain of custody.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::permissions::marker::{EditCases, ReadCases};
use crate::casework::Checks;
use crate::casework::documents::{self as service, DocumentKind, DocumentMeta, DocumentView};
use crate::domain::text::{Line, LineOrBlank, ParagraphOrBlank, Refusal};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::audit::AuditEvent;
use crate::http::case_request::{CaseRequest, PageQuery, page};
use crate::http::cases::{Reason, caller};
use crate::http::extract::{ApiJson, ApiQuery, RequestMeta, Require, parse_uuid};
use crate::http::pagination::Page;
use crate::state::AppState;

const PROBLEM: &str = "application/problem+json";
/// Room for the form's other fields and the multipart framing around the file.
const FORM_OVERHEAD: u64 = 256 * 1024;
const FIELD_MAX: usize = 16 * 1024;

/// The upload form's text fields, as their rules: what `meta_from` checks is what the
/// document says.
type Title = Line<300>;
type Description = ParagraphOrBlank<5000>;
type CollectedBy = LineOrBlank<200>;
type Source = LineOrBlank<300>;

/// The upload form (multipart/form-data): the file in `file`, the rest as text fields. A
/// text field left blank is the same as absent; any other field is refused. (`Deserialize`
/// is derived only for `deny_unknown_fields`, which the document shows as
/// `additionalProperties: false`: `meta_from` reads the form.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "file": "Statement of the complainant, signed 20 November 2026.",
    "title": "Complainant's statement",
    "kind": "statement",
    "collected_at": "2026-11-20T15:30:00Z",
    "collected_by": "DS Jane Smith",
    "sensitive": false
}))]
#[allow(dead_code)]
pub struct UploadForm {
    /// The document's bytes (up to the configured maximum, 100 MiB by default).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    title: Title,
    kind: DocumentKind,
    #[schema(nullable = false)]
    description: Option<Description>,
    /// RFC 3339.
    #[schema(format = DateTime, nullable = false)]
    collected_at: Option<String>,
    #[schema(nullable = false)]
    collected_by: Option<CollectedBy>,
    #[schema(nullable = false)]
    source: Option<Source>,
    /// `true` for a victim's images, medical records: seen only by the assigned investigator
    /// and supervisors.
    #[schema(nullable = false)]
    sensitive: Option<bool>,
    /// The document this one is a new version of.
    #[schema(nullable = false)]
    supersedes_id: Option<Uuid>,
}

fn bad_form(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidMultipart, detail)
}

fn meta_from(
    fields: &HashMap<String, String>,
    filename: Option<String>,
) -> ApiResult<DocumentMeta> {
    let mut checks = Checks::default();
    let get = |k: &str| {
        fields
            .get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let title = checks.take(
        "title",
        Title::parse(fields.get("title").map_or("", String::as_str)).map_err(Into::into),
    );
    let kind = match get("kind").map(|k| k.parse::<DocumentKind>()) {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            checks.push("kind", "invalid_value", &e);
            None
        }
        None => {
            checks.push("kind", "required", "is required");
            None
        }
    };
    let collected_at = match get("collected_at").map(|v| DateTime::parse_from_rfc3339(&v)) {
        Some(Ok(t)) => Some(t.with_timezone(&Utc)),
        Some(Err(_)) => {
            checks.push("collected_at", "invalid_value", "is not an RFC 3339 time");
            None
        }
        None => None,
    };
    let sensitive = match get("sensitive").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            checks.push("sensitive", "invalid_value", "must be true or false");
            false
        }
    };
    let supersedes_id = match get("supersedes_id").map(|v| Uuid::parse_str(&v)) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            checks.push("supersedes_id", "invalid_uuid", "is not a valid UUID");
            None
        }
        None => None,
    };
    let text =
        |checks: &mut Checks, name: &str, parse: fn(&str) -> Result<Option<String>, Refusal>| {
            fields
                .get(name)
                .and_then(|v| checks.take(name, parse(v).map_err(Into::into)))
                .flatten()
        };
    let description = text(&mut checks, "description", |v| {
        Description::parse(v).map(Description::into_option)
    });
    let collected_by = text(&mut checks, "collected_by", |v| {
        CollectedBy::parse(v).map(CollectedBy::into_option)
    });
    let source = text(&mut checks, "source", |v| {
        Source::parse(v).map(Source::into_option)
    });
    for name in fields.keys() {
        let known = [
            "title",
            "kind",
            "description",
            "collected_at",
            "collected_by",
            "source",
            "sensitive",
            "supersedes_id",
        ];
        if !known.contains(&name.as_str()) {
            checks.push(name, "unknown_field", "is not a field of the upload form");
        }
    }
    checks.finish()?;
    Ok(DocumentMeta {
        title: title.map(Title::into_string).unwrap_or_default(),
        kind: kind.unwrap_or(DocumentKind::Other),
        description,
        collected_at,
        collected_by,
        source,
        filename: filename.map(|f| f.chars().filter(|c| !c.is_control()).take(255).collect()),
        sensitive,
        supersedes_id,
    })
}

/// Upload a document: streamed to storage, hashed on the way in, its type detected from its
/// bytes. Over the size limit: 413, and nothing is kept; an interrupted upload keeps nothing.
#[utoipa::path(
    operation_id = "documents_upload",
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = DocumentView),
        (status = 400, description = "`invalid_multipart`", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/documents")]
pub async fn upload(
    user: Require<EditCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    mut form: Multipart,
) -> ApiResult<HttpResponse> {
    let case_id = parse_uuid("id", &path)?;
    let is_multipart = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.type_() == "multipart" && m.subtype() == "form-data");
    if !is_multipart {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Upload with `Content-Type: multipart/form-data`.",
        ));
    }
    let max = state.storage.max_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max + FORM_OVERHEAD) {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("A document may be at most {max} bytes."),
        ));
    }
    let caller = caller(&user, &meta);
    let viewer = caller.viewer;
    state
        .db
        .run_as(caller.viewer, move |c| {
            service::check_can_add(c, &viewer, case_id)
        })
        .await?;

    // The stored file is `Pending` until its record is written: a refusal below removes it
    // before answering, and the client going away (the request dropped) removes it too.
    let mut pending: Option<crate::storage::Pending> = None;
    let (fields, filename) = match read_form(&mut form, &state.storage, case_id, &mut pending).await
    {
        Ok(read) => read,
        Err(e) => {
            if let Some(p) = pending {
                p.discard().await;
            }
            return Err(e);
        }
    };
    let Some(pending) = pending else {
        return Err(ApiError::field(
            ErrorCode::InvalidMultipart,
            "file",
            "required",
            "the form has no `file`",
        ));
    };
    let meta = match meta_from(&fields, filename) {
        Ok(meta) => meta,
        Err(e) => {
            pending.discard().await;
            return Err(e);
        }
    };
    let object = pending.stored().clone();
    // The record is written now. If the request were dropped while that runs (the client
    // gone), the record may still be committed: the object must then stay, so it is no longer
    // left to the guard. A record that failed removes it here; one that was never answered
    // leaves at worst an object without a record, which `probity documents verify` reports.
    pending.keep();
    let key = object.key.clone();
    let recorded = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::record(c, &caller, case_id, meta, &object)
        })
        .await;
    let view = match recorded {
        Ok(view) => view,
        Err(e) => {
            state.storage.delete(&key).await;
            return Err(e);
        }
    };
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/cases/{case_id}/documents/{}", view.id),
        ))
        .json(view))
}

/// Reads the upload form: its text fields and the file's name, the file itself streamed into
/// the store as it arrives (put in `pending`, for the caller to keep or discard, whatever this
/// answers).
async fn read_form(
    form: &mut Multipart,
    storage: &crate::storage::Storage,
    case_id: Uuid,
    pending: &mut Option<crate::storage::Pending>,
) -> ApiResult<(HashMap<String, String>, Option<String>)> {
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut filename = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| bad_form(&format!("Malformed multipart body: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if pending.is_some() {
                return Err(bad_form("Send one file per upload."));
            }
            filename = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(str::to_owned);
            let key = format!("documents/{}/{}", case_id.simple(), Uuid::new_v4().simple());
            *pending = Some(
                storage
                    .put_stream(&key, field.by_ref().map_err(|e| e.to_string()))
                    .await?,
            );
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk =
                    chunk.map_err(|e| bad_form(&format!("Malformed multipart body: {e}")))?;
                value.extend_from_slice(&chunk);
                if value.len() > FIELD_MAX {
                    return Err(ApiError::field(
                        ErrorCode::ValidationFailed,
                        &name,
                        "too_long",
                        "is too long",
                    ));
                }
            }
            let Ok(text) = String::from_utf8(value) else {
                return Err(ApiError::field(
                    ErrorCode::ValidationFailed,
                    &name,
                    "invalid_value",
                    "is not UTF-8 text",
                ));
            };
            fields.insert(name, text);
        }
    }
    Ok((fields, filename))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDocuments {
    /// Include withdrawn documents (hidden by default).
    pub include_withdrawn: Option<bool>,
    /// At most this many documents (1 to 500; 50 if absent).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The case's documents (metadata).
#[utoipa::path(
    operation_id = "documents_list",
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ListDocuments),
    responses(
        (status = 200, description = "The documents", body = Page<DocumentView>),
    )
)]
#[get("/cases/{id}/documents")]
pub async fn list(
    req: CaseRequest<ReadCases>,
    ApiQuery(q): ApiQuery<ListDocuments>,
) -> ApiResult<HttpResponse> {
    let paging = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .paging()?;
    let all = q.include_withdrawn.unwrap_or(false);
    let listed = req
        .read(move |c, caller, case| service::list(c, caller, case, all, paging))
        .await?;
    Ok(page(listed))
}

fn ids(path: &(String, String)) -> ApiResult<(Uuid, Uuid)> {
    Ok((parse_uuid("id", &path.0)?, parse_uuid("doc_id", &path.1)?))
}

/// One document's metadata.
#[utoipa::path(
    operation_id = "documents_get",
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("doc_id" = Uuid, Path, description = "The document")),
    responses(
        (status = 200, description = "The document", body = DocumentView),
    )
)]
#[get("/cases/{id}/documents/{doc_id}")]
pub async fn get_one(
    user: Require<ReadCases>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (case_id, id) = ids(&path)?;
    let viewer = crate::domain::Viewer {
        user_id: user.id,
        role: user.role,
    };
    let (_, doc) = state
        .db
        .run_as(viewer, move |c| {
            service::visible_document(c, &viewer, case_id, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DocumentView::from(doc)))
}

/// A document's bytes, as downloaded.
pub struct DocumentBytes;

impl utoipa::PartialSchema for DocumentBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for DocumentBytes {}

/// The `Range` header of a download: one range of bytes, `bytes=first-last`, `bytes=first-`
/// or `bytes=-suffix_length` (RFC 9110).
pub struct ByteRange;

impl ByteRange {
    /// What a range may be (the document's `pattern`).
    pub const PATTERN: &'static str = "^bytes=(?:[0-9]+-[0-9]*|-[0-9]+)$";
}

impl utoipa::PartialSchema for ByteRange {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(Self::PATTERN))
            .description(Some(
                "One range of bytes: `bytes=first-last`, `bytes=first-` or `bytes=-suffix_length`. \
                 Another form, or a range outside the document, is 416.",
            ))
            .into()
    }
}

impl ToSchema for ByteRange {}

/// Parses a single `bytes=` range against `size`: `Ok(None)` for no range, `Err` for one
/// that cannot be served.
fn parse_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(raw) = header else { return Ok(None) };
    let spec = raw.strip_prefix("bytes=").ok_or(())?;
    let (a, b) = spec.split_once('-').ok_or(())?;
    let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    if !digits(a) || !digits(b) || size == 0 {
        return Err(());
    }
    let (start, end) = match (a, b) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| ())?;
            if n == 0 {
                return Err(());
            }
            (size.saturating_sub(n), size - 1)
        }
        (from, "") => (from.parse().map_err(|_| ())?, size - 1),
        (from, to) => (
            from.parse().map_err(|_| ())?,
            to.parse::<u64>().map_err(|_| ())?.min(size - 1),
        ),
    };
    if start > end || start >= size {
        return Err(());
    }
    Ok(Some((start, end)))
}

/// The document's bytes, as an attachment. `ETag` is the SHA-256; `Range` is honoured (one
/// range). Every download is recorded in the chain of custody.
#[utoipa::path(
    operation_id = "documents_content",
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("doc_id" = Uuid, Path, description = "The document"),
           ("Range" = Option<ByteRange>, Header, description = "One range of bytes")),
    responses(
        (status = 200, description = "The bytes (always `application/octet-stream`, as an attachment: the type recorded at upload is the document's `content_type`)", content_type = "application/octet-stream", body = DocumentBytes,
            headers(("Content-Disposition" = String, description = "`attachment` with the stored filename"),
                    ("Accept-Ranges" = String, description = "`bytes`"),
                    ("ETag" = String, description = "The content's SHA-256"))),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = DocumentBytes,
            headers(("Content-Range" = String, description = "`bytes start-end/size`"),
                    ("Content-Disposition" = String, description = "`attachment` with the stored filename"),
                    ("Accept-Ranges" = String, description = "`bytes`"),
                    ("ETag" = String, description = "The content's SHA-256"))),
        (status = 416, description = "`range_not_satisfiable`", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/cases/{id}/documents/{doc_id}/content")]
pub async fn content(
    user: Require<ReadCases>,
    meta: RequestMeta,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (case_id, id) = ids(&path)?;
    let viewer = crate::domain::Viewer {
        user_id: user.id,
        role: user.role,
    };
    let (_, doc) = state
        .db
        .run_as(viewer, move |c| {
            service::readable_document(c, &viewer, case_id, id)
        })
        .await?;
    let size = u64::try_from(doc.size_bytes).unwrap_or(0);
    let range = parse_range(
        req.headers()
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok()),
        size,
    )
    .map_err(|()| {
        let value = HeaderValue::from_str(&format!("bytes */{size}"))
            .unwrap_or(HeaderValue::from_static("bytes */0"));
        ApiError::new(
            ErrorCode::RangeNotSatisfiable,
            "The range is outside the document.",
        )
        .with_header(header::CONTENT_RANGE, value)
    })?;
    let caller = caller(&user, &meta);
    let doc = state
        .db
        .transaction_as(caller.viewer, move |c| {
            service::record_download(c, &caller, case_id, id, range)
        })
        .await?;
    let stream = state
        .storage
        .get(&doc.object_key, range.map(|(a, b)| a..b + 1))
        .await?;
    let stream = stream.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()));
    let filename: String = doc
        .filename
        .clone()
        .unwrap_or_else(|| format!("{}.bin", doc.id))
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut resp = match range {
        Some((a, b)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((header::CONTENT_RANGE, format!("bytes {a}-{b}/{size}")));
            r
        }
        None => HttpResponse::Ok(),
    };
    let len = range.map_or(size, |(a, b)| b - a + 1);
    // Always bytes to save, never a page to render: an uploaded file is evidence, and one
    // served with its own type (HTML, SVG) could run in the reader's browser on this origin.
    // Its recorded type is in the document's metadata.
    resp.insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::ETAG, format!("\"{}\"", doc.sha256)))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(len);
    Ok(resp.streaming(stream))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Uploaded to the wrong case."}))]
pub struct WithdrawBody {
    pub reason: Reason,
}

/// Withdraw a document: hidden from lists, kept in storage and in the custody record.
#[utoipa::path(
    operation_id = "documents_withdraw",
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("doc_id" = Uuid, Path, description = "The document")),
    request_body = WithdrawBody,
    responses(
        (status = 200, description = "Withdrawn", body = DocumentView),
        (status = 409, description = "`wrong_state`: already withdrawn", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/cases/{id}/documents/{doc_id}/withdraw")]
pub async fn withdraw(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> ApiResult<HttpResponse> {
    let (case_id, id) = (req.case_id, req.record_id()?);
    let reason = body.reason.into_string();
    let view = req
        .within(move |c, caller| service::withdraw(c, caller, case_id, id, &reason))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Serialize, ToSchema)]
pub struct Custody {
    pub document: DocumentView,
    /// Upload, every download, supersession and withdrawal: who, when, from where, which hash.
    pub events: Vec<AuditEvent>,
}

/// The chain of custody of one document.
#[utoipa::path(
    operation_id = "documents_custody",
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case"), ("doc_id" = Uuid, Path, description = "The document")),
    responses(
        (status = 200, description = "The custody record", body = Custody),
    )
)]
#[get("/cases/{id}/documents/{doc_id}/custody")]
pub async fn custody(req: CaseRequest<ReadCases>) -> ApiResult<HttpResponse> {
    let (case_id, id) = (req.case_id, req.record_id()?);
    let (doc, events) = req
        .within(move |c, caller| service::custody(c, caller, case_id, id))
        .await?;
    Ok(HttpResponse::Ok().json(Custody {
        document: doc.into(),
        events: events.into_iter().map(AuditEvent::from).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 10), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-3"), 10), Ok(Some((0, 3))));
        assert_eq!(parse_range(Some("bytes=5-"), 10), Ok(Some((5, 9))));
        assert_eq!(parse_range(Some("bytes=-4"), 10), Ok(Some((6, 9))));
        assert_eq!(parse_range(Some("bytes=8-100"), 10), Ok(Some((8, 9))));
        assert!(parse_range(Some("bytes=10-12"), 10).is_err());
        assert!(parse_range(Some("bytes=0-1,4-5"), 10).is_err());
        assert!(parse_range(Some("items=0-1"), 10).is_err());
        assert!(parse_range(Some("bytes=+1-2"), 10).is_err());
        assert!(parse_range(Some("bytes= 1-2"), 10).is_err());
        assert!(parse_range(Some("bytes=-"), 10).is_err());
        let pattern = regex::Regex::new(super::ByteRange::PATTERN).unwrap();
        for range in [
            "bytes=0-3",
            "bytes=5-",
            "bytes=-4",
            "bytes=8-100",
            "bytes=+1-2",
            "bytes=0-1,4-5",
            "bytes=-",
            "bytes=1",
            "null",
        ] {
            // In a document of 100 bytes, the ranges of the pattern are read (those outside a
            // document, such as `bytes=200-`, are 416 too).
            assert_eq!(
                pattern.is_match(range),
                parse_range(Some(range), 100).is_ok(),
                "{range}"
            );
        }
    }
}
