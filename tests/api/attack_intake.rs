//! The intake queue as a side door, tried as an attacker would: an officer reading (or
//! deciding) a public report about themselves, reading reporters' details of a case they may
//! not see, and a public report aimed at whichever subject a wildcard finds.

use probity::domain::Role;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::{create_subject, etag};

const EMAIL: &str = "reporter@example.org";
const PHONE: &str = "07700 900123";

/// A report from the public naming an officer by force and collar number, with the
/// reporter's contact details.
async fn submit(app: &TestApp, force: &str, collar: &str, text: &str) -> String {
    app.post("/api/v1/public/reports")
        .json(&json!({
            "what_happened": text,
            "officer_name": "PC Smith",
            "officer_force": force,
            "officer_collar_number": collar,
            "reporter_is_affected": true,
            "warning_signs": ["messages_with_kisses_or_sexual_comments"],
            "contact_name": "Alex Reporter",
            "contact_email": EMAIL,
            "contact_phone": PHONE,
            "consent_to_contact": true
        }))
        .send()
        .await
        .expect(201)
        .json()["reference"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The queue with `status` as `token` sees it.
async fn queue(app: &TestApp, token: &str, status: &str) -> Value {
    app.get(&format!("/api/v1/intake/reports?status={status}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .json()
}

/// The id of the report with `reference` in the queue, if listed.
fn listed(queue: &Value, reference: &str) -> Option<String> {
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reference"] == reference)
        .map(|r| r["id"].as_str().unwrap().to_owned())
}

async fn accept(app: &TestApp, token: &str, id: &str, status: u16) -> Value {
    app.post(&format!("/api/v1/intake/reports/{id}/accept"))
        .token(token)
        .json(&json!({}))
        .send()
        .await
        .expect(status)
        .json()
}

async fn reject(app: &TestApp, token: &str, id: &str, status: u16) {
    app.post(&format!("/api/v1/intake/reports/{id}/reject"))
        .token(token)
        .json(&json!({"reason": "Not a police matter."}))
        .send()
        .await
        .expect(status);
}

#[actix_web::test]
async fn accused_intake_officer_cannot_read_accept_or_reject_a_report_about_them() {
    let app = TestApp::new().await;
    let (accused_id, accused) = app.user_token("intake.accused", Role::Intake).await;
    let (_, colleague) = app.user_token("intake.colleague", Role::Intake).await;
    app.set_staff_identity(accused_id, "Wessex Police", "IN4471");

    // The public names them in other case and with spaces; it is still them.
    let first = submit(
        &app,
        "  wessex POLICE ",
        " in4471 ",
        "He keeps messaging me.",
    )
    .await;
    let second = submit(&app, "WESSEX police", "In4471", "He turned up at my home.").await;

    // Not listed to the accused, listed to a colleague.
    let theirs = queue(&app, &accused, "received").await;
    assert_eq!(listed(&theirs, &first), None);
    assert_eq!(listed(&theirs, &second), None);
    let text = theirs.to_string();
    assert!(!text.contains(EMAIL) && !text.contains(PHONE));
    let others = queue(&app, &colleague, "received").await;
    let first_id = listed(&others, &first).unwrap();
    let second_id = listed(&others, &second).unwrap();

    // The accused can neither reject nor accept it: it does not exist for them.
    reject(&app, &accused, &first_id, 404).await;
    accept(&app, &accused, &second_id, 404).await;
    let still = queue(&app, &colleague, "received").await;
    assert!(listed(&still, &first).is_some() && listed(&still, &second).is_some());

    // Decided by a colleague, neither shows up to the accused under any status.
    reject(&app, &colleague, &first_id, 204).await;
    accept(&app, &colleague, &second_id, 201).await;
    for status in ["received", "accepted", "rejected"] {
        let theirs = queue(&app, &accused, status).await;
        assert_eq!(listed(&theirs, &first), None, "{status}");
        assert_eq!(listed(&theirs, &second), None, "{status}");
    }
    assert!(listed(&queue(&app, &colleague, "rejected").await, &first).is_some());
    assert!(listed(&queue(&app, &colleague, "accepted").await, &second).is_some());
    // And deciding it again is still 404 for them, not a hint that it was decided.
    reject(&app, &accused, &first_id, 404).await;
    accept(&app, &accused, &second_id, 404).await;
    reject(&app, &colleague, &first_id, 409).await;
}

#[actix_web::test]
async fn accepted_reports_show_the_reporter_only_to_those_who_see_the_case() {
    let app = TestApp::new().await;
    let (_, acceptor) = app.user_token("intake.one", Role::Intake).await;
    let (_, other_intake) = app.user_token("intake.two", Role::Intake).await;
    let (_, sup) = app.user_token("sup.one", Role::Supervisor).await;
    let (_, sup2) = app.user_token("sup.two", Role::Supervisor).await;
    let reference = submit(&app, "Wessex Police", "9999", "He keeps messaging me.").await;
    let id = listed(&queue(&app, &acceptor, "received").await, &reference).unwrap();
    let case_id = accept(&app, &acceptor, &id, 201).await["case_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Who may see the case sees the accepted report; another intake officer gets 404 on the
    // case, and does not see the report, its text or the reporter's details either.
    for token in [&acceptor, &sup, &sup2] {
        assert!(listed(&queue(&app, token, "accepted").await, &reference).is_some());
    }
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&other_intake)
        .send()
        .await
        .expect(404);
    let seen = queue(&app, &other_intake, "accepted").await;
    assert_eq!(listed(&seen, &reference), None);
    let text = seen.to_string();
    assert!(!text.contains(EMAIL) && !text.contains(PHONE) && !text.contains("messaging"));
    accept(&app, &other_intake, &id, 404).await;
    reject(&app, &other_intake, &id, 404).await;
    // Those who see it are told it was decided.
    reject(&app, &acceptor, &id, 409).await;

    // Restricted: only its members see the case, and so the report.
    let tag = etag(&app, &sup, &case_id).await;
    app.patch(&format!("/api/v1/cases/{case_id}"))
        .token(&sup)
        .header("if-match", &tag)
        .json(&json!({"restricted": true}))
        .send()
        .await
        .expect(200);
    assert!(listed(&queue(&app, &sup, "accepted").await, &reference).is_some());
    for token in [&acceptor, &sup2, &other_intake] {
        app.get(&format!("/api/v1/cases/{case_id}"))
            .token(token)
            .send()
            .await
            .expect(404);
        let seen = queue(&app, token, "accepted").await;
        assert_eq!(listed(&seen, &reference), None);
        assert!(!seen.to_string().contains(EMAIL));
        accept(&app, token, &id, 404).await;
    }
}

#[actix_web::test]
async fn a_supervisor_named_in_a_report_cannot_see_accept_or_reject_it() {
    let app = TestApp::new().await;
    let (named_id, named) = app.user_token("sup.named", Role::Supervisor).await;
    let (_, other) = app.user_token("sup.other", Role::Supervisor).await;
    // The named supervisor is on the subject registry, linked by their staff identity.
    let subject = create_subject(&app, &other, "4471", Some(named_id)).await;
    let reference = submit(&app, "Wessex Police", "4471", "He keeps messaging me.").await;

    assert_eq!(
        listed(&queue(&app, &named, "received").await, &reference),
        None
    );
    let id = listed(&queue(&app, &other, "received").await, &reference).unwrap();
    accept(&app, &named, &id, 404).await;
    reject(&app, &named, &id, 404).await;

    // Another supervisor accepts it: the allegation is against the named supervisor, who
    // sees neither the report nor its case.
    let case_id = accept(&app, &other, &id, 201).await["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = app
        .get(&format!("/api/v1/cases/{case_id}"))
        .token(&other)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(case["subjects"][0]["subject_id"], subject);
    assert!(listed(&queue(&app, &other, "accepted").await, &reference).is_some());
    let seen = queue(&app, &named, "accepted").await;
    assert_eq!(listed(&seen, &reference), None);
    assert!(!seen.to_string().contains(EMAIL));
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&named)
        .send()
        .await
        .expect(404);
    reject(&app, &named, &id, 404).await;
}

#[actix_web::test]
async fn wildcards_in_a_public_report_attach_no_allegation_to_any_subject() {
    let app = TestApp::new().await;
    let (_, intake) = app.user_token("intake.one", Role::Intake).await;
    let (sup_id, sup) = app.user_token("sup.one", Role::Supervisor).await;
    let (_, sup2) = app.user_token("sup.two", Role::Supervisor).await;
    // A registered subject, linked to a supervisor: the target.
    let subject = create_subject(&app, &sup2, "4471", Some(sup_id)).await;
    let before = app
        .get(&format!("/api/v1/subjects/{subject}"))
        .token(&sup2)
        .send()
        .await
        .expect(200)
        .json();

    for (force, collar) in [("%", "%"), ("Wessex_Police", "447_"), ("Wessex%", "44%")] {
        let reference = submit(&app, force, collar, "Whoever this matches.").await;
        let id = listed(&queue(&app, &intake, "received").await, &reference).unwrap();
        let case_id = accept(&app, &intake, &id, 201).await["case_id"]
            .as_str()
            .unwrap()
            .to_owned();
        // No subject, no allegation; the supervisor linked to the subject still sees it.
        let case = app
            .get(&format!("/api/v1/cases/{case_id}"))
            .token(&sup)
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!(case["subjects"], json!([]), "{force} {collar}");
        let allegations = app
            .get(&format!("/api/v1/cases/{case_id}/allegations"))
            .token(&sup)
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!(allegations["items"], json!([]), "{force} {collar}");
    }

    // The subject is untouched: the same record, in no case.
    let after = app
        .get(&format!("/api/v1/subjects/{subject}"))
        .token(&sup2)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(before, after);
    let history = app
        .get(&format!("/api/v1/subjects/{subject}/history"))
        .token(&sup2)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(history["cases"], json!([]));
}

#[actix_web::test]
async fn a_named_officer_is_matched_exactly_whatever_the_case_and_surrounding_spaces() {
    let app = TestApp::new().await;
    let (_, intake) = app.user_token("intake.one", Role::Intake).await;
    let (_, sup) = app.user_token("sup.one", Role::Supervisor).await;
    let subject = create_subject(&app, &sup, "AB4471", None).await;
    // Another subject that a looser match (a prefix, a pattern) would also find.
    create_subject(&app, &sup, "AB44710", None).await;

    let reference = submit(
        &app,
        "  wessex POLICE  ",
        "  ab4471 ",
        "He keeps messaging me.",
    )
    .await;
    let id = listed(&queue(&app, &intake, "received").await, &reference).unwrap();
    let case_id = accept(&app, &intake, &id, 201).await["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let allegations = app
        .get(&format!("/api/v1/cases/{case_id}/allegations"))
        .token(&sup)
        .send()
        .await
        .expect(200)
        .json();
    let items = allegations["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["subject_id"], subject);
    assert_eq!(
        items[0]["warning_signs"],
        json!(["messages_with_kisses_or_sexual_comments"])
    );
}

/// A report naming a member of staff who is not yet a registered subject: accepting it
/// registers them, so the case about them is out of their sight from the start (a
/// supervisor would otherwise read the reporter's account of them in the case summary).
#[actix_web::test]
async fn a_staff_member_named_in_a_report_becomes_its_subject_on_acceptance() {
    let app = TestApp::new().await;
    let (named_id, named) = app.user_token("sup.named", Role::Supervisor).await;
    let (_, other) = app.user_token("sup.other", Role::Supervisor).await;
    let (_, intake) = app.user_token("intake.one", Role::Intake).await;
    app.set_staff_identity(named_id, "Wessex Police", "S77");
    let reference = submit(&app, "Wessex Police", "s77", "He used his position.").await;
    let id = listed(&queue(&app, &intake, "received").await, &reference).unwrap();
    let accepted = accept(&app, &intake, &id, 201).await;
    let case_id = accepted["case_id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&named)
        .send()
        .await
        .expect(404);
    let case = app
        .get(&format!("/api/v1/cases/{case_id}"))
        .token(&other)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(case["subjects"].as_array().unwrap().len(), 1, "{case}");
    assert_eq!(case["subjects"][0]["collar_number"], "s77");
}
