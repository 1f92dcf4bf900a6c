//! The case lifecycle through the HTTP API, as a PSD would use it.

use probity::domain::Role;
use serde_json::{Value, json};

use crate::support::{
    TestApp, add_allegation, create_case, create_subject, decide, etag, staff, transition,
};

#[actix_web::test]
async fn acceptance_apsp_case_from_public_report_to_proceedings() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (inv_id, inv) = &s.investigator;

    // Intake records the public report, with a vulnerable victim and the warning signs.
    let case = create_case(&app, &s.intake, "apsp").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    assert!(
        case["reference"].as_str().unwrap().starts_with("PSD-2026-"),
        "{case}"
    );
    assert_eq!(case["state"], "intake");
    let subject = create_subject(&app, &s.intake, "4471", None).await;
    app.post(&format!("/api/v1/cases/{case_id}/parties"))
        .token(&s.intake)
        .json(&json!({
            "role": "victim", "name": "Jane Roe", "phone": "07700 900123",
            "vulnerability_factors": ["mental_health", "victim_or_witness_of_crime"]
        }))
        .send()
        .await
        .expect(201);
    add_allegation(&app, &s.intake, &case_id, &subject, "apsp")
        .await
        .expect(201);
    transition(&app, &s.intake, &case_id, "assessment", json!({}))
        .await
        .expect(200);
    // Intake no longer sees it once it has left intake.
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&s.intake)
        .send()
        .await
        .expect(404);

    // The supervisor assesses gross misconduct, records the IOPC referral and assigns.
    decide(&app, &s.supervisor, &case_id, json!({"kind": "severity_assessment", "subject_id": subject, "severity": "gross_misconduct", "rationale": "Sexual contact with a vulnerable victim."})).await.expect(201);
    decide(&app, &s.supervisor, &case_id, json!({"kind": "iopc_referral", "referred_at": "2026-11-03T10:00:00Z", "mode": "local", "rationale": "Mandatory referral; IOPC returned for local investigation."})).await.expect(201);
    let tag = etag(&app, &s.supervisor, &case_id).await;
    app.put(&format!("/api/v1/cases/{case_id}/assignment"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"investigator_id": inv_id}))
        .send()
        .await
        .expect(200);
    transition(&app, &s.supervisor, &case_id, "investigation", json!({}))
        .await
        .expect(200);

    // The investigator serves the Regulation 17 notice and submits the final report.
    decide(&app, inv, &case_id, json!({"kind": "reg17_notice", "subject_id": subject, "served_at": "2026-11-05T09:00:00Z", "rationale": "Served in person."})).await.expect(201);
    decide(&app, inv, &case_id, json!({"kind": "final_report", "summary": "The evidence supports the allegation.", "submitted_at": "2026-11-20T09:00:00Z", "rationale": "Investigation complete."})).await.expect(201);
    transition(&app, inv, &case_id, "decision", json!({}))
        .await
        .expect(200);

    // The supervisor finds a case to answer for gross misconduct, to a hearing.
    decide(&app, &s.supervisor, &case_id, json!({"kind": "case_to_answer", "subject_id": subject, "answer": "gross_misconduct", "proceedings": "hearing", "rationale": "Case to answer."})).await.expect(201);
    let moved = transition(&app, &s.supervisor, &case_id, "proceedings", json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(moved["state"], "proceedings");
    assert_eq!(moved["subjects"][0]["severity"], "gross_misconduct");
    assert_eq!(moved["subjects"][0]["case_to_answer"], "gross_misconduct");
    assert_eq!(moved["subjects"][0]["proceedings"], "hearing");
    assert_eq!(moved["iopc_referral"]["mode"], "local");
    assert_eq!(moved["assigned_investigator_id"], inv_id.to_string());

    // Every step is on the case's own audit chain, and the log verifies.
    let trail = app
        .get(&format!("/api/v1/cases/{case_id}/audit?limit=500"))
        .token(&s.auditor)
        .send()
        .await
        .expect(200)
        .json();
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "case.created",
        "party.created",
        "allegation.created",
        "case.transitioned",
        "decision.recorded",
        "case.assigned",
        "case.viewed",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "case.transitioned")
            .count(),
        4
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "decision.recorded")
            .count(),
        5
    );
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["chain"] == case_id)
    );
    // Personal details of the victim appear only in the party's own event.
    for e in trail["items"].as_array().unwrap() {
        if e["action"] != "party.created" {
            assert!(!e.to_string().contains("Jane Roe"), "{e}");
        }
    }
    let report = app
        .get("/api/v1/audit/verify")
        .token(&s.auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["chains_checked"].as_u64().unwrap() >= 2);
}

#[actix_web::test]
async fn acceptance_apsp_cannot_leave_assessment_without_the_referral() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let case_id = case["id"].as_str().unwrap();
    let subject = create_subject(&app, &s.supervisor, "991", None).await;
    add_allegation(&app, &s.supervisor, case_id, &subject, "apsp")
        .await
        .expect(201);
    transition(&app, &s.supervisor, case_id, "assessment", json!({}))
        .await
        .expect(200);

    let refused = transition(&app, &s.supervisor, case_id, "investigation", json!({}))
        .await
        .expect(409);
    let body = refused.json();
    assert_eq!(body["code"], "preconditions_unmet");
    let codes: Vec<&str> = body["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "severity_assessment_required",
            "investigator_required",
            "iopc_referral_required"
        ]
    );
    assert_eq!(body["unmet"][0]["subject_id"], subject);

    // A pending referral is not enough.
    decide(&app, &s.supervisor, case_id, json!({"kind": "iopc_referral", "referred_at": "2026-11-03T10:00:00Z", "mode": "pending", "rationale": "Referred."})).await.expect(201);
    let refused = transition(&app, &s.supervisor, case_id, "investigation", json!({}))
        .await
        .expect(409);
    assert!(
        refused.json()["unmet"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["code"] == "iopc_referral_required")
    );
    // A transition the table does not have.
    let refused = transition(&app, &s.supervisor, case_id, "proceedings", json!({}))
        .await
        .expect(409);
    assert_eq!(refused.code(), "transition_not_allowed");
}

#[actix_web::test]
async fn acceptance_need_to_know_hides_cases_as_404_everywhere() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (inv_a_id, inv_a) = &s.investigator;
    let (_, inv_b) = &s.investigator_b;

    // A case assigned to investigator A.
    let case = create_case(&app, &s.supervisor, "corruption").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let subject = create_subject(&app, &s.supervisor, "1001", None).await;
    add_allegation(&app, &s.supervisor, &case_id, &subject, "corruption")
        .await
        .expect(201);
    let tag = etag(&app, &s.supervisor, &case_id).await;
    app.put(&format!("/api/v1/cases/{case_id}/assignment"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"investigator_id": inv_a_id}))
        .send()
        .await
        .expect(200);
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(inv_a)
        .send()
        .await
        .expect(200);

    // Investigator B: 404 on the case and on every sub-resource; absent from lists.
    for path in [
        "",
        "/parties",
        "/allegations",
        "/notes",
        "/decisions",
        "/audit",
    ] {
        let resp = app
            .get(&format!("/api/v1/cases/{case_id}{path}"))
            .token(inv_b)
            .send()
            .await
            .expect(404);
        assert_eq!(resp.code(), "not_found", "{path}");
    }
    app.post(&format!("/api/v1/cases/{case_id}/notes"))
        .token(inv_b)
        .json(&json!({"body": "x"}))
        .send()
        .await
        .expect(404);
    let list = app
        .get("/api/v1/cases")
        .token(inv_b)
        .send()
        .await
        .expect(200)
        .json();
    assert!(list["items"].as_array().unwrap().is_empty());
    let history = app
        .get(&format!("/api/v1/subjects/{subject}/history"))
        .token(inv_b)
        .send()
        .await
        .expect(200)
        .json();
    assert!(history["cases"].as_array().unwrap().is_empty());
    let history = app
        .get(&format!("/api/v1/subjects/{subject}/history"))
        .token(inv_a)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(history["cases"].as_array().unwrap().len(), 1);

    // A supervisor who is linked to the subject of a case never sees it.
    let linked = app.create_user("sup.linked", Role::Supervisor);
    let linked_token = app
        .login_as("sup.linked", crate::support::PASSWORD)
        .await
        .expect(200)
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let about_linked = create_case(&app, &s.supervisor, "apsp").await;
    let about_linked_id = about_linked["id"].as_str().unwrap().to_owned();
    let linked_subject = create_subject(&app, &s.supervisor, "2002", Some(linked)).await;
    add_allegation(
        &app,
        &s.supervisor,
        &about_linked_id,
        &linked_subject,
        "apsp",
    )
    .await
    .expect(201);
    app.get(&format!("/api/v1/cases/{about_linked_id}"))
        .token(&linked_token)
        .send()
        .await
        .expect(404);
    app.get(&format!("/api/v1/cases/{about_linked_id}/parties"))
        .token(&linked_token)
        .send()
        .await
        .expect(404);
    app.get(&format!("/api/v1/subjects/{linked_subject}"))
        .token(&linked_token)
        .send()
        .await
        .expect(404);
    let seen: Vec<String> = app
        .get("/api/v1/cases")
        .token(&linked_token)
        .send()
        .await
        .expect(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        seen.contains(&case_id) && !seen.contains(&about_linked_id),
        "{seen:?}"
    );
    // Nor can they be assigned to it or named a member.
    app.create_user("inv.linked", Role::Investigator);

    // A restricted case: invisible to a supervisor who is not a member, in lists too.
    let restricted = app
        .post("/api/v1/cases")
        .token(&s.supervisor)
        .json(&json!({"title": "Senior officer", "summary": "Counter-corruption intelligence.", "source": "intelligence",
                      "category": "corruption", "received_at": "2026-10-01T09:00:00Z", "restricted": true}))
        .send()
        .await
        .expect(201)
        .json();
    let restricted_id = restricted["id"].as_str().unwrap().to_owned();
    assert_eq!(restricted["restricted"], true);
    app.get(&format!("/api/v1/cases/{restricted_id}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200);
    app.get(&format!("/api/v1/cases/{restricted_id}"))
        .token(&s.supervisor2)
        .send()
        .await
        .expect(404);
    assert_eq!(
        app.item_count("/api/v1/cases?restricted=true", &s.supervisor)
            .await,
        1
    );
    assert_eq!(
        app.item_count("/api/v1/cases?restricted=true", &s.supervisor2)
            .await,
        0
    );
    // Named a member, the second supervisor sees it.
    let tag = etag(&app, &s.supervisor, &restricted_id).await;
    let sup2_id = app
        .get("/api/v1/me")
        .token(&s.supervisor2)
        .send()
        .await
        .expect(200)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sup1_id = app
        .get("/api/v1/me")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.put(&format!("/api/v1/cases/{restricted_id}/members"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"user_ids": [sup1_id, sup2_id]}))
        .send()
        .await
        .expect(200);
    app.get(&format!("/api/v1/cases/{restricted_id}"))
        .token(&s.supervisor2)
        .send()
        .await
        .expect(200);
    assert_eq!(
        app.item_count("/api/v1/cases?restricted=true", &s.supervisor2)
            .await,
        1
    );

    // Admins and auditors read no case content.
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&admin)
        .send()
        .await
        .expect(403);
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&s.auditor)
        .send()
        .await
        .expect(403);
    app.get(&format!("/api/v1/cases/{case_id}/audit"))
        .token(&s.auditor)
        .send()
        .await
        .expect(200);
}

#[actix_web::test]
async fn assignment_refuses_conflicts_of_interest_and_non_investigators() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let inv_linked = app.create_user("inv.linked", Role::Investigator);
    let case = create_case(&app, &s.supervisor, "dishonesty").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let subject = create_subject(&app, &s.supervisor, "3003", Some(inv_linked)).await;
    add_allegation(&app, &s.supervisor, &case_id, &subject, "dishonesty")
        .await
        .expect(201);
    let tag = etag(&app, &s.supervisor, &case_id).await;
    let assign = |who: String| {
        let (app, tag, case_id) = (&app, tag.clone(), case_id.clone());
        let token = s.supervisor.clone();
        async move {
            app.put(&format!("/api/v1/cases/{case_id}/assignment"))
                .token(&token)
                .header("if-match", &tag)
                .json(&json!({"investigator_id": who}))
                .send()
                .await
        }
    };
    let resp = assign(inv_linked.to_string()).await.expect(409);
    assert_eq!(resp.code(), "conflict_of_interest");
    let sup_id = app
        .get("/api/v1/me")
        .token(&s.supervisor2)
        .send()
        .await
        .expect(200)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = assign(sup_id).await.expect(409);
    assert_eq!(resp.code(), "investigator_unavailable");
    let resp = assign(uuid::Uuid::new_v4().to_string()).await.expect(409);
    assert_eq!(resp.code(), "investigator_unavailable");
    let members = app
        .put(&format!("/api/v1/cases/{case_id}/members"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"user_ids": [inv_linked]}))
        .send()
        .await
        .expect(409);
    assert_eq!(members.code(), "conflict_of_interest");
    assign(s.investigator.0.to_string()).await.expect(200);
    // The same ETag again is stale now.
    assign(s.investigator_b.0.to_string()).await.expect(412);
}

#[actix_web::test]
async fn acceptance_two_concurrent_patches_one_wins_one_is_412() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.supervisor, "other").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let tag = etag(&app, &s.supervisor, &case_id).await;
    let path = format!("/api/v1/cases/{case_id}");
    let a = app
        .patch(&path)
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"title": "First title"}))
        .send();
    let b = app
        .patch(&path)
        .token(&s.supervisor2)
        .header("if-match", &tag)
        .json(&json!({"summary": "Second summary"}))
        .send();
    let (a, b) = crate::support::join(a, b).await;
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412]);
    let now = app
        .get(&path)
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(now["version"], 2);
    // Nothing lost: the winner's change is there, the loser's is not half-applied.
    let title_won = a.status == 200;
    assert_eq!(now["title"] == "First title", title_won);
    assert_eq!(now["summary"] == "Second summary", !title_won);
    // Without If-Match: 428.
    app.patch(&path)
        .token(&s.supervisor)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect(428);
}

#[actix_web::test]
async fn early_warning_flags_repeat_subjects_and_cases() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let subject = create_subject(&app, &s.supervisor, "5005", None).await;
    let first = create_case(&app, &s.supervisor, "other_abuse_of_position").await;
    let first_id = first["id"].as_str().unwrap();
    add_allegation(&app, &s.supervisor, first_id, &subject, "apsp")
        .await
        .expect(201);
    let unflagged = app
        .get(&format!("/api/v1/subjects/{subject}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(unflagged["flagged"], false);

    let second = create_case(&app, &s.supervisor, "apsp").await;
    let second_id = second["id"].as_str().unwrap();
    add_allegation(&app, &s.supervisor, second_id, &subject, "apsp")
        .await
        .expect(201);
    let flagged = app
        .get(&format!("/api/v1/subjects/{subject}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(flagged["flagged"], true);
    let codes: Vec<&str> = flagged["flag_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["repeat_allegations", "prior_apsp"]);
    let case = app
        .get(&format!("/api/v1/cases/{second_id}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(case["flagged"], true);
    let list = app
        .get("/api/v1/subjects?flagged=true")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let flagged_cases = app
        .get("/api/v1/cases?flagged=true")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(flagged_cases["items"].as_array().unwrap().len(), 1);
    assert_eq!(flagged_cases["items"][0]["id"], second_id);
}

#[actix_web::test]
async fn the_twelve_month_report_deadline_and_the_overdue_filter() {
    use chrono::{Datelike, Months, TimeZone, Utc};
    let app = TestApp::new().await;
    let s = staff(&app).await;
    // Relative to today, so the test means the same thing whenever it runs: the matter came
    // to attention 19 months ago, on the 15th (no month-end clamping).
    let today = Utc::now().date_naive();
    let base = today.with_day(15).unwrap() - Months::new(19);
    let at = |months: u32| {
        let d = base + Months::new(months);
        Utc.with_ymd_and_hms(d.year(), d.month(), 15, 9, 0, 0)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let old = app
        .post("/api/v1/cases")
        .token(&s.supervisor)
        .json(&json!({"title": "Old matter", "summary": "Came to attention long ago.", "source": "internal_referral",
                      "category": "corruption", "received_at": at(1), "came_to_attention_at": at(0)}))
        .send()
        .await
        .expect(201)
        .json();
    let old_id = old["id"].as_str().unwrap().to_owned();
    assert_eq!(old["deadlines"]["twelve_month_report_due"], at(12));
    assert_eq!(old["deadlines"]["overdue"], true);
    app.post("/api/v1/cases")
        .token(&s.supervisor)
        .json(&json!({"title": "Recent matter", "summary": "Came to attention last month.", "source": "internal_referral",
                      "category": "other", "received_at": at(18)}))
        .send()
        .await
        .expect(201);

    let overdue = app
        .get("/api/v1/cases?overdue=true")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    let ids: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [old_id.as_str()]);
    let not_overdue = app
        .get("/api/v1/cases?overdue=false")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(not_overdue["items"].as_array().unwrap().len(), 1);

    // One report moves the due date six months on (still past); a second clears it.
    for reported in [at(11), at(17)] {
        decide(&app, &s.supervisor, &old_id, json!({"kind": "twelve_month_report", "reported_at": reported, "rationale": "Report sent to the PCC and the IOPC."}))
            .await
            .expect(201);
    }
    let now = app
        .get(&format!("/api/v1/cases/{old_id}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(now["deadlines"]["twelve_month_report_due"], at(24));
    assert_eq!(now["deadlines"]["reports_made"], 2);
    assert_eq!(now["deadlines"]["overdue"], false);
    let overdue = app
        .get("/api/v1/cases?overdue=true")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert!(overdue["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn suspension_resumes_where_it_left_and_closure_needs_a_reason() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.supervisor, "use_of_force").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let subject = create_subject(&app, &s.supervisor, "6006", None).await;
    add_allegation(&app, &s.supervisor, &id, &subject, "use_of_force")
        .await
        .expect(201);
    transition(&app, &s.supervisor, &id, "assessment", json!({}))
        .await
        .expect(200);

    let suspended = transition(&app, &s.supervisor, &id, "suspended", json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(suspended["state"], "suspended");
    assert_eq!(suspended["suspended_from"], "assessment");
    let wrong = transition(&app, &s.supervisor, &id, "investigation", json!({}))
        .await
        .expect(409);
    assert_eq!(wrong.code(), "transition_not_allowed");
    let resumed = transition(&app, &s.supervisor, &id, "assessment", json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(resumed["state"], "assessment");
    assert!(resumed["suspended_from"].is_null());

    // Only a supervisor suspends: an intake officer who can see an intake case may not.
    let intake_case = create_case(&app, &s.intake, "other").await;
    let intake_id = intake_case["id"].as_str().unwrap();
    transition(&app, &s.intake, intake_id, "suspended", json!({}))
        .await
        .expect(403);
    let no_reason = transition(&app, &s.supervisor, &id, "closed", json!({}))
        .await
        .expect(409);
    assert_eq!(
        no_reason.json()["unmet"][0]["code"],
        "closure_reason_required"
    );
    let closed = transition(
        &app,
        &s.supervisor,
        &id,
        "closed",
        json!({"closure_reason": "rprp"}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["closure_reason"], "rprp");
    // A closed case takes no more notes or decisions.
    let refused = app
        .post(&format!("/api/v1/cases/{id}/notes"))
        .token(&s.supervisor)
        .json(&json!({"body": "late"}))
        .send()
        .await
        .expect(409);
    assert_eq!(refused.code(), "case_closed");
    let empty_reason = app
        .post(&format!("/api/v1/cases/{id}/transitions"))
        .token(&s.supervisor)
        .header("if-match", &etag(&app, &s.supervisor, &id).await)
        .json(&json!({"to": "suspended", "reason": "  "}))
        .send()
        .await
        .expect(422);
    assert_eq!(empty_reason.json()["errors"][0]["field"], "reason");
}

#[actix_web::test]
async fn notes_are_append_only_and_decisions_supersede() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.supervisor, "discrimination").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let subject = create_subject(&app, &s.supervisor, "7007", None).await;
    add_allegation(&app, &s.supervisor, &id, &subject, "discrimination")
        .await
        .expect(201);

    let first = app
        .post(&format!("/api/v1/cases/{id}/notes"))
        .token(&s.supervisor)
        .json(&json!({"body": "Spoke to the witness on Monday."}))
        .send()
        .await
        .expect(201)
        .json();
    let correction = app
        .post(&format!("/api/v1/cases/{id}/notes"))
        .token(&s.supervisor)
        .json(&json!({"body": "Correction: it was Tuesday.", "corrects_id": first["id"]}))
        .send()
        .await
        .expect(201)
        .json();
    assert_eq!(correction["corrects_id"], first["id"]);
    let bad = app
        .post(&format!("/api/v1/cases/{id}/notes"))
        .token(&s.supervisor)
        .json(&json!({"body": "x", "corrects_id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.json()["errors"][0]["field"], "corrects_id");
    let notes = app
        .get(&format!("/api/v1/cases/{id}/notes"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(notes["items"].as_array().unwrap().len(), 2);
    let err = {
        use diesel::connection::SimpleConnection;
        app.db
            .connect()
            .batch_execute("UPDATE notes SET body = 'rewritten'")
            .unwrap_err()
            .to_string()
    };
    assert!(err.contains("append-only"), "{err}");

    for severity in ["misconduct", "gross_misconduct"] {
        decide(&app, &s.supervisor, &id, json!({"kind": "severity_assessment", "subject_id": subject, "severity": severity, "rationale": "Assessed."}))
            .await
            .expect(201);
    }
    let decisions = app
        .get(&format!("/api/v1/cases/{id}/decisions"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    let items = decisions["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["current"], false);
    assert_eq!(items[1]["current"], true);
    assert_eq!(items[1]["supersedes_id"], items[0]["id"]);
    let case = app
        .get(&format!("/api/v1/cases/{id}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(case["subjects"][0]["severity"], "gross_misconduct");
    let by_severity = app
        .get("/api/v1/cases?severity=gross_misconduct")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(by_severity["items"].as_array().unwrap().len(), 1);
    let superseded = app
        .get("/api/v1/cases?severity=misconduct")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert!(superseded["items"].as_array().unwrap().is_empty());
}

#[actix_web::test]
async fn decisions_are_validated_per_kind_and_per_role() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let subject = create_subject(&app, &s.supervisor, "8008", None).await;
    add_allegation(&app, &s.supervisor, &id, &subject, "apsp")
        .await
        .expect(201);
    let other_subject = create_subject(&app, &s.supervisor, "8009", None).await;

    let cases = [
        (
            json!({"kind": "verdict", "rationale": "x"}),
            "kind",
            "invalid_value",
        ),
        (
            json!({"kind": "severity_assessment", "severity": "gross_misconduct", "rationale": "x"}),
            "subject_id",
            "required",
        ),
        (
            json!({"kind": "severity_assessment", "subject_id": subject, "severity": "awful", "rationale": "x"}),
            "severity",
            "invalid_value",
        ),
        (
            json!({"kind": "severity_assessment", "subject_id": subject, "severity": "misconduct", "rationale": "x", "extra": 1}),
            "extra",
            "unknown_field",
        ),
        (
            json!({"kind": "severity_assessment", "subject_id": other_subject, "severity": "misconduct", "rationale": "x"}),
            "subject_id",
            "subject_not_in_case",
        ),
        (
            json!({"kind": "iopc_referral", "referred_at": "last tuesday", "mode": "local", "rationale": "x"}),
            "referred_at",
            "invalid_value",
        ),
        (
            json!({"kind": "iopc_referral", "referred_at": "2026-11-01T00:00:00Z", "mode": "local"}),
            "rationale",
            "required",
        ),
        (
            json!({"kind": "iopc_referral", "referred_at": "2026-11-01T00:00:00Z", "mode": "local", "rationale": "x", "subject_id": subject}),
            "subject_id",
            "unknown_field",
        ),
        (
            json!({"kind": "case_to_answer", "subject_id": subject, "answer": "gross_misconduct", "rationale": "x"}),
            "proceedings",
            "required",
        ),
    ];
    for (body, field, code) in cases {
        let resp = decide(&app, &s.supervisor, &id, body.clone())
            .await
            .expect(422);
        assert_eq!(resp.code(), "validation_failed", "{body}");
        assert_eq!(
            resp.json()["errors"][0]["field"],
            field,
            "{body}: {}",
            resp.json()
        );
        assert_eq!(
            resp.json()["errors"][0]["code"],
            code,
            "{body}: {}",
            resp.json()
        );
    }
    // An intake officer records no decisions; an investigator not assigned records no final report.
    let intake_case = create_case(&app, &s.intake, "apsp").await;
    let intake_id = intake_case["id"].as_str().unwrap();
    decide(&app, &s.intake, intake_id, json!({"kind": "iopc_referral", "referred_at": "2026-11-01T00:00:00Z", "mode": "local", "rationale": "x"})).await.expect(403);
    let tag = etag(&app, &s.supervisor, &id).await;
    app.put(&format!("/api/v1/cases/{id}/assignment"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"investigator_id": s.investigator.0}))
        .send()
        .await
        .expect(200);
    decide(&app, &s.investigator.1, &id, json!({"kind": "severity_assessment", "subject_id": subject, "severity": "misconduct", "rationale": "x"})).await.expect(403);
    decide(&app, &s.supervisor, &id, json!({"kind": "final_report", "summary": "Done.", "submitted_at": "2026-11-20T09:00:00Z", "rationale": "x"})).await.expect(403);
    decide(&app, &s.investigator.1, &id, json!({"kind": "final_report", "summary": "Done.", "submitted_at": "2026-11-20T09:00:00Z", "rationale": "x"})).await.expect(201);
}

#[actix_web::test]
async fn casework_bad_input_is_a_clear_4xx() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let base = json!({"title": "T", "summary": "S", "source": "public_report", "category": "apsp", "received_at": "2026-11-01T09:00:00Z"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("category", json!("bribery")), "category"),
        (with("source", json!(7)), "source"),
        (with("received_at", json!("2026-13-45")), "received_at"),
        (with("title", json!("")), "title"),
        (with("restricted", json!("yes")), "restricted"),
        (with("colour", json!("red")), "colour"),
    ] {
        let resp = app
            .post("/api/v1/cases")
            .token(&s.supervisor)
            .json(&body)
            .send()
            .await;
        assert_eq!(
            resp.status.as_u16(),
            422,
            "{body}: {}",
            String::from_utf8_lossy(&resp.bytes)
        );
        assert_eq!(resp.json()["errors"][0]["field"], field, "{body}");
    }
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap();
    for (query, field) in [
        ("state=pending", "state"),
        ("received_from=yesterday", "received_from"),
        ("sort=title", "sort"),
        ("subject_id=42", "subject_id"),
        ("overdue=maybe", "overdue"),
    ] {
        let resp = app
            .get(&format!("/api/v1/cases?{query}"))
            .token(&s.supervisor)
            .send()
            .await
            .expect(400);
        assert_eq!(resp.json()["errors"][0]["field"], field, "{query}");
    }
    app.get("/api/v1/cases/PSD-2026-000001")
        .token(&s.supervisor)
        .send()
        .await
        .expect(400);
    // A single party is only ever PATCHed: GET on its path is 405 (with `Allow: PATCH`).
    app.get(&format!("/api/v1/cases/{id}/parties/not-a-uuid"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(405);
    let resp = app
        .patch(&format!("/api/v1/cases/{id}/parties/not-a-uuid"))
        .token(&s.supervisor)
        .header("if-match", "*")
        .json(&json!({"role": "victim", "name": "A"}))
        .send()
        .await
        .expect(400);
    assert_eq!(resp.json()["errors"][0]["field"], "party_id");
    let resp = app
        .post(&format!("/api/v1/cases/{id}/parties"))
        .token(&s.supervisor)
        .json(&json!({"role": "victim", "name": "A", "vulnerability_factors": ["lonely"]}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        resp.json()["errors"][0]["field"],
        "vulnerability_factors[0]"
    );
    let resp = add_allegation(
        &app,
        &s.supervisor,
        id,
        &uuid::Uuid::new_v4().to_string(),
        "apsp",
    )
    .await
    .expect(422);
    assert_eq!(resp.json()["errors"][0]["field"], "subject_id");
    let resp = app
        .post("/api/v1/subjects")
        .token(&s.supervisor)
        .json(&json!({"force": "Wessex Police", "collar_number": "  ", "name": "X"}))
        .send()
        .await
        .expect(422);
    assert_eq!(resp.json()["errors"][0]["field"], "collar_number");
    create_subject(&app, &s.supervisor, "A1", None).await;
    let dup = app
        .post("/api/v1/subjects")
        .token(&s.supervisor)
        .json(&json!({"force": "WESSEX POLICE", "collar_number": "a1", "name": "Same person"}))
        .send()
        .await
        .expect(409);
    assert_eq!(dup.code(), "subject_exists");
}

#[actix_web::test]
async fn finding_work_filters_search_sort_and_pages() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let subject = create_subject(&app, &s.supervisor, "9009", None).await;
    let mut ids = Vec::new();
    for (i, (category, title)) in [
        ("apsp", "Welfare visits at night"),
        ("corruption", "Gifts from a contractor"),
        ("apsp", "Messages to a witness"),
    ]
    .iter()
    .enumerate()
    {
        let case = app
            .post("/api/v1/cases")
            .token(&s.supervisor)
            .json(&json!({"title": title, "summary": "Summary.", "source": "public_report", "category": category,
                          "received_at": format!("2026-0{}-01T09:00:00Z", i + 1)}))
            .send()
            .await
            .expect(201)
            .json();
        ids.push(case["id"].as_str().unwrap().to_owned());
    }
    add_allegation(&app, &s.supervisor, &ids[1], &subject, "corruption")
        .await
        .expect(201);

    let list = |query: &str| {
        let (app, token, query) = (&app, s.supervisor.clone(), query.to_owned());
        async move {
            let body = app
                .get(&format!("/api/v1/cases?{query}"))
                .token(&token)
                .send()
                .await
                .expect(200)
                .json();
            let ids: Vec<String> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect();
            (ids, body["next_cursor"].as_str().map(str::to_owned))
        }
    };
    assert_eq!(
        list("").await.0,
        [ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(list("sort=received_at").await.0, ids);
    assert_eq!(
        list("category=apsp&sort=received_at").await.0,
        [ids[0].clone(), ids[2].clone()]
    );
    assert_eq!(
        list(&format!("subject_id={subject}")).await.0,
        [ids[1].clone()]
    );
    assert_eq!(list("q=contractor").await.0, [ids[1].clone()]);
    // Full text reaches allegation descriptions too ("kisses" is only in the allegation).
    assert_eq!(list("q=kisses").await.0, [ids[1].clone()]);
    assert_eq!(
        list("received_from=2026-02-01T00:00:00Z&received_to=2026-03-01T00:00:00Z")
            .await
            .0,
        [ids[1].clone()]
    );
    let (page1, cursor) = list("limit=2&sort=received_at").await;
    assert_eq!(page1, [ids[0].clone(), ids[1].clone()]);
    let (page2, end) = list(&format!(
        "limit=2&sort=received_at&cursor={}",
        cursor.unwrap()
    ))
    .await;
    assert_eq!(page2, [ids[2].clone()]);
    assert!(end.is_none());
}

#[actix_web::test]
async fn workload_counts_open_cases_per_investigator() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    for category in ["apsp", "corruption"] {
        let case = create_case(&app, &s.supervisor, category).await;
        let id = case["id"].as_str().unwrap();
        let tag = etag(&app, &s.supervisor, id).await;
        app.put(&format!("/api/v1/cases/{id}/assignment"))
            .token(&s.supervisor)
            .header("if-match", &tag)
            .json(&json!({"investigator_id": s.investigator.0}))
            .send()
            .await
            .expect(200);
    }
    let body = app
        .get("/api/v1/workload")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{body}");
    let a = items
        .iter()
        .find(|i| i["investigator_id"] == s.investigator.0.to_string())
        .unwrap();
    assert_eq!(a["open_total"], 2);
    assert_eq!(a["open_by_state"]["intake"], 2);
    assert!(a["oldest_case_age_days"].as_i64().unwrap() >= 0);
    let b = items
        .iter()
        .find(|i| i["investigator_id"] == s.investigator_b.0.to_string())
        .unwrap();
    assert_eq!(b["open_total"], 0);
    app.get("/api/v1/workload")
        .token(&s.investigator.1)
        .send()
        .await
        .expect(403);
}

#[actix_web::test]
async fn restricting_a_case_keeps_the_supervisor_and_drops_everyone_else() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.intake, "corruption").await;
    let id = case["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/cases/{id}"))
        .token(&s.intake)
        .send()
        .await
        .expect(200);
    let tag = etag(&app, &s.supervisor, &id).await;
    let restricted = app
        .patch(&format!("/api/v1/cases/{id}"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"restricted": true}))
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(restricted["restricted"], true);
    assert_eq!(restricted["members"].as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/cases/{id}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200);
    app.get(&format!("/api/v1/cases/{id}"))
        .token(&s.supervisor2)
        .send()
        .await
        .expect(404);
    // Only members and the assigned investigator see a restricted case: not its creator at intake.
    app.get(&format!("/api/v1/cases/{id}"))
        .token(&s.intake)
        .send()
        .await
        .expect(404);
    // Only supervisors restrict.
    let other = create_case(&app, &s.intake, "other").await;
    let other_id = other["id"].as_str().unwrap();
    let tag = etag(&app, &s.intake, other_id).await;
    app.patch(&format!("/api/v1/cases/{other_id}"))
        .token(&s.intake)
        .header("if-match", &tag)
        .json(&json!({"restricted": true}))
        .send()
        .await
        .expect(403);
}
