//! What every request handler shares.

use std::sync::Arc;

use ed25519_dalek::SigningKey;

use crate::auth::{PasswordHasher, TokenKeys};
use crate::config::Settings;
use crate::db::Db;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub hasher: PasswordHasher,
    pub tokens: TokenKeys,
    pub audit_key: Option<SigningKey>,
    /// The keys audit events are written with (sealing, signing).
    pub audit_keys: crate::audit::AuditKeys,
    pub storage: Storage,
    /// Whether the server is shutting down (`http::shutdown`).
    pub shutdown: crate::http::shutdown::Shutdown,
}

impl AppState {
    pub fn new(settings: Settings, db: Db) -> Result<Self, String> {
        let hasher = PasswordHasher::new(&settings.auth.argon2)?;
        let tokens = TokenKeys::new(&settings.auth);
        let audit_key = settings
            .audit_signing_key
            .map(|seed| SigningKey::from_bytes(&seed));
        let storage = Storage::from_settings(&settings)?;
        let audit_keys = crate::audit::AuditKeys::from_settings(&settings);
        Ok(Self {
            settings: Arc::new(settings),
            db,
            hasher,
            tokens,
            audit_key,
            audit_keys,
            storage,
            shutdown: crate::http::shutdown::Shutdown::default(),
        })
    }
}
