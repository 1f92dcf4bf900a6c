//! The fixtures the API tests share: staff of every role, and the requests that put a case,
//! its subjects and its records in place. `CaseBuilder` (in `case_builder.rs`) takes a case to
//! any stage in one line.

use probity::domain::Role;
use serde_json::{Value, json};

use super::{Resp, TestApp};

pub struct Staff {
    pub intake: String,
    pub supervisor: String,
    pub supervisor2: String,
    pub investigator: (uuid::Uuid, String),
    pub investigator_b: (uuid::Uuid, String),
    pub auditor: String,
}

pub async fn staff(app: &TestApp) -> Staff {
    Staff {
        intake: app.user_token("intake.one", Role::Intake).await.1,
        supervisor: app.user_token("sup.one", Role::Supervisor).await.1,
        supervisor2: app.user_token("sup.two", Role::Supervisor).await.1,
        investigator: app.user_token("inv.a", Role::Investigator).await,
        investigator_b: app.user_token("inv.b", Role::Investigator).await,
        auditor: app.user_token("auditor.one", Role::Auditor).await.1,
    }
}

pub async fn create_subject(
    app: &TestApp,
    token: &str,
    collar: &str,
    user_id: Option<uuid::Uuid>,
) -> String {
    // A subject is linked to an account by the account's staff identity, set by an admin.
    if let Some(user_id) = user_id {
        app.set_staff_identity(user_id, "Wessex Police", collar);
    }
    app.post("/api/v1/subjects")
        .token(token)
        .json(&json!({"force": "Wessex Police", "collar_number": collar, "name": format!("PC {collar}"), "rank": "Constable"}))
        .send()
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn create_case(app: &TestApp, token: &str, category: &str) -> Value {
    app.post("/api/v1/cases")
        .token(token)
        .json(&json!({
            "title": "Officer pursuing a relationship with a domestic abuse victim",
            "summary": "Reported through the public web form.",
            "source": "public_report",
            "category": category,
            "received_at": "2026-11-01T09:00:00Z"
        }))
        .send()
        .await
        .expect(201)
        .json()
}

/// A restricted case (only its creator, a supervisor, and named members see it); its id.
pub async fn create_restricted_case(app: &TestApp, token: &str, category: &str) -> String {
    app.post("/api/v1/cases")
        .token(token)
        .json(&json!({
            "title": "Counter-corruption intelligence",
            "summary": "Intelligence report.",
            "source": "intelligence",
            "category": category,
            "received_at": "2026-11-01T09:00:00Z",
            "restricted": true
        }))
        .send()
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn add_allegation(
    app: &TestApp,
    token: &str,
    case_id: &str,
    subject_id: &str,
    category: &str,
) -> Resp {
    app.post(&format!("/api/v1/cases/{case_id}/allegations"))
        .token(token)
        .json(&json!({
            "subject_id": subject_id,
            "standard": "discreditable_conduct",
            "category": category,
            "description": "Sent messages with kisses and visited off duty.",
            "conduct_from": "2026-09-01",
            "warning_signs": ["messages_with_kisses_or_sexual_comments", "off_duty_contact"]
        }))
        .send()
        .await
}

pub async fn etag(app: &TestApp, token: &str, case_id: &str) -> String {
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .header("etag")
        .unwrap()
}

/// Assigns the case to an investigator (as `token`, a supervisor), with the current ETag.
pub async fn assign(app: &TestApp, token: &str, case_id: &str, investigator: uuid::Uuid) -> Resp {
    let tag = etag(app, token, case_id).await;
    app.put(&format!("/api/v1/cases/{case_id}/assignment"))
        .token(token)
        .header("if-match", &tag)
        .json(&json!({ "investigator_id": investigator }))
        .send()
        .await
}

pub async fn transition(app: &TestApp, token: &str, case_id: &str, to: &str, extra: Value) -> Resp {
    let tag = etag(app, token, case_id).await;
    let mut body = json!({"to": to, "reason": format!("moving to {to}")});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post(&format!("/api/v1/cases/{case_id}/transitions"))
        .token(token)
        .header("if-match", &tag)
        .json(&body)
        .send()
        .await
}

pub async fn decide(app: &TestApp, token: &str, case_id: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/cases/{case_id}/decisions"))
        .token(token)
        .json(&body)
        .send()
        .await
}

/// Drives an APSP case with a vulnerable victim to `proceedings`, with a case to answer for
/// gross misconduct. Returns (case id, subject id).
pub async fn apsp_case_in_proceedings(app: &TestApp, s: &Staff) -> (String, String) {
    let case = super::CaseBuilder::new(app, s)
        .with_victim()
        .at(super::Stage::Proceedings)
        .await;
    (case.id, case.subject_id)
}

pub const BOUNDARY: &str = "probity-test-boundary-7MA4YWxkTrZu0gW";

pub fn form(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    case_id: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Resp {
    app.post(&format!("/api/v1/cases/{case_id}/documents"))
        .token(token)
        .raw(
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            form(fields, file),
        )
        .send()
        .await
}
