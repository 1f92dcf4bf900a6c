//! HTTP as clients and proxies expect it: a path the API has, asked with a method it does not
//! take, is 405 with `Allow` (a 404 would say the path does not exist); `HEAD` works wherever
//! `GET` does.

use actix_web::http::Method;
use probity::domain::Role;

use crate::support::TestApp;
use crate::support::create_case;

#[actix_web::test]
async fn a_wrong_method_on_a_known_path_is_405_with_allow() {
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("methods.sup", Role::Supervisor).await;
    let case = create_case(&app, &sup, "apsp").await;
    let id = case["id"].as_str().unwrap();
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/cases".to_owned(), "GET, HEAD, POST"),
        (
            Method::DELETE,
            format!("/api/v1/cases/{id}"),
            "GET, HEAD, PATCH",
        ),
        (
            Method::GET,
            format!("/api/v1/cases/{id}/transitions"),
            "POST",
        ),
        (Method::POST, "/healthz".to_owned(), "GET, HEAD"),
    ] {
        let resp = app
            .req(method.clone(), &path)
            .token(&sup)
            .send()
            .await
            .expect(405);
        assert_eq!(resp.code(), "method_not_allowed", "{method} {path}");
        assert_eq!(
            resp.header("allow").as_deref(),
            Some(allow),
            "{method} {path}"
        );
        assert_eq!(
            resp.header("content-type").as_deref(),
            Some("application/problem+json")
        );
    }
    // A path the API does not have is still 404, whatever the method.
    for method in [Method::GET, Method::DELETE] {
        let resp = app
            .req(method, "/api/v1/cases/nope/nothing-here")
            .token(&sup)
            .send()
            .await
            .expect(404);
        assert_eq!(resp.code(), "not_found");
        assert!(resp.header("allow").is_none());
    }
}

#[actix_web::test]
async fn head_answers_as_get_does() {
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("head.sup", Role::Supervisor).await;
    let case = create_case(&app, &sup, "apsp").await;
    let id = case["id"].as_str().unwrap();
    let path = format!("/api/v1/cases/{id}");
    let get = app.get(&path).token(&sup).send().await.expect(200);
    let head = app
        .req(Method::HEAD, &path)
        .token(&sup)
        .send()
        .await
        .expect(200);
    assert_eq!(head.header("etag"), get.header("etag"));
    assert_eq!(head.header("content-type"), get.header("content-type"));
    app.req(Method::HEAD, "/healthz").send().await.expect(200);
    // Not visible is still 404, and without a token 401: HEAD is GET, not a way around it.
    let (_, inv) = app.user_token("head.inv", Role::Investigator).await;
    app.req(Method::HEAD, &path)
        .token(&inv)
        .send()
        .await
        .expect(404);
    app.req(Method::HEAD, &path).send().await.expect(401);
}

/// One policy for query parameters: a parameter the operation does not document is refused,
/// naming it, on every operation (lists with filters refused them already; lists without
/// any ignored them, so `?stat=closed` was silently everything). Told only to a caller who
/// may call the operation.
#[actix_web::test]
async fn an_undocumented_query_parameter_is_refused_everywhere() {
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("query.sup", Role::Supervisor).await;
    let (_, admin) = app.user_token("query.admin", Role::Admin).await;
    let case = create_case(&app, &sup, "apsp").await;
    let id = case["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/cases/{id}/notes?stat=closed"),
        format!("/api/v1/cases/{id}?fields=all"),
        "/api/v1/cases?stat=closed".to_owned(),
        "/api/v1/workload?team=1".to_owned(),
    ] {
        let resp = app.get(&path).token(&sup).send().await.expect(400);
        assert_eq!(resp.code(), "invalid_parameter", "{path}");
        let error = &resp.json()["errors"][0];
        assert_eq!(error["code"], "unknown_field", "{path}");
        assert!(["stat", "fields", "team"].contains(&error["field"].as_str().unwrap()));
    }
    // Without the permission, 403 whatever the query.
    app.get(&format!("/api/v1/cases/{id}/notes?stat=closed"))
        .token(&admin)
        .send()
        .await
        .expect(403);
    // Public API operations refuse them too (the HTML pages do not: shared links carry
    // tracking parameters, see `proceedings`); documented parameters pass.
    let resp = app
        .get("/api/v1/public/hearings?verbose=1")
        .send()
        .await
        .expect(400);
    assert_eq!(resp.json()["errors"][0]["field"], "verbose");
    app.get("/api/v1/cases?limit=5&sort=received_at")
        .token(&sup)
        .send()
        .await
        .expect(200);
    app.req(Method::HEAD, "/api/v1/cases?limit=5")
        .token(&sup)
        .send()
        .await
        .expect(200);
}
