//! Bad input gets a clear 4xx problem+json naming what is wrong; never a 500.

use probity::domain::Role;
use serde_json::json;

use crate::support::{PASSWORD, Resp, TestApp};

#[track_caller]
fn problem(resp: &Resp, status: u16, code: &str) {
    assert_eq!(
        resp.status.as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&resp.bytes)
    );
    assert_eq!(
        resp.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let body = resp.json();
    assert_eq!(body["code"], code);
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("urn:probity:problem:{code}"));
    assert!(body["title"].is_string() && body["detail"].is_string());
}

fn field(resp: &Resp) -> String {
    resp.json()["errors"][0]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
async fn malformed_and_misshapen_bodies() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    let post = || app.post("/api/v1/users").token(&admin);

    let resp = post()
        .raw("application/json", "{\"username\": ")
        .send()
        .await;
    problem(&resp, 400, "invalid_json");

    let resp = post().raw("application/json", "").send().await;
    problem(&resp, 400, "invalid_json");

    let resp = post()
        .json(&json!({"username": 42, "display_name": "X", "role": "intake", "password": PASSWORD}))
        .send()
        .await;
    problem(&resp, 422, "validation_failed");
    assert_eq!(field(&resp), "username");
    assert_eq!(resp.json()["errors"][0]["code"], "invalid_type");

    let resp = post()
        .json(&json!({"username": "abc", "display_name": "X", "password": PASSWORD}))
        .send()
        .await;
    problem(&resp, 422, "validation_failed");
    assert_eq!(field(&resp), "role");
    assert_eq!(resp.json()["errors"][0]["code"], "required");

    let resp = post()
        .json(&json!({"username": "abc", "display_name": "X", "role": "intake", "password": PASSWORD, "is_admin": true}))
        .send()
        .await;
    problem(&resp, 422, "validation_failed");
    assert_eq!(field(&resp), "is_admin");
    assert_eq!(resp.json()["errors"][0]["code"], "unknown_field");

    let resp = post()
        .json(&json!({"username": "abc", "display_name": "X", "role": "chief_constable", "password": PASSWORD}))
        .send()
        .await;
    problem(&resp, 422, "validation_failed");
    assert_eq!(field(&resp), "role");

    // Every refused field at once, each with its own code, in the order the body has them.
    let resp = post()
        .raw(
            "application/json",
            format!(
                r#"{{"username": "a b", "display_name": " ", "role": "intake", "password": "{PASSWORD}"}}"#
            ),
        )
        .send()
        .await;
    problem(&resp, 422, "validation_failed");
    let body = resp.json();
    let fields: Vec<(&str, &str)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [("username", "invalid_value"), ("display_name", "required")]
    );

    let resp = post().raw("text/plain", "username=abc").send().await;
    problem(&resp, 415, "unsupported_media_type");

    let resp = post().json(&json!([1, 2, 3])).send().await;
    problem(&resp, 422, "validation_failed");
    assert_eq!(field(&resp), "[0]");
}

#[actix_web::test]
async fn a_two_mebibyte_body_is_413() {
    let app = TestApp::new().await;
    let big = format!(
        "{{\"username\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let resp = app
        .post("/api/v1/auth/login")
        .raw("application/json", big)
        .send()
        .await;
    problem(&resp, 413, "payload_too_large");
}

#[actix_web::test]
async fn malformed_path_and_query_parameters() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    let (_, auditor) = app.user_token("auditor.one", Role::Auditor).await;

    let resp = app
        .get("/api/v1/users/not-a-uuid")
        .token(&admin)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "id");

    let resp = app
        .get("/api/v1/users?limit=1000")
        .token(&admin)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "limit");

    let resp = app
        .get("/api/v1/users?limit=ten")
        .token(&admin)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "limit");

    let resp = app
        .get("/api/v1/users?role=constable")
        .token(&admin)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "role");

    let resp = app
        .get("/api/v1/users?cursor=garbage")
        .token(&admin)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "cursor");

    let resp = app
        .get("/api/v1/audit?from=yesterday")
        .token(&auditor)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "from");

    let resp = app
        .get("/api/v1/audit?case_id=123")
        .token(&auditor)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "case_id");

    let resp = app
        .get("/api/v1/audit?actor=someone")
        .token(&auditor)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "actor");

    let resp = app
        .get("/api/v1/audit?colour=red")
        .token(&auditor)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "colour");
}

#[actix_web::test]
async fn unknown_routes_are_problem_404s() {
    let app = TestApp::new().await;
    let resp = app.get("/api/v1/nothing-here").send().await;
    problem(&resp, 404, "not_found");
}

#[actix_web::test]
async fn every_response_carries_the_envelope_headers() {
    let app = TestApp::new().await;
    let resp = app
        .get("/healthz")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect(200);
    assert_eq!(resp.header("x-request-id").as_deref(), Some("abc-123"));
    assert_eq!(resp.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        resp.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // An id that could inject into logs is replaced by a fresh one.
    let resp = app
        .get("/healthz")
        .header("x-request-id", "bad id\"{}")
        .send()
        .await
        .expect(200);
    let id = resp.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let resp = app.get("/api/v1/me").send().await.expect(401);
    assert!(resp.header("x-request-id").is_some());
    assert_eq!(resp.header("cache-control").as_deref(), Some("no-store"));
}

#[actix_web::test]
async fn nul_characters_are_a_4xx_not_a_500() {
    let app = TestApp::new().await;
    let (_, auditor) = app.user_token("auditor.one", Role::Auditor).await;
    let resp = app.login_as("a\u{0}b", "whatever password here").await;
    assert!(resp.status.is_client_error(), "{}", resp.status);
    let resp = app
        .get("/api/v1/audit?action=a%00b")
        .token(&auditor)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    let resp = app
        .get("/api/v1/public/reports/PR-A%00")
        .header("x-receipt-token", "t")
        .send()
        .await;
    assert!(resp.status.is_client_error(), "{}", resp.status);
}

#[actix_web::test]
async fn dates_beyond_what_the_database_stores_are_a_4xx() {
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("sup.one", Role::Supervisor).await;
    for when in [
        "+200000-01-01T00:00:00Z",
        "-5000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ] {
        let resp = app
            .post("/api/v1/cases")
            .token(&sup)
            .json(&json!({"title": "T", "summary": "S", "source": "other", "category": "other", "received_at": when}))
            .send()
            .await;
        assert!(
            resp.status.as_u16() < 500,
            "{when}: {} {}",
            resp.status,
            String::from_utf8_lossy(&resp.bytes)
        );
    }
    let resp = app
        .get("/api/v1/cases?received_from=%2B200000-01-01T00:00:00Z")
        .token(&sup)
        .send()
        .await;
    assert!(resp.status.as_u16() < 500, "{}", resp.status);
}

/// A date where a date-time belongs, or the other way round, is told as such, naming the
/// field: not chrono's "premature end of input".
#[actix_web::test]
async fn a_date_for_a_date_time_and_back_are_explained() {
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("dates.sup", Role::Supervisor).await;
    let resp = app
        .post("/api/v1/cases")
        .token(&sup)
        .json(
            &json!({"title": "T", "summary": "S", "source": "public_report",
                      "category": "apsp", "received_at": "2026-11-20"}),
        )
        .send()
        .await;
    problem(&resp, 422, "validation_failed");
    assert_eq!(field(&resp), "received_at");
    let message = resp.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("expected an RFC 3339 date-time such as 2026-11-20T09:00:00Z"),
        "{message}"
    );
    let resp = app
        .get("/api/v1/cases?received_from=2026-11-20")
        .token(&sup)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "received_from");
    assert!(
        resp.json()["detail"]
            .as_str()
            .unwrap()
            .contains("not a date")
    );
    // A date field given a date-time.
    let case = crate::support::create_case(&app, &sup, "apsp").await;
    let resp = app
        .post(&format!(
            "/api/v1/cases/{}/tasks",
            case["id"].as_str().unwrap()
        ))
        .token(&sup)
        .json(&json!({"title": "Check CCTV", "due_on": "2026-11-20T09:00:00Z"}))
        .send()
        .await;
    problem(&resp, 422, "validation_failed");
    assert_eq!(field(&resp), "due_on");
    let message = resp.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("expected a date such as 2026-11-20"),
        "{message}"
    );
    // Neither: still named, still explained.
    let resp = app
        .get("/api/v1/cases?received_to=yesterday")
        .token(&sup)
        .send()
        .await;
    problem(&resp, 400, "invalid_parameter");
    assert_eq!(field(&resp), "received_to");
    assert!(
        resp.json()["detail"]
            .as_str()
            .unwrap()
            .contains("2026-11-20T09:00:00Z")
    );
}
