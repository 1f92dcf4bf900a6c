//! Each record of a case keeps its own history: its versions as its audit events recorded
//! them, who changed what and when, with the sealed values (`audit::seal`) opened for those
//! who may see the case. The audit log itself shows an auditor only which fields changed and
//! their keyed fingerprints; the content is read here, through the case, by the access
//! policy's rule.

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::seal::{self, MasterKey};
use crate::auth::access::{self, VisibleCase};
use crate::casework::documents::visible_document;
use crate::db;
use crate::db::audit::{EventFilter, EventScope};
use crate::db::case_table::CaseTable;
use crate::db::models::AuditEventRow;
use crate::db::models::{AllegationRow, PartyRow, TaskRow};
use crate::domain::Viewer;
use crate::error::{ApiError, ApiResult};

crate::text_enum!(
    /// A kind of case record that keeps a history.
    RecordKind {
        Parties = "parties",
        Allegations = "allegations",
        Tasks = "tasks",
        Documents = "documents",
        Proceedings = "proceedings",
        Publications = "publications",
    }
);

impl RecordKind {
    /// The `entity_type` its audit events carry.
    fn entity_type(self) -> &'static str {
        match self {
            RecordKind::Parties => "party",
            RecordKind::Allegations => "allegation",
            RecordKind::Tasks => "task",
            RecordKind::Documents => "document",
            RecordKind::Proceedings => "proceeding",
            RecordKind::Publications => "publication",
        }
    }
}

/// One version of a record: the change that made it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordVersion {
    pub event_id: Uuid,
    /// What was done (`party.updated`, ...).
    pub action: String,
    pub occurred_at: DateTime<Utc>,
    /// Who did it (null for the system or the public).
    pub actor_id: Option<Uuid>,
    pub actor_type: String,
    /// The record's fields before the change, as recorded (null when it was created).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The record's fields after the change.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// The fields whose value the change altered.
    pub changed: Vec<String>,
    /// The case's key material was erased: the personal data of this version is gone for
    /// good (its fields show only their fingerprints).
    pub erased: bool,
}

/// A page of the history of record `record_id` of kind `kind` on case `case_id`, oldest
/// first (at most `limit` versions after position `after` of the case's trail), if the viewer
/// may see the case and the record; with the position the next page starts after, if any.
pub fn of_record(
    conn: &mut PgConnection,
    viewer: &Viewer,
    master: Option<&MasterKey>,
    (case_id, kind, record_id): (Uuid, RecordKind, Uuid),
    after: Option<i64>,
    limit: i64,
) -> ApiResult<(Vec<RecordVersion>, Option<i64>)> {
    let case = match kind {
        // A document has its own rule (sensitive documents, withdrawn content).
        RecordKind::Documents => visible_document(conn, viewer, case_id, record_id)?.0,
        _ => {
            let case = access::find_visible(conn, viewer, case_id)?;
            if !record_exists(conn, &case, kind, record_id)? {
                return Err(ApiError::not_found());
            }
            case
        }
    };
    let scope = EventScope::record(&case, kind.entity_type(), record_id);
    let filter = EventFilter {
        after_position: after,
        limit: limit + 1,
        ..Default::default()
    };
    // The record's own events, read past the policies that may keep the rest of the case's
    // trail from the caller (a named member reads the case, not its trail); the scope keeps
    // them to this record of a case the caller was shown.
    let (events, wrapped) = db::past_the_wall(conn, |c| {
        Ok((
            db::audit::list(c, &scope, &filter)?,
            db::audit::chain_data_key(c, &case.id.to_string())?,
        ))
    })?;
    let key = match (wrapped, master) {
        (Some(w), Some(m)) => Some(
            m.unwrap(&case.id.to_string(), &w)
                .map_err(|e| ApiError::internal("record history", e))?,
        ),
        _ => None,
    };
    let mut events = events;
    let next = if events.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        events.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        events.last().map(|e| e.position)
    } else {
        None
    };
    let versions = events
        .into_iter()
        .map(|e| version(e, key.as_ref()))
        .collect::<ApiResult<_>>()?;
    Ok((versions, next))
}

fn record_exists(
    conn: &mut PgConnection,
    case: &VisibleCase,
    kind: RecordKind,
    id: Uuid,
) -> ApiResult<bool> {
    Ok(match kind {
        RecordKind::Parties => PartyRow::find(conn, case, id)?.is_some(),
        RecordKind::Allegations => AllegationRow::find(conn, case, id)?.is_some(),
        RecordKind::Tasks => TaskRow::find(conn, case, id)?.is_some(),
        RecordKind::Proceedings => db::proceedings::for_case(conn, case)?
            .iter()
            .any(|r| r.id == id),
        RecordKind::Publications => db::proceedings::publications_for_case(conn, case)?
            .iter()
            .any(|r| r.id == id),
        RecordKind::Documents => false,
    })
}

fn version(e: AuditEventRow, key: Option<&seal::ChainKey>) -> ApiResult<RecordVersion> {
    let opened: Option<Value> = match (&e.sealed, key) {
        (Some(sealed), Some(key)) => {
            let plain = key
                .open(e.id, sealed)
                .map_err(|err| ApiError::internal("record history", err))?;
            Some(
                serde_json::from_slice(&plain)
                    .map_err(|err| ApiError::internal("record history", err))?,
            )
        }
        _ => None,
    };
    let erased = e.sealed.is_some() && opened.is_none();
    let side = |name: &str, clear: &Option<Value>| {
        seal::merge(clear.as_ref(), opened.as_ref().and_then(|o| o.get(name)))
    };
    let before = side("before", &e.before);
    let after = side("after", &e.after);
    Ok(RecordVersion {
        changed: crate::audit::changed_fields(before.as_ref(), after.as_ref()),
        event_id: e.id,
        action: e.action,
        occurred_at: e.occurred_at,
        actor_id: e.actor_id,
        actor_type: e.actor_type,
        before,
        after,
        erased,
    })
}
