//! Signed checkpoints: the head of every chain, a root hash over them, the time, and an
//! Ed25519 signature. A copy kept outside the database later proves that no chain lost its
//! tail and no checkpointed event was rewritten, even by someone who can write the database.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use diesel::result::QueryResult;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::audit::hash::format_time;
use crate::audit::verify::{BrokenEvent, VerifyReport, verify_log};
use crate::db;

pub const ALGORITHM: &str = "ed25519";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub version: u32,
    pub created_at: DateTime<Utc>,
    /// Every chain's last event, ordered by chain id.
    pub chains: Vec<ChainHead>,
    /// hex SHA-256 over one line `chain \t seq \t hash \n` per chain, in order.
    pub root_hash: String,
    pub algorithm: String,
    /// The Ed25519 public key, base64.
    pub public_key: String,
    /// Ed25519 signature, base64, over `probity-audit-checkpoint-v1\n<created_at>\n<root_hash>\n`
    /// (created_at as RFC 3339 UTC with six fractional digits).
    pub signature: String,
}

pub fn root_hash(chains: &[ChainHead]) -> String {
    let mut hasher = Sha256::new();
    for head in chains {
        hasher.update(format!("{}\t{}\t{}\n", head.chain, head.seq, head.hash).as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn signed_message(created_at: &DateTime<Utc>, root_hash: &str) -> String {
    format!(
        "probity-audit-checkpoint-v1\n{}\n{root_hash}\n",
        format_time(created_at)
    )
}

pub fn create(conn: &mut PgConnection, key: &SigningKey) -> QueryResult<Checkpoint> {
    let chains: Vec<ChainHead> = db::audit::chain_heads(conn)?
        .into_iter()
        .map(|(chain, seq, hash)| ChainHead { chain, seq, hash })
        .collect();
    let created_at = crate::audit::now();
    let root = root_hash(&chains);
    let signature = key.sign(signed_message(&created_at, &root).as_bytes());
    Ok(Checkpoint {
        version: 1,
        created_at,
        chains,
        root_hash: root,
        algorithm: ALGORITHM.to_owned(),
        public_key: BASE64.encode(key.verifying_key().to_bytes()),
        signature: BASE64.encode(signature.to_bytes()),
    })
}

/// The public key the checkpoint names.
pub fn public_key(cp: &Checkpoint) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = BASE64
        .decode(&cp.public_key)
        .map_err(|e| format!("public_key is not base64: {e}"))?
        .try_into()
        .map_err(|_| "public_key is not 32 bytes".to_string())?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| format!("public_key: {e}"))
}

/// Checks that the checkpoint is internally consistent and signed by `key`.
pub fn check_signature(cp: &Checkpoint, key: &VerifyingKey) -> Result<(), String> {
    if cp.version != 1 || cp.algorithm != ALGORITHM {
        return Err(format!(
            "unsupported checkpoint version {} / algorithm {}",
            cp.version, cp.algorithm
        ));
    }
    if BASE64.encode(key.to_bytes()) != cp.public_key {
        return Err(
            "the checkpoint was signed with a different key than the configured one".into(),
        );
    }
    if root_hash(&cp.chains) != cp.root_hash {
        return Err("the checkpoint's root hash does not match its chains".into());
    }
    let sig_bytes: [u8; 64] = BASE64
        .decode(&cp.signature)
        .map_err(|e| format!("signature is not base64: {e}"))?
        .try_into()
        .map_err(|_| "signature is not 64 bytes".to_string())?;
    key.verify(
        signed_message(&cp.created_at, &cp.root_hash).as_bytes(),
        &Signature::from_bytes(&sig_bytes),
    )
    .map_err(|_| "the checkpoint's signature is invalid".to_string())
}

/// Verifies the log, then that every checkpointed head is still in it, unchanged.
pub fn verify_against(
    conn: &mut PgConnection,
    cp: &Checkpoint,
    key: &VerifyingKey,
) -> QueryResult<VerifyReport> {
    let mut report = verify_log(conn, key)?;
    if !report.ok {
        return Ok(report);
    }
    for head in &cp.chains {
        let broken = match db::audit::find_in_chain(conn, &head.chain, head.seq)? {
            None => Some(BrokenEvent {
                chain: head.chain.clone(),
                seq: head.seq,
                event_id: None,
                reason: "missing_event".into(),
            }),
            Some(event) if event.hash != head.hash => Some(BrokenEvent {
                chain: head.chain.clone(),
                seq: head.seq,
                event_id: Some(event.id),
                reason: "checkpoint_mismatch".into(),
            }),
            Some(_) => None,
        };
        if broken.is_some() {
            report.ok = false;
            report.first_broken = broken;
            break;
        }
    }
    Ok(report)
}

/// Where `probity serve` keeps its checkpoints in the document store.
pub const STORE_PREFIX: &str = "audit-checkpoints";

/// The checkpoint's key in the store: its time, so that keys sort as checkpoints were taken.
pub fn store_key(cp: &Checkpoint) -> String {
    format!(
        "{STORE_PREFIX}/{}.json",
        cp.created_at.format("%Y%m%dT%H%M%S%.6fZ")
    )
}

/// Takes a checkpoint and keeps it outside the database: in the document store, and in the
/// log (its time, root hash, number of chains, public key and signature: enough to check a
/// stored copy against). Returns the stored copy's key.
pub async fn write_to_store(state: &crate::state::AppState) -> Result<String, String> {
    let key = state
        .audit_key
        .clone()
        .ok_or("no audit signing key: checkpoints cannot be signed")?;
    let cp = state
        .db
        .transaction_as_system(move |c| Ok(create(c, &key)?))
        .await
        .map_err(|e| e.detail)?;
    let object = store_key(&cp);
    let bytes = serde_json::to_vec_pretty(&cp).map_err(|e| e.to_string())?;
    state.storage.put_bytes(&object, bytes).await?;
    tracing::info!(
        object = %object,
        created_at = %format_time(&cp.created_at),
        root_hash = %cp.root_hash,
        chains = cp.chains.len(),
        public_key = %cp.public_key,
        signature = %cp.signature,
        "audit checkpoint written"
    );
    Ok(object)
}

/// Writes a checkpoint every `every`, for as long as the server runs.
pub fn schedule(state: crate::state::AppState, every: std::time::Duration) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(every);
        // The first tick is immediate: a checkpoint as the server starts.
        loop {
            tick.tick().await;
            if let Err(e) = write_to_store(&state).await {
                tracing::error!(error = %e, "could not write an audit checkpoint");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_root_and_the_time() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let chains = vec![ChainHead {
            chain: "system".into(),
            seq: 3,
            hash: "ab".repeat(32),
        }];
        let created_at = crate::audit::now();
        let root = root_hash(&chains);
        let cp = Checkpoint {
            version: 1,
            created_at,
            chains,
            root_hash: root.clone(),
            algorithm: ALGORITHM.into(),
            public_key: BASE64.encode(key.verifying_key().to_bytes()),
            signature: BASE64.encode(
                key.sign(signed_message(&created_at, &root).as_bytes())
                    .to_bytes(),
            ),
        };
        assert!(check_signature(&cp, &key.verifying_key()).is_ok());

        let mut tampered = cp.clone();
        tampered.chains[0].seq = 2;
        assert!(check_signature(&tampered, &key.verifying_key()).is_err());
        let mut tampered = cp.clone();
        tampered.chains[0].seq = 2;
        tampered.root_hash = root_hash(&tampered.chains);
        assert!(check_signature(&tampered, &key.verifying_key()).is_err());
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert!(check_signature(&cp, &other.verifying_key()).is_err());
    }
}
