//! Argon2id password hashing. Hashing is slow on purpose, so it runs on the blocking pool and
//! at most `max_concurrent` hashes run at once: a login storm waits its turn instead of taking
//! every core from the other requests.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::config::Argon2Settings;
use crate::domain::Password;
use crate::error::{ApiError, ApiResult};

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when the user does not exist, so an
    /// unknown username takes as long as a wrong password.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(settings: &Argon2Settings) -> Result<Self, String> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| format!("argon2 parameters: {e}"))?;
        let mut random = [0u8; 24];
        getrandom::fill(&mut random).map_err(|e| format!("no randomness: {e}"))?;
        let dummy = hash_with(&params, &hex::encode(random))?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(settings.max_concurrent)),
            dummy_hash: dummy.into(),
        })
    }

    /// Hashes on the calling thread: for the CLI, never for request handlers.
    pub fn hash_blocking(&self, password: &Password) -> Result<String, String> {
        hash_with(&self.params, password.expose())
    }

    pub async fn hash(&self, password: Password) -> ApiResult<String> {
        let _permit = self.permit().await?;
        let params = self.params.clone();
        actix_web::web::block(move || hash_with(&params, password.expose()))
            .await?
            .map_err(|e| ApiError::internal("password hashing failed", e))
    }

    /// Verifies `password` exactly as received against `stored`, or against the dummy hash
    /// when there is no user, so both take the same time. Returns whether it matched.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        let _permit = self.permit().await?;
        let has_user = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matched = actix_web::web::block(move || verify_with(&password, &hash)).await?;
        Ok(has_user && matched)
    }

    async fn permit(&self) -> ApiResult<tokio::sync::SemaphorePermit<'_>> {
        self.permits
            .acquire()
            .await
            .map_err(|_| ApiError::unavailable("The server is shutting down; retry later."))
    }
}

fn argon2(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_with(params: &Params, password: &str) -> Result<String, String> {
    argon2(params)
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("argon2: {e}"))
}

/// The parameters stored in the hash are used, so older hashes keep verifying after the
/// settings change. Anything that is not an argon2 PHC string never matches.
fn verify_with(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2(&Params::default())
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(&Argon2Settings {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: 1,
        })
        .unwrap()
    }

    #[test]
    fn hashes_are_argon2id_with_the_configured_parameters() {
        let h = hasher();
        let pw = Password::new("a long enough passphrase".to_owned(), None).unwrap();
        let hash = h.hash_blocking(&pw).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_with("a long enough passphrase", &hash));
        assert!(!verify_with("a long enough passphrase ", &hash));
        assert!(!verify_with("a long enough passphrase", "not a hash"));
    }
}
