//! The test harness: every test gets its own database, cloned from a migrated template, and
//! drives the real application in-process.

mod case_builder;
mod fixtures;

use std::sync::{Mutex, OnceLock};

pub use case_builder::{CaseBuilder, Stage};
pub use fixtures::*;

use actix_service::boxed::BoxService;
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use actix_web::test;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use probity::audit::AuditContext;
use probity::auth::accounts::{self, NewAccount};
use probity::config::{Purpose, Settings};
use probity::db::{self, Db, quote_ident, quote_literal};
use probity::domain::{DisplayName, Password, Role, StaffIdentity, Username};
use probity::state::AppState;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";
pub const SIGNING_KEY_B64: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
/// The master key of the tests (`PROBITY_DATA_KEY`).
pub const DATA_KEY_B64: &str = "ERERERERERERERERERERERERERERERERERERERERERE=";

/// The server that `DATABASE_URL` names, as a URL to its `postgres` database.
pub fn server_url() -> String {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| probity::config::DEFAULT_DATABASE_URL.to_owned());
    db::split_database_url(&url)
        .map(|(server, _)| server)
        .unwrap_or(url)
}

pub fn database_url(name: &str) -> String {
    let server = server_url();
    let (base, query) = match server.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (server.clone(), String::new()),
    };
    let base = base.trim_end_matches("/postgres");
    format!("{base}/{name}{query}")
}

pub fn admin_connection() -> PgConnection {
    PgConnection::establish(&server_url()).expect("PostgreSQL reachable at DATABASE_URL")
}

/// The template's name changes whenever a migration or the rendered access policy does, so a
/// stale template is never used.
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut entries: Vec<_> = walk(&dir);
        entries.sort();
        let mut hasher = Sha256::new();
        for path in entries {
            // Relative names: every checkout of the same migrations shares one template.
            let name = path.strip_prefix(&dir).unwrap_or(&path);
            hasher.update(name.to_string_lossy().as_bytes());
            hasher.update(std::fs::read(&path).unwrap_or_default());
        }
        // The row-level policies installed after the migrations are rendered from the access
        // policy's code: a change to the rule is a new template too.
        hasher.update(probity::auth::access::wall::digest().unwrap());
        let name = format!(
            "probity_test_tmpl_{}",
            &hex::encode(hasher.finalize())[..16]
        );
        ensure_template(&name);
        name
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}

fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    use diesel::RunQueryDsl;
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = {})",
        quote_literal(name)
    )))
    .get_result(conn)
    .unwrap()
}

/// Builds the migrated template once per schema version; an advisory lock keeps test
/// processes that start together from building it twice.
fn ensure_template(name: &str) {
    let mut conn = admin_connection();
    conn.batch_execute("SELECT pg_advisory_lock(727274)")
        .unwrap();
    if !database_exists(&mut conn, name) {
        let building = format!("{name}_building");
        conn.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&building)
        ))
        .unwrap();
        conn.batch_execute(&format!("CREATE DATABASE {}", quote_ident(&building)))
            .unwrap();
        {
            let mut tmpl = PgConnection::establish(&database_url(&building)).unwrap();
            db::run_migrations(&mut tmpl).unwrap();
        }
        conn.batch_execute(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_ident(&building),
            quote_ident(name)
        ))
        .unwrap();
    }
    conn.batch_execute("SELECT pg_advisory_unlock(727274)")
        .unwrap();
}

/// A fresh database for one test, dropped when the test ends.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> Self {
        let template = template_name();
        let name = format!("probity_test_{}", Uuid::new_v4().simple());
        let mut conn = admin_connection();
        let sql = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_ident(&name),
            quote_ident(template)
        );
        let mut attempts = 0;
        // Two CREATE DATABASE from one template at the same instant can collide; retry.
        while let Err(e) = conn.batch_execute(&sql) {
            attempts += 1;
            assert!(attempts < 50, "creating test database: {e}");
            std::thread::sleep(std::time::Duration::from_millis(50 + 20 * attempts));
        }
        let url = database_url(&name);
        Self { name, url }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&server_url()) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&self.name)
            ));
        }
    }
}

/// Settings for tests: the real defaults, with fixed secrets and this test's database.
pub fn settings(db_url: &str, overrides: &[(&str, &str)]) -> Settings {
    let mut vars: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), db_url.into()),
        (
            "PROBITY_JWT_SECRET".into(),
            "test-secret-test-secret-test-secret-0123".into(),
        ),
        ("PROBITY_AUDIT_SIGNING_KEY".into(), SIGNING_KEY_B64.into()),
        ("PROBITY_DATA_KEY".into(), DATA_KEY_B64.into()),
        ("PROBITY_DB_POOL_SIZE".into(), "4".into()),
        // Every test's requests come from one address: logins are limited per address only
        // where a test says so.
        ("PROBITY_LOGIN_LIMIT".into(), "100000".into()),
        // Argon2id at a test's cost (1 MiB, one pass) rather than production's (19 MiB, two):
        // most tests log in several users, and hashing took a third of the suite's time. The
        // production parameters are tested where hashing is the subject (`auth::hasher`).
        ("PROBITY_ARGON2_MEMORY_KIB".into(), "1024".into()),
        ("PROBITY_ARGON2_ITERATIONS".into(), "1".into()),
    ];
    for (k, v) in overrides {
        vars.retain(|(name, _)| name != k);
        vars.push(((*k).into(), (*v).into()));
    }
    Settings::from_lookup(Purpose::Serve { dev: false }, |name| {
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .expect("valid test settings")
}

/// Captures every log line of the test process (JSON, debug level), so a test can prove that
/// secrets never reach the logs.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct CaptureWriter;

impl std::io::Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install_log_capture() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let subscriber =
            probity::telemetry::subscriber(probity::config::LogFormat::Json, "debug", || {
                CaptureWriter
            });
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        self
    }
}

type AppService = BoxService<actix_http::Request, ServiceResponse<BoxBody>, actix_web::Error>;

/// The application under test, with its own database.
pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub documents_dir: std::path::PathBuf,
    service: AppService,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.documents_dir);
    }
}

pub struct Req<'a> {
    app: &'a TestApp,
    inner: test::TestRequest,
}

impl Req<'_> {
    pub fn token(mut self, token: &str) -> Self {
        self.inner = self
            .inner
            .insert_header(("authorization", format!("Bearer {token}")));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner = self
            .inner
            .insert_header((name.to_owned(), value.to_owned()));
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.inner = self
            .inner
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string());
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> Self {
        self.inner = self
            .inner
            .insert_header(("content-type", content_type.to_owned()))
            .set_payload(body.into());
        self
    }

    pub async fn send(self) -> Resp {
        match self.app.service.call(self.inner.to_request()).await {
            Ok(res) => {
                let status = res.status();
                let headers = res.headers().clone();
                let bytes = test::read_body(res).await.to_vec();
                Resp {
                    status,
                    headers,
                    bytes,
                }
            }
            // As the server does: an error from a middleware is answered with its response.
            Err(e) => {
                let res = e.error_response();
                let status = res.status();
                let headers = res.headers().clone();
                let bytes = actix_web::body::to_bytes(res.into_body())
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                Resp {
                    status,
                    headers,
                    bytes,
                }
            }
        }
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(&[]).await
    }

    pub async fn with_settings(overrides: &[(&str, &str)]) -> Self {
        Self::on(TestDb::new(), overrides).await
    }

    /// The application on an existing test database.
    pub async fn on(db: TestDb, overrides: &[(&str, &str)]) -> Self {
        install_log_capture();
        let documents_dir =
            std::env::temp_dir().join(format!("probity-documents-{}", Uuid::new_v4().simple()));
        let dir = documents_dir.to_string_lossy().into_owned();
        let mut all: Vec<(&str, &str)> = vec![("PROBITY_DOCUMENTS_DIR", dir.as_str())];
        all.extend_from_slice(overrides);
        let settings = settings(&db.url, &all);
        let pool = Db::connect(&settings.database).expect("pool");
        let state = AppState::new(settings, pool).expect("state");
        let service = test::init_service(probity::http::app(state.clone())).await;
        let service = actix_service::ServiceExt::map(service, |r: ServiceResponse<_>| {
            r.map_into_boxed_body()
        });
        Self {
            db,
            state,
            documents_dir,
            service: actix_service::boxed::service(service),
        }
    }

    pub fn req(&self, method: Method, path: &str) -> Req<'_> {
        let inner = test::TestRequest::default()
            .method(method)
            .uri(path)
            .peer_addr("192.0.2.10:40000".parse().unwrap());
        Req { app: self, inner }
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.req(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Req<'_> {
        self.req(Method::POST, path)
    }

    pub fn patch(&self, path: &str) -> Req<'_> {
        self.req(Method::PATCH, path)
    }

    pub fn put(&self, path: &str) -> Req<'_> {
        self.req(Method::PUT, path)
    }

    /// Creates an account directly (as the CLI would), with [`PASSWORD`].
    pub fn create_user(&self, username: &str, role: Role) -> Uuid {
        let account = NewAccount {
            username: Username::parse(username).unwrap(),
            display_name: DisplayName::parse(&format!("{username} (test)")).unwrap(),
            role,
            password_hash: self
                .state
                .hasher
                .hash_blocking(&Password::new(PASSWORD.to_owned(), None).unwrap())
                .unwrap(),
            staff: None,
        };
        let mut conn = self.db.connect();
        conn.transaction(|c| accounts::create(c, &self.system_audit(), &account))
            .unwrap()
            .id
    }

    /// Gives an account a staff identity (as an admin would), so that subjects with this
    /// force and collar number are linked to it.
    pub fn set_staff_identity(&self, user_id: Uuid, force: &str, collar_number: &str) {
        let changes = accounts::AccountChanges {
            staff: Some(Some(StaffIdentity::parse(force, collar_number).unwrap())),
            ..Default::default()
        };
        let mut conn = self.db.connect();
        conn.transaction(|c| {
            accounts::update(c, &self.system_audit(), user_id, &changes, |_| Ok(()))
        })
        .unwrap();
    }

    pub async fn login_as(&self, username: &str, password: &str) -> Resp {
        self.post("/api/v1/auth/login")
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
    }

    /// Creates a user with `role` and returns an access token for them.
    pub async fn user_token(&self, username: &str, role: Role) -> (Uuid, String) {
        let id = self.create_user(username, role);
        let body = self.login_as(username, PASSWORD).await.expect(200).json();
        (id, body["access_token"].as_str().unwrap().to_owned())
    }

    /// The audit context of work done by the application itself, with the test master key.
    pub fn system_audit(&self) -> AuditContext {
        AuditContext::system(self.state.audit_keys.clone())
    }

    /// How many items one page of the list at `path` holds for `token` (which must get 200).
    pub async fn item_count(&self, path: &str, token: &str) -> usize {
        self.get(path).token(token).send().await.expect(200).json()["items"]
            .as_array()
            .map_or(0, Vec::len)
    }

    pub fn sql(&self, statements: &str) {
        self.db.connect().batch_execute(statements).unwrap();
    }
}

/// Polls two futures together on this thread, so two requests really are in flight at once.
pub async fn join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none()
            && let std::task::Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let std::task::Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}
