//! The `probity` command line.

use std::io::{BufRead, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use clap::{Parser, Subcommand};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::audit::AuditContext;
use crate::audit::checkpoint::{self, Checkpoint};
use crate::audit::verify::{VerifyReport, verify_log};
use crate::auth::PasswordHasher;
use crate::auth::accounts::{self, NewAccount};
use crate::config::{Purpose, Settings};
use crate::db::private_cluster::{self, PrivateCluster};
use crate::db::{self, Db};
use crate::domain::{DisplayName, Password, Role, Username};
use crate::state::AppState;

#[derive(Parser)]
#[command(
    name = "probity",
    version,
    about = "Case management for a Professional Standards Department"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve HTTP on PROBITY_BIND.
    Serve {
        /// Development mode: ephemeral secrets, readable logs, and an `admin` account if
        /// there is none (its password printed once, or PROBITY_ADMIN_PASSWORD).
        #[arg(long)]
        dev: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check stored documents.
    Documents {
        #[command(subcommand)]
        command: DocumentsCommand,
    },
    /// Print the OpenAPI document (as committed in openapi/openapi.json).
    Openapi,
    /// Exit 0 if the server on PROBITY_BIND answers /healthz (for container health checks).
    Healthcheck,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password comes from PROBITY_PASSWORD or standard input, never
    /// from the command line.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// admin, supervisor, investigator, intake or auditor
        #[arg(long)]
        role: String,
    },
    /// Lift every lock on an account (for all addresses and account-wide), audited: the way
    /// back in for an administrator whose account guessing has locked.
    Unlock {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum DocumentsCommand {
    /// Re-hash every stored document and look for stored objects that no document record
    /// names (and staging files of uploads that never finished); exit 0 when all is as
    /// recorded, 1 listing what is not.
    Verify {
        /// Delete the objects without a record, and the staging files, that are more than an
        /// hour old (younger ones may be uploads still in progress).
        #[arg(long)]
        remove_orphans: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify every hash, link and sequence; exit 0 when intact, 1 naming the first broken
    /// event otherwise.
    Verify {
        /// Also check against a checkpoint saved earlier (needs only its public key).
        #[arg(long, value_name = "FILE", conflicts_with = "latest_checkpoint")]
        checkpoint: Option<std::path::PathBuf>,
        /// Also check against the latest checkpoint `probity serve` wrote to the document
        /// store.
        #[arg(long)]
        latest_checkpoint: bool,
    },
    /// Print a signed checkpoint of every chain's head (needs PROBITY_AUDIT_SIGNING_KEY).
    Checkpoint,
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { dev } => serve(dev),
        Command::Migrate => migrate().map(|_| 0),
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    display_name,
                    role,
                },
        } => create_user(&username, &display_name, &role).map(|_| 0),
        Command::User {
            command: UserCommand::Unlock { username },
        } => unlock_user(&username).map(|_| 0),
        Command::Audit {
            command:
                AuditCommand::Verify {
                    checkpoint,
                    latest_checkpoint,
                },
        } => verify(checkpoint.as_deref(), latest_checkpoint),
        Command::Audit {
            command: AuditCommand::Checkpoint,
        } => print_checkpoint().map(|_| 0),
        Command::Documents {
            command: DocumentsCommand::Verify { remove_orphans },
        } => verify_documents(remove_orphans),
        Command::Openapi => {
            print!("{}", crate::http::openapi_json());
            Ok(0)
        }
        Command::Healthcheck => Ok(healthcheck()),
    };
    result.unwrap_or_else(|message| {
        eprintln!("probity: {message}");
        2
    })
}

fn cli_settings() -> Result<Settings, String> {
    let settings = Settings::from_env(Purpose::Cli).map_err(|e| e.to_string())?;
    crate::telemetry::init(settings.log_format, &settings.log_filter);
    Ok(settings)
}

fn connect_and_migrate(settings: &Settings) -> Result<PgConnection, String> {
    db::ensure_database_exists(&settings.database.url)?;
    let mut conn = PgConnection::establish(&settings.database.url).map_err(|e| {
        format!(
            "cannot connect to {}: {e}",
            db::redact_url(&settings.database.url)
        )
    })?;
    let applied = db::run_migrations(&mut conn)?;
    for version in &applied {
        tracing::info!(%version, "applied migration");
    }
    // What the command line does, it does for no user (see `db::connect_as_system`).
    conn.batch_execute(&format!(
        "SET ROLE {}",
        crate::auth::access::wall::SYSTEM_ROLE
    ))
    .map_err(|e| {
        format!(
            "cannot work as {}: {e}",
            crate::auth::access::wall::SYSTEM_ROLE
        )
    })?;
    Ok(conn)
}

fn migrate() -> Result<(), String> {
    let settings = cli_settings()?;
    let mut conn = connect_and_migrate(&settings)?;
    let _ = &mut conn;
    eprintln!("probity: database is up to date");
    Ok(())
}

/// The password for `user create`: PROBITY_PASSWORD, or one line of standard input (only
/// the line ending removed: the password is used exactly as typed).
fn password_from_env_or_stdin() -> Result<String, String> {
    if let Ok(p) = std::env::var("PROBITY_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password: {e}"))?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    Ok(line.strip_suffix('\r').unwrap_or(line).to_owned())
}

fn create_user(username: &str, display_name: &str, role: &str) -> Result<(), String> {
    let settings = cli_settings()?;
    let role: Role = role.parse()?;
    let username = Username::parse(username).map_err(|r| format!("username {r}"))?;
    let display_name = DisplayName::parse(display_name).map_err(|r| format!("display name {r}"))?;
    let password = Password::new(password_from_env_or_stdin()?, Some(username.as_str()))
        .map_err(|e| format!("password {}", e.message()))?;
    let hasher = PasswordHasher::new(&settings.auth.argon2)?;
    let password_hash = hasher.hash_blocking(&password)?;
    let keys = audit_keys(&settings)?;
    let mut conn = connect_and_migrate(&settings)?;
    let account = NewAccount {
        username,
        display_name,
        role,
        password_hash,
        staff: None,
    };
    let row = conn
        .transaction(|c| accounts::create(c, &AuditContext::system(keys.clone()), &account))
        .map_err(|e| e.detail.clone())?;
    println!("{}", row.id);
    eprintln!("probity: created {} `{}`", role, row.username);
    Ok(())
}

fn unlock_user(username: &str) -> Result<(), String> {
    let settings = cli_settings()?;
    let keys = audit_keys(&settings)?;
    let mut conn = connect_and_migrate(&settings)?;
    let name = username.to_ascii_lowercase();
    conn.transaction(|c| accounts::unlock(c, &AuditContext::system(keys.clone()), &name))
        .map_err(|e| e.detail.clone())?;
    eprintln!("probity: unlocked `{username}`");
    Ok(())
}

fn report_outcome(report: &VerifyReport) -> i32 {
    println!(
        "{}",
        serde_json::to_string_pretty(report).unwrap_or_default()
    );
    match &report.first_broken {
        None => {
            eprintln!(
                "probity: audit log intact: {} events in {} chains",
                report.events_checked, report.chains_checked
            );
            0
        }
        Some(b) => {
            let event = b
                .event_id
                .map_or_else(|| "no event".to_owned(), |id| format!("event {id}"));
            eprintln!(
                "probity: audit log BROKEN: chain {} at seq {} ({event}): {}",
                b.chain, b.seq, b.reason
            );
            1
        }
    }
}

/// The keys a command that writes audit events needs: it signs them and seals what they say
/// of people.
fn audit_keys(settings: &Settings) -> Result<crate::audit::AuditKeys, String> {
    signing_key(settings)?;
    if settings.data_key.is_none() {
        return Err("PROBITY_DATA_KEY is not set".to_owned());
    }
    Ok(crate::audit::AuditKeys::from_settings(settings))
}

/// The key that verifies the log: pinned, or the signing key's public half.
fn public_key(settings: &Settings) -> Result<Option<ed25519_dalek::VerifyingKey>, String> {
    if let Some(bytes) = settings.audit_public_key {
        return ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(Some)
            .map_err(|e| format!("PROBITY_AUDIT_PUBLIC_KEY: {e}"));
    }
    Ok(settings
        .audit_signing_key
        .map(|seed| ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key()))
}

fn signing_key(settings: &Settings) -> Result<ed25519_dalek::SigningKey, String> {
    settings
        .audit_signing_key
        .map(|seed| ed25519_dalek::SigningKey::from_bytes(&seed))
        .ok_or_else(|| "PROBITY_AUDIT_SIGNING_KEY is not set".to_owned())
}

fn verify(checkpoint_file: Option<&std::path::Path>, latest: bool) -> Result<i32, String> {
    let settings = cli_settings()?;
    let mut conn = db::connect_as_system(&settings.database.url)?;
    // The public key alone verifies: pinned (PROBITY_AUDIT_PUBLIC_KEY), or the signing key's
    // own, or else the one the checkpoint names.
    let configured = public_key(&settings)?;
    let checkpoint_text = match (checkpoint_file, latest) {
        (Some(path), _) => Some((
            path.display().to_string(),
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        (None, true) => Some(latest_checkpoint(&settings)?),
        (None, false) => None,
    };
    let report = match checkpoint_text {
        None => {
            let key = configured.ok_or_else(|| {
                "set PROBITY_AUDIT_PUBLIC_KEY (or PROBITY_AUDIT_SIGNING_KEY) to verify the \
                 events' signatures, or give a checkpoint"
                    .to_owned()
            })?;
            verify_log(&mut conn, &key).map_err(|e| e.to_string())?
        }
        Some((name, text)) => {
            let cp: Checkpoint = serde_json::from_str(&text)
                .map_err(|e| format!("{name}: not a checkpoint: {e}"))?;
            let named = checkpoint::public_key(&cp)?;
            if configured.is_some_and(|k| k != named) {
                return Err(
                    "the checkpoint was signed by another key than the configured one".into(),
                );
            }
            checkpoint::check_signature(&cp, &named)?;
            eprintln!("probity: checking against {name}");
            checkpoint::verify_against(&mut conn, &cp, &named).map_err(|e| e.to_string())?
        }
    };
    Ok(report_outcome(&report))
}

/// The latest checkpoint `probity serve` stored: its key and text.
fn latest_checkpoint(settings: &Settings) -> Result<(String, String), String> {
    let storage = crate::storage::Storage::from_settings(settings)?;
    actix_web::rt::System::new().block_on(async move {
        let key = storage
            .last_key_under(checkpoint::STORE_PREFIX)
            .await?
            .ok_or("the document store holds no checkpoint yet")?;
        let bytes = storage.read_bytes(&key).await?;
        let text = String::from_utf8(bytes).map_err(|e| format!("{key}: {e}"))?;
        Ok((key, text))
    })
}

/// Re-hashes every document's stored bytes against the hash taken at upload.
fn verify_documents(remove_orphans: bool) -> Result<i32, String> {
    let settings = cli_settings()?;
    let storage = crate::storage::Storage::from_settings(&settings)?;
    let mut conn = db::connect_as_system(&settings.database.url)?;
    actix_web::rt::System::new().block_on(async move {
        let (mut checked, mut bad) = (0u64, 0u64);
        let mut recorded = std::collections::HashSet::new();
        let mut after = None;
        loop {
            let batch = db::documents::batch(&mut conn, after, 500).map_err(|e| e.to_string())?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            for doc in &batch {
                checked += 1;
                recorded.insert(doc.object_key.clone());
                match storage.rehash(&doc.object_key).await {
                    Ok(hash) if hash == doc.sha256 => {}
                    Ok(hash) => {
                        bad += 1;
                        println!(
                            "MISMATCH document {} (case {}): stored {hash}, recorded {}",
                            doc.id, doc.case_id, doc.sha256
                        );
                    }
                    Err(e) => {
                        bad += 1;
                        println!("MISSING document {} (case {}): {e}", doc.id, doc.case_id);
                    }
                }
            }
        }
        // Objects no record names: left by an upload whose process died before its record
        // was written (or whose record failed and whose removal failed too).
        let now = chrono::Utc::now();
        let old_enough = |age: chrono::Duration| age > chrono::Duration::hours(1);
        let (mut orphans, mut removed) = (0u64, 0u64);
        for object in storage.list_under("documents/").await? {
            if recorded.contains(&object.key) {
                continue;
            }
            let age = now - object.last_modified;
            if !old_enough(age) {
                println!(
                    "UNRECORDED {} (stored {} ago: an upload may be in progress)",
                    object.key,
                    age.num_seconds()
                );
            } else if remove_orphans {
                storage.delete(&object.key).await;
                removed += 1;
                println!("REMOVED orphan {}", object.key);
            } else {
                orphans += 1;
                println!(
                    "ORPHAN {} (no document record; stored {})",
                    object.key, object.last_modified
                );
            }
        }
        for (path, modified) in storage.staging_leftovers() {
            let age = now - chrono::DateTime::<chrono::Utc>::from(modified);
            if !old_enough(age) {
                println!(
                    "UNFINISHED {} (an upload may be in progress)",
                    path.display()
                );
            } else if remove_orphans {
                std::fs::remove_file(&path)
                    .map_err(|e| format!("removing {}: {e}", path.display()))?;
                removed += 1;
                println!("REMOVED staging file {}", path.display());
            } else {
                orphans += 1;
                println!("STAGING {} (an upload that never finished)", path.display());
            }
        }
        eprintln!(
            "probity: {checked} documents checked, {bad} not as recorded; \
             {orphans} stored objects without a record, {removed} removed"
        );
        Ok(if bad == 0 && orphans == 0 { 0 } else { 1 })
    })
}

fn print_checkpoint() -> Result<(), String> {
    let settings = cli_settings()?;
    let key = signing_key(&settings)?;
    let mut conn = db::connect_as_system(&settings.database.url)?;
    let cp = checkpoint::create(&mut conn, &key).map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&cp).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn random_password() -> Result<String, String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::new();
    while out.len() < 24 {
        let mut byte = [0u8; 1];
        getrandom::fill(&mut byte).map_err(|e| format!("no randomness: {e}"))?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - (256 % ALPHABET.len());
        if usize::from(byte[0]) < limit {
            out.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    Ok(out)
}

/// In dev mode, makes sure someone can log in: creates `admin` if there is no active admin.
fn bootstrap_dev_admin(
    conn: &mut PgConnection,
    hasher: &PasswordHasher,
    keys: crate::audit::AuditKeys,
) -> Result<(), String> {
    if db::users::any_active_admin(conn).map_err(|e| e.to_string())? {
        return Ok(());
    }
    let (raw, generated) = match std::env::var("PROBITY_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (random_password()?, true),
    };
    let password = Password::new(raw.clone(), Some("admin"))
        .map_err(|e| format!("PROBITY_ADMIN_PASSWORD {}", e.message()))?;
    let account = NewAccount {
        username: Username::parse("admin").map_err(|r| r.message)?,
        display_name: DisplayName::parse("Administrator").map_err(|r| r.message)?,
        role: Role::Admin,
        password_hash: hasher.hash_blocking(&password)?,
        staff: None,
    };
    conn.transaction(|c| accounts::create(c, &AuditContext::system(keys), &account))
        .map_err(|e| e.detail.clone())?;
    if generated {
        // Printed once, on stdout, never logged.
        println!("probity: created user `admin` with password: {raw}");
    } else {
        println!("probity: created user `admin` with the password from PROBITY_ADMIN_PASSWORD");
    }
    let _ = std::io::stdout().flush();
    Ok(())
}

fn database_url_given() -> bool {
    std::env::var("DATABASE_URL").is_ok_and(|v| !v.trim().is_empty())
}

/// For `serve --dev` with no `DATABASE_URL` and nothing answering at the default one: a
/// private PostgreSQL cluster in `data/postgres`, which `settings` are pointed at.
fn dev_cluster(settings: &mut Settings) -> Result<Option<PrivateCluster>, String> {
    if database_url_given() || private_cluster::default_server_answers() {
        return Ok(None);
    }
    tracing::info!(
        default = %crate::config::DEFAULT_DATABASE_URL,
        "DATABASE_URL is not set and nothing answers at the default: starting a private \
         PostgreSQL cluster"
    );
    let cluster = PrivateCluster::start(&private_cluster::Options::dev())
        .map_err(|e| format!("private PostgreSQL cluster: {e}"))?;
    let name = db::split_database_url(crate::config::DEFAULT_DATABASE_URL)
        .map_or_else(|| "probity".to_owned(), |(_, name)| name);
    settings.database.url = cluster.url(&name);
    Ok(Some(cluster))
}

fn serve(dev: bool) -> Result<i32, String> {
    let mut settings = Settings::from_env(Purpose::Serve { dev }).map_err(|e| e.to_string())?;
    crate::telemetry::init(settings.log_format, &settings.log_filter);
    if dev {
        tracing::warn!(
            "development mode: ephemeral JWT secret and audit signing key; do not use in production"
        );
    }
    // Stopped when this returns (dropped on an error), unless another process still uses it.
    let private = if dev {
        dev_cluster(&mut settings)?
    } else {
        None
    };
    let mut conn = connect_and_migrate(&settings).map_err(|e| {
        if dev && private.is_none() && !database_url_given() && e.starts_with("cannot connect") {
            format!(
                "{e} (DATABASE_URL is not set, and the server answering at the default \
                 address must let `postgres` in over TCP without a password: set DATABASE_URL \
                 to a URL it accepts, or stop it for a private cluster)"
            )
        } else {
            e
        }
    })?;
    let db = Db::connect(&settings.database)?;
    let state = AppState::new(settings, db)?;
    if dev {
        bootstrap_dev_admin(&mut conn, &state.hasher, state.audit_keys.clone())?;
    }
    drop(conn);
    let bind = state.settings.bind.clone();
    let workers = state.settings.workers;
    let checkpoints = state.settings.audit_checkpoint_interval;
    let grace = state.settings.shutdown_grace;
    let shutdown = state.shutdown.clone();
    tracing::info!(%bind, "serving");
    let bind_for_error = bind.clone();
    actix_web::rt::System::new()
        .block_on(async move {
            if let Some(every) = checkpoints {
                checkpoint::schedule(state.clone(), every);
            }
            crate::auth::sessions::schedule_reports(state.clone());
            let mut server = actix_web::HttpServer::new(move || crate::http::app(state.clone()))
                // Stopping is ours to handle (below), so the requests in flight hear of it.
                .disable_signals()
                // Connections are closed this long after the stop; every request still
                // running at the end of the grace has been answered 503 by then.
                .shutdown_timeout(grace.as_secs() + 5);
            if let Some(n) = workers {
                server = server.workers(n);
            }
            let server = server.bind(&bind)?.run();
            let handle = server.handle();
            actix_web::rt::spawn(async move {
                stop_signal().await;
                tracing::info!(
                    grace_secs = grace.as_secs(),
                    "shutting down: no new connections, requests in flight finish or get 503"
                );
                shutdown.begin();
                handle.stop(true).await;
            });
            server.await
        })
        .map_err(|e| format!("server on {bind_for_error}: {e}"))?;
    if let Some(cluster) = private {
        let dir = cluster.dir().display().to_string();
        let stopped = cluster
            .release()
            .map_err(|e| format!("private PostgreSQL cluster: {e}"))?;
        if !stopped {
            tracing::info!(%dir, "the private PostgreSQL cluster is in use by another process: left running");
        }
    }
    Ok(0)
}

/// SIGTERM (what a container runtime or systemd sends) or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = actix_web::rt::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                let _ = actix_web::rt::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = actix_web::rt::signal::ctrl_c().await;
    }
}

/// GETs /healthz on PROBITY_BIND over plain HTTP/1.0; 0 when it answers 200.
fn healthcheck() -> i32 {
    let bind =
        std::env::var("PROBITY_BIND").unwrap_or_else(|_| crate::config::DEFAULT_BIND.to_owned());
    let target = bind
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]");
    let Some(addr) = target.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        return 1;
    };
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(3)) else {
        return 1;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
    if stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_err()
    {
        return 1;
    }
    let mut head = [0u8; 12];
    match stream.read_exact(&mut head) {
        Ok(()) if head.starts_with(b"HTTP/1.") && &head[9..12] == b"200" => 0,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_passwords_meet_the_policy() {
        let p = random_password().unwrap();
        assert_eq!(p.len(), 24);
        assert!(Password::new(p, Some("admin")).is_ok());
    }

    #[test]
    fn the_command_line_parses() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
