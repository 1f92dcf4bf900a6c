//! The case log: notes, append-only.

use actix_web::{HttpResponse, get, post};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::permissions::marker::EditCases;
use crate::casework::notes::NoteFields;
use crate::casework::sub_record;
use crate::db::models::NoteRow;
use crate::domain::text::Paragraph;
use crate::error::ApiResult;
use crate::http::case_request::CaseRequest;
use crate::http::extract::ApiJson;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Called the victim's support worker; a statement is arranged for Friday."}))]
pub struct NoteBody {
    pub body: Paragraph<50_000>,
    /// The note this one corrects (notes are never edited).
    pub corrects_id: Option<Uuid>,
}

/// Append a note to the case log.
#[utoipa::path(
    operation_id = "notes_add",
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The case")),
    request_body = NoteBody,
    responses(
        (status = 201, description = "Added", body = NoteRow, headers(("Location" = String, description = "The new note"))),
        (status = 409, description = "`case_closed`", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/cases/{id}/notes")]
pub async fn add(
    req: CaseRequest<EditCases>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<HttpResponse> {
    let fields = NoteFields {
        body: body.body.into_string(),
        corrects_id: body.corrects_id,
    };
    let row = req
        .write(move |c, caller, case| sub_record::add::<NoteRow>(c, caller, case, fields))
        .await?;
    req.created(row)
}

crate::sub_record_reads!(
    NoteRow => NoteRow, tag: "notes",
    list: ("notes_list", "/cases/{id}/notes", "The case log, oldest first. The read is recorded (`notes.viewed`)."),
    get: ("notes_get", "/cases/{id}/notes/{note_id}", "note_id", "One note. The read is recorded (`notes.viewed`)."),
);
