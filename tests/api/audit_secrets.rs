//! The audit log keeps no one's secrets: a victim's details and what people wrote are sealed
//! under their case's key, an auditor (or anyone reading the table) sees only which fields
//! changed and keyed fingerprints, those who may see the case read each record's history
//! through it, and erasing the case's key makes that personal data unreadable for good while
//! the log still verifies.

use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::upload;
use crate::support::{add_allegation, create_case, create_subject, staff, transition};

const NAME: &str = "Zebedee Quartermain";
const ADDRESS: &str = "12 Larkspur Lane, Dover";
const PHONE: &str = "07700 900555";
const SECRETS: [&str; 4] = [NAME, "Larkspur", "900555", "Quartermain"];

#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = Text)]
    dump: String,
}

/// Every event as PostgreSQL holds it, as text.
fn table_dump(app: &TestApp) -> String {
    diesel::sql_query(
        "SELECT coalesce(string_agg(e::text, E'\\n'), '') AS dump FROM audit_events e",
    )
    .get_result::<Dump>(&mut app.db.connect())
    .unwrap()
    .dump
}

/// Every event an auditor can page through.
async fn auditor_reads(app: &TestApp, auditor: &str) -> String {
    let mut all = String::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/audit?limit=200&cursor={c}"),
            None => "/api/v1/audit?limit=200".to_owned(),
        };
        let page = app
            .get(&path)
            .token(auditor)
            .send()
            .await
            .expect(200)
            .json();
        all.push_str(&page["items"].to_string());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    all
}

fn assert_no_secret(text: &str, reader: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{reader} reads {secret:?}");
    }
}

#[actix_web::test]
async fn acceptance_victims_details_are_sealed_in_the_log_and_read_through_the_case() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();

    // A victim, then a change to their record.
    let created = app
        .post(&format!("/api/v1/cases/{id}/parties"))
        .token(&s.supervisor)
        .json(&json!({"role": "victim", "name": NAME, "address": ADDRESS, "phone": PHONE,
                      "notes": format!("{NAME} fled domestic abuse; new address must not be disclosed")}))
        .send()
        .await
        .expect(201);
    let tag = created.header("etag").unwrap();
    let party_id = created.json()["id"].as_str().unwrap().to_owned();
    app.patch(&format!("/api/v1/cases/{id}/parties/{party_id}"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"role": "victim", "name": NAME, "address": "4 Other Road", "phone": PHONE}))
        .send()
        .await
        .expect(200);
    let subject = create_subject(&app, &s.supervisor, "4242", None).await;
    add_allegation(&app, &s.supervisor, &id, &subject, "apsp")
        .await
        .expect(201);
    // A note, a transition reason, a document and its withdrawal reason.
    app.post(&format!("/api/v1/cases/{id}/notes"))
        .token(&s.supervisor)
        .json(&json!({"body": format!("Visited {NAME} at {ADDRESS}.")}))
        .send()
        .await
        .expect(201);
    transition(
        &app,
        &s.supervisor,
        &id,
        "assessment",
        json!({"reason": format!("{NAME} called on {PHONE}")}),
    )
    .await
    .expect(200);
    let doc = upload(
        &app,
        &s.supervisor,
        &id,
        &[
            ("title", &format!("Statement of {NAME}")),
            ("kind", "statement"),
        ],
        Some(("statement.txt", b"I, the victim, state...")),
    )
    .await
    .expect(201)
    .json();
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/cases/{id}/documents/{doc_id}/withdraw"))
        .token(&s.supervisor)
        .json(&json!({"reason": format!("Wrong statement: {NAME} gave a second one")}))
        .send()
        .await
        .expect(200);
    // A report from the public, rejected with a reason that names the victim.
    let reference = app
        .post("/api/v1/public/reports")
        .json(&json!({
            "what_happened": format!("An officer messaged {NAME} at {ADDRESS}."),
            "officer_name": "PC Smith", "officer_force": "Kent", "officer_collar_number": "1234",
            "reporter_is_affected": true, "contact_name": NAME, "contact_phone": PHONE,
            "consent_to_contact": true
        }))
        .send()
        .await
        .expect(201)
        .json()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let queue = app
        .get("/api/v1/intake/reports")
        .token(&s.intake)
        .send()
        .await
        .expect(200)
        .json();
    let report_id = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reference"] == reference.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(&format!("/api/v1/intake/reports/{report_id}/reject"))
        .token(&s.intake)
        .json(&json!({"reason": format!("{NAME} asked us to drop it")}))
        .send()
        .await
        .expect(204);

    // Neither an auditor nor the table itself holds any of it in clear.
    let seen = auditor_reads(&app, &s.auditor).await;
    assert_no_secret(&seen, "an auditor");
    assert_no_secret(&table_dump(&app), "SELECT * FROM audit_events");
    // The auditor still sees which fields changed, each by its fingerprint.
    let events: Value = app
        .get(&format!(
            "/api/v1/audit?entity_type=party&entity_id={party_id}"
        ))
        .token(&s.auditor)
        .send()
        .await
        .expect(200)
        .json();
    let updated = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "party.updated")
        .unwrap();
    assert!(
        updated["changed"]
            .as_array()
            .unwrap()
            .contains(&json!("address"))
    );
    assert!(
        !updated["changed"]
            .as_array()
            .unwrap()
            .contains(&json!("name"))
    );
    assert!(
        updated["after"]["name"]
            .as_str()
            .unwrap()
            .starts_with("hmac:")
    );
    assert_eq!(updated["after"]["name"], updated["before"]["name"]);
    assert_eq!(updated["after"]["role"], "victim");

    // The supervisor, who sees the case, reads the party's history in full.
    let history_path = format!("/api/v1/cases/{id}/parties/{party_id}/history");
    let history = app
        .get(&history_path)
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    let versions = history["items"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{history}");
    assert_eq!(versions[0]["after"]["name"], NAME);
    assert_eq!(versions[0]["after"]["address"], ADDRESS);
    assert_eq!(versions[1]["before"]["address"], ADDRESS);
    assert_eq!(versions[1]["after"]["address"], "4 Other Road");
    assert_eq!(versions[1]["changed"], json!(["address", "notes"]));
    assert_eq!(versions[1]["erased"], false);
    // ... and the document's, withdrawal reason included.
    let doc_history = app
        .get(&format!("/api/v1/cases/{id}/documents/{doc_id}/history"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert!(
        doc_history.to_string().contains("Wrong statement"),
        "{doc_history}"
    );
    // Someone who may not see the case gets nothing, nor does a record of another kind.
    app.get(&history_path)
        .token(&s.intake)
        .send()
        .await
        .expect(404);
    // An auditor reads the log, never case content.
    app.get(&history_path)
        .token(&s.auditor)
        .send()
        .await
        .expect(403);
    app.get(&format!(
        "/api/v1/cases/{id}/allegations/{party_id}/history"
    ))
    .token(&s.supervisor)
    .send()
    .await
    .expect(404);

    // Erasing the case's key (retention) leaves its personal data unreadable everywhere, and
    // the log intact.
    app.sql(&format!(
        "UPDATE audit_chains SET data_key = NULL, data_key_erased_at = now() WHERE id = '{id}'"
    ));
    let erased = app
        .get(&history_path)
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_no_secret(&erased.to_string(), "the history after erasure");
    assert_eq!(erased["items"][0]["erased"], true);
    let key = app.state.audit_key.as_ref().unwrap().verifying_key();
    let report = probity::audit::verify::verify_log(&mut app.db.connect(), &key).unwrap();
    assert!(report.ok, "{report:?}");
}
