use probity::domain::Role;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[actix_web::test]
async fn admins_create_read_list_and_change_accounts() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;

    let created = app
        .post("/api/v1/users")
        .token(&admin)
        .json(&json!({"username": "ds.smith", "display_name": "DS Smith", "role": "investigator", "password": PASSWORD}))
        .send()
        .await
        .expect(201);
    let user = created.json();
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location").unwrap(),
        format!("/api/v1/users/{id}")
    );
    assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(user["role"], "investigator");
    assert_eq!(user["active"], true);
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());

    let read = app
        .get(&format!("/api/v1/users/{id}"))
        .token(&admin)
        .send()
        .await
        .expect(200);
    assert_eq!(read.json()["username"], "ds.smith");

    let taken = app
        .post("/api/v1/users")
        .token(&admin)
        .json(&json!({"username": "DS.SMITH", "display_name": "Another", "role": "intake", "password": PASSWORD}))
        .send()
        .await
        .expect(409);
    assert_eq!(taken.code(), "username_taken");

    let changed = app
        .patch(&format!("/api/v1/users/{id}"))
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"display_name": "DI Smith", "role": "supervisor"}))
        .send()
        .await
        .expect(200);
    assert_eq!(changed.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(changed.json()["role"], "supervisor");
    assert_eq!(changed.json()["display_name"], "DI Smith");

    let list = app
        .get("/api/v1/users?limit=1")
        .token(&admin)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let cursor = list["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/users?limit=500&cursor={cursor}"))
        .token(&admin)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let sups = app
        .get("/api/v1/users?role=supervisor")
        .token(&admin)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(sups["items"][0]["username"], "ds.smith");
}

#[actix_web::test]
async fn new_passwords_follow_the_policy() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    let create = |password: &str, username: &str| json!({"username": username, "display_name": "X", "role": "intake", "password": password});
    for (password, code) in [
        ("elevenchars", "too_short"),
        (&"x".repeat(129) as &str, "too_long"),
        ("1qaz2wsx3edc", "common_password"),
        ("intake.person", "same_as_username"),
    ] {
        let resp = app
            .post("/api/v1/users")
            .token(&admin)
            .json(&create(password, "intake.person"))
            .send()
            .await
            .expect(422);
        assert_eq!(resp.code(), "weak_password", "{password}");
        assert_eq!(resp.json()["errors"][0]["field"], "password");
        assert_eq!(resp.json()["errors"][0]["code"], code, "{password}");
    }
    // 12 code points of multi-byte characters are enough; no composition rules.
    app.post("/api/v1/users")
        .token(&admin)
        .json(&create("ééééééééééé€", "intake.person"))
        .send()
        .await
        .expect(201);
}

#[actix_web::test]
async fn acceptance_deactivation_takes_effect_on_the_next_request() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    let created = app
        .post("/api/v1/users")
        .token(&admin)
        .json(&json!({"username": "sup", "display_name": "Supervisor", "role": "supervisor", "password": PASSWORD}))
        .send()
        .await
        .expect(201)
        .json();
    let id = created["id"].as_str().unwrap();
    let sup = app.login_as("sup", PASSWORD).await.expect(200).json();
    let sup_token = sup["access_token"].as_str().unwrap();
    app.get("/api/v1/me")
        .token(sup_token)
        .send()
        .await
        .expect(200);

    app.patch(&format!("/api/v1/users/{id}"))
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"active": false}))
        .send()
        .await
        .expect(200);

    let refused = app
        .get("/api/v1/me")
        .token(sup_token)
        .send()
        .await
        .expect(401);
    assert_eq!(refused.code(), "invalid_token");
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": sup["refresh_token"]}))
        .send()
        .await
        .expect(401);
    app.login_as("sup", PASSWORD).await.expect(401);
}

#[actix_web::test]
async fn a_role_change_takes_effect_on_the_next_request() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    let (other_id, other) = app.user_token("admin.two", Role::Admin).await;
    app.get("/api/v1/users")
        .token(&other)
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/users/{other_id}"))
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"role": "auditor"}))
        .send()
        .await
        .expect(200);
    app.get("/api/v1/users")
        .token(&other)
        .send()
        .await
        .expect(403);
    app.get("/api/v1/audit")
        .token(&other)
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    let app = TestApp::new().await;
    let (admin_id, admin) = app.user_token("admin.one", Role::Admin).await;
    for change in [json!({"active": false}), json!({"role": "supervisor"})] {
        let resp = app
            .patch(&format!("/api/v1/users/{admin_id}"))
            .token(&admin)
            .header("if-match", "\"1\"")
            .json(&change)
            .send()
            .await
            .expect(409);
        assert_eq!(resp.code(), "last_admin");
    }
    // With a second admin, the first may step down.
    app.create_user("admin.two", Role::Admin);
    app.patch(&format!("/api/v1/users/{admin_id}"))
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"role": "supervisor"}))
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn changes_need_the_current_etag() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    let id = app.create_user("inv", Role::Investigator);
    let path = format!("/api/v1/users/{id}");

    let missing = app
        .patch(&path)
        .token(&admin)
        .json(&json!({"display_name": "A"}))
        .send()
        .await
        .expect(428);
    assert_eq!(missing.code(), "precondition_required");
    let stale = app
        .patch(&path)
        .token(&admin)
        .header("if-match", "\"7\"")
        .json(&json!({"display_name": "A"}))
        .send()
        .await
        .expect(412);
    assert_eq!(stale.code(), "precondition_failed");
    let empty = app
        .patch(&path)
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({}))
        .send()
        .await
        .expect(422);
    assert_eq!(empty.code(), "validation_failed");
    let unknown = app
        .patch("/api/v1/users/00000000-0000-4000-8000-000000000000")
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"active": true}))
        .send()
        .await
        .expect(404);
    assert_eq!(unknown.code(), "not_found");
}

#[actix_web::test]
async fn two_concurrent_changes_with_one_etag_one_wins_one_is_refused() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    let id = app.create_user("inv", Role::Investigator);
    let path = format!("/api/v1/users/{id}");
    let a = app
        .patch(&path)
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"display_name": "First"}))
        .send();
    let b = app
        .patch(&path)
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"display_name": "Second"}))
        .send();
    let (a, b) = crate::support::join(a, b).await;
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412]);
    let winner = if a.status == 200 { a.json() } else { b.json() };
    let now = app.get(&path).token(&admin).send().await.expect(200).json();
    assert_eq!(now["display_name"], winner["display_name"]);
    assert_eq!(now["version"], 2);
}
