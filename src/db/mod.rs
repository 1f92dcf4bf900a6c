//! PostgreSQL through diesel: the pool, migrations and the query functions. Diesel is
//! synchronous, so every query runs on actix's blocking pool via [`Db`], never on the async
//! executor.
//!
//! Every transaction names its caller, for PostgreSQL's row-level security
//! (`auth::access::wall`): [`Db::transaction_as`] for a user's request,
//! [`Db::transaction_as_system`] for work done for no user. [`Db::run`] and
//! [`Db::transaction`] name nobody: they reach accounts and sessions, and no case table.

pub mod audit;
pub mod case_bundle;
pub mod case_records;
pub mod case_table;
pub mod cases;
pub mod documents;
pub mod early_warning;
pub mod models;
pub mod private_cluster;
pub mod proceedings;
pub mod schema;
pub mod sessions;
pub mod stats;
pub mod subjects;
pub mod tasks;
pub mod throttle;
pub mod users;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, QueryResult, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::auth::access::wall;
use crate::config::DatabaseSettings;
use crate::domain::Viewer;
use crate::error::{ApiError, ApiResult, ErrorCode};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type PgPool = Pool<ConnectionManager<PgConnection>>;
pub type PgPooled = PooledConnection<ConnectionManager<PgConnection>>;

/// Sets the per-connection settings when the pool opens a connection.
#[derive(Debug)]
struct SessionSettings {
    statement_timeout: Duration,
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        // The connection runs as probity_runtime, whatever role it logged in as (even a
        // superuser, which row-level security would not stop): between transactions it may
        // read no case table, and each transaction switches to its caller's role.
        // No JIT: a list stops after a page, but PostgreSQL judges a plan by what it would
        // cost to read every row, so on a large table it compiles each list query (tens of
        // milliseconds) to run it for one.
        conn.batch_execute(&format!(
            "SET ROLE {}; SET statement_timeout = {}; SET TIME ZONE 'UTC'; SET jit = off;",
            wall::RUNTIME_ROLE,
            self.statement_timeout.as_millis()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A handle on the pool that runs work off the async executor.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    /// How long a request waits for its database work before answering 503: the server
    /// enforces the statement timeout, so a database that is frozen (not down) would
    /// otherwise keep a request waiting as long as it stays frozen.
    deadline: Duration,
}

thread_local! {
    /// Set on the blocking thread running a unit of work whose request stopped waiting for
    /// it (its deadline passed): the work must then not commit, since its client was told
    /// it failed.
    static ABANDONED: std::cell::RefCell<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>> =
        const { std::cell::RefCell::new(None) };
}

/// Whether the request this thread works for has stopped waiting.
fn abandoned() -> bool {
    ABANDONED.with(|a| {
        a.borrow()
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    })
}

impl Db {
    pub fn connect(settings: &DatabaseSettings) -> Result<Self, String> {
        let manager = ConnectionManager::<PgConnection>::new(with_client_deadlines(&settings.url));
        let pool = Pool::builder()
            .max_size(settings.pool_size)
            .min_idle(Some(0))
            .connection_timeout(settings.acquire_timeout)
            // No `SELECT 1` round trip on every checkout: a broken connection is noticed by
            // diesel itself and replaced, and a query on it fails as any database error does.
            .test_on_check_out(false)
            .connection_customizer(Box::new(SessionSettings {
                statement_timeout: settings.statement_timeout,
            }))
            .build(manager)
            .map_err(|e| format!("database pool: {e}"))?;
        Ok(Self {
            pool,
            deadline: settings.acquire_timeout + settings.statement_timeout,
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs `f` with a pooled connection on the blocking pool. An exhausted pool answers
    /// 503 after the acquire timeout; work that has not finished within the acquire plus the
    /// statement timeout answers 503 too, and does not commit.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run_within(self.deadline, f).await
    }

    /// [`Db::run`] with a deadline of its own, for the rare work that legitimately runs long
    /// (verifying the whole audit log).
    pub async fn run_within<T, F>(&self, deadline: Duration, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let work = self.work(flag.clone(), f);
        match tokio::time::timeout(deadline, work).await {
            Ok(result) => result,
            Err(_) => {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                tracing::warn!("database work did not finish in time: answered 503");
                Err(ApiError::unavailable(
                    "The database did not answer in time; retry later.",
                ))
            }
        }
    }

    async fn work<T, F>(
        &self,
        flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
        f: F,
    ) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            ABANDONED.with(|a| *a.borrow_mut() = Some(flag));
            let result = Self::on_connection(&pool, f);
            ABANDONED.with(|a| *a.borrow_mut() = None);
            result
        })
        .await?
    }

    fn on_connection<T, F>(pool: &PgPool, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T>,
    {
        let mut conn = pool.get()?;
        let result = f(&mut conn);
        if matches!(&result, Err(e) if e.code == ErrorCode::ServiceUnavailable) {
            // A 503 may be a lost connection, which must not go back to the pool to fail the
            // next request too. Diesel marks a connection broken (and the pool then drops it)
            // once a statement on it fails for want of a server; PostgreSQL's own
            // "terminating connection" can arrive before libpq has noticed. One round trip,
            // only after such an error, settles it; a statement timeout leaves the
            // connection usable and this succeeds.
            let _ = conn.batch_execute("SELECT 1");
        }
        result
    }

    /// Like [`Db::run`], inside one transaction: an error anywhere (an audit write included)
    /// rolls everything back.
    pub async fn transaction<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| transaction_with(conn, "BEGIN", f))
            .await
    }

    /// Runs `f` in one transaction for `viewer`: the database shows it only what the
    /// need-to-know rule lets `viewer` see.
    pub async fn transaction_as<T, F>(&self, viewer: Viewer, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| transaction_as(conn, &viewer, f)).await
    }

    /// A read for `viewer`: a transaction too, or the caller would not outlive the first
    /// statement.
    pub async fn run_as<T, F>(&self, viewer: Viewer, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.transaction_as(viewer, f).await
    }

    /// A list or search for `viewer`, under a statement timeout of its own (shorter than the
    /// connection's): a search that would hold a connection longer answers 503 instead of
    /// keeping the pool from everyone else. Set with `BEGIN`, in the same round trip.
    pub async fn list_as<T, F>(&self, viewer: Viewer, timeout: Duration, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let begin = format!(
            "{}; SET LOCAL statement_timeout = {}",
            wall::begin_as(&viewer),
            timeout.as_millis().max(1)
        );
        self.run(move |conn| transaction_with(conn, &begin, f))
            .await
    }

    /// Runs `f` in one transaction for no user, seeing every row: only for what the public,
    /// the command line and the audit log's verification do, and for aggregate figures.
    pub async fn transaction_as_system<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| transaction_as_system(conn, f)).await
    }
}

/// Runs `f` in a transaction whose first round trip is `begin` (`BEGIN` and the caller).
fn transaction_with<T, F>(conn: &mut PgConnection, begin: &str, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut PgConnection) -> ApiResult<T>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if let Err(e) = AnsiTransactionManager::begin_transaction_sql(conn, begin) {
        // `BEGIN` may have run and the rest failed: leave no transaction open.
        let _ = conn.batch_execute("ROLLBACK");
        return Err(e.into());
    }
    match f(conn) {
        // Its request stopped waiting and answered 503: what it did must not happen.
        Ok(_) if abandoned() => {
            let _ = AnsiTransactionManager::rollback_transaction(conn);
            Err(ApiError::unavailable(
                "The database did not answer in time; retry later.",
            ))
        }
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match AnsiTransactionManager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// [`Db::transaction_as`] on a connection already held.
pub fn transaction_as<T, F>(conn: &mut PgConnection, viewer: &Viewer, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut PgConnection) -> ApiResult<T>,
{
    transaction_with(conn, &wall::begin_as(viewer), f)
}

/// [`Db::transaction_as_system`] on a connection already held.
pub fn transaction_as_system<T, F>(conn: &mut PgConnection, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut PgConnection) -> ApiResult<T>,
{
    transaction_with(conn, wall::BEGIN_AS_SYSTEM, f)
}

#[derive(diesel::QueryableByName)]
struct CurrentRole {
    #[diesel(sql_type = diesel::sql_types::Text)]
    role: String,
}

/// Runs `f` as `probity_system` inside a user's transaction, then switches back: for the few
/// reads that must see past the caller's row-level policies by design, each saying why (the
/// early-warning counts; the custody record of a document already proven visible).
pub fn past_the_wall<T>(
    conn: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    let caller = diesel::sql_query("SELECT current_user::text AS role")
        .get_result::<CurrentRole>(conn)?
        .role;
    diesel::sql_query("SELECT set_config('role', $1, true)")
        .bind::<diesel::sql_types::Text, _>(wall::SYSTEM_ROLE)
        .execute(conn)?;
    let result = f(conn);
    let back = diesel::sql_query("SELECT set_config('role', $1, true)")
        .bind::<diesel::sql_types::Text, _>(&caller)
        .execute(conn);
    let value = result?;
    back?;
    Ok(value)
}

/// A connection of its own for the command line: migrated (as the login role, which owns
/// the schema or was granted `probity_runtime`), then working as `probity_system`.
pub fn connect_as_system(url: &str) -> Result<PgConnection, String> {
    let mut conn = PgConnection::establish(url)
        .map_err(|e| format!("cannot connect to {}: {e}", redact_url(url)))?;
    conn.batch_execute(&format!("SET ROLE {}", wall::SYSTEM_ROLE))
        .map_err(|e| format!("cannot work as {}: {e}", wall::SYSTEM_ROLE))?;
    Ok(conn)
}

/// Creates the database named in `url` if it does not exist, connecting to the server's
/// `postgres` database to do so.
pub fn ensure_database_exists(url: &str) -> Result<(), String> {
    if PgConnection::establish(url).is_ok() {
        return Ok(());
    }
    let (server_url, name) = split_database_url(url).ok_or_else(|| {
        format!(
            "cannot find the database name in DATABASE_URL `{}`",
            redact_url(url)
        )
    })?;
    let mut conn = PgConnection::establish(&server_url).map_err(|e| {
        format!(
            "cannot connect to PostgreSQL at {}: {e}",
            redact_url(&server_url)
        )
    })?;
    if database_exists(&mut conn, &name)? {
        return Ok(());
    }
    match conn.batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name))) {
        Ok(()) => {
            tracing::info!(database = %name, "created database");
            Ok(())
        }
        // Another instance starting at the same moment created it first (PostgreSQL answers
        // "already exists" or a unique violation on its catalog, depending on the moment).
        Err(_) if database_exists(&mut conn, &name)? => Ok(()),
        Err(e) => Err(format!("creating database `{name}`: {e}")),
    }
}

fn database_exists(conn: &mut PgConnection, name: &str) -> Result<bool, String> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = {})",
        quote_literal(name)
    )))
    .get_result(conn)
    .map_err(|e| format!("checking for database `{name}`: {e}"))
}

/// Applies pending migrations, then installs the access policy's row-level security if the
/// database has another rendering of it (`auth::access::wall`). An advisory lock makes
/// instances that start together take turns instead of racing.
pub fn run_migrations(conn: &mut PgConnection) -> Result<Vec<String>, String> {
    const LOCK_KEY: i64 = 0x5052_4f42_4954_5901; // "PROBITY" + 1
    // With nothing to do, touch nothing: diesel's harness would first try to create its
    // bookkeeping table, which a least-privilege runtime role may not do.
    if nothing_pending(conn)? && wall::installed(conn)? {
        return Ok(Vec::new());
    }
    conn.batch_execute(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))
        .map_err(|e| format!("migration lock: {e}"))?;
    let result = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| format!("migrations: {e}"))
        .and_then(|versions| wall::install(conn).map(|_| versions));
    let _ = conn.batch_execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"));
    result
}

#[derive(diesel::QueryableByName)]
struct AppliedVersion {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

/// Whether every embedded migration is recorded as applied, reading only.
fn nothing_pending(conn: &mut PgConnection) -> Result<bool, String> {
    use diesel::migration::MigrationSource;
    let table_exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "to_regclass('__diesel_schema_migrations') IS NOT NULL",
    ))
    .get_result(conn)
    .map_err(|e| format!("checking migrations: {e}"))?;
    if !table_exists {
        return Ok(false);
    }
    let applied: std::collections::HashSet<String> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<AppliedVersion>(conn)
            .map_err(|e| format!("reading applied migrations: {e}"))?
            .into_iter()
            .map(|row| row.version)
            .collect();
    let embedded = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(|e| format!("embedded migrations: {e}"))?;
    Ok(embedded
        .iter()
        .all(|m| applied.contains(&m.name().version().to_string())))
}

/// `url` with the client-side deadlines libpq otherwise leaves to the operating system, where
/// it does not set them itself: a server that does not answer a connection attempt fails it
/// after 5 s (not the TCP timeout of minutes), and TCP keepalives find a connection whose
/// server vanished (a host gone, a network cut) in about a minute instead of hours.
pub fn with_client_deadlines(url: &str) -> String {
    const DEFAULTS: [(&str, &str); 5] = [
        ("connect_timeout", "5"),
        ("keepalives", "1"),
        ("keepalives_idle", "30"),
        ("keepalives_interval", "10"),
        ("keepalives_count", "3"),
    ];
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let given: Vec<&str> = query
        .split('&')
        .filter_map(|pair| pair.split('=').next())
        .collect();
    let mut out = url.to_owned();
    for (name, value) in DEFAULTS {
        if !given.contains(&name) {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{name}={value}"));
        }
    }
    out
}

/// Splits `postgres://user@host:port/name?opts` into the URL of the server's `postgres`
/// database and `name`.
pub fn split_database_url(url: &str) -> Option<(String, String)> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://")? + 3;
    let slash = scheme_end + base[scheme_end..].find('/')?;
    let name = &base[slash + 1..];
    if name.is_empty() {
        return None;
    }
    let mut server = format!("{}/postgres", &base[..slash]);
    if let Some(q) = query {
        server.push('?');
        server.push_str(q);
    }
    Some((server, name.to_owned()))
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The staff key (`users.staff_key`, `subjects.staff_key`) of a force and collar number,
/// computed by PostgreSQL exactly as the generated columns are: lower case, trimmed.
pub fn staff_key<QS: 'static>(
    force: &str,
    collar_number: &str,
) -> Box<
    dyn diesel::expression::BoxableExpression<
            QS,
            diesel::pg::Pg,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >,
> {
    use diesel::sql_types::{Nullable, Text};
    Box::new(
        diesel::dsl::sql::<Nullable<Text>>("lower(btrim(")
            .bind::<Text, _>(force.to_owned())
            .sql(")) || chr(31) || lower(btrim(")
            .bind::<Text, _>(collar_number.to_owned())
            .sql("))"),
    )
}

/// Refuses a row of another case than the one the caller holds (proof that it may change
/// it): a row is only ever written into the case it was checked against.
pub fn belongs_to(
    case: &impl crate::auth::access::CaseScope,
    case_id: uuid::Uuid,
) -> diesel::QueryResult<()> {
    if case.id() == case_id {
        Ok(())
    } else {
        Err(diesel::result::Error::NotFound)
    }
}

/// Maps a unique-constraint violation to `on_unique`, anything else through `ApiError`.
pub fn unique_violation_as(err: diesel::result::Error, on_unique: ApiError) -> ApiError {
    match err {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => on_unique,
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_split_into_server_and_name() {
        assert_eq!(
            split_database_url("postgres://postgres@127.0.0.1:5432/probity"),
            Some((
                "postgres://postgres@127.0.0.1:5432/postgres".into(),
                "probity".into()
            ))
        );
        assert_eq!(
            split_database_url("postgres://u:p@db/probity?sslmode=require"),
            Some((
                "postgres://u:p@db/postgres?sslmode=require".into(),
                "probity".into()
            ))
        );
        assert_eq!(split_database_url("postgres://db"), None);
    }

    #[test]
    fn connections_get_client_deadlines_unless_the_url_sets_them() {
        assert_eq!(
            with_client_deadlines("postgres://db/probity"),
            "postgres://db/probity?connect_timeout=5&keepalives=1&keepalives_idle=30\
             &keepalives_interval=10&keepalives_count=3"
        );
        let own = with_client_deadlines("postgres://db/p?sslmode=require&connect_timeout=20");
        assert!(own.starts_with("postgres://db/p?sslmode=require&connect_timeout=20&keepalives=1"));
        assert_eq!(own.matches("connect_timeout").count(), 1);
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://u:secret@db/x"),
            "postgres://u:***@db/x"
        );
        assert_eq!(redact_url("postgres://u@db/x"), "postgres://u@db/x");
    }
}
