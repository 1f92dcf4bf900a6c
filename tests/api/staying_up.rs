//! Abuse that would take the service down or put false facts into its log, tried as an
//! attacker would: choosing one's own client address behind a proxy, framing the pages.

use serde_json::{Value, json};

use crate::support::TestApp;

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
