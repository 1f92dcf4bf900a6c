//! What an audit event says of people and in their words, sealed: events keep in clear only
//! what an auditor needs (who, what, when, from where, which entity, which fields changed,
//! and values that are codes, ids, counts or dates of the process); every other value is
//! replaced by a keyed fingerprint, and the values themselves are encrypted with a key of
//! the event's chain (each case's chain has its own) and kept beside the event.
//!
//! - A chain key is 32 random bytes, created with the chain's first sealed event and stored
//!   on the chain row wrapped (AES-256-GCM) by the master key `PROBITY_DATA_KEY`, which is
//!   never stored in the database. Erasing a chain's key (retention) makes every sealed value
//!   of that case unreadable for good, in every event and every record history, while every
//!   chain still verifies: the event hash covers the ciphertext, not the values.
//! - Sealed values: AES-256-GCM under the chain key, a random 96-bit nonce, the event's id as
//!   associated data (a sealed blob moved to another event does not open).
//! - A fingerprint is `hmac:` and the hex HMAC-SHA256 of the value's canonical JSON under a
//!   key derived from the chain key: two events can be shown to record the same value, and a
//!   low-entropy value (a date of birth, a phone number) cannot be guessed from it without
//!   the key; after erasure, not at all.
//!
//! Which fields stay in clear is a list kept here ([`is_clear`]); any other field is sealed,
//! so a new field is private until someone decides otherwise.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use uuid::Uuid;

/// Fields whose values are codes, ids, flags, counts or dates of the process: kept in clear.
/// Never a name, a contact detail, a date of birth or anything a person wrote.
const CLEAR_FIELDS: &[&str] = &[
    // ids
    "case_id",
    "subject_id",
    "subject_ids",
    "proceeding_id",
    "supersedes_id",
    "superseded_by",
    "corrects_id",
    "assigned_investigator_id",
    "assignee_id",
    "approved_by",
    "session_id",
    "members",
    "reference",
    // codes and flags
    "state",
    "suspended_from",
    "closure_reason",
    "kind",
    "status",
    "category",
    "source",
    "role",
    "standard",
    "finding",
    "list",
    "codes",
    "warning_signs",
    "restricted",
    "active",
    "sensitive",
    "public",
    "anonymous",
    "consent_to_contact",
    "reporter_is_affected",
    "content_type",
    // why a login or password change failed: a code (`wrong_password`, `locked`, ...)
    "failure",
    // what a lock applies to: `address` (one client address) or `account`
    "scope",
    // the bytes of a document a download asked for
    "range",
    // a document's content digest: its custody record (a file, not a guessable value)
    "sha256",
    "session_revoked",
    "other_sessions_revoked",
    // counts and dates of the process
    "count",
    "size_bytes",
    "failed_logins",
    "locked_until",
    // failed logins for unknown usernames from one address, and the window they fell in
    "attempts",
    "from",
    "to",
    "due_on",
    "due_by",
    "decided_on",
    "reported_on",
    "scheduled_for",
    "received_at",
    "came_to_attention_at",
    "publish_from",
    "publish_until",
    "conduct_from",
    "conduct_to",
];

/// Whether `field` stays in clear in an event.
pub fn is_clear(field: &str) -> bool {
    CLEAR_FIELDS.contains(&field)
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("PROBITY_DATA_KEY is not set: events that hold personal data cannot be written")]
    NoMasterKey,
    #[error(
        "a chain key does not open with the master key (is PROBITY_DATA_KEY the one it was made with?)"
    )]
    Unwrap,
    #[error("a sealed value does not open with its chain key")]
    Open,
    #[error("no randomness: {0}")]
    Random(String),
}

/// The master key, from `PROBITY_DATA_KEY`: it wraps the chain keys.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }

    /// `nonce || ciphertext` of the chain key, bound to the chain's id.
    pub fn wrap(&self, chain: &str, key: &ChainKey) -> Result<Vec<u8>, SealError> {
        encrypt(&self.cipher(), chain.as_bytes(), &key.0)
    }

    pub fn unwrap(&self, chain: &str, wrapped: &[u8]) -> Result<ChainKey, SealError> {
        let bytes =
            decrypt(&self.cipher(), chain.as_bytes(), wrapped).map_err(|_| SealError::Unwrap)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::Unwrap)?;
        Ok(ChainKey(key))
    }
}

/// One chain's data key.
pub struct ChainKey([u8; 32]);

impl ChainKey {
    pub fn generate() -> Result<Self, SealError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| SealError::Random(e.to_string()))?;
        Ok(Self(key))
    }

    fn fingerprint_key(&self) -> Hmac<Sha256> {
        let mut derive =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        derive.update(b"probity fingerprint v1");
        let key = derive.finalize().into_bytes();
        <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes a key of any length")
    }

    /// `hmac:<hex>` of the value's canonical JSON.
    pub fn fingerprint(&self, value: &Value) -> String {
        let mut mac = self.fingerprint_key();
        mac.update(super::hash::canonical_json(value).as_bytes());
        format!("hmac:{}", hex::encode(mac.finalize().into_bytes()))
    }

    /// `nonce || ciphertext` of `plain`, bound to the event `id`.
    pub fn seal(&self, id: Uuid, plain: &[u8]) -> Result<Vec<u8>, SealError> {
        encrypt(&Aes256Gcm::new(&self.0.into()), id.as_bytes(), plain)
    }

    pub fn open(&self, id: Uuid, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        decrypt(&Aes256Gcm::new(&self.0.into()), id.as_bytes(), sealed)
    }
}

fn encrypt(cipher: &Aes256Gcm, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, SealError> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
    let mut out = nonce.to_vec();
    let ciphertext = cipher
        .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad })
        .map_err(|_| SealError::Random("encryption failed".into()))?;
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

fn decrypt(cipher: &Aes256Gcm, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.len() < 12 {
        return Err(SealError::Open);
    }
    let (nonce, ciphertext) = sealed.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| SealError::Open)?;
    cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map_err(|_| SealError::Open)
}

/// An event's `before` and `after` split: what stays in clear (with fingerprints in place of
/// the sealed values) and the sealed values themselves (`{"before": {...}, "after": {...}}`),
/// if there are any.
pub struct Split {
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sealed: Option<Value>,
}

/// Splits `before` and `after` (objects; anything else is sealed whole under the key `value`).
pub fn split(key: Option<&ChainKey>, before: Option<Value>, after: Option<Value>) -> Split {
    let mut sealed = Map::new();
    let mut side = |name: &str, value: Option<Value>| -> Option<Value> {
        let value = value?;
        let object = match value {
            Value::Object(map) => map,
            other => Map::from_iter([("value".to_owned(), other)]),
        };
        let mut clear = Map::new();
        let mut hidden = Map::new();
        for (field, v) in object {
            if is_clear(&field) || v.is_null() {
                clear.insert(field, v);
            } else {
                let shown = key.map_or(Value::Null, |k| Value::String(k.fingerprint(&v)));
                clear.insert(field.clone(), shown);
                hidden.insert(field, v);
            }
        }
        if !hidden.is_empty() {
            sealed.insert(name.to_owned(), Value::Object(hidden));
        }
        Some(Value::Object(clear))
    };
    let before = side("before", before);
    let after = side("after", after);
    Split {
        before,
        after,
        sealed: (!sealed.is_empty()).then_some(Value::Object(sealed)),
    }
}

/// Puts sealed values back into `clear` (one side of an event, as stored).
pub fn merge(clear: Option<&Value>, opened: Option<&Value>) -> Option<Value> {
    let mut out = clear.cloned()?;
    if let (Value::Object(map), Some(Value::Object(values))) = (&mut out, opened) {
        for (field, v) in values {
            map.insert(field.clone(), v.clone());
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_data_and_free_text_leave_the_clear_side_as_fingerprints() {
        let key = ChainKey::generate().unwrap();
        let s = split(
            Some(&key),
            None,
            Some(
                json!({"role": "victim", "name": "Ada Lovelace", "phone": "07700 900123", "email": null}),
            ),
        );
        let after = s.after.unwrap();
        assert_eq!(after["role"], "victim");
        assert_eq!(after["email"], Value::Null);
        assert!(after["name"].as_str().unwrap().starts_with("hmac:"));
        assert!(!after.to_string().contains("Ada"));
        assert!(!after.to_string().contains("07700"));
        assert_eq!(s.sealed.unwrap()["after"]["name"], "Ada Lovelace");
    }

    #[test]
    fn a_fingerprint_is_keyed_and_stable_under_one_key() {
        let a = ChainKey::generate().unwrap();
        let b = ChainKey::generate().unwrap();
        let v = json!("1 January 1990");
        assert_eq!(a.fingerprint(&v), a.fingerprint(&v));
        assert_ne!(a.fingerprint(&v), b.fingerprint(&v));
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_their_event() {
        let master = MasterKey::new([7u8; 32]);
        let key = ChainKey::generate().unwrap();
        let wrapped = master.wrap("chain-a", &key).unwrap();
        assert!(master.unwrap("chain-b", &wrapped).is_err());
        let key = master.unwrap("chain-a", &wrapped).unwrap();
        let id = Uuid::new_v4();
        let sealed = key.seal(id, b"secret").unwrap();
        assert_eq!(key.open(id, &sealed).unwrap(), b"secret");
        assert!(key.open(Uuid::new_v4(), &sealed).is_err());
        assert!(
            MasterKey::new([8u8; 32])
                .unwrap("chain-a", &wrapped)
                .is_err()
        );
    }
}
