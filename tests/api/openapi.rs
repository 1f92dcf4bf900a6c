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
    assert_eq!(operations, 83);
}

/// Every enum of the document, a schema's or a parameter's inline one, is snake_case text (a
/// macro-built enum once showed `Intake` for `intake`): see also
/// `every_enum_value_the_document_lists_is_what_the_server_reads`.
#[test]
fn every_enum_in_the_document_is_snake_case_text() {
    let doc: serde_json::Value = serde_json::from_str(&probity::http::openapi_json()).unwrap();
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

/// Whether the server reads `value` as a `name` (an enum schema of the document), or `None`
/// for a schema this test does not know yet.
fn server_accepts(name: &str, value: &str) -> Option<bool> {
    use probity::domain::Role;
    use probity::domain::allegation::{Standard, WarningSign};
    use probity::domain::case::{CaseState, Category, ClosureReason, Source};
    use probity::domain::decision::{
        CaseToAnswerFinding, DecisionKind, IopcMode, ProceedingsForm, Severity,
    };
    use probity::domain::document::DocumentKind;
    use probity::domain::early_warning::FlagCode;
    use probity::domain::intake::{IntakeStatus, ReporterStatus};
    use probity::domain::party::{PartyRole, VulnerabilityFactor};
    use probity::domain::proceedings::{
        Finding, ListKind, OutcomeAction, ProceedingStatus, ProceedingsKind, PublicationKind,
        PublicationStatus,
    };
    use probity::domain::task::TaskStatus;
    use probity::error::ErrorCode;
    macro_rules! accepts {
        ($($t:ident),+ $(,)?) => {
            match name {
                $(stringify!($t) => Some(serde_json::from_value::<$t>(serde_json::json!(value)).is_ok()),)+
                _ => None,
            }
        };
    }
    accepts!(
        CaseState,
        CaseToAnswerFinding,
        Category,
        ClosureReason,
        DecisionKind,
        DocumentKind,
        ErrorCode,
        Finding,
        FlagCode,
        IntakeStatus,
        IopcMode,
        ListKind,
        OutcomeAction,
        PartyRole,
        ProceedingStatus,
        ProceedingsForm,
        ProceedingsKind,
        PublicationKind,
        PublicationStatus,
        ReporterStatus,
        Role,
        Severity,
        Source,
        Standard,
        TaskStatus,
        VulnerabilityFactor,
        WarningSign,
    )
}

/// `apsp` → `Apsp`, `use_of_force` → `UseOfForce`: how a Rust variant is named.
fn rust_name(value: &str) -> String {
    value
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A client that sends what the document lists is understood, and one that sends anything
/// else (the Rust variant's name, other case) is refused: every enum schema, every value.
#[test]
fn every_enum_value_the_document_lists_is_what_the_server_reads() {
    let api = serde_json::to_value(probity::http::openapi()).unwrap();
    let mut checked = 0;
    for (name, schema) in api["components"]["schemas"].as_object().unwrap() {
        let Some(values) = schema["enum"].as_array() else {
            continue;
        };
        let listed: Vec<&str> = values.iter().map(|v| v.as_str().unwrap()).collect();
        for value in &listed {
            assert_eq!(
                server_accepts(name, value),
                Some(true),
                "{name}: the document lists `{value}` (None: add {name} to server_accepts)"
            );
            for other in [rust_name(value), value.to_uppercase(), format!("{value}x")] {
                if !listed.contains(&other.as_str()) {
                    assert_eq!(
                        server_accepts(name, &other),
                        Some(false),
                        "{name}: `{other}` is not listed but accepted"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} enum values checked");
}

/// What a client generator needs: every `$ref` resolves and every operation has an id of its
/// own, named `resource_action`. (CI also runs an OpenAPI 3.1 validator on the document.)
#[test]
fn the_document_has_no_dangling_references_and_unique_operation_ids() {
    let api = serde_json::to_value(probity::http::openapi()).unwrap();
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v.as_str()) {
                        ("$ref", Some(r)) => out.push(r.to_owned()),
                        _ => refs(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    refs(&api, &mut found);
    let schemas = api["components"]["schemas"].as_object().unwrap();
    for r in &found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        assert!(schemas.contains_key(name), "dangling reference {r}");
    }
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            let shaped = id.split('_').count() >= 2
                && id
                    .split('_')
                    .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()));
            assert!(
                shaped,
                "{method} {path}: operationId `{id}` is not resource_action"
            );
            assert!(
                ids.insert(id.to_owned()),
                "{method} {path}: operationId `{id}` is not unique"
            );
        }
    }
}

/// The bounds the server enforces on list parameters are in the document: `limit` 1 to 500
/// wherever it is taken, `q` at most 200 characters.
#[test]
fn list_parameters_carry_the_bounds_the_server_enforces() {
    let api = serde_json::to_value(probity::http::openapi()).unwrap();
    let mut limits = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let schema = &p["schema"];
                match p["name"].as_str() {
                    Some("limit") => {
                        limits += 1;
                        assert_eq!(schema["minimum"], 1, "{method} {path}");
                        assert_eq!(schema["maximum"], 500, "{method} {path}");
                    }
                    Some("q") => assert_eq!(schema["maxLength"], 200, "{method} {path}"),
                    _ => {}
                }
            }
        }
    }
    assert!(limits >= 8, "only {limits} operations take `limit`");
}

/// The headers the document promises are the ones sent: `X-Request-Id` on every answer,
/// `WWW-Authenticate` on a secured operation's 401, `Retry-After` on a 503 (tested under
/// faults in `health`) and on a 429 (`staying_up`).
#[actix_web::test]
async fn the_headers_the_document_promises_are_sent() {
    let api = serde_json::to_value(probity::http::openapi()).unwrap();
    let op = &api["paths"]["/api/v1/cases"]["get"]["responses"];
    assert!(op["200"]["headers"]["X-Request-Id"].is_object());
    assert!(op["401"]["headers"]["WWW-Authenticate"].is_object());
    assert!(op["503"]["headers"]["Retry-After"].is_object());
    let login = &api["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert!(login["401"]["headers"]["WWW-Authenticate"].is_null());
    let app = TestApp::new().await;
    let resp = app.get("/api/v1/cases").send().await.expect(401);
    assert!(resp.header("www-authenticate").is_some());
    assert!(resp.header("x-request-id").is_some());
    let resp = app.get("/healthz").send().await.expect(200);
    assert!(resp.header("x-request-id").is_some());
}

/// A client generator makes one typed body per kind of decision: the document says which
/// schema each `kind` takes, and lists every kind.
#[test]
fn decision_bodies_are_one_of_with_kind_as_discriminator() {
    let doc: serde_json::Value = serde_json::from_str(&probity::http::openapi_json()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let body = &schemas["DecisionBody"];
    assert_eq!(body["discriminator"]["propertyName"], "kind");
    let mapping = body["discriminator"]["mapping"].as_object().unwrap();
    let kinds = schemas["DecisionKind"]["enum"].as_array().unwrap();
    assert_eq!(mapping.len(), kinds.len());
    assert_eq!(body["oneOf"].as_array().unwrap().len(), kinds.len());
    for kind in kinds {
        let target = mapping[kind.as_str().unwrap()].as_str().unwrap();
        let variant = &schemas[target.trim_start_matches("#/components/schemas/")];
        assert_eq!(variant["properties"]["kind"]["enum"][0], *kind);
        assert_eq!(variant["additionalProperties"], false, "{kind}");
        assert!(variant["examples"][0]["kind"] == *kind, "{kind}");
    }
}

/// Whether the server's reading of a JSON body (`parse_json`, what `ApiJson` does) takes
/// `example` as a `name` (a request body schema of the document), or `None` for a schema this
/// test does not know yet.
fn server_reads_body(name: &str, example: &serde_json::Value) -> Option<Result<(), String>> {
    use probity::http::allegations::{AllegationBody, NewAllegationBody};
    use probity::http::auth::{LoginRequest, RefreshRequest};
    use probity::http::cases::{
        AssignmentBody, CreateCase, MembersBody, TransitionBody, UpdateCase,
    };
    use probity::http::decisions::DecisionBody;
    use probity::http::documents::WithdrawBody;
    use probity::http::intake::{AcceptBody, RejectBody};
    use probity::http::me::ChangePassword;
    use probity::http::notes::NoteBody;
    use probity::http::parties::PartyBody;
    use probity::http::proceedings::{
        ListReportBody, OutcomeBody, ProceedingsBody, PublicationBody, ReasonBody, RescheduleBody,
    };
    use probity::http::public::ReportBody;
    use probity::http::subjects::CreateSubject;
    use probity::http::tasks::{NewTaskBody, TaskChangeBody};
    use probity::http::users::{CreateUser, UpdateUser};
    let bytes = serde_json::to_vec(example).unwrap();
    macro_rules! reads {
        ($($t:ident),+ $(,)?) => {
            match name {
                $(stringify!($t) => Some(
                    probity::http::extract::parse_json::<$t>(&bytes)
                        .map(|_| ())
                        .map_err(|e| format!("{} {:?}", e.detail, e.errors)),
                ),)+
                _ => None,
            }
        };
    }
    reads!(
        AcceptBody,
        AllegationBody,
        AssignmentBody,
        ChangePassword,
        CreateCase,
        CreateSubject,
        CreateUser,
        DecisionBody,
        ListReportBody,
        LoginRequest,
        MembersBody,
        NewAllegationBody,
        NewTaskBody,
        NoteBody,
        OutcomeBody,
        PartyBody,
        ProceedingsBody,
        PublicationBody,
        ReasonBody,
        RefreshRequest,
        RejectBody,
        ReportBody,
        RescheduleBody,
        TaskChangeBody,
        TransitionBody,
        UpdateCase,
        UpdateUser,
        WithdrawBody,
    )
}

/// The example of a request body: the media type's own, or its schema's.
fn body_example<'a>(
    api: &'a serde_json::Value,
    content: &'a serde_json::Value,
) -> (String, Option<&'a serde_json::Value>) {
    let schema = &content["schema"];
    let name = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .unwrap_or("(inline)")
        .to_owned();
    let resolved = if schema["$ref"].is_string() {
        &api["components"]["schemas"][&name]
    } else {
        schema
    };
    let example = [
        &content["example"],
        &content["examples"][0],
        &resolved["example"],
        &resolved["examples"][0],
    ]
    .into_iter()
    .find(|e| !e.is_null());
    (name, example)
}

/// Every request body of the document has an example (client generators and API explorers
/// show it; schemathesis sends it), and the server reads each JSON one as that body.
#[test]
fn every_request_body_has_an_example_the_server_reads() {
    let api = serde_json::to_value(probity::http::openapi()).unwrap();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(content) = op["requestBody"]["content"].as_object() else {
                continue;
            };
            for (media_type, content) in content {
                let (name, example) = body_example(&api, content);
                let Some(example) = example else {
                    missing.push(format!("{method} {path} ({name})"));
                    continue;
                };
                if media_type == "application/json" {
                    let read = server_reads_body(&name, example).unwrap_or_else(|| {
                        panic!("{method} {path}: add {name} to server_reads_body")
                    });
                    assert!(
                        read.is_ok(),
                        "{method} {path}: the server refuses the example of {name}: {read:?}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(
        missing.is_empty(),
        "request bodies without an example: {missing:?}"
    );
    assert!(checked >= 24, "only {checked} examples checked");
}

/// The upload form's example, sent as a form (its `file` as the file), is a document.
#[actix_web::test]
async fn the_upload_forms_example_is_accepted() {
    use crate::support::{CaseBuilder, Stage, staff, upload};
    let api = serde_json::to_value(probity::http::openapi()).unwrap();
    let content = &api["paths"]["/api/v1/cases/{id}/documents"]["post"]["requestBody"]["content"]["multipart/form-data"];
    let (_, example) = body_example(&api, content);
    let example = example.expect("the upload form has an example");
    let mut fields = Vec::new();
    let mut file = None;
    for (name, value) in example.as_object().unwrap() {
        let value = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if name == "file" {
            file = Some(value);
        } else {
            fields.push((name.as_str(), value));
        }
    }
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = CaseBuilder::new(&app, &s).at(Stage::Intake).await;
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let file = file.expect("the example has a file");
    upload(
        &app,
        &s.supervisor,
        &case.id,
        &fields,
        Some(("statement.txt", file.as_bytes())),
    )
    .await
    .expect(201);
}
