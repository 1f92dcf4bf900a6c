//! Every endpoint × every role, from one table: who may call what.

use actix_web::http::Method;
use probity::domain::Role;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

struct Case {
    method: Method,
    path: &'static str,
    body: Option<serde_json::Value>,
    /// Roles allowed; everyone else gets 403.
    allowed: &'static [Role],
    ok_status: u16,
}

const EVERYONE: &[Role] = Role::ALL;

#[actix_web::test]
async fn authorization_matrix() {
    let app = TestApp::new().await;
    let mut tokens = Vec::new();
    for &role in Role::ALL {
        let (_, token) = app.user_token(&format!("matrix.{role}"), role).await;
        tokens.push((role, token));
    }
    let target = app.create_user("matrix.target", Role::Intake);
    let target_path: &'static str = Box::leak(format!("/api/v1/users/{target}").into_boxed_str());
    let cases = [
        Case {
            method: Method::GET,
            path: "/api/v1/me",
            body: None,
            allowed: EVERYONE,
            ok_status: 200,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/users",
            body: None,
            allowed: &[Role::Admin],
            ok_status: 200,
        },
        Case {
            method: Method::GET,
            path: target_path,
            body: None,
            allowed: &[Role::Admin],
            ok_status: 200,
        },
        Case {
            method: Method::POST,
            path: "/api/v1/users",
            body: Some(
                json!({"username": "made.by.matrix", "display_name": "M", "role": "intake", "password": PASSWORD}),
            ),
            allowed: &[Role::Admin],
            ok_status: 201,
        },
        Case {
            method: Method::PATCH,
            path: target_path,
            body: Some(json!({"display_name": "Renamed"})),
            allowed: &[Role::Admin],
            ok_status: 200,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/audit",
            body: None,
            allowed: &[Role::Auditor],
            ok_status: 200,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/audit/verify",
            body: None,
            allowed: &[Role::Auditor],
            ok_status: 200,
        },
        Case {
            method: Method::GET,
            path: "/api/v1/audit/checkpoint",
            body: None,
            allowed: &[Role::Auditor],
            ok_status: 200,
        },
    ];
    for case in &cases {
        for (role, token) in &tokens {
            let mut req = app
                .req(case.method.clone(), case.path)
                .token(token)
                .header("if-match", "*");
            if let Some(body) = &case.body {
                req = req.json(body);
            }
            let resp = req.send().await;
            let expected = if case.allowed.contains(role) {
                case.ok_status
            } else {
                403
            };
            assert_eq!(
                resp.status.as_u16(),
                expected,
                "{} {} as {role}: {}",
                case.method,
                case.path,
                String::from_utf8_lossy(&resp.bytes)
            );
        }
        // And without a token at all.
        let mut req = app.req(case.method.clone(), case.path);
        if let Some(body) = &case.body {
            req = req.json(body);
        }
        assert_eq!(
            req.send().await.status.as_u16(),
            401,
            "{} {} anonymous",
            case.method,
            case.path
        );
    }
}

/// A caller without the permission learns nothing of what a valid request looks like: the
/// 403 comes before any complaint about the body or the query (actix reads a handler's
/// extractors together; the first error used to win).
#[actix_web::test]
async fn a_caller_without_the_permission_gets_403_whatever_the_body_or_query() {
    let app = TestApp::new().await;
    let (_, auditor) = app.user_token("gate.auditor", Role::Auditor).await;
    let (_, admin) = app.user_token("gate.admin", Role::Admin).await;
    let (_, supervisor) = app.user_token("gate.supervisor", Role::Supervisor).await;
    // A malformed body, a body of the wrong shape, no body at all, a wrong content type.
    for (body, content_type) in [
        ("{\"title\": ", "application/json"),
        ("{\"title\": 5, \"unknown\": true}", "application/json"),
        ("", "application/json"),
        ("title=x", "application/x-www-form-urlencoded"),
    ] {
        let resp = app
            .post("/api/v1/cases")
            .token(&auditor)
            .raw(content_type, body.as_bytes().to_vec())
            .send()
            .await
            .expect(403);
        assert_eq!(resp.code(), "forbidden", "{body}");
        assert!(
            resp.json()["errors"]
                .as_array()
                .is_none_or(|e| e.is_empty())
        );
    }
    // A query of the wrong shape, from a role that may not list cases.
    let resp = app
        .get("/api/v1/cases?limit=abc&state=nonsense")
        .token(&admin)
        .send()
        .await
        .expect(403);
    assert_eq!(resp.code(), "forbidden");
    // With the permission, the same requests are answered on their merits.
    app.post("/api/v1/cases")
        .token(&supervisor)
        .raw("application/json", b"{\"title\": ".to_vec())
        .send()
        .await
        .expect(400);
    app.get("/api/v1/cases?limit=abc")
        .token(&supervisor)
        .send()
        .await
        .expect(400);
    // And without a token at all, 401 still comes first.
    app.post("/api/v1/cases")
        .raw("application/json", b"{\"title\": ".to_vec())
        .send()
        .await
        .expect(401);
}
