//! The `probity` command line, run as a separate process like an operator would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::json;

use crate::support::{PASSWORD, SIGNING_KEY_B64, TestApp, TestDb};

/// Runs `probity` in an empty directory (so no `.env` is read) with only the given environment.
fn probity(db: &TestDb, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let dir = std::env::temp_dir().join(format!("probity-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_probity"));
    cmd.args(args)
        .current_dir(&dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("PROBITY_LOG", "warn")
        .env("PROBITY_DATA_KEY", crate::support::DATA_KEY_B64)
        .env("PROBITY_AUDIT_SIGNING_KEY", crate::support::SIGNING_KEY_B64)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the probity binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[actix_web::test]
async fn acceptance_bootstrap_an_admin_then_deactivate_a_supervisor() {
    let db = TestDb::new();
    let out = probity(
        &db,
        &[
            "user",
            "create",
            "--username",
            "chief.admin",
            "--display-name",
            "Chief Admin",
            "--role",
            "admin",
        ],
        &[("PROBITY_PASSWORD", PASSWORD)],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(uuid::Uuid::parse_str(text(&out.stdout).trim()).is_ok());

    let app = TestApp::on(db, &[]).await;
    let admin = app
        .login_as("chief.admin", PASSWORD)
        .await
        .expect(200)
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let sup = app
        .post("/api/v1/users")
        .token(&admin)
        .json(&json!({"username": "sup", "display_name": "Sup", "role": "supervisor", "password": PASSWORD}))
        .send()
        .await
        .expect(201);
    let etag = sup.header("etag").unwrap();
    let sup_id = sup.json()["id"].as_str().unwrap().to_owned();
    let sup_token = app.login_as("sup", PASSWORD).await.expect(200).json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get("/api/v1/me")
        .token(&sup_token)
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/users/{sup_id}"))
        .token(&admin)
        .header("if-match", &etag)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect(200);
    app.get("/api/v1/me")
        .token(&sup_token)
        .send()
        .await
        .expect(401);

    let out = probity(&app.db, &["audit", "verify"], &[], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["events_checked"], 5);
}

#[actix_web::test]
async fn user_create_reads_the_password_from_stdin_and_never_from_argv() {
    let db = TestDb::new();
    let out = probity(
        &db,
        &[
            "user",
            "create",
            "--username",
            "auditor.a",
            "--display-name",
            "Auditor",
            "--role",
            "auditor",
        ],
        &[],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let app = TestApp::on(db, &[]).await;
    app.login_as("auditor.a", PASSWORD).await.expect(200);

    let out = probity(
        &app.db,
        &[
            "user",
            "create",
            "--username",
            "x.y",
            "--display-name",
            "X",
            "--role",
            "intake",
            "--password",
            PASSWORD,
        ],
        &[],
        None,
    );
    assert!(!out.status.success());
    let out = probity(
        &app.db,
        &[
            "user",
            "create",
            "--username",
            "weak.one",
            "--display-name",
            "W",
            "--role",
            "intake",
        ],
        &[("PROBITY_PASSWORD", "password")],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("password"),
        "{}",
        text(&out.stderr)
    );
    let out = probity(
        &app.db,
        &[
            "user",
            "create",
            "--username",
            "role.less",
            "--display-name",
            "R",
            "--role",
            "constable",
        ],
        &[("PROBITY_PASSWORD", PASSWORD)],
        None,
    );
    assert!(!out.status.success());
}

#[actix_web::test]
async fn acceptance_verify_finds_a_rewritten_event_and_a_checkpoint_finds_a_cut_tail() {
    let db = TestDb::new();
    for name in ["first.user", "second.user", "third.user"] {
        let out = probity(
            &db,
            &[
                "user",
                "create",
                "--username",
                name,
                "--display-name",
                name,
                "--role",
                "investigator",
            ],
            &[("PROBITY_PASSWORD", PASSWORD)],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let key = [("PROBITY_AUDIT_SIGNING_KEY", SIGNING_KEY_B64)];
    let out = probity(&db, &["audit", "checkpoint"], &key, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let checkpoint_file =
        std::env::temp_dir().join(format!("probity-cp-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&checkpoint_file, &out.stdout).unwrap();
    let cp = checkpoint_file.to_str().unwrap();

    let out = probity(&db, &["audit", "verify", "--checkpoint", cp], &key, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Cut the tail: the chain row still names the event cut off as its head.
    let mut conn = db.connect();
    use diesel::connection::SimpleConnection;
    conn.batch_execute("SET session_replication_role = replica; DELETE FROM audit_events WHERE chain_id = 'system' AND seq = 3")
        .unwrap();
    let out = probity(&db, &["audit", "verify"], &[], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("chain system at seq 3")
            && text(&out.stderr).contains("head_mismatch"),
        "{}",
        text(&out.stderr)
    );
    // Set the head back as well: the chain alone verifies, the checkpoint does not.
    conn.batch_execute(
        "UPDATE audit_chains c SET head_seq = e.seq, head_hash = e.hash FROM audit_events e \
         WHERE c.id = 'system' AND e.chain_id = 'system' AND e.seq = 2",
    )
    .unwrap();
    let out = probity(&db, &["audit", "verify"], &[], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = probity(&db, &["audit", "verify", "--checkpoint", cp], &key, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("chain system at seq 3"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("missing_event"),
        "{}",
        text(&out.stderr)
    );

    // A checkpoint signed with another key is refused outright.
    let other = [(
        "PROBITY_AUDIT_SIGNING_KEY",
        "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
    )];
    let out = probity(&db, &["audit", "verify", "--checkpoint", cp], &other, None);
    assert_eq!(out.status.code(), Some(2));

    // Rewrite an event: verify names it.
    let id: String = {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        diesel::sql_query("SELECT id::text AS id FROM audit_events WHERE seq = 2")
            .get_result::<Row>(&mut conn)
            .unwrap()
            .id
    };
    conn.batch_execute("SET session_replication_role = replica; UPDATE audit_events SET action = 'user.deleted' WHERE seq = 2")
        .unwrap();
    let out = probity(&db, &["audit", "verify"], &[], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&id) && stderr.contains("hash_mismatch"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["first_broken"]["event_id"], id);
    let _ = std::fs::remove_file(&checkpoint_file);
}

#[actix_web::test]
async fn serve_refuses_to_start_without_secrets_outside_dev_mode() {
    let db = TestDb::new();
    let out = probity(&db, &["serve"], &[], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("PROBITY_JWT_SECRET"),
        "{}",
        text(&out.stderr)
    );
    let out = probity(
        &db,
        &["serve"],
        &[("PROBITY_JWT_SECRET", "too short")],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("at least 32 bytes"),
        "{}",
        text(&out.stderr)
    );
}

#[actix_web::test]
async fn migrate_creates_a_missing_database() {
    let db = TestDb::new();
    let fresh = TestDb {
        name: format!("{}_fresh", db.name),
        url: format!("{}_fresh", db.url),
    };
    let out = probity(&fresh, &["migrate"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = probity(&fresh, &["audit", "verify"], &[], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.0 exchange with the real server, so the test needs no HTTP client crate.
fn http(port: u16, request: &str) -> String {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[actix_web::test]
async fn serve_dev_migrates_bootstraps_an_admin_and_serves() {
    let db = TestDb::new();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let dir = std::env::temp_dir().join(format!("probity-serve-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(["serve", "--dev"])
        .current_dir(&dir)
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("PROBITY_BIND", &bind)
        .env("PROBITY_LOG", "warn")
        .env("PROBITY_WORKERS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    let password = line
        .trim()
        .rsplit_once("password: ")
        .map(|(_, p)| p.to_owned())
        .expect(&line);

    let healthy = (0..100).any(|_| {
        let ok = Command::new(env!("CARGO_BIN_EXE_probity"))
            .arg("healthcheck")
            .env_clear()
            .env("PROBITY_BIND", &bind)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        ok
    });
    let body = format!("{{\"username\":\"admin\",\"password\":\"{password}\"}}");
    let login = http(
        port,
        &format!(
            "POST /api/v1/auth/login HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    let docs = http(port, "GET /docs/ HTTP/1.0\r\nHost: x\r\n\r\n");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(healthy, "the server never answered /healthz");
    assert!(
        login.starts_with("HTTP/1.0 200") || login.starts_with("HTTP/1.1 200"),
        "{login}"
    );
    assert!(login.contains("access_token"));
    assert!(docs.contains(" 200 "), "{docs}");
}

/// `probity serve` keeps signed checkpoints in the document store (here written as its
/// schedule writes them); `audit verify --latest-checkpoint`, with nothing but the public key,
/// finds a case's tail cut since then, although whoever cut it also set the chain's head back.
#[actix_web::test]
async fn verify_finds_a_tail_cut_since_the_latest_stored_checkpoint_with_the_public_key_only() {
    use base64::Engine;
    let app = TestApp::new().await;
    let (_, sup) = app
        .user_token("sup.cp", probity::domain::Role::Supervisor)
        .await;
    let case = crate::support::create_case(&app, &sup, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/cases/{id}"))
        .token(&sup)
        .send()
        .await
        .expect(200);
    let stored = probity::audit::checkpoint::write_to_store(&app.state)
        .await
        .unwrap();
    assert!(stored.starts_with("audit-checkpoints/"), "{stored}");

    let public = base64::engine::general_purpose::STANDARD.encode(
        app.state
            .audit_key
            .as_ref()
            .unwrap()
            .verifying_key()
            .to_bytes(),
    );
    let dir = app.documents_dir.to_string_lossy().into_owned();
    let env = [
        ("PROBITY_AUDIT_SIGNING_KEY", ""),
        ("PROBITY_AUDIT_PUBLIC_KEY", public.as_str()),
        ("PROBITY_DOCUMENTS_DIR", dir.as_str()),
    ];
    let out = probity(
        &app.db,
        &["audit", "verify", "--latest-checkpoint"],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The same checkpoint as a file, checked with the public key only.
    let file = app.documents_dir.join(&stored);
    let out = probity(
        &app.db,
        &["audit", "verify", "--checkpoint", file.to_str().unwrap()],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Cut the case's last event and set its chain's head back to the one before.
    app.sql(&format!(
        "SET session_replication_role = replica; \
         DELETE FROM audit_events WHERE chain_id = '{id}' \
           AND seq = (SELECT max(seq) FROM audit_events WHERE chain_id = '{id}'); \
         UPDATE audit_chains c SET head_seq = e.seq, head_hash = e.hash FROM audit_events e \
          WHERE c.id = '{id}' AND e.chain_id = '{id}' \
            AND e.seq = (SELECT max(seq) FROM audit_events WHERE chain_id = '{id}');"
    ));
    let out = probity(&app.db, &["audit", "verify"], &env, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the chain alone: {}",
        text(&out.stderr)
    );
    let out = probity(
        &app.db,
        &["audit", "verify", "--latest-checkpoint"],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("chain {id}")) && err.contains("missing_event"),
        "{err}"
    );
}

#[test]
fn instances_starting_together_on_a_missing_database_all_start() {
    // Three rounds of two `probity migrate` started at the same moment on a database that does
    // not exist yet: both create it, or find it created, and migrate in turn.
    for _ in 0..3 {
        let name = format!("probity_race_{}", uuid::Uuid::new_v4().simple());
        let url = crate::support::database_url(&name);
        let start = || {
            Command::new(env!("CARGO_BIN_EXE_probity"))
                .arg("migrate")
                .current_dir(std::env::temp_dir())
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("DATABASE_URL", &url)
                .env("PROBITY_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the probity binary runs")
        };
        let (a, b) = (start(), start());
        let outputs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let mut admin = crate::support::admin_connection();
        diesel::connection::SimpleConnection::batch_execute(
            &mut admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .unwrap();
        for out in outputs {
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
    }
}

#[actix_web::test]
async fn an_admin_locked_out_by_guessing_is_let_back_in_from_the_command_line() {
    let app = TestApp::with_settings(&[
        ("PROBITY_LOCKOUT_THRESHOLD", "2"),
        ("PROBITY_LOCKOUT_ACCOUNT_THRESHOLD", "2"),
    ])
    .await;
    app.create_user("only.admin", probity::domain::Role::Admin);
    for _ in 0..2 {
        app.login_as("only.admin", "a guess at it")
            .await
            .expect(401);
    }
    app.login_as("only.admin", PASSWORD).await.expect(401);

    let unknown = probity(
        &app.db,
        &["user", "unlock", "--username", "nobody"],
        &[],
        None,
    );
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stderr));
    let out = probity(
        &app.db,
        &["user", "unlock", "--username", "Only.Admin"],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    app.login_as("only.admin", PASSWORD).await.expect(200);
}
