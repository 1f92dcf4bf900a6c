//! Proceedings, outcomes, publication, public reporting and statistics.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::support::{Resp, TestApp};
use crate::support::{
    add_allegation, apsp_case_in_proceedings, create_case, create_subject, decide, etag, staff,
    transition,
};

async fn schedule(
    app: &TestApp,
    token: &str,
    case_id: &str,
    subject: &str,
    kind: &str,
    days_ahead: i64,
) -> Resp {
    let when = (Utc::now() + Duration::days(days_ahead))
        .format("%Y-%m-%dT10:00:00Z")
        .to_string();
    app.post(&format!("/api/v1/cases/{case_id}/proceedings"))
        .token(token)
        .json(&json!({"kind": kind, "subject_ids": [subject], "scheduled_for": when, "venue": "Force HQ, Hearing Room 2",
                      "chair": "Assistant Chief Constable", "panel": ["Independent member A", "Independent member B", "Legally qualified adviser"]}))
        .send()
        .await
}

fn public_fields(v: &Value) {
    let allowed = [
        "id",
        "kind",
        "officer_name",
        "officer_rank",
        "force",
        "hearing_date",
        "venue",
        "allegation_summary",
        "outcome",
        "publish_from",
        "publish_until",
    ];
    for item in v["items"].as_array().unwrap() {
        for key in item.as_object().unwrap().keys() {
            assert!(
                allowed.contains(&key.as_str()),
                "unexpected public field {key}"
            );
        }
        let text = item.to_string();
        for secret in [
            "Jane Roe",
            "07700",
            "jane.roe@example.org",
            "mental_health",
            "case_id",
        ] {
            assert!(
                !text.contains(secret),
                "party data in a public response: {text}"
            );
        }
    }
}

#[actix_web::test]
async fn acceptance_apsp_case_to_a_public_hearing_outcome_and_closure() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (case_id, subject) = apsp_case_in_proceedings(&app, &s).await;

    let hearing = schedule(
        &app,
        &s.supervisor,
        &case_id,
        &subject,
        "misconduct_hearing",
        14,
    )
    .await
    .expect(201)
    .json();
    assert_eq!(hearing["public"], true);
    let hearing_id = hearing["id"].as_str().unwrap().to_owned();

    // The notice: drafted by one supervisor, approved by another.
    let notice = app
        .post(&format!("/api/v1/cases/{case_id}/publications"))
        .token(&s.supervisor)
        .json(&json!({"kind": "hearing_notice", "proceeding_id": hearing_id, "officer_name": "PC Alex Smith", "officer_rank": "Police Constable",
                      "force": "Wessex Police", "hearing_date": hearing["scheduled_for"], "venue": "Force HQ, Hearing Room 2",
                      "allegation_summary": "It is alleged the officer pursued a sexual relationship with a vulnerable person met on duty.",
                      "publish_from": Utc::now().to_rfc3339()}))
        .send()
        .await
        .expect(201);
    let notice_tag = notice.header("etag").unwrap();
    let notice_id = notice.json()["id"].as_str().unwrap().to_owned();
    let approve = |token: String, id: String, tag: String| {
        let (app, case_id) = (&app, case_id.clone());
        async move {
            app.post(&format!(
                "/api/v1/cases/{case_id}/publications/{id}/approve"
            ))
            .token(&token)
            .header("if-match", &tag)
            .send()
            .await
        }
    };
    let own = approve(s.supervisor.clone(), notice_id.clone(), notice_tag.clone())
        .await
        .expect(409);
    assert_eq!(own.code(), "author_cannot_approve");
    let published = approve(s.supervisor2.clone(), notice_id.clone(), notice_tag)
        .await
        .expect(200)
        .json();
    assert_eq!(published["status"], "published");

    let hearings = app
        .get("/api/v1/public/hearings")
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(hearings["items"].as_array().unwrap().len(), 1);
    assert_eq!(hearings["items"][0]["officer_name"], "PC Alex Smith");
    public_fields(&hearings);
    let page = app.get("/public/hearings").send().await.expect(200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8_lossy(&page.bytes).into_owned();
    assert!(
        html.contains("PC Alex Smith") && html.contains("Hearing Room 2"),
        "{html}"
    );
    assert!(!html.contains("<script") && !html.contains("Jane Roe"));
    // Links shared on social media carry extra parameters: the page still renders.
    let shared = app
        .get("/public/hearings?utm_source=twitter&fbclid=abc&cursor=junk")
        .send()
        .await
        .expect(200);
    assert!(String::from_utf8_lossy(&shared.bytes).contains("PC Alex Smith"));

    // The outcome: gross misconduct proven, dismissal without notice.
    let outcome = app
        .post(&format!("/api/v1/cases/{case_id}/outcomes"))
        .token(&s.supervisor)
        .json(&json!({"proceeding_id": hearing_id, "subject_id": subject, "finding": "gross_misconduct_proven",
                      "action": "dismissal_without_notice", "rationale": "The panel found the allegation proven."}))
        .send()
        .await
        .expect(201)
        .json();
    assert!(outcome["barred_list_due_by"].is_string());
    transition(&app, &s.supervisor, &case_id, "outcome", json!({}))
        .await
        .expect(200);
    // Closure needs the barred-list report.
    let refused = transition(&app, &s.supervisor, &case_id, "closed", json!({}))
        .await
        .expect(409);
    assert_eq!(
        refused.json()["unmet"][0]["code"],
        "barred_list_report_required"
    );
    app.post(&format!("/api/v1/cases/{case_id}/list-reports"))
        .token(&s.supervisor)
        .json(&json!({"subject_id": subject, "list": "barred", "reported_on": Utc::now().date_naive()}))
        .send()
        .await
        .expect(201);

    // The outcome is published for at least 28 days.
    let draft = app
        .post(&format!("/api/v1/cases/{case_id}/publications"))
        .token(&s.supervisor2)
        .json(&json!({"kind": "outcome", "officer_name": "Alex Smith", "officer_rank": "former Police Constable", "force": "Wessex Police",
                      "allegation_summary": "Abuse of position for a sexual purpose.", "outcome": "Gross misconduct proven. Dismissed without notice.",
                      "publish_from": Utc::now().to_rfc3339()}))
        .send()
        .await
        .expect(201);
    let window = draft.json();
    let from =
        chrono::DateTime::parse_from_rfc3339(window["publish_from"].as_str().unwrap()).unwrap();
    let until =
        chrono::DateTime::parse_from_rfc3339(window["publish_until"].as_str().unwrap()).unwrap();
    assert!(until - from >= Duration::days(28));
    approve(
        s.supervisor.clone(),
        window["id"].as_str().unwrap().to_owned(),
        draft.header("etag").unwrap(),
    )
    .await
    .expect(200);
    let outcomes = app
        .get("/api/v1/public/outcomes")
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(
        outcomes["items"][0]["outcome"],
        "Gross misconduct proven. Dismissed without notice."
    );
    public_fields(&outcomes);
    let page = String::from_utf8_lossy(&app.get("/public/outcomes").send().await.expect(200).bytes)
        .into_owned();
    assert!(page.contains("Dismissed without notice"));

    let closed = transition(&app, &s.supervisor, &case_id, "closed", json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(closed["state"], "closed");
    let report = app
        .get("/api/v1/audit/verify")
        .token(&s.auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(report["ok"], true, "{report}");
}

#[actix_web::test]
async fn acceptance_statutory_limits() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (case_id, subject) = apsp_case_in_proceedings(&app, &s).await;

    // Gross misconduct cannot go to a meeting.
    let refused = schedule(
        &app,
        &s.supervisor,
        &case_id,
        &subject,
        "misconduct_meeting",
        14,
    )
    .await
    .expect(409);
    assert_eq!(refused.code(), "rules_broken");
    assert_eq!(
        refused.json()["unmet"][0]["code"],
        "hearing_required_for_gross_misconduct"
    );
    // A public hearing less than 5 working days away is refused.
    let soon = schedule(
        &app,
        &s.supervisor,
        &case_id,
        &subject,
        "misconduct_hearing",
        2,
    )
    .await
    .expect(409);
    assert_eq!(soon.code(), "notice_period_too_short");

    let hearing = schedule(
        &app,
        &s.supervisor,
        &case_id,
        &subject,
        "misconduct_hearing",
        14,
    )
    .await
    .expect(201)
    .json();
    let hearing_id = hearing["id"].as_str().unwrap();
    // A notice published too late for its hearing is refused at approval.
    let late_notice = app
        .post(&format!("/api/v1/cases/{case_id}/publications"))
        .token(&s.supervisor)
        .json(&json!({"kind": "hearing_notice", "proceeding_id": hearing_id, "officer_name": "PC A", "force": "Wessex Police",
                      "hearing_date": hearing["scheduled_for"], "venue": "HQ", "allegation_summary": "s",
                      "publish_from": (Utc::now() + Duration::days(12)).to_rfc3339()}))
        .send()
        .await
        .expect(201);
    let late = app
        .post(&format!(
            "/api/v1/cases/{case_id}/publications/{}/approve",
            late_notice.json()["id"].as_str().unwrap()
        ))
        .token(&s.supervisor2)
        .header("if-match", &late_notice.header("etag").unwrap())
        .send()
        .await
        .expect(409);
    assert_eq!(late.code(), "notice_period_too_short");

    // Gross misconduct cannot end in a written warning.
    let lenient = app
        .post(&format!("/api/v1/cases/{case_id}/outcomes"))
        .token(&s.supervisor)
        .json(&json!({"proceeding_id": hearing_id, "subject_id": subject, "finding": "gross_misconduct_proven", "action": "written_warning", "rationale": "r"}))
        .send()
        .await
        .expect(409);
    assert_eq!(
        lenient.json()["unmet"][0]["code"],
        "action_too_lenient_for_gross_misconduct"
    );

    // An outcome window shorter than 28 days is refused.
    let short = app
        .post(&format!("/api/v1/cases/{case_id}/publications"))
        .token(&s.supervisor)
        .json(&json!({"kind": "outcome", "officer_name": "PC A", "force": "Wessex Police", "allegation_summary": "s", "outcome": "o",
                      "publish_from": Utc::now().to_rfc3339(), "publish_until": (Utc::now() + Duration::days(7)).to_rfc3339()}))
        .send()
        .await
        .expect(422);
    assert_eq!(short.json()["errors"][0]["field"], "publish_until");
}

#[actix_web::test]
async fn a_meeting_cannot_impose_dismissal() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    // A misconduct case to answer, to a meeting.
    let case = create_case(&app, &s.supervisor, "other").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let subject = create_subject(&app, &s.supervisor, "1212", None).await;
    add_allegation(&app, &s.supervisor, &case_id, &subject, "other")
        .await
        .expect(201);
    transition(&app, &s.supervisor, &case_id, "assessment", json!({}))
        .await
        .expect(200);
    decide(&app, &s.supervisor, &case_id, json!({"kind": "severity_assessment", "subject_id": subject, "severity": "misconduct", "rationale": "r"})).await.expect(201);
    let tag = etag(&app, &s.supervisor, &case_id).await;
    app.put(&format!("/api/v1/cases/{case_id}/assignment"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"investigator_id": s.investigator.0}))
        .send()
        .await
        .expect(200);
    transition(&app, &s.supervisor, &case_id, "investigation", json!({}))
        .await
        .expect(200);
    decide(&app, &s.supervisor, &case_id, json!({"kind": "reg17_notice", "subject_id": subject, "served_at": "2026-11-05T09:00:00Z", "rationale": "r"})).await.expect(201);
    decide(&app, &s.investigator.1, &case_id, json!({"kind": "final_report", "summary": "s", "submitted_at": "2026-11-20T09:00:00Z", "rationale": "r"})).await.expect(201);
    transition(&app, &s.supervisor, &case_id, "decision", json!({}))
        .await
        .expect(200);
    decide(&app, &s.supervisor, &case_id, json!({"kind": "case_to_answer", "subject_id": subject, "answer": "misconduct", "proceedings": "meeting", "rationale": "r"})).await.expect(201);
    transition(&app, &s.supervisor, &case_id, "proceedings", json!({}))
        .await
        .expect(200);
    // Meetings are private by default, so no notice period applies.
    let meeting = schedule(
        &app,
        &s.supervisor,
        &case_id,
        &subject,
        "misconduct_meeting",
        1,
    )
    .await
    .expect(201)
    .json();
    assert_eq!(meeting["public"], false);
    let refused = app
        .post(&format!("/api/v1/cases/{case_id}/outcomes"))
        .token(&s.supervisor)
        .json(&json!({"proceeding_id": meeting["id"], "subject_id": subject, "finding": "misconduct_proven", "action": "dismissal_without_notice", "rationale": "r"}))
        .send()
        .await
        .expect(409);
    let body = refused.json();
    let codes: Vec<&str> = body["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"meeting_limit_exceeded"), "{codes:?}");
    app.post(&format!("/api/v1/cases/{case_id}/outcomes"))
        .token(&s.supervisor)
        .json(&json!({"proceeding_id": meeting["id"], "subject_id": subject, "finding": "misconduct_proven", "action": "final_written_warning", "rationale": "r"}))
        .send()
        .await
        .expect(201);
    transition(&app, &s.supervisor, &case_id, "outcome", json!({}))
        .await
        .expect(200);
    transition(&app, &s.supervisor, &case_id, "closed", json!({}))
        .await
        .expect(200);
}

fn report() -> Value {
    json!({
        "what_happened": "An officer who dealt with my burglary keeps messaging me late at night with kisses.",
        "when": "Since September", "where": "My home",
        "officer_name": "PC Smith", "officer_collar_number": "4471", "officer_force": "Wessex Police",
        "reporter_is_affected": true,
        "warning_signs": ["messages_with_kisses_or_sexual_comments", "visits_at_odd_times"]
    })
}

#[actix_web::test]
async fn acceptance_public_reporting() {
    // One report per address: a replay and a refused reuse of its key do not count.
    let app = TestApp::with_settings(&[("PROBITY_PUBLIC_REPORT_LIMIT", "1")]).await;
    let s = staff(&app).await;
    create_subject(&app, &s.supervisor, "4471", None).await;

    // Anonymous, with an idempotency key: a retry returns the same receipt.
    let first = app
        .post("/api/v1/public/reports")
        .header("idempotency-key", "abc-123")
        .json(&report())
        .send()
        .await
        .expect(201)
        .json();
    let again = app
        .post("/api/v1/public/reports")
        .header("idempotency-key", "abc-123")
        .json(&report())
        .send()
        .await
        .expect(201)
        .json();
    assert_eq!(first, again);
    let reference = first["reference"].as_str().unwrap();
    let token = first["receipt_token"].as_str().unwrap();
    let mut other = report();
    other["what_happened"] = json!("Something else.");
    let reused = app
        .post("/api/v1/public/reports")
        .header("idempotency-key", "abc-123")
        .json(&other)
        .send()
        .await
        .expect(422);
    assert_eq!(reused.json()["errors"][0]["field"], "Idempotency-Key");

    // The status, with the token; anything else is the same 404.
    let status = app
        .get(&format!("/api/v1/public/reports/{reference}"))
        .header("x-receipt-token", token)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(status["status"], "received");
    let wrong = app
        .get(&format!("/api/v1/public/reports/{reference}"))
        .header("x-receipt-token", "nope")
        .send()
        .await
        .expect(404);
    let unknown = app
        .get("/api/v1/public/reports/PR-AAAAA-BBBBB")
        .header("x-receipt-token", token)
        .send()
        .await
        .expect(404);
    assert_eq!(wrong.bytes, unknown.bytes);

    // Past the limit: 429 with Retry-After.
    let limited = app
        .post("/api/v1/public/reports")
        .json(&report())
        .send()
        .await
        .expect(429);
    assert_eq!(limited.code(), "rate_limited");
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 0
    );

    // Oversized bodies are 413.
    let mut huge = report();
    huge["what_happened"] = json!("x".repeat(2 * 1024 * 1024));
    app.post("/api/v1/public/reports")
        .json(&huge)
        .send()
        .await
        .expect(413);

    // Intake accepts it: a case in intake, the registered officer as subject, the signs carried over.
    let queue = app
        .get("/api/v1/intake/reports")
        .token(&s.intake)
        .send()
        .await
        .expect(200)
        .json();
    let queued = &queue["items"][0];
    assert_eq!(queued["reference"], reference);
    let accepted = app
        .post(&format!(
            "/api/v1/intake/reports/{}/accept",
            queued["id"].as_str().unwrap()
        ))
        .token(&s.intake)
        .json(&json!({}))
        .send()
        .await
        .expect(201)
        .json();
    let case_id = accepted["case_id"].as_str().unwrap();
    let case = app
        .get(&format!("/api/v1/cases/{case_id}"))
        .token(&s.intake)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(case["state"], "intake");
    assert_eq!(case["source"], "anonymous");
    assert_eq!(case["subjects"][0]["collar_number"], "4471");
    let allegations = app
        .get(&format!("/api/v1/cases/{case_id}/allegations"))
        .token(&s.intake)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(
        allegations["items"][0]["warning_signs"],
        json!([
            "messages_with_kisses_or_sexual_comments",
            "visits_at_odd_times"
        ])
    );
    let status = app
        .get(&format!("/api/v1/public/reports/{reference}"))
        .header("x-receipt-token", token)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(status["status"], "under_assessment");
    // Audited with actor `public` for the submission.
    let events = app
        .get("/api/v1/audit?action=public_report.received")
        .token(&s.auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(events["items"][0]["actor_type"], "public");
    app.get("/api/v1/intake/reports")
        .token(&s.investigator.1)
        .send()
        .await
        .expect(403);
}

#[actix_web::test]
async fn acceptance_statistics_match_a_known_dataset() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (_case, _subject) = apsp_case_in_proceedings(&app, &s).await;
    app.post("/api/v1/cases")
        .token(&s.supervisor2)
        .json(&json!({"title": "Restricted", "summary": "s", "source": "intelligence", "category": "corruption",
                      "received_at": "2026-11-02T09:00:00Z", "restricted": true}))
        .send()
        .await
        .expect(201);
    create_case(&app, &s.supervisor, "other").await;
    app.post("/api/v1/cases")
        .token(&s.supervisor)
        .json(&json!({"title": "Old", "summary": "s", "source": "iopc", "category": "dishonesty", "received_at": "2024-06-01T09:00:00Z"}))
        .send()
        .await
        .expect(201);

    let stats = app
        .get("/api/v1/stats?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z")
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    // The figures are over the cases the supervisor can see: the restricted case (they are
    // not a member) is only in the count of other cases of its month.
    assert_eq!(stats["from"], "2026-01-01T00:00:00Z");
    assert_eq!(stats["to"], "2027-01-01T00:00:00Z");
    assert_eq!(stats["received_by_source"], json!({"public_report": 2}));
    assert_eq!(
        stats["received_by_category"],
        json!({"apsp": 1, "other": 1})
    );
    assert_eq!(
        stats["open_by_state"],
        json!({"intake": 2, "proceedings": 1})
    );
    assert_eq!(stats["apsp_cases"], 1);
    assert_eq!(stats["iopc_referrals_by_mode"], json!({"local": 1}));
    let others = stats["other_cases_by_month"].as_object().unwrap();
    assert_eq!(others.len(), 12);
    assert_eq!(others.values().filter_map(Value::as_i64).sum::<i64>(), 1);
    assert_eq!(others["2026-11"], 1);
    // The 2024 case is past its 12-month point; the November 2026 ones will be from November 2027.
    let past_now = ["2026-11-01T09:00:00Z", "2026-11-01T09:00:00Z"]
        .iter()
        .filter(|t| {
            chrono::DateTime::parse_from_rfc3339(t).unwrap() + chrono::Months::new(12) < Utc::now()
        })
        .count();
    assert_eq!(stats["cases_past_twelve_months"], 1 + past_now);
    let stages: Vec<&str> = stats["median_days_to_stage"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        stages,
        ["assessment", "decision", "investigation", "proceedings"]
    );
    assert_eq!(stats["barred_list_reports"], 0);
    let csv = app
        .get("/api/v1/stats?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z")
        .token(&s.supervisor)
        .header("accept", "text/csv")
        .send()
        .await
        .expect(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = String::from_utf8_lossy(&csv.bytes).into_owned();
    assert!(text.starts_with("metric,key,value\n"));
    assert!(
        text.contains("received_by_source,public_report,2\n")
            && text.contains("apsp_cases,,1\n")
            && text.contains("other_cases_by_month,2026-11,1\n"),
        "{text}"
    );
    assert!(!text.contains("intelligence"), "{text}");
    app.get("/api/v1/stats?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z")
        .token(&s.investigator.1)
        .send()
        .await
        .expect(403);
    app.get("/api/v1/stats?from=yesterday&to=2027-01-01T00:00:00Z")
        .token(&s.supervisor)
        .send()
        .await
        .expect(400);
}

#[actix_web::test]
async fn a_late_barred_list_report_is_flagged() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (case_id, subject) = apsp_case_in_proceedings(&app, &s).await;
    let hearing = schedule(
        &app,
        &s.supervisor,
        &case_id,
        &subject,
        "misconduct_hearing",
        14,
    )
    .await
    .expect(201)
    .json();
    app.post(&format!("/api/v1/cases/{case_id}/outcomes"))
        .token(&s.supervisor)
        .json(&json!({"proceeding_id": hearing["id"], "subject_id": subject, "finding": "gross_misconduct_proven",
                      "action": "dismissal_without_notice", "rationale": "r", "decided_on": "2026-10-01"}))
        .send()
        .await
        .expect(201);
    let case = app
        .get(&format!("/api/v1/cases/{case_id}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(case["deadlines"]["barred_list_overdue"], true);
    // Thursday 1 October 2026 + 5 working days = Thursday 8 October.
    let outcomes = app
        .get(&format!("/api/v1/cases/{case_id}/outcomes"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(outcomes["items"][0]["barred_list_due_by"], "2026-10-08");
    let report = app
        .post(&format!("/api/v1/cases/{case_id}/list-reports"))
        .token(&s.supervisor)
        .json(&json!({"subject_id": subject, "list": "barred", "reported_on": "2026-10-12"}))
        .send()
        .await
        .expect(201)
        .json();
    assert_eq!(report["late"], true);
    let case = app
        .get(&format!("/api/v1/cases/{case_id}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(case["deadlines"]["barred_list_overdue"], false);
    // Only a dismissed subject goes on the barred list; twice is refused.
    app.post(&format!("/api/v1/cases/{case_id}/list-reports"))
        .token(&s.supervisor)
        .json(&json!({"subject_id": subject, "list": "barred", "reported_on": "2026-10-12"}))
        .send()
        .await
        .expect(409);
}
