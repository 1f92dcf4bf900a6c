//! Settings, read from the environment (and a `.env` file if present). Every setting is
//! documented in the README and `.env.example`; every number from the domain brief is a
//! setting with that default rather than a literal in the code.

use std::env;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use base64::Engine;

use crate::domain::calendar::Calendar;
use crate::domain::deadlines::ReportSchedule;
use base64::engine::general_purpose::STANDARD as BASE64;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/probity";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
#[error("setting {name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(name: &'static str, message: impl Into<String>) -> Self {
        Self {
            name,
            message: message.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pretty" => Ok(Self::Pretty),
            "json" => Ok(Self::Json),
            other => Err(format!("expected `pretty` or `json`, got `{other}`")),
        }
    }
}

#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
    /// How long `/readyz` waits for the database before answering 503.
    pub readyz_timeout: Duration,
    /// The statement timeout of lists and searches.
    pub list_statement_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// How many hashes may be computed at once; the rest wait, so a login storm cannot take
    /// every core from the other requests.
    pub max_concurrent: usize,
}

#[derive(Clone)]
pub struct AuthSettings {
    pub jwt_secret: Vec<u8>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Failed logins of an account from one client address that lock it for that address.
    pub lockout_threshold: i32,
    /// Failed logins of an account from anywhere that lock it everywhere.
    pub lockout_account_threshold: i32,
    pub lockout_duration: Duration,
    /// Login attempts per client address per window; past it, 429 before any password is
    /// checked.
    pub login_limit: i32,
    pub login_window_secs: u32,
    pub argon2: Argon2Settings,
}

// Never print the secret.
impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"<redacted>")
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("lockout_threshold", &self.lockout_threshold)
            .field("lockout_account_threshold", &self.lockout_account_threshold)
            .field("lockout_duration", &self.lockout_duration)
            .field("login_limit", &self.login_limit)
            .field("login_window_secs", &self.login_window_secs)
            .field("argon2", &self.argon2)
            .finish()
    }
}

/// A force's own S3-compatible bucket for documents. Credentials come from the standard
/// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` variables.
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    /// e.g. `https://s3.eu-west-2.amazonaws.com` or a MinIO address.
    pub endpoint: Option<String>,
    pub region: Option<String>,
}

/// The casework rules' numbers, from the domain brief.
#[derive(Clone, Debug)]
pub struct CaseworkSettings {
    /// Prior allegations (in other cases, within the window) that flag a subject.
    pub early_warning_threshold: i64,
    pub early_warning_window_months: u32,
    pub report_schedule: ReportSchedule,
    pub calendar: Calendar,
    /// Working days a public hearing's notice must be published before the hearing.
    pub hearing_notice_working_days: u32,
    /// Days an outcome stays published, at least.
    pub outcome_publication_days: u32,
    /// Working days after a dismissal within which the barred list must be told.
    pub barred_list_working_days: u32,
    /// How long a final written warning stays live.
    pub final_warning_months: u32,
    /// Public reports accepted per client address per window.
    pub public_report_limit: i32,
    pub public_report_window_secs: u32,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub dev: bool,
    pub bind: String,
    pub workers: Option<usize>,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    /// 32-byte Ed25519 seed that signs audit checkpoints; `None` only when the caller does
    /// not sign (the CLI's verify without a checkpoint).
    pub audit_signing_key: Option<[u8; 32]>,
    /// The audit signing key's public half, pinned for verification
    /// (`PROBITY_AUDIT_PUBLIC_KEY`): `audit verify` needs only this.
    pub audit_public_key: Option<[u8; 32]>,
    /// How often `probity serve` writes a signed checkpoint to the document store and the
    /// log (`PROBITY_AUDIT_CHECKPOINT_INTERVAL_SECS`, default 300; 0 turns it off).
    pub audit_checkpoint_interval: Option<Duration>,
    /// The master key that wraps each audit chain's data key (`PROBITY_DATA_KEY`, 32 bytes,
    /// base64): personal data and free text in audit events are sealed under it
    /// (`audit::seal`). `None` only for commands that write no such event.
    pub data_key: Option<crate::audit::seal::MasterKey>,
    pub body_limit_bytes: usize,
    /// Where documents are stored, and the largest accepted.
    pub documents_dir: String,
    pub document_max_bytes: u64,
    /// S3-compatible storage instead of the directory, when a bucket is named.
    pub s3: Option<S3Settings>,
    pub casework: CaseworkSettings,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// How long requests in flight may run on after the server is told to stop; those still
    /// running then are answered 503.
    pub shutdown_grace: Duration,
    /// How many reverse proxies in front of the server append to `X-Forwarded-For`: the
    /// client address is the entry the outermost of them appended (0: the peer address).
    pub trusted_proxies: usize,
}

/// What the caller needs from the settings: serving needs every secret, the CLI's other
/// commands need only the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Serve { dev: bool },
    Cli,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env(purpose: Purpose) -> Result<Self, ConfigError> {
        Self::from_lookup(purpose, |name| env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(
        purpose: Purpose,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let dev = matches!(purpose, Purpose::Serve { dev: true });
        let serving = matches!(purpose, Purpose::Serve { .. });

        let jwt_secret = match get("PROBITY_JWT_SECRET") {
            Some(s) if s.len() >= MIN_JWT_SECRET_BYTES => s.into_bytes(),
            Some(_) => {
                return Err(ConfigError::new(
                    "PROBITY_JWT_SECRET",
                    format!("must be at least {MIN_JWT_SECRET_BYTES} bytes"),
                ));
            }
            None if dev || !serving => random_bytes(32)?,
            None => {
                return Err(ConfigError::new(
                    "PROBITY_JWT_SECRET",
                    "is not set: set a random secret of at least 32 bytes \
                     (for example `openssl rand -base64 48`), or run `probity serve --dev` \
                     for an ephemeral one on a development machine",
                ));
            }
        };

        let audit_signing_key = match get("PROBITY_AUDIT_SIGNING_KEY") {
            Some(s) => Some(parse_signing_key(&s)?),
            None if dev => {
                let bytes = random_bytes(32)?;
                let mut key = [0u8; 32];
                key.copy_from_slice(&bytes);
                Some(key)
            }
            None if serving => {
                return Err(ConfigError::new(
                    "PROBITY_AUDIT_SIGNING_KEY",
                    "is not set: set 32 random bytes, base64-encoded \
                     (for example `openssl rand -base64 32`), or run `probity serve --dev`",
                ));
            }
            None => None,
        };

        let audit_public_key = get("PROBITY_AUDIT_PUBLIC_KEY")
            .map(|s| parse_key("PROBITY_AUDIT_PUBLIC_KEY", &s))
            .transpose()?;

        let data_key = match get("PROBITY_DATA_KEY") {
            Some(s) => Some(crate::audit::seal::MasterKey::new(parse_key(
                "PROBITY_DATA_KEY",
                &s,
            )?)),
            // Ephemeral, like the other secrets in dev mode: what was sealed under it does
            // not open after a restart.
            None if dev => {
                let bytes = random_bytes(32)?;
                let mut key = [0u8; 32];
                key.copy_from_slice(&bytes);
                Some(crate::audit::seal::MasterKey::new(key))
            }
            None if serving => {
                return Err(ConfigError::new(
                    "PROBITY_DATA_KEY",
                    "is not set: set 32 random bytes, base64-encoded \
                     (for example `openssl rand -base64 32`), and keep them outside the \
                     database: without them nothing sealed in the audit log can be read; \
                     or run `probity serve --dev`",
                ));
            }
            None => None,
        };

        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let log_format_default = if dev {
            LogFormat::Pretty
        } else {
            LogFormat::Json
        };

        Self {
            dev,
            bind: get("PROBITY_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            workers: parse_opt(&get, "PROBITY_WORKERS")?,
            database: DatabaseSettings {
                url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
                pool_size: parse_or(&get, "PROBITY_DB_POOL_SIZE", 10)?,
                acquire_timeout: Duration::from_millis(parse_or(
                    &get,
                    "PROBITY_DB_ACQUIRE_TIMEOUT_MS",
                    3000,
                )?),
                statement_timeout: Duration::from_millis(parse_or(
                    &get,
                    "PROBITY_DB_STATEMENT_TIMEOUT_MS",
                    15_000,
                )?),
                readyz_timeout: Duration::from_millis(parse_or(
                    &get,
                    "PROBITY_READYZ_TIMEOUT_MS",
                    2000,
                )?),
                list_statement_timeout: Duration::from_millis(parse_or(
                    &get,
                    "PROBITY_DB_LIST_STATEMENT_TIMEOUT_MS",
                    5000,
                )?),
            },
            auth: AuthSettings {
                jwt_secret,
                jwt_issuer: get("PROBITY_JWT_ISSUER").unwrap_or_else(|| "probity".to_owned()),
                jwt_audience: get("PROBITY_JWT_AUDIENCE")
                    .unwrap_or_else(|| "probity-api".to_owned()),
                access_token_ttl: Duration::from_secs(parse_or(
                    &get,
                    "PROBITY_ACCESS_TOKEN_TTL_SECS",
                    900,
                )?),
                refresh_token_ttl: Duration::from_secs(parse_or(
                    &get,
                    "PROBITY_REFRESH_TOKEN_TTL_SECS",
                    43_200,
                )?),
                lockout_threshold: parse_or(&get, "PROBITY_LOCKOUT_THRESHOLD", 5)?,
                lockout_account_threshold: parse_or(&get, "PROBITY_LOCKOUT_ACCOUNT_THRESHOLD", 50)?,
                lockout_duration: Duration::from_secs(parse_or(
                    &get,
                    "PROBITY_LOCKOUT_DURATION_SECS",
                    900,
                )?),
                login_limit: parse_or(&get, "PROBITY_LOGIN_LIMIT", 20)?,
                login_window_secs: parse_or(&get, "PROBITY_LOGIN_WINDOW_SECS", 60)?,
                argon2: Argon2Settings {
                    memory_kib: parse_or(&get, "PROBITY_ARGON2_MEMORY_KIB", 19_456)?,
                    iterations: parse_or(&get, "PROBITY_ARGON2_ITERATIONS", 2)?,
                    parallelism: parse_or(&get, "PROBITY_ARGON2_PARALLELISM", 1)?,
                    max_concurrent: parse_or(
                        &get,
                        "PROBITY_ARGON2_MAX_CONCURRENT",
                        cpus.saturating_sub(1).max(1),
                    )?,
                },
            },
            audit_signing_key,
            audit_public_key,
            audit_checkpoint_interval: match parse_or(
                &get,
                "PROBITY_AUDIT_CHECKPOINT_INTERVAL_SECS",
                300u64,
            )? {
                0 => None,
                secs => Some(Duration::from_secs(secs)),
            },
            data_key,
            body_limit_bytes: parse_or(&get, "PROBITY_BODY_LIMIT_BYTES", 1024 * 1024)?,
            documents_dir: get("PROBITY_DOCUMENTS_DIR")
                .unwrap_or_else(|| "probity-documents".to_owned()),
            document_max_bytes: parse_or(&get, "PROBITY_DOCUMENT_MAX_BYTES", 100 * 1024 * 1024)?,
            s3: get("PROBITY_S3_BUCKET").map(|bucket| S3Settings {
                bucket,
                endpoint: get("PROBITY_S3_ENDPOINT"),
                region: get("PROBITY_S3_REGION"),
            }),
            casework: CaseworkSettings {
                early_warning_threshold: parse_or(&get, "PROBITY_EARLY_WARNING_THRESHOLD", 1)?,
                early_warning_window_months: parse_or(
                    &get,
                    "PROBITY_EARLY_WARNING_WINDOW_MONTHS",
                    12,
                )?,
                report_schedule: ReportSchedule {
                    first_months: parse_or(&get, "PROBITY_REPORT_FIRST_MONTHS", 12)?,
                    repeat_months: parse_or(&get, "PROBITY_REPORT_REPEAT_MONTHS", 6)?,
                },
                calendar: match get("PROBITY_BANK_HOLIDAYS") {
                    Some(list) => Calendar::parse(&list)
                        .map_err(|e| ConfigError::new("PROBITY_BANK_HOLIDAYS", e))?,
                    None => Calendar::england_and_wales(),
                },
                hearing_notice_working_days: parse_or(
                    &get,
                    "PROBITY_HEARING_NOTICE_WORKING_DAYS",
                    5,
                )?,
                outcome_publication_days: parse_or(&get, "PROBITY_OUTCOME_PUBLICATION_DAYS", 28)?,
                barred_list_working_days: parse_or(&get, "PROBITY_BARRED_LIST_WORKING_DAYS", 5)?,
                final_warning_months: parse_or(&get, "PROBITY_FINAL_WARNING_MONTHS", 18)?,
                public_report_limit: parse_or(&get, "PROBITY_PUBLIC_REPORT_LIMIT", 10)?,
                public_report_window_secs: parse_or(
                    &get,
                    "PROBITY_PUBLIC_REPORT_WINDOW_SECS",
                    3600,
                )?,
            },
            log_format: parse_or(&get, "PROBITY_LOG_FORMAT", log_format_default)?,
            log_filter: get("PROBITY_LOG").unwrap_or_else(|| "info".to_owned()),
            trusted_proxies: trusted_proxies(&get)?,
            shutdown_grace: Duration::from_secs(parse_or(&get, "PROBITY_SHUTDOWN_GRACE_SECS", 30)?),
        }
        .validated()
    }

    fn validated(self) -> Result<Self, ConfigError> {
        if self.database.pool_size == 0 {
            return Err(ConfigError::new(
                "PROBITY_DB_POOL_SIZE",
                "must be at least 1",
            ));
        }
        if self.auth.lockout_threshold < 1 {
            return Err(ConfigError::new(
                "PROBITY_LOCKOUT_THRESHOLD",
                "must be at least 1",
            ));
        }
        if self.auth.lockout_account_threshold < self.auth.lockout_threshold {
            return Err(ConfigError::new(
                "PROBITY_LOCKOUT_ACCOUNT_THRESHOLD",
                "must be at least PROBITY_LOCKOUT_THRESHOLD",
            ));
        }
        if self.auth.login_limit < 1 {
            return Err(ConfigError::new(
                "PROBITY_LOGIN_LIMIT",
                "must be at least 1",
            ));
        }
        if self.auth.argon2.max_concurrent == 0 {
            return Err(ConfigError::new(
                "PROBITY_ARGON2_MAX_CONCURRENT",
                "must be at least 1",
            ));
        }
        if self.casework.early_warning_threshold < 1 {
            return Err(ConfigError::new(
                "PROBITY_EARLY_WARNING_THRESHOLD",
                "must be at least 1",
            ));
        }
        if self.casework.report_schedule.repeat_months == 0 {
            return Err(ConfigError::new(
                "PROBITY_REPORT_REPEAT_MONTHS",
                "must be at least 1",
            ));
        }
        if self.auth.access_token_ttl.is_zero() {
            return Err(ConfigError::new(
                "PROBITY_ACCESS_TOKEN_TTL_SECS",
                "must be at least 1",
            ));
        }
        argon2::Params::new(
            self.auth.argon2.memory_kib,
            self.auth.argon2.iterations,
            self.auth.argon2.parallelism,
            None,
        )
        .map_err(|e| ConfigError::new("PROBITY_ARGON2_MEMORY_KIB", e.to_string()))?;
        Ok(self)
    }
}

fn parse_opt<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<T>, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    get(name)
        .map(|raw| {
            raw.trim()
                .parse::<T>()
                .map_err(|e| ConfigError::new(name, format!("`{raw}`: {e}")))
        })
        .transpose()
}

fn parse_or<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    Ok(parse_opt(get, name)?.unwrap_or(default))
}

/// `PROBITY_TRUSTED_PROXIES`; the retired `PROBITY_TRUST_FORWARDED_FOR=true` (which took the
/// leftmost entry, the one a client writes) now means one proxy, read from the right.
fn trusted_proxies(get: &impl Fn(&str) -> Option<String>) -> Result<usize, ConfigError> {
    if let Some(count) = parse_opt(get, "PROBITY_TRUSTED_PROXIES")? {
        return Ok(count);
    }
    let legacy: bool = parse_or(get, "PROBITY_TRUST_FORWARDED_FOR", false)?;
    Ok(usize::from(legacy))
}

fn parse_signing_key(raw: &str) -> Result<[u8; 32], ConfigError> {
    parse_key("PROBITY_AUDIT_SIGNING_KEY", raw)
}

/// 32 bytes, base64-encoded.
fn parse_key(name: &'static str, raw: &str) -> Result<[u8; 32], ConfigError> {
    let bytes = BASE64
        .decode(raw.trim())
        .map_err(|e| ConfigError::new(name, format!("not base64: {e}")))?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        ConfigError::new(
            name,
            format!("must decode to exactly 32 bytes, got {}", b.len()),
        )
    })
}

fn random_bytes(n: usize) -> Result<Vec<u8>, ConfigError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf)
        .map_err(|e| ConfigError::new("PROBITY_JWT_SECRET", format!("no randomness: {e}")))?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(purpose: Purpose, vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(purpose, |name| map.get(name).cloned())
    }

    #[test]
    fn serving_without_a_jwt_secret_is_refused_outside_dev_mode() {
        let err = settings(Purpose::Serve { dev: false }, &[]).unwrap_err();
        assert_eq!(err.name, "PROBITY_JWT_SECRET");
    }

    #[test]
    fn serving_without_a_data_key_is_refused_outside_dev_mode() {
        let err = settings(
            Purpose::Serve { dev: false },
            &[
                ("PROBITY_JWT_SECRET", &"x".repeat(40)),
                ("PROBITY_AUDIT_SIGNING_KEY", &BASE64.encode([1u8; 32])),
            ],
        )
        .unwrap_err();
        assert_eq!(err.name, "PROBITY_DATA_KEY");
        let err = settings(
            Purpose::Serve { dev: false },
            &[
                ("PROBITY_JWT_SECRET", &"x".repeat(40)),
                ("PROBITY_AUDIT_SIGNING_KEY", &BASE64.encode([1u8; 32])),
                ("PROBITY_DATA_KEY", &BASE64.encode([2u8; 31])),
            ],
        )
        .unwrap_err();
        assert_eq!(err.name, "PROBITY_DATA_KEY");
    }

    #[test]
    fn a_short_jwt_secret_is_refused_even_in_dev_mode() {
        let err = settings(
            Purpose::Serve { dev: true },
            &[("PROBITY_JWT_SECRET", "short")],
        )
        .unwrap_err();
        assert_eq!(err.name, "PROBITY_JWT_SECRET");
    }

    #[test]
    fn dev_mode_makes_ephemeral_secrets() {
        let a = settings(Purpose::Serve { dev: true }, &[]).unwrap();
        let b = settings(Purpose::Serve { dev: true }, &[]).unwrap();
        assert_ne!(a.auth.jwt_secret, b.auth.jwt_secret);
        assert!(a.audit_signing_key.is_some());
        assert_eq!(a.log_format, LogFormat::Pretty);
    }

    #[test]
    fn defaults_follow_the_brief() {
        let s = settings(
            Purpose::Serve { dev: false },
            &[
                ("PROBITY_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                (
                    "PROBITY_AUDIT_SIGNING_KEY",
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                ),
                (
                    "PROBITY_DATA_KEY",
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                ),
            ],
        )
        .unwrap();
        assert_eq!(s.auth.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.auth.lockout_threshold, 5);
        assert_eq!(s.auth.lockout_duration, Duration::from_secs(900));
        assert_eq!(
            (s.auth.argon2.memory_kib, s.auth.argon2.iterations),
            (19_456, 2)
        );
        assert_eq!(s.body_limit_bytes, 1024 * 1024);
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.database.url, DEFAULT_DATABASE_URL);
        assert_eq!(s.casework.early_warning_threshold, 1);
        assert_eq!(
            s.casework.report_schedule,
            ReportSchedule {
                first_months: 12,
                repeat_months: 6
            }
        );
        assert_eq!(s.casework.calendar, Calendar::england_and_wales());
    }

    #[test]
    fn malformed_numbers_name_the_setting() {
        let err = settings(Purpose::Cli, &[("PROBITY_DB_POOL_SIZE", "ten")]).unwrap_err();
        assert_eq!(err.name, "PROBITY_DB_POOL_SIZE");
        let err = settings(Purpose::Cli, &[("PROBITY_LOG_FORMAT", "xml")]).unwrap_err();
        assert_eq!(err.name, "PROBITY_LOG_FORMAT");
    }
}
