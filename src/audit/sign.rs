//! Every audit event is signed (Ed25519, the audit signing key) over its hash, which covers
//! the previous event's hash: someone who can write the database but has not the key cannot
//! add, alter or reorder an event without `probity audit verify` naming it. Verifying needs
//! only the public key.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

const TAG: &str = "probity-audit-event-v1";

fn message(hash: &str) -> String {
    format!("{TAG}\n{hash}\n")
}

/// The signature of the event whose hash is `hash`.
pub fn sign(key: &SigningKey, hash: &str) -> Vec<u8> {
    key.sign(message(hash).as_bytes()).to_bytes().to_vec()
}

/// Whether `signature` is the key's signature of the event whose hash is `hash`.
pub fn is_valid(key: &VerifyingKey, hash: &str, signature: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    key.verify(message(hash).as_bytes(), &Signature::from_bytes(&bytes))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_for_its_hash_and_key_only() {
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let other = SigningKey::from_bytes(&[4u8; 32]);
        let sig = sign(&key, "abc");
        assert!(is_valid(&key.verifying_key(), "abc", &sig));
        assert!(!is_valid(&key.verifying_key(), "abd", &sig));
        assert!(!is_valid(&other.verifying_key(), "abc", &sig));
        assert!(!is_valid(&key.verifying_key(), "abc", &sig[..10]));
    }
}
