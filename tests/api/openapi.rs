//! The committed OpenAPI document is what the code generates and what the server serves.
//! After changing the API, run `cargo run -q -- openapi > openapi/openapi.json`.

use crate::support::TestApp;

fn committed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
        .expect("openapi/openapi.json exists; generate it with `cargo run -q -- openapi > openapi/openapi.json`")
}

#[test]
fn the_committed_document_matches_the_code() {
    let generated = probity::http::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"),
            &generated,
        )
        .unwrap();
    }
    assert!(
        committed() == generated,
        "openapi/openapi.json is stale: run `cargo run -q -- openapi > openapi/openapi.json`"
    );
}

#[actix_web::test]
async fn the_server_serves_the_committed_document_and_offline_docs() {
    let app = TestApp::new().await;
    let served = app.get("/openapi.json").send().await.expect(200).json();
    let committed: serde_json::Value = serde_json::from_str(&committed()).unwrap();
    assert_eq!(served, committed);
    let docs = app.get("/docs/").send().await.expect(200);
    let html = String::from_utf8_lossy(&docs.bytes);
    assert!(html.contains("swagger"), "{html}");
    // Assets come from the binary, not a CDN.
    assert!(!html.contains("https://"), "{html}");
    app.get("/docs/swagger-ui.css").send().await.expect(200);
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let api = serde_json::to_value(probity::http::openapi()).unwrap();
    assert_eq!(
        api["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true)
    );
    assert!(api["components"]["securitySchemes"]["bearer"].is_object());
    let mut operations = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for status in ["500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
            let public = path == "/healthz"
                || path == "/readyz"
                || path.starts_with("/api/v1/auth/")
                || path.starts_with("/api/v1/public/")
                || path.starts_with("/public/");
            if public {
                assert!(
                    op.get("security").is_none(),
                    "{method} {path} should be public"
                );
            } else {
                assert_eq!(
                    op["security"],
                    serde_json::json!([{"bearer": []}]),
                    "{method} {path}"
                );
                assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{method} {path} {status} is not problem+json"
                    );
                }
            }
        }
    }
    assert_eq!(operations, 74);
}

/// Every value an enum lists in the document is one the API accepts: the wire names, never
/// the Rust variant names (a macro-built enum once showed `Intake` for `intake`).
#[test]
fn every_enum_value_listed_is_a_wire_value() {
    use probity::domain::case::{CaseState, Category, Source};
    let doc: serde_json::Value = serde_json::from_str(&probity::http::openapi_json()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let listed = |name: &str| -> Vec<String> {
        serde_json::from_value(schemas[name]["enum"].clone()).unwrap()
    };
    let wire = |all: Vec<&str>| all.into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        listed("CaseState"),
        wire(CaseState::ALL.iter().map(|s| s.as_str()).collect())
    );
    assert_eq!(
        listed("Category"),
        wire(Category::ALL.iter().map(|s| s.as_str()).collect())
    );
    assert_eq!(
        listed("Source"),
        wire(Source::ALL.iter().map(|s| s.as_str()).collect())
    );
    // And every enum of the document, whichever type it comes from, is snake_case text.
    let mut bad = Vec::new();
    fn walk(v: &serde_json::Value, path: &str, bad: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(values) = m.get("enum").and_then(|e| e.as_array()) {
                    for value in values.iter().filter_map(|x| x.as_str()) {
                        if value.chars().any(|c| c.is_ascii_uppercase()) {
                            bad.push(format!("{path}: {value}"));
                        }
                    }
                }
                for (k, child) in m {
                    walk(child, &format!("{path}/{k}"), bad);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{path}/{i}"), bad);
                }
            }
            _ => {}
        }
    }
    walk(&doc, "", &mut bad);
    assert!(
        bad.is_empty(),
        "enum values that are not wire values: {bad:?}"
    );
}
