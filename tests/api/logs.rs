use probity::domain::Role;
use serde_json::json;

use crate::support::{PASSWORD, TestApp, captured_logs};

#[actix_web::test]
async fn passwords_tokens_and_hashes_never_reach_the_logs() {
    let app = TestApp::new().await;
    app.create_user("logged.user", Role::Admin);
    let login = app.login_as("logged.user", PASSWORD).await.expect(200);
    let request_id = login.header("x-request-id").unwrap();
    let tokens = login.json();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let wrong = "an entirely wrong passphrase";
    app.login_as("logged.user", wrong).await.expect(401);
    let new_password = "the brand new passphrase for logs";
    app.post("/api/v1/users")
        .token(&access)
        .json(&json!({"username": "second.user", "display_name": "S", "role": "intake", "password": new_password}))
        .send()
        .await
        .expect(201);
    let refreshed = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .expect(200)
        .json();

    let logs = captured_logs();
    // The login was logged, with its request id, route, status and the span's fields.
    let line = logs
        .lines()
        .find(|l| l.contains(&request_id) && l.contains("request completed"))
        .unwrap_or_else(|| panic!("no log line for request {request_id}"));
    let entry: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(entry["span"]["route"], "/api/v1/auth/login");
    assert_eq!(entry["span"]["status"], 200);
    assert_eq!(entry["span"]["method"], "POST");
    assert!(entry["span"]["latency_ms"].is_number());

    let hash: String = {
        use diesel::prelude::*;
        probity::db::schema::users::table
            .filter(probity::db::schema::users::username.eq("logged.user"))
            .select(probity::db::schema::users::password_hash)
            .first(&mut app.db.connect())
            .unwrap()
    };
    for secret in [
        PASSWORD,
        wrong,
        new_password,
        access.as_str(),
        refresh.as_str(),
        refreshed["access_token"].as_str().unwrap(),
        refreshed["refresh_token"].as_str().unwrap(),
        hash.as_str(),
        "$argon2id$",
    ] {
        assert!(
            !logs.contains(secret),
            "a secret reached the logs: {secret}"
        );
    }
}

#[actix_web::test]
async fn the_user_id_is_on_authenticated_request_logs() {
    let app = TestApp::new().await;
    let (id, token) = app.user_token("traced.user", Role::Auditor).await;
    let resp = app.get("/api/v1/me").token(&token).send().await.expect(200);
    let request_id = resp.header("x-request-id").unwrap();
    let logs = captured_logs();
    let line = logs
        .lines()
        .find(|l| l.contains(&request_id) && l.contains("request completed"))
        .unwrap();
    let entry: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(entry["span"]["user_id"], id.to_string());
}
