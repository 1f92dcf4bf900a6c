//! Queries on the audit log. Only INSERT and SELECT touch `audit_events`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::audit::SYSTEM_CHAIN;
use crate::auth::access::sql::{cases_visible_to, events_visible_to};
use crate::auth::access::{CaseScope, CaseTrail, Purpose};
use crate::db::models::AuditEventRow;
use crate::db::schema::{audit_chains, audit_events, cases};
use crate::domain::Viewer;

/// A chain's head, read under the chain row's lock, and its data key (wrapped), if it has one.
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
    pub data_key: Option<Vec<u8>>,
}

/// Locks the chain (creating it on first use) and returns its head: the last event's
/// sequence number and hash, or 0 and the genesis hash for an empty chain. The head is kept
/// on the chain row ([`advance_chain_head`]), so appending reads nothing past the row-level
/// policies on the events. Every statement here stays prepared.
pub fn lock_chain_head(
    conn: &mut PgConnection,
    chain_id: &str,
    case_id: Option<Uuid>,
) -> QueryResult<ChainHead> {
    let read = |conn: &mut PgConnection| {
        audit_chains::table
            .find(chain_id)
            .select((
                audit_chains::head_seq,
                audit_chains::head_hash,
                audit_chains::data_key,
            ))
            .for_update()
            .first::<(i64, String, Option<Vec<u8>>)>(conn)
            .optional()
    };
    let head = match read(conn)? {
        Some(head) => head,
        None => {
            diesel::insert_into(audit_chains::table)
                .values((
                    audit_chains::id.eq(chain_id),
                    audit_chains::case_id.eq(case_id),
                ))
                .on_conflict_do_nothing()
                .execute(conn)?;
            read(conn)?.ok_or(diesel::result::Error::NotFound)?
        }
    };
    Ok(ChainHead {
        seq: head.0,
        hash: head.1,
        data_key: head.2,
    })
}

/// Records the event just appended as its chain's head (and the chain's new data key, when
/// the event was the first to need one), in the same transaction and under the lock
/// [`lock_chain_head`] took.
pub fn advance_chain_head(
    conn: &mut PgConnection,
    chain_id: &str,
    seq: i64,
    hash: &str,
    new_data_key: Option<&[u8]>,
) -> QueryResult<()> {
    let target = audit_chains::table.find(chain_id);
    let changed = match new_data_key {
        None => diesel::update(target)
            .set((
                audit_chains::head_seq.eq(seq),
                audit_chains::head_hash.eq(hash),
            ))
            .execute(conn)?,
        Some(key) => diesel::update(target)
            .set((
                audit_chains::head_seq.eq(seq),
                audit_chains::head_hash.eq(hash),
                audit_chains::data_key.eq(key),
            ))
            .execute(conn)?,
    };
    if changed == 1 {
        Ok(())
    } else {
        Err(diesel::result::Error::NotFound)
    }
}

#[derive(QueryableByName)]
struct MissingChain {
    #[diesel(sql_type = diesel::sql_types::Text)]
    chain: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    reason: String,
}

/// Chains and cases that do not agree with the events, since events are signed (migration
/// 20): a case without its chain starting with `case.created` (`creation_missing`), a chain
/// row (other than `system`, and not of a case from before) without events
/// (`chain_without_events`). In chain order.
pub fn chains_and_cases_without_events(
    conn: &mut PgConnection,
) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<MissingChain> = diesel::sql_query(
        "SELECT c.id::text AS chain, 'creation_missing' AS reason \
           FROM cases c, audit_signing s \
          WHERE c.created_at >= s.from_time \
            AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.chain_id = c.id::text \
                              AND e.seq = 1 AND e.action = 'case.created') \
         UNION ALL \
         SELECT ch.id AS chain, 'chain_without_events' AS reason \
           FROM audit_chains ch, audit_signing s \
          WHERE ch.id <> 'system' AND ch.head_seq = 0 \
            AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.chain_id = ch.id) \
            AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id::text = ch.id \
                              AND c.created_at < s.from_time) \
         ORDER BY 1",
    )
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.chain, r.reason)).collect())
}

/// The position after which every event is signed (migration 20).
pub fn signed_from(conn: &mut PgConnection) -> QueryResult<i64> {
    use crate::db::schema::audit_signing;
    audit_signing::table
        .select(audit_signing::from_position)
        .first(conn)
}

/// A chain's data key, wrapped (none before its first sealed event, or after erasure).
pub fn chain_data_key(conn: &mut PgConnection, chain_id: &str) -> QueryResult<Option<Vec<u8>>> {
    audit_chains::table
        .find(chain_id)
        .select(audit_chains::data_key)
        .first::<Option<Vec<u8>>>(conn)
        .optional()
        .map(Option::flatten)
}

pub fn insert_event(conn: &mut PgConnection, row: &AuditEventRow) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActorFilter {
    User(Uuid),
    System,
    Public,
}

#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub actor: Option<ActorFilter>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub case_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset cursor: the position of the last event of the previous page.
    pub after_position: Option<i64>,
    pub descending: bool,
    pub limit: i64,
}

/// Which events a read of the log may return. Every query that lists events takes one, so
/// none runs without the access policy: one case's trail (with its proof), the custody
/// events of one document of a case the caller sees, or what the viewer's policy lets them
/// read.
#[derive(Clone, Copy, Debug)]
pub struct EventScope(Scope);

#[derive(Clone, Copy, Debug)]
enum Scope {
    Trail(Uuid),
    Record {
        case_id: Uuid,
        entity_type: &'static str,
        id: Uuid,
    },
    Policy(Viewer),
}

impl EventScope {
    /// The events of a case whose trail the caller may read.
    pub fn trail(trail: &CaseTrail) -> Self {
        Self(Scope::Trail(trail.id()))
    }

    /// The custody events of one document of a case the caller sees (the caller has checked
    /// that they may see the document itself).
    pub fn custody(case: &impl CaseScope, document: Uuid) -> Self {
        Self::record(case, "document", document)
    }

    /// The events of one record of a case the caller sees (the caller has checked that they
    /// may see the record itself).
    pub fn record(case: &impl CaseScope, entity_type: &'static str, id: Uuid) -> Self {
        Self(Scope::Record {
            case_id: case.id(),
            entity_type,
            id,
        })
    }

    /// Every event the viewer's policy lets them read: none of a case whose trail the
    /// policy keeps from them.
    pub fn visible_to(viewer: &Viewer) -> Self {
        Self(Scope::Policy(*viewer))
    }
}

pub fn list(
    conn: &mut PgConnection,
    scope: &EventScope,
    f: &EventFilter,
) -> QueryResult<Vec<AuditEventRow>> {
    use audit_events::dsl as e;
    let mut q = e::audit_events
        .select(AuditEventRow::as_select())
        .into_boxed();
    match scope.0 {
        Scope::Trail(case_id) => q = q.filter(e::case_id.eq(case_id)),
        Scope::Record {
            case_id,
            entity_type,
            id,
        } => {
            q = q
                .filter(e::case_id.eq(case_id))
                .filter(e::entity_type.eq(entity_type))
                .filter(e::entity_id.eq(id.to_string()))
        }
        Scope::Policy(viewer) => q = q.filter(events_visible_to(&viewer)),
    }
    match &f.actor {
        Some(ActorFilter::User(id)) => q = q.filter(e::actor_id.eq(*id)),
        Some(ActorFilter::System) => q = q.filter(e::actor_type.eq("system")),
        Some(ActorFilter::Public) => q = q.filter(e::actor_type.eq("public")),
        None => {}
    }
    if let Some(action) = &f.action {
        q = q.filter(e::action.eq(action.clone()));
    }
    if let Some(t) = &f.entity_type {
        q = q.filter(e::entity_type.eq(t.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(e::entity_id.eq(id.clone()));
    }
    if let Some(case_id) = f.case_id {
        q = q.filter(e::case_id.eq(case_id));
    }
    if let Some(from) = f.from {
        q = q.filter(e::occurred_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(e::occurred_at.lt(to));
    }
    if f.descending {
        if let Some(p) = f.after_position {
            q = q.filter(e::position.lt(p));
        }
        q = q.order(e::position.desc());
    } else {
        if let Some(p) = f.after_position {
            q = q.filter(e::position.gt(p));
        }
        q = q.order(e::position.asc());
    }
    q.limit(f.limit).load(conn)
}

/// Whether a break found by verification, in `chain` at the event stored at `position`
/// (none for a gap), may be shown to `viewer`: the chain is the system chain or one whose
/// case's trail they may read, and the event itself is one they may read. The event's own
/// columns may be what was tampered with, so the chain is judged as well.
pub fn may_show_break(
    conn: &mut PgConnection,
    viewer: &Viewer,
    chain: &str,
    position: Option<i64>,
) -> QueryResult<bool> {
    let chain_case = Uuid::parse_str(chain).ok();
    let chain_readable = match chain_case {
        None => chain == SYSTEM_CHAIN,
        Some(case_id) => diesel::select(diesel::dsl::exists(
            cases::table
                .filter(cases::id.eq(case_id))
                .filter(cases_visible_to(viewer, Purpose::AuditTrail)),
        ))
        .get_result(conn)?,
    };
    match position {
        Some(position) if chain_readable => diesel::select(diesel::dsl::exists(
            audit_events::table
                .filter(audit_events::position.eq(position))
                .filter(events_visible_to(viewer)),
        ))
        .get_result(conn),
        _ => Ok(chain_readable),
    }
}

/// One batch of events in chain order, after `(chain_id, seq)`: verification streams the
/// whole log through this without holding it in memory.
pub fn batch_in_chain_order(
    conn: &mut PgConnection,
    after: Option<(&str, i64)>,
    limit: i64,
) -> QueryResult<Vec<AuditEventRow>> {
    use audit_events::dsl as e;
    let mut q = e::audit_events
        .select(AuditEventRow::as_select())
        .into_boxed();
    if let Some((chain, seq)) = after {
        q = q.filter(
            e::chain_id
                .gt(chain.to_owned())
                .or(e::chain_id.eq(chain.to_owned()).and(e::seq.gt(seq))),
        );
    }
    q.order((e::chain_id.asc(), e::seq.asc()))
        .limit(limit)
        .load(conn)
}

#[derive(QueryableByName)]
struct HeadMismatch {
    #[diesel(sql_type = diesel::sql_types::Text)]
    chain: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    head_seq: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    last_seq: i64,
}

/// The chains whose row's head is not their last event: (chain, head seq, last event's seq),
/// in chain order.
pub fn chains_not_ending_at_their_head(
    conn: &mut PgConnection,
) -> QueryResult<Vec<(String, i64, i64)>> {
    let rows: Vec<HeadMismatch> = diesel::sql_query(
        "SELECT c.id AS chain, c.head_seq, coalesce(last.seq, 0) AS last_seq \
         FROM audit_chains c LEFT JOIN LATERAL (SELECT e.seq, e.hash FROM audit_events e \
           WHERE e.chain_id = c.id ORDER BY e.seq DESC LIMIT 1) last ON true \
         WHERE (c.head_seq, c.head_hash) IS DISTINCT FROM (coalesce(last.seq, 0), coalesce(last.hash, $1)) \
         ORDER BY c.id",
    )
    .bind::<diesel::sql_types::Text, _>(crate::audit::hash::GENESIS_HASH)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.chain, r.head_seq, r.last_seq))
        .collect())
}

/// The head of every chain that has events, as its chain row keeps it (written with each
/// append, under the row's lock), in chain order: one row per chain to read, however long
/// the chains. `audit verify` checks that every chain's events end at that head.
pub fn chain_heads(conn: &mut PgConnection) -> QueryResult<Vec<(String, i64, String)>> {
    audit_chains::table
        .filter(audit_chains::head_seq.gt(0))
        .select((
            audit_chains::id,
            audit_chains::head_seq,
            audit_chains::head_hash,
        ))
        .order(audit_chains::id.asc())
        .load(conn)
}

pub fn find_in_chain(
    conn: &mut PgConnection,
    chain_id: &str,
    seq: i64,
) -> QueryResult<Option<AuditEventRow>> {
    use audit_events::dsl as e;
    e::audit_events
        .filter(e::chain_id.eq(chain_id))
        .filter(e::seq.eq(seq))
        .select(AuditEventRow::as_select())
        .first(conn)
        .optional()
}
