//! Access tokens: short-lived JWTs, HS256 only, every registered claim validated. They carry
//! the session id, so the per-request check can refuse a token whose session has ended.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::AuthSettings;

const ALGORITHM: Algorithm = Algorithm::HS256;
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub sid: Uuid,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl TokenKeys {
    pub fn new(settings: &AuthSettings) -> Self {
        // The one backend this build compiles; installing it makes the choice explicit
        // rather than inferred. An error only means it was installed already.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[&settings.jwt_issuer]);
        validation.set_audience(&[&settings.jwt_audience]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "iat", "nbf", "exp"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Self {
            encoding: EncodingKey::from_secret(&settings.jwt_secret),
            decoding: DecodingKey::from_secret(&settings.jwt_secret),
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl_secs: settings.access_token_ttl.as_secs(),
        }
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    pub fn issue(&self, user_id: Uuid, session_id: Uuid) -> Result<String, String> {
        let now = now_secs();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id,
            sid: session_id,
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
        };
        jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(|e| format!("signing access token: {e}"))
    }

    /// Checks signature, algorithm, issuer, audience, expiry, not-before and issued-at.
    pub fn validate(&self, token: &str) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        // A token issued in the future was not issued by this server's clock.
        (claims.iat <= now_secs() + LEEWAY_SECS).then_some(claims)
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Argon2Settings, AuthSettings};
    use std::time::Duration;

    fn settings(secret: &str, issuer: &str) -> AuthSettings {
        AuthSettings {
            jwt_secret: secret.as_bytes().to_vec(),
            jwt_issuer: issuer.to_owned(),
            jwt_audience: "probity-api".to_owned(),
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(3600),
            lockout_threshold: 5,
            lockout_account_threshold: 50,
            lockout_duration: Duration::from_secs(900),
            login_limit: 20,
            login_window_secs: 60,
            argon2: Argon2Settings {
                memory_kib: 8,
                iterations: 1,
                parallelism: 1,
                max_concurrent: 1,
            },
        }
    }

    #[test]
    fn round_trip_and_rejections() {
        let keys = TokenKeys::new(&settings("0123456789abcdef0123456789abcdef", "probity"));
        let (user, session) = (Uuid::new_v4(), Uuid::new_v4());
        let token = keys.issue(user, session).unwrap();
        let claims = keys.validate(&token).unwrap();
        assert_eq!((claims.sub, claims.sid), (user, session));
        assert_eq!(claims.exp - claims.iat, 900);

        let other_secret = TokenKeys::new(&settings("fedcba9876543210fedcba9876543210", "probity"));
        assert!(other_secret.validate(&token).is_none());
        let other_issuer =
            TokenKeys::new(&settings("0123456789abcdef0123456789abcdef", "elsewhere"));
        assert!(other_issuer.validate(&token).is_none());
        assert!(keys.validate("not.a.token").is_none());
    }

    #[test]
    fn the_none_algorithm_and_other_algorithms_are_refused() {
        let keys = TokenKeys::new(&settings("0123456789abcdef0123456789abcdef", "probity"));
        let token = keys.issue(Uuid::new_v4(), Uuid::new_v4()).unwrap();
        let mut parts = token.split('.');
        let (_, payload) = (parts.next().unwrap(), parts.next().unwrap());
        use base64::Engine;
        let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert!(
            keys.validate(&format!("{none_header}.{payload}."))
                .is_none()
        );
        let hs512 = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"HS512","typ":"JWT"}"#);
        assert!(keys.validate(&format!("{hs512}.{payload}.AAAA")).is_none());
    }
}
