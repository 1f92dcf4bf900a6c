//! Verifies the audit log: every hash recomputed, every `prev_hash` link followed, every
//! chain's sequence gapless from 1. The log is streamed in batches, never loaded whole.

use diesel::PgConnection;
use diesel::result::QueryResult;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use ed25519_dalek::VerifyingKey;

use crate::audit::hash::{GENESIS_HASH, event_hash};
use crate::audit::sign;
use crate::db;
use crate::db::models::AuditEventRow;
use crate::domain::Viewer;

const BATCH: i64 = 2_000;

/// The first event found broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BrokenEvent {
    pub chain: String,
    /// The sequence number where the chain breaks.
    pub seq: i64,
    /// The event at that place, if there is one (a gap or a cut tail has none).
    pub event_id: Option<Uuid>,
    /// `hash_mismatch`, `prev_hash_mismatch`, `signature_missing` or `signature_invalid` (an
    /// event written without the audit signing key), `time_reversed` (an event earlier than
    /// the one before it in its chain), `sequence_gap`, `creation_missing` (a case without its
    /// chain, or whose chain does not start with its creation), `chain_without_events`,
    /// `head_mismatch` (the chain's
    /// events do not end where its last append left it: events cut from its end, or written
    /// past the application), `missing_event` (a checkpointed event is gone) or
    /// `checkpoint_mismatch` (it differs from the checkpoint).
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VerifyReport {
    /// Whether the whole log is intact, every chain included.
    pub ok: bool,
    pub chains_checked: u64,
    pub events_checked: u64,
    /// The first break the caller may see. Null when `ok` is true, and also when every break
    /// is in the trail of a case the caller may not read (then `ok` is still false).
    pub first_broken: Option<BrokenEvent>,
}

struct ChainCursor {
    chain: String,
    expected_seq: i64,
    prev_hash: String,
    /// When the previous event happened: a chain's events never go back in time (each is
    /// timed under its chain's lock).
    prev_time: Option<chrono::DateTime<chrono::Utc>>,
    /// Broken at a place the caller may not see: the rest of the chain is not reported.
    hidden_break: bool,
}

/// Verifies the whole log and names its first break (the command line, checkpoints), with
/// the audit signing key's public half.
pub fn verify_log(conn: &mut PgConnection, key: &VerifyingKey) -> QueryResult<VerifyReport> {
    verify(conn, key, |_, _, _| Ok(true))
}

/// Verifies the whole log for `viewer`: `ok` says whether anything is broken anywhere, but
/// `first_broken` names only a break in a chain and at an event the policy lets them read
/// (an auditor linked to a subject learns nothing of that case's trail from it).
pub fn verify_log_for(
    conn: &mut PgConnection,
    viewer: &Viewer,
    key: &VerifyingKey,
) -> QueryResult<VerifyReport> {
    verify(conn, key, |c, chain, position| {
        db::audit::may_show_break(c, viewer, chain, position)
    })
}

/// `shown(conn, chain, position)` says whether a break in `chain` at the event stored at
/// `position` (none for a gap) may be named.
fn verify(
    conn: &mut PgConnection,
    key: &VerifyingKey,
    mut shown: impl FnMut(&mut PgConnection, &str, Option<i64>) -> QueryResult<bool>,
) -> QueryResult<VerifyReport> {
    // Events after this position were written signed; an unsigned one was written past the
    // application.
    let signed_from = db::audit::signed_from(conn)?;
    let mut report = VerifyReport {
        ok: true,
        chains_checked: 0,
        events_checked: 0,
        first_broken: None,
    };
    let mut cursor: Option<ChainCursor> = None;
    let mut after: Option<(String, i64)> = None;
    loop {
        let batch = db::audit::batch_in_chain_order(
            conn,
            after.as_ref().map(|(c, s)| (c.as_str(), *s)),
            BATCH,
        )?;
        let Some(last) = batch.last() else { break };
        after = Some((last.chain_id.clone(), last.seq));
        for event in &batch {
            if cursor.as_ref().is_none_or(|c| c.chain != event.chain_id) {
                report.chains_checked += 1;
                cursor = Some(ChainCursor {
                    chain: event.chain_id.clone(),
                    expected_seq: 1,
                    prev_hash: GENESIS_HASH.to_owned(),
                    prev_time: None,
                    hidden_break: false,
                });
            }
            report.events_checked += 1;
            let Some(c) = cursor.as_mut() else { continue };
            if c.hidden_break {
                continue;
            }
            if let Some(broken) = check_event(c, event)
                .or_else(|| check_signature(key, signed_from, event))
                .or_else(|| check_time(c, event))
            {
                report.ok = false;
                let position = broken.event_id.map(|_| event.position);
                if shown(conn, &broken.chain, position)? {
                    report.first_broken = Some(broken);
                    return Ok(report);
                }
                c.hidden_break = true;
            }
        }
    }
    // A case since events are signed has its chain, from its creation event; a chain row
    // has its events.
    for (chain, reason) in db::audit::chains_and_cases_without_events(conn)? {
        report.ok = false;
        if report.first_broken.is_none() && shown(conn, &chain, None)? {
            report.first_broken = Some(BrokenEvent {
                chain,
                seq: 1,
                event_id: None,
                reason,
            });
        }
    }
    // Each chain row keeps the head its last append left: a chain whose events end
    // elsewhere lost its last events (or the whole chain), or had events written past the
    // application.
    for (chain, head_seq, last_seq) in db::audit::chains_not_ending_at_their_head(conn)? {
        report.ok = false;
        if report.first_broken.is_none() && shown(conn, &chain, None)? {
            report.first_broken = Some(BrokenEvent {
                chain,
                seq: head_seq.min(last_seq) + 1,
                event_id: None,
                reason: "head_mismatch".to_owned(),
            });
        }
    }
    Ok(report)
}

fn check_signature(
    key: &VerifyingKey,
    signed_from: i64,
    event: &AuditEventRow,
) -> Option<BrokenEvent> {
    if event.position <= signed_from {
        return None;
    }
    let reason = match &event.signature {
        None => "signature_missing",
        Some(sig) if !sign::is_valid(key, &event.hash, sig) => "signature_invalid",
        Some(_) => return None,
    };
    Some(BrokenEvent {
        chain: event.chain_id.clone(),
        seq: event.seq,
        event_id: Some(event.id),
        reason: reason.to_owned(),
    })
}

fn check_time(c: &mut ChainCursor, event: &AuditEventRow) -> Option<BrokenEvent> {
    let earlier = c.prev_time.is_some_and(|t| event.occurred_at < t);
    c.prev_time = Some(event.occurred_at);
    earlier.then(|| BrokenEvent {
        chain: event.chain_id.clone(),
        seq: event.seq,
        event_id: Some(event.id),
        reason: "time_reversed".to_owned(),
    })
}

fn check_event(c: &mut ChainCursor, event: &AuditEventRow) -> Option<BrokenEvent> {
    let broken = |seq: i64, id: Option<Uuid>, reason: &str| BrokenEvent {
        chain: event.chain_id.clone(),
        seq,
        event_id: id,
        reason: reason.to_owned(),
    };
    if event.seq != c.expected_seq {
        return Some(broken(c.expected_seq, None, "sequence_gap"));
    }
    if event.prev_hash != c.prev_hash {
        return Some(broken(event.seq, Some(event.id), "prev_hash_mismatch"));
    }
    if event_hash(event) != event.hash {
        return Some(broken(event.seq, Some(event.id), "hash_mismatch"));
    }
    c.expected_seq += 1;
    c.prev_hash = event.hash.clone();
    None
}
