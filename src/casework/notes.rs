//! Case notes: append-only. A mistake is put right by a note that corrects it, never by
//! changing the note; reading them is recorded (`notes.viewed`).

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::access::{CaseScope, LockedCase};
use crate::casework::Caller;
use crate::casework::sub_record::SubRecord;
use crate::db::case_table::CaseTable;
use crate::db::models::NoteRow;
use crate::error::{ApiError, ApiResult, ErrorCode};

crate::case_table!(NoteRow, notes);

pub struct NoteFields {
    pub body: String,
    /// The note of the same case this one corrects.
    pub corrects_id: Option<Uuid>,
}

impl SubRecord for NoteRow {
    const ENTITY: &'static str = "note";
    const CREATED: &'static str = "note.created";
    const READ: Option<&'static str> = Some("notes.viewed");
    type Fields = NoteFields;
    type View = Self;

    fn new(case: &LockedCase, caller: &Caller, f: NoteFields, now: DateTime<Utc>) -> Self {
        NoteRow {
            id: Uuid::new_v4(),
            case_id: case.id(),
            author_id: caller.viewer.user_id,
            body: f.body,
            corrects_id: f.corrects_id,
            created_at: now,
        }
    }

    fn audit(&self) -> Value {
        json!({ "body": self.body, "corrects_id": self.corrects_id })
    }

    fn view(self) -> ApiResult<Self> {
        Ok(self)
    }

    fn check(&self, conn: &mut PgConnection, case: &LockedCase, _: Option<&Self>) -> ApiResult<()> {
        match self.corrects_id {
            Some(id) if NoteRow::find(conn, case, id)?.is_none() => Err(ApiError::field(
                ErrorCode::ValidationFailed,
                "corrects_id",
                "unknown_note",
                "is not a note of this case",
            )),
            _ => Ok(()),
        }
    }
}
