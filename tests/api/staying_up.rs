//! Abuse that would take the service down, lock its users out or put false facts into its
//! log, tried as an attacker would: choosing one's own client address behind a proxy, framing
//! the pages, locking an officer out from elsewhere, login storms, look-alike usernames.

use probity::domain::Role;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp};

/// A login from `addr` (the address the trusted proxy saw).
async fn login_from(
    app: &TestApp,
    addr: &str,
    username: &str,
    password: &str,
) -> crate::support::Resp {
    app.post("/api/v1/auth/login")
        .header("x-forwarded-for", addr)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
}

fn count_events(app: &TestApp, action: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT count(*) AS n FROM audit_events WHERE action = $1")
        .bind::<diesel::sql_types::Text, _>(action)
        .get_result::<N>(&mut app.db.connect())
        .unwrap()
        .n
}

fn report(text: &str) -> Value {
    json!({
        "what_happened": text,
        "officer_name": "PC Smith",
        "reporter_is_affected": true,
        "consent_to_contact": false
    })
}

#[actix_web::test]
async fn a_client_behind_the_proxy_cannot_choose_its_own_address() {
    // One trusted proxy appends the address it saw (10.0.0.9); the client writes a new
    // address of its own on the left of the header for every report it sends.
    let app = TestApp::with_settings(&[
        ("PROBITY_TRUSTED_PROXIES", "1"),
        ("PROBITY_PUBLIC_REPORT_LIMIT", "2"),
    ])
    .await;
    for i in 1..=2 {
        app.post("/api/v1/public/reports")
            .header("x-forwarded-for", &format!("198.51.100.{i}, 10.0.0.9"))
            .json(&report("He kept messaging me after the stop."))
            .send()
            .await
            .expect(201);
    }
    let limited = app
        .post("/api/v1/public/reports")
        .header("x-forwarded-for", "198.51.100.3, 10.0.0.9")
        .json(&report("He kept messaging me after the stop."))
        .send()
        .await
        .expect(429);
    assert_eq!(limited.code(), "rate_limited");

    // The log records the address the proxy saw, never one the client wrote.
    let mut conn = app.db.connect();
    let recorded: Vec<Option<String>> = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            client_addr: Option<String>,
        }
        diesel::sql_query(
            "SELECT client_addr FROM audit_events WHERE action = 'public_report.received'",
        )
        .load::<Row>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| r.client_addr)
        .collect()
    };
    assert_eq!(recorded, vec![Some("10.0.0.9".to_owned()); 2]);
}

#[actix_web::test]
async fn no_page_can_be_framed_by_another_site() {
    let app = TestApp::new().await;
    for path in [
        "/docs/",
        "/openapi.json",
        "/healthz",
        "/api/v1/public/outcomes",
        "/public/outcomes",
    ] {
        let res = app.get(path).send().await;
        assert_eq!(
            res.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        let csp = res.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
}

#[actix_web::test]
async fn an_outsider_cannot_lock_an_officer_out_of_their_account_from_elsewhere() {
    let app = TestApp::with_settings(&[("PROBITY_TRUSTED_PROXIES", "1")]).await;
    app.create_user("only.admin", Role::Admin);
    // Six wrong passwords from the attacker's address: locked there, even the right one.
    for _ in 0..6 {
        login_from(
            &app,
            "198.51.100.66",
            "only.admin",
            "a guess at the password",
        )
        .await
        .expect(401);
    }
    login_from(&app, "198.51.100.66", "only.admin", PASSWORD)
        .await
        .expect(401);
    // The owner, at their own address, is not locked out.
    login_from(&app, "203.0.113.5", "only.admin", PASSWORD)
        .await
        .expect(200);
    assert_eq!(count_events(&app, "auth.locked"), 1);
}

#[actix_web::test]
async fn guessing_spread_over_addresses_locks_the_account_until_an_admin_unlocks_it() {
    let app = TestApp::with_settings(&[
        ("PROBITY_TRUSTED_PROXIES", "1"),
        ("PROBITY_LOCKOUT_THRESHOLD", "3"),
        ("PROBITY_LOCKOUT_ACCOUNT_THRESHOLD", "4"),
    ])
    .await;
    app.create_user("target", Role::Investigator);
    for i in 1..=4 {
        login_from(&app, &format!("198.51.100.{i}"), "target", "a guess")
            .await
            .expect(401);
    }
    // Locked everywhere now, the owner's address included.
    login_from(&app, "203.0.113.5", "target", PASSWORD)
        .await
        .expect(401);
    let mut conn = app.db.connect();
    probity::auth::accounts::unlock(&mut conn, &app.system_audit(), "target").unwrap();
    login_from(&app, "203.0.113.5", "target", PASSWORD)
        .await
        .expect(200);
    assert_eq!(count_events(&app, "user.unlocked"), 1);
}

#[actix_web::test]
async fn a_login_storm_from_one_address_is_refused_before_any_password_is_checked() {
    let app = TestApp::with_settings(&[
        ("PROBITY_TRUSTED_PROXIES", "1"),
        ("PROBITY_LOGIN_LIMIT", "3"),
    ])
    .await;
    app.create_user("someone", Role::Investigator);
    for _ in 0..3 {
        login_from(&app, "198.51.100.9", "nobody.at.all", "whatever it is")
            .await
            .expect(401);
    }
    let refused = login_from(&app, "198.51.100.9", "someone", PASSWORD)
        .await
        .expect(429);
    assert_eq!(refused.code(), "rate_limited");
    let wait: i64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 60, "{wait}");
    assert_eq!(
        refused.header("ratelimit-policy").as_deref(),
        Some("\"logins\";q=3;w=60")
    );
    assert_eq!(
        refused.header("ratelimit").as_deref(),
        Some(format!("\"logins\";r=0;t={wait}").as_str())
    );
    // Another address logs in as usual.
    login_from(&app, "203.0.113.5", "someone", PASSWORD)
        .await
        .expect(200);
}

#[actix_web::test]
async fn failed_logins_for_unknown_usernames_are_one_event_per_address_and_window() {
    let app = TestApp::with_settings(&[("PROBITY_TRUSTED_PROXIES", "1")]).await;
    for _ in 0..5 {
        login_from(&app, "198.51.100.7", "no.such.user", "whatever it is")
            .await
            .expect(401);
    }
    login_from(&app, "198.51.100.8", "no.such.one", "whatever it is")
        .await
        .expect(401);
    assert_eq!(count_events(&app, "auth.login_failed"), 0);
    // Nothing to report while the window is open; once it has ended, one event per address.
    let now = probity::audit::now();
    assert_eq!(
        probity::auth::sessions::report_unknown_user_failures(&app.state, now)
            .await
            .unwrap(),
        0
    );
    let later = now + chrono::Duration::seconds(121);
    assert_eq!(
        probity::auth::sessions::report_unknown_user_failures(&app.state, later)
            .await
            .unwrap(),
        2
    );
    assert_eq!(count_events(&app, "auth.login_failed"), 2);
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        client_addr: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Text)]
        attempts: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT client_addr, after->>'attempts' AS attempts FROM audit_events \
         WHERE action = 'auth.login_failed' ORDER BY client_addr",
    )
    .load(&mut app.db.connect())
    .unwrap();
    let got: Vec<(Option<String>, String)> = rows
        .into_iter()
        .map(|r| (r.client_addr, r.attempts))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("198.51.100.7".to_owned()), "5".to_owned()),
            (Some("198.51.100.8".to_owned()), "1".to_owned())
        ]
    );
}

#[actix_web::test]
async fn a_look_alike_username_names_no_account() {
    let app = TestApp::new().await;
    app.create_user("kim.k", Role::Investigator);
    // U+212A KELVIN SIGN, which case folding turns into a K.
    app.login_as("\u{212A}im.k", PASSWORD).await.expect(401);
    app.login_as("KIM.K", PASSWORD).await.expect(200);
}

#[actix_web::test]
async fn an_idempotency_key_is_the_clients_own() {
    // Another client trying a key learns nothing: it is not "already used" for them.
    let app = TestApp::with_settings(&[("PROBITY_TRUSTED_PROXIES", "1")]).await;
    let send = |addr: &'static str, text: &'static str| {
        app.post("/api/v1/public/reports")
            .header("x-forwarded-for", addr)
            .header("idempotency-key", "receipt-1")
            .json(&report(text))
            .send()
    };
    let first = send("198.51.100.1", "He kept messaging me after the stop.")
        .await
        .expect(201);
    let other = send("198.51.100.2", "Something else happened.")
        .await
        .expect(201);
    assert_ne!(first.json()["reference"], other.json()["reference"]);
    // The first client's retry is still a replay of its own receipt.
    let again = send("198.51.100.1", "He kept messaging me after the stop.")
        .await
        .expect(201);
    assert_eq!(first.json(), again.json());
}
