//! The audit log, for auditors: search it, verify it, take signed checkpoints of it.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::audit::checkpoint::Checkpoint;
use crate::audit::verify::{VerifyReport, verify_log_for};
use crate::auth::permissions::marker::{ReadAudit, VerifyAudit};
use crate::db::audit::{ActorFilter, EventFilter, EventScope};
use crate::db::models::AuditEventRow;
use crate::domain::Viewer;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::extract::{ApiQuery, Require};
use crate::http::pagination::{self, Page};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: Uuid,
    /// `system`, or the id of the case whose chain this is.
    pub chain: String,
    /// Position in its chain, from 1, without gaps.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// `user`, `system` or `public`.
    pub actor_type: String,
    /// The user, when `actor_type` is `user`.
    pub actor_id: Option<Uuid>,
    /// What happened, e.g. `user.created`, `auth.login_failed`.
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub case_id: Option<Uuid>,
    /// The entity's fields before, as recorded: codes, ids, counts and dates of the process
    /// in clear; personal data and free text only as keyed fingerprints (`hmac:...`). Events
    /// written before migration 19 are as they were written.
    pub before: Option<serde_json::Value>,
    /// The entity's fields after, recorded the same way.
    pub after: Option<serde_json::Value>,
    /// The fields whose recorded value the event changed.
    pub changed: Vec<String>,
    /// The event's personal data and free text, encrypted with its case's key (standard
    /// base64); readable only through the case (the record's history), and covered by `hash`.
    pub sealed: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub prev_hash: String,
    /// hex SHA-256 of the event's canonical encoding, which includes `prev_hash`.
    pub hash: String,
}

impl From<AuditEventRow> for AuditEvent {
    fn from(r: AuditEventRow) -> Self {
        Self {
            id: r.id,
            chain: r.chain_id,
            seq: r.seq,
            occurred_at: r.occurred_at,
            actor_type: r.actor_type,
            actor_id: r.actor_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            case_id: r.case_id,
            changed: crate::audit::changed_fields(r.before.as_ref(), r.after.as_ref()),
            sealed: r.sealed.as_ref().map(|b| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(b)
            }),
            before: r.before,
            after: r.after,
            request_id: r.request_id,
            client_addr: r.client_addr,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// A user id, or `system`, or `public`.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub case_id: Option<Uuid>,
    /// Events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// `asc` (oldest first, the default) or `desc`.
    #[param(inline)]
    pub order: Option<Order>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`; one this list did not issue is 400 `invalid_cursor`.
    pub cursor: Option<String>,
}

fn actor_filter(raw: &str) -> ApiResult<ActorFilter> {
    match raw {
        "system" => Ok(ActorFilter::System),
        "public" => Ok(ActorFilter::Public),
        other => Uuid::parse_str(other).map(ActorFilter::User).map_err(|_| {
            ApiError::field(
                ErrorCode::InvalidParameter,
                "actor",
                "invalid_value",
                "must be a user id, `system` or `public`",
            )
        }),
    }
}

const AUDITOR_ONLY: &str = "`forbidden`: not an auditor";

/// Search the audit log.
///
/// Events of a case whose trail the policy keeps from the caller (an auditor linked to one
/// of its subjects) are not listed, whatever the filters.
#[utoipa::path(
    operation_id = "audit_list",
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of events", body = Page<AuditEvent>),
        (status = 403, description = AUDITOR_ONLY, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_events(
    auditor: Require<ReadAudit>,
    state: web::Data<AppState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let limit = pagination::limit(q.limit)?;
    let filter = EventFilter {
        actor: q.actor.as_deref().map(actor_filter).transpose()?,
        action: q.action,
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        case_id: q.case_id,
        from: q.from,
        to: q.to,
        after_position: pagination::decode_cursor::<i64>(q.cursor.as_deref())?,
        descending: matches!(q.order, Some(Order::Desc)),
        limit: limit + 1,
    };
    let scope = EventScope::visible_to(&Viewer {
        user_id: auditor.id,
        role: auditor.role,
    });
    let rows = state
        .db
        .run_as(auditor.viewer(), move |c| {
            Ok(crate::db::audit::list(c, &scope, &filter)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(pagination::page(
        rows,
        limit,
        |r| r.position,
        AuditEvent::from,
    )))
}

/// Verify the whole audit log: every hash, every link, every sequence.
///
/// `ok` covers every chain; `first_broken` names only a break in a trail the caller may read
/// (null if every break is elsewhere).
#[utoipa::path(
    operation_id = "audit_verify",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The result; `ok` is false if anything is broken, anywhere", body = VerifyReport),
        (status = 403, description = AUDITOR_ONLY, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/verify")]
pub async fn verify(
    auditor: Require<VerifyAudit>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let viewer = auditor.viewer();
    let key = state
        .audit_key
        .as_ref()
        .map(|k| k.verifying_key())
        .ok_or_else(|| ApiError::internal("audit verify", "no audit signing key"))?;
    // Verification reads every event of every chain, whoever asks (past the row-level
    // policies); what it reports of a break is only what the caller may read.
    // Reading the whole log can take minutes on a large one: it has a deadline of its own.
    let report = state
        .db
        .run_within(std::time::Duration::from_secs(600), move |c| {
            crate::db::transaction_as(c, &viewer, |c| {
                Ok(crate::db::past_the_wall(c, |c| {
                    verify_log_for(c, &viewer, &key)
                })?)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// A signed checkpoint of every chain's head. Keep it outside the database;
/// `probity audit verify --checkpoint FILE` later proves nothing before it was cut or changed.
#[utoipa::path(
    operation_id = "audit_checkpoint",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The checkpoint", body = Checkpoint),
        (status = 403, description = AUDITOR_ONLY, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/checkpoint")]
pub async fn take_checkpoint(
    _auditor: Require<VerifyAudit>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let key = state
        .audit_key
        .clone()
        .ok_or_else(|| ApiError::unavailable("No audit signing key is configured."))?;
    let cp = state
        .db
        .transaction_as_system(move |c| Ok(crate::audit::checkpoint::create(c, &key)?))
        .await?;
    Ok(HttpResponse::Ok().json(cp))
}
