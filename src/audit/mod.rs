//! The audit log: every state change appends an event, in the same transaction as the
//! change, to a hash chain (one per case, one `system` chain). The chain's row is locked for
//! the append, so a chain never forks and its sequence has no gaps. Events are never updated or
//! deleted; the database refuses it.

pub mod checkpoint;
pub mod hash;
pub mod seal;
pub mod sign;
pub mod verify;

use chrono::{DateTime, SubsecRound, Utc};
use diesel::PgConnection;
use diesel::result::QueryResult;
use serde_json::Value;
use uuid::Uuid;

use crate::db;
use crate::db::models::AuditEventRow;

pub const SYSTEM_CHAIN: &str = "system";

/// Who did it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    User(Uuid),
    /// The application itself, or an operator at the command line.
    System,
    /// Someone without an account: a failed login, a public report.
    Public,
}

impl Actor {
    pub fn kind(self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::System => "system",
            Actor::Public => "public",
        }
    }

    pub fn user_id(self) -> Option<Uuid> {
        match self {
            Actor::User(id) => Some(id),
            _ => None,
        }
    }
}

/// The keys an event is written with: the master key that seals what it says of people
/// ([`seal`]) and the audit signing key that signs it ([`sign`]).
#[derive(Clone, Debug, Default)]
pub struct AuditKeys {
    pub data_key: Option<seal::MasterKey>,
    pub signing_key: Option<ed25519_dalek::SigningKey>,
}

impl AuditKeys {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self {
            data_key: settings.data_key.clone(),
            signing_key: settings
                .audit_signing_key
                .map(|seed| ed25519_dalek::SigningKey::from_bytes(&seed)),
        }
    }
}

/// Where a change came from (the actor and the request), and the keys its events are
/// written with.
#[derive(Clone, Debug)]
pub struct AuditContext {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub keys: AuditKeys,
}

impl AuditContext {
    /// Work done by the application itself or an operator at the command line.
    pub fn system(keys: AuditKeys) -> Self {
        Self {
            actor: Actor::System,
            request_id: None,
            client_addr: None,
            keys,
        }
    }

    pub fn with_actor(&self, actor: Actor) -> Self {
        Self {
            actor,
            ..self.clone()
        }
    }
}

/// What happened. `before` and `after` never hold secrets or hashes.
#[derive(Clone, Debug)]
pub struct Event {
    pub action: &'static str,
    pub entity_type: Option<&'static str>,
    pub entity_id: Option<String>,
    pub case_id: Option<Uuid>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Event {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            entity_type: None,
            entity_id: None,
            case_id: None,
            before: None,
            after: None,
        }
    }

    pub fn entity(mut self, entity_type: &'static str, id: impl ToString) -> Self {
        self.entity_type = Some(entity_type);
        self.entity_id = Some(id.to_string());
        self
    }

    /// Puts the event on the case's own chain.
    pub fn case(mut self, case_id: Uuid) -> Self {
        self.case_id = Some(case_id);
        self
    }

    pub fn before(mut self, value: Value) -> Self {
        self.before = Some(value);
        self
    }

    pub fn after(mut self, value: Value) -> Self {
        self.after = Some(value);
        self
    }

    /// The chain this event belongs to: its case's, or the system chain.
    pub fn chain_id(&self) -> String {
        self.case_id
            .map_or_else(|| SYSTEM_CHAIN.to_owned(), |id| id.to_string())
    }
}

/// Appends `event` to its chain inside the caller's transaction. The chain's head row is
/// locked first, so appends to one chain are serialized (no fork, no gap) while other chains
/// proceed in parallel. If this fails, the caller's change fails with it.
pub fn append(
    conn: &mut PgConnection,
    ctx: &AuditContext,
    event: Event,
) -> QueryResult<AuditEventRow> {
    let chain_id = event.chain_id();
    let head = db::audit::lock_chain_head(conn, &chain_id, event.case_id)?;
    let id = Uuid::new_v4();
    let sealing =
        Sealing::prepare(ctx, &chain_id, head.data_key.as_deref(), &event).map_err(seal_failed)?;
    let split = seal::split(sealing.key.as_ref(), event.before, event.after);
    let sealed = match (&sealing.key, &split.sealed) {
        (Some(key), Some(values)) => Some(
            key.seal(id, hash::canonical_json(values).as_bytes())
                .map_err(seal_failed)?,
        ),
        _ => None,
    };
    let mut row = AuditEventRow {
        position: 0,
        id,
        chain_id,
        seq: head.seq + 1,
        occurred_at: now(),
        actor_type: ctx.actor.kind().to_owned(),
        actor_id: ctx.actor.user_id(),
        action: event.action.to_owned(),
        entity_type: event.entity_type.map(str::to_owned),
        entity_id: event.entity_id,
        case_id: event.case_id,
        before: split.before,
        after: split.after,
        sealed,
        request_id: ctx.request_id.clone(),
        client_addr: ctx.client_addr.clone(),
        prev_hash: head.hash,
        hash: String::new(),
        signature: None,
    };
    row.hash = hash::event_hash(&row);
    let key = ctx.keys.signing_key.as_ref().ok_or_else(|| {
        diesel::result::Error::QueryBuilderError(
            "PROBITY_AUDIT_SIGNING_KEY is not set: audit events cannot be signed".into(),
        )
    })?;
    row.signature = Some(sign::sign(key, &row.hash));
    db::audit::insert_event(conn, &row)?;
    db::audit::advance_chain_head(
        conn,
        &row.chain_id,
        row.seq,
        &row.hash,
        sealing.new_wrapped.as_deref(),
    )?;
    Ok(row)
}

/// The chain key an event is sealed with, if it has anything to seal: the chain's own,
/// or a new one (to be stored wrapped on the chain row with the event).
struct Sealing {
    key: Option<seal::ChainKey>,
    new_wrapped: Option<Vec<u8>>,
}

impl Sealing {
    fn prepare(
        ctx: &AuditContext,
        chain_id: &str,
        wrapped: Option<&[u8]>,
        event: &Event,
    ) -> Result<Self, seal::SealError> {
        let private = |v: &Option<Value>| match v {
            Some(Value::Object(map)) => map
                .iter()
                .any(|(field, v)| !v.is_null() && !seal::is_clear(field)),
            Some(Value::Null) | None => false,
            Some(_) => true,
        };
        if !private(&event.before) && !private(&event.after) {
            return Ok(Self {
                key: None,
                new_wrapped: None,
            });
        }
        let master = ctx
            .keys
            .data_key
            .as_ref()
            .ok_or(seal::SealError::NoMasterKey)?;
        match wrapped {
            Some(w) => Ok(Self {
                key: Some(master.unwrap(chain_id, w)?),
                new_wrapped: None,
            }),
            // The chain's first sealed event, or the first since its key was erased.
            None => {
                let key = seal::ChainKey::generate()?;
                let new_wrapped = Some(master.wrap(chain_id, &key)?);
                Ok(Self {
                    key: Some(key),
                    new_wrapped,
                })
            }
        }
    }
}

fn seal_failed(e: seal::SealError) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(Box::new(e))
}

/// The fields whose value differs between `before` and `after` (every field of `after` when
/// there is no `before`), sorted.
pub fn changed_fields(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let empty = serde_json::Map::new();
    let b = before.and_then(Value::as_object).unwrap_or(&empty);
    let a = after.and_then(Value::as_object).unwrap_or(&empty);
    let mut fields: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

/// The current time at the precision PostgreSQL stores, so the hash computed now is the
/// hash recomputed from the stored row later.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
