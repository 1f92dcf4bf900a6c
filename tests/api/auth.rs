use probity::domain::Role;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[actix_web::test]
async fn login_returns_a_bearer_token_pair_that_works() {
    let app = TestApp::new().await;
    app.create_user("sup.one", Role::Supervisor);
    let body = app.login_as("sup.one", PASSWORD).await.expect(200).json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
    let token = body["access_token"].as_str().unwrap();
    let me = app
        .get("/api/v1/me")
        .token(token)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(me["username"], "sup.one");
    assert_eq!(me["role"], "supervisor");
}

#[actix_web::test]
async fn usernames_are_case_insensitive_and_passwords_exact() {
    let app = TestApp::new().await;
    app.create_user("Jane.Doe", Role::Investigator);
    app.login_as("jane.doe", PASSWORD).await.expect(200);
    app.login_as("jane.doe", &PASSWORD.to_uppercase())
        .await
        .expect(401);
    app.login_as("jane.doe", &format!("{PASSWORD} "))
        .await
        .expect(401);
}

fn without_request_id(mut body: serde_json::Value) -> serde_json::Value {
    body.as_object_mut().unwrap().remove("request_id");
    body
}

#[actix_web::test]
async fn six_wrong_passwords_lock_and_every_failure_looks_the_same() {
    let app = TestApp::new().await;
    let id = app.create_user("target", Role::Investigator);

    let unknown = app.login_as("nobody.here", PASSWORD).await.expect(401);
    let wrong = app
        .login_as("target", "not the password at all")
        .await
        .expect(401);
    for _ in 0..4 {
        app.login_as("target", "not the password at all")
            .await
            .expect(401);
    }
    // Five failures in a row: now even the right password is refused.
    let locked = app.login_as("target", PASSWORD).await.expect(401);

    assert_eq!(unknown.code(), "invalid_credentials");
    assert_eq!(
        without_request_id(unknown.json()),
        without_request_id(wrong.json())
    );
    assert_eq!(
        without_request_id(wrong.json()),
        without_request_id(locked.json())
    );
    assert_eq!(unknown.bytes, wrong.bytes);
    assert_eq!(wrong.bytes, locked.bytes);
    assert_eq!(
        unknown.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    assert_ne!(unknown.header("x-request-id"), wrong.header("x-request-id"));

    // Locked for this client address (not account-wide: that takes
    // PROBITY_LOCKOUT_ACCOUNT_THRESHOLD failures from anywhere).
    app.sql(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM login_lockouts WHERE user_id = '{id}' \
         AND locked_until > now()) THEN RAISE EXCEPTION 'not locked'; END IF; END $$"
    ));
}

#[actix_web::test]
async fn the_lock_expires_and_a_success_resets_the_count() {
    let app = TestApp::with_settings(&[
        ("PROBITY_LOCKOUT_THRESHOLD", "2"),
        ("PROBITY_LOCKOUT_DURATION_SECS", "1"),
    ])
    .await;
    app.create_user("target", Role::Investigator);
    app.login_as("target", "wrong password number one")
        .await
        .expect(401);
    app.login_as("target", PASSWORD).await.expect(200);
    // The success reset the count: one more failure does not lock.
    app.login_as("target", "wrong password number one")
        .await
        .expect(401);
    app.login_as("target", PASSWORD).await.expect(200);
    app.login_as("target", "wrong password number one")
        .await
        .expect(401);
    app.login_as("target", "wrong password number one")
        .await
        .expect(401);
    app.login_as("target", PASSWORD).await.expect(401);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.login_as("target", PASSWORD).await.expect(200);
}

async fn login_pair(app: &TestApp, username: &str) -> (String, String) {
    let body = app.login_as(username, PASSWORD).await.expect(200).json();
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, token: &str) -> crate::support::Resp {
    app.post("/api/v1/auth/refresh")
        .json(&json!({ "refresh_token": token }))
        .send()
        .await
}

#[actix_web::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = TestApp::new().await;
    app.create_user("inv", Role::Investigator);
    let (access1, refresh1) = login_pair(&app, "inv").await;

    let second = refresh(&app, &refresh1).await.expect(200).json();
    let refresh2 = second["refresh_token"].as_str().unwrap().to_owned();
    let access2 = second["access_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh1, refresh2);
    app.get("/api/v1/me")
        .token(&access2)
        .send()
        .await
        .expect(200);

    let third = refresh(&app, &refresh2).await.expect(200).json();
    let refresh3 = third["refresh_token"].as_str().unwrap().to_owned();
    let access3 = third["access_token"].as_str().unwrap().to_owned();

    // The first token comes back: somebody copied it. The whole family ends.
    let reused = refresh(&app, &refresh1).await.expect(401);
    assert_eq!(reused.code(), "invalid_refresh_token");
    refresh(&app, &refresh3).await.expect(401);
    for access in [&access1, &access2, &access3] {
        app.get("/api/v1/me").token(access).send().await.expect(401);
    }
    // Another login is a new family and works.
    let (access4, _) = login_pair(&app, "inv").await;
    app.get("/api/v1/me")
        .token(&access4)
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn concurrent_use_of_one_refresh_token_lets_at_most_one_through() {
    let app = TestApp::new().await;
    app.create_user("inv", Role::Investigator);
    let (_, token) = login_pair(&app, "inv").await;
    let (a, b) = crate::support::join(refresh(&app, &token), refresh(&app, &token)).await;
    let ok = [a.status.as_u16(), b.status.as_u16()]
        .iter()
        .filter(|s| **s == 200)
        .count();
    assert!(ok <= 1, "{} {}", a.status, b.status);
}

#[actix_web::test]
async fn logout_ends_the_session_and_its_access_tokens() {
    let app = TestApp::new().await;
    app.create_user("inv", Role::Investigator);
    let (access, refresh_token) = login_pair(&app, "inv").await;
    let (other_access, _) = login_pair(&app, "inv").await;
    app.post("/api/v1/auth/logout")
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .expect(204);
    app.get("/api/v1/me")
        .token(&access)
        .send()
        .await
        .expect(401);
    refresh(&app, &refresh_token).await.expect(401);
    // Another session of the same user is untouched.
    app.get("/api/v1/me")
        .token(&other_access)
        .send()
        .await
        .expect(200);
    app.post("/api/v1/auth/logout")
        .json(&json!({ "refresh_token": "no-such-token" }))
        .send()
        .await
        .expect(401);
}

#[actix_web::test]
async fn changing_my_password_ends_my_other_sessions() {
    let app = TestApp::new().await;
    app.create_user("inv", Role::Investigator);
    let (mine, _) = login_pair(&app, "inv").await;
    let (other, other_refresh) = login_pair(&app, "inv").await;
    let new_password = "a completely different passphrase";

    let weak = app
        .put("/api/v1/me/password")
        .token(&mine)
        .json(&json!({ "current_password": PASSWORD, "new_password": "short" }))
        .send()
        .await
        .expect(422);
    assert_eq!(weak.code(), "weak_password");
    assert_eq!(weak.json()["errors"][0]["field"], "new_password");

    let wrong = app
        .put("/api/v1/me/password")
        .token(&mine)
        .json(
            &json!({ "current_password": "not my password at all", "new_password": new_password }),
        )
        .send()
        .await
        .expect(403);
    assert_eq!(wrong.code(), "wrong_password");

    app.put("/api/v1/me/password")
        .token(&mine)
        .json(&json!({ "current_password": PASSWORD, "new_password": new_password }))
        .send()
        .await
        .expect(204);
    app.get("/api/v1/me").token(&mine).send().await.expect(200);
    app.get("/api/v1/me").token(&other).send().await.expect(401);
    refresh(&app, &other_refresh).await.expect(401);
    app.login_as("inv", PASSWORD).await.expect(401);
    app.login_as("inv", new_password).await.expect(200);
}

/// A stolen access token cannot guess the password where the login form has stopped: failed
/// checks of the current password lock the account like failed logins, and a locked account's
/// password is not checked at all, so the right one sets nothing either.
#[actix_web::test]
async fn a_stolen_token_cannot_keep_guessing_the_password_of_a_locked_account() {
    let app = TestApp::new().await;
    app.create_user("inv", Role::Investigator);
    let (token, _) = login_pair(&app, "inv").await;
    let new_password = "a completely different passphrase";
    for _ in 0..5 {
        app.put("/api/v1/me/password")
            .token(&token)
            .json(
                &json!({ "current_password": "a wrong guess at it", "new_password": new_password }),
            )
            .send()
            .await
            .expect(403);
    }
    let locked = app
        .put("/api/v1/me/password")
        .token(&token)
        .json(&json!({ "current_password": PASSWORD, "new_password": new_password }))
        .send()
        .await
        .expect(423);
    assert_eq!(locked.code(), "account_locked");
    let wait: i64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 900, "{wait}");
    // Nothing changed: the account keeps its password (the lock lifted by hand).
    app.sql(
        "DELETE FROM login_lockouts; \
         UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = 'inv'",
    );
    app.login_as("inv", new_password).await.expect(401);
    app.login_as("inv", PASSWORD).await.expect(200);
}

#[actix_web::test]
async fn tokens_that_are_missing_malformed_or_foreign_are_refused() {
    let app = TestApp::new().await;
    let missing = app.get("/api/v1/me").send().await.expect(401);
    assert_eq!(missing.code(), "authentication_required");
    assert!(
        missing
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
    let garbage = app
        .get("/api/v1/me")
        .token("garbage")
        .send()
        .await
        .expect(401);
    assert_eq!(garbage.code(), "invalid_token");
}
