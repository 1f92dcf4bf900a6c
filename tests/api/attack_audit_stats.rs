//! Side doors beside the case endpoints, tried as an attacker would: the global audit log and
//! its verification (an auditor linked to a subject reading the trail of the case about
//! them), and the statistics (a supervisor bisecting periods to find what they may not see).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use probity::audit::{self, Event};
use probity::domain::Role;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::apsp_case_in_proceedings;
use crate::support::{Staff, add_allegation, create_case, create_subject, etag, staff};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Every event the caller can list with `query`, page after page.
async fn all_events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/audit?limit=100{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&path).token(token).send().await.expect(200).json();
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// The case an event names: its `case_id`, or one named in `after`.
fn named_case(e: &Value) -> Option<String> {
    e["case_id"]
        .as_str()
        .or_else(|| e["after"]["case_id"].as_str())
        .map(str::to_owned)
}

/// An auditor whose staff identity matches a subject, and cases about that subject: one by
/// allegations (its second allegation flags the subject), one from a public report that names
/// them. Returns (linked auditor's token, the cases about them, a case not about them).
async fn cases_about_an_auditor(app: &TestApp, s: &Staff) -> (String, Vec<String>, String) {
    let (linked_id, linked) = app.user_token("auditor.linked", Role::Auditor).await;
    let subject = create_subject(app, &s.supervisor, "5150", Some(linked_id)).await;
    let first = id(&create_case(app, &s.supervisor, "apsp").await);
    add_allegation(app, &s.supervisor, &first, &subject, "apsp")
        .await
        .expect(201);
    // A second case: the subject's earlier APSP allegation flags them (`subject.flagged`).
    let second = id(&create_case(app, &s.supervisor, "other").await);
    add_allegation(app, &s.supervisor, &second, &subject, "other")
        .await
        .expect(201);
    // A public report naming them, accepted by intake (`public_report.accepted`).
    app.post("/api/v1/public/reports")
        .json(&json!({
            "what_happened": "The officer keeps messaging me late at night.",
            "when": "Since September", "where": "My home",
            "officer_name": "PC 5150", "officer_collar_number": "5150", "officer_force": "Wessex Police",
            "reporter_is_affected": true,
            "warning_signs": ["messages_with_kisses_or_sexual_comments"]
        }))
        .send()
        .await
        .expect(201);
    let queue = app
        .get("/api/v1/intake/reports")
        .token(&s.intake)
        .send()
        .await
        .expect(200)
        .json();
    let report = id(&queue["items"][0]);
    let third = app
        .post(&format!("/api/v1/intake/reports/{report}/accept"))
        .token(&s.intake)
        .json(&json!({}))
        .send()
        .await
        .expect(201)
        .json()["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = id(&create_case(app, &s.supervisor, "corruption").await);
    (linked, vec![first, second, third], other)
}

#[actix_web::test]
async fn a_linked_auditor_reads_nothing_of_the_cases_about_them_through_the_global_log() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (linked, about_them, other) = cases_about_an_auditor(&app, &s).await;

    // The front door is shut: their trails are 404 to the linked auditor, 200 to another.
    for case in &about_them {
        let path = format!("/api/v1/cases/{case}/audit");
        app.get(&path).token(&linked).send().await.expect(404);
        app.get(&path).token(&s.auditor).send().await.expect(200);
    }

    // The side door: the global log, filtered by case, by action, or not at all.
    for case in &about_them {
        let seen = all_events(&app, &linked, &format!("&case_id={case}")).await;
        assert!(seen.is_empty(), "{case}: {seen:?}");
        let theirs = all_events(&app, &s.auditor, &format!("&case_id={case}")).await;
        assert!(!theirs.is_empty());
    }
    let everything = all_events(&app, &linked, "").await;
    let text = serde_json::to_string(&everything).unwrap();
    for case in &about_them {
        assert!(!text.contains(case.as_str()), "{case} leaks: {text}");
    }
    // What is not about them is still there: the other case's trail, the system chain.
    assert!(everything.iter().any(|e| e["case_id"] == other.as_str()));
    assert!(everything.iter().any(|e| e["chain"] == "system"));
    let complete = all_events(&app, &s.auditor, "").await;
    assert!(complete.len() > everything.len());
    let hidden: Vec<&Value> = complete
        .iter()
        .filter(|e| named_case(e).is_some_and(|c| about_them.contains(&c)))
        .collect();
    assert_eq!(
        complete.len() - everything.len(),
        hidden.len(),
        "only events of the cases about them are left out"
    );

    // Events that concern a case are on its chain, with its id: the flag raised by the
    // second case and the acceptance of the report, both about the linked auditor.
    for action in ["subject.flagged", "public_report.accepted"] {
        let seen = all_events(&app, &linked, &format!("&action={action}")).await;
        assert!(seen.is_empty(), "{action}: {seen:?}");
        let theirs = all_events(&app, &s.auditor, &format!("&action={action}")).await;
        assert!(!theirs.is_empty(), "{action}");
        for e in theirs {
            let case = e["case_id"].as_str().unwrap();
            assert_eq!(e["chain"], case);
            if action == "public_report.accepted" {
                assert_eq!(e["after"]["case_id"], case);
            }
            assert!(about_them.iter().any(|c| c == case));
        }
    }
}

#[actix_web::test]
async fn events_that_name_their_case_only_in_after_are_judged_by_that_case() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (linked, about_them, _) = cases_about_an_auditor(&app, &s).await;
    // Events recorded as they were before case events carried their case: on the system
    // chain, the case named only in `after`.
    let mut conn = app.db.connect();
    audit::append(
        &mut conn,
        &app.system_audit(),
        Event::new("subject.flagged")
            .entity("subject", uuid::Uuid::new_v4())
            .after(json!({ "codes": ["prior_apsp"], "case_id": about_them[1] })),
    )
    .unwrap();
    audit::append(
        &mut conn,
        &app.system_audit(),
        Event::new("public_report.accepted")
            .entity("public_report", uuid::Uuid::new_v4())
            .after(json!({ "case_id": about_them[2], "reference": "PR-AAAAA-BBBBB" })),
    )
    .unwrap();

    let system = |events: Vec<Value>| -> Vec<Value> {
        events
            .into_iter()
            .filter(|e| e["chain"] == "system" && e["after"]["case_id"].is_string())
            .collect()
    };
    assert!(system(all_events(&app, &linked, "").await).is_empty());
    assert_eq!(system(all_events(&app, &s.auditor, "").await).len(), 2);
    for token in [&linked, &s.auditor] {
        let report = app
            .get("/api/v1/audit/verify")
            .token(token)
            .send()
            .await
            .expect(200)
            .json();
        assert_eq!(report["ok"], true, "{report}");
    }
}

#[actix_web::test]
async fn verification_names_no_broken_event_of_a_case_the_auditor_may_not_read() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (linked, about_them, _) = cases_about_an_auditor(&app, &s).await;
    let case = &about_them[0];
    let trail = app
        .get(&format!("/api/v1/cases/{case}/audit"))
        .token(&s.auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(trail["items"][1]["seq"], 2);
    let event = trail["items"][1]["id"].as_str().unwrap().to_owned();
    // As a superuser with triggers off, rewrite an event of the case about the auditor.
    app.sql(&format!(
        "SET session_replication_role = replica; \
         UPDATE audit_events SET after = '{{\"forged\": true}}' WHERE id = '{event}'"
    ));
    let verify = |token: String| {
        let app = &app;
        async move {
            app.get("/api/v1/audit/verify")
                .token(&token)
                .send()
                .await
                .expect(200)
                .json()
        }
    };

    // Another auditor is told exactly where the log breaks.
    let full = verify(s.auditor.clone()).await;
    assert_eq!(full["ok"], false);
    assert_eq!(full["first_broken"]["chain"], case.as_str());
    assert_eq!(full["first_broken"]["seq"], 2);
    assert_eq!(full["first_broken"]["event_id"], event.as_str());
    assert_eq!(full["first_broken"]["reason"], "hash_mismatch");

    // The linked auditor learns that the log is broken, and nothing of that case's trail.
    let theirs = verify(linked.clone()).await;
    assert_eq!(theirs["ok"], false, "{theirs}");
    assert!(theirs["first_broken"].is_null(), "{theirs}");
    let text = theirs.to_string();
    assert!(
        !text.contains(case.as_str()) && !text.contains(&event),
        "{text}"
    );

    // A break they may see is still named, even one found after the hidden one (the system
    // chain is verified after every case's chain).
    app.sql(
        "SET session_replication_role = replica; \
         UPDATE audit_events SET action = 'forged' WHERE chain_id = 'system' AND seq = 2",
    );
    let theirs = verify(linked.clone()).await;
    assert_eq!(theirs["ok"], false);
    assert_eq!(theirs["first_broken"]["chain"], "system", "{theirs}");
    assert_eq!(theirs["first_broken"]["seq"], 2);
    let full = verify(s.auditor.clone()).await;
    assert_eq!(full["first_broken"]["chain"], case.as_str());
}

// ---------------------------------------------------------------------------------------
// Statistics

async fn stats(app: &TestApp, token: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    app.get(&format!(
        "/api/v1/stats?from={}&to={}",
        from.format("%Y-%m-%dT%H:%M:%SZ"),
        to.format("%Y-%m-%dT%H:%M:%SZ")
    ))
    .token(token)
    .send()
    .await
    .expect(200)
    .json()
}

async fn stats_csv(app: &TestApp, token: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let resp = app
        .get(&format!(
            "/api/v1/stats?from={}&to={}",
            from.format("%Y-%m-%dT%H:%M:%SZ"),
            to.format("%Y-%m-%dT%H:%M:%SZ")
        ))
        .token(token)
        .header("accept", "text/csv")
        .send()
        .await
        .expect(200);
    String::from_utf8_lossy(&resp.bytes).into_owned()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The CSV lines that carry the figures of a JSON answer.
fn csv_lines(figures: &Value) -> BTreeSet<String> {
    let mut lines = BTreeSet::new();
    lines.insert(format!("period,from,{}", figures["from"].as_str().unwrap()));
    lines.insert(format!("period,to,{}", figures["to"].as_str().unwrap()));
    for metric in [
        "received_by_source",
        "received_by_category",
        "open_by_state",
        "iopc_referrals_by_mode",
        "outcomes_by_action",
        "other_cases_by_month",
    ] {
        for (k, v) in figures[metric].as_object().unwrap() {
            lines.insert(format!("{metric},{k},{v}"));
        }
    }
    for (k, v) in figures["median_days_to_stage"].as_object().unwrap() {
        lines.insert(format!(
            "median_days_to_stage,{k},{:.2}",
            v.as_f64().unwrap()
        ));
    }
    for metric in [
        "apsp_cases",
        "cases_past_twelve_months",
        "barred_list_reports",
        "barred_list_reports_late",
    ] {
        lines.insert(format!("{metric},,{}", figures[metric]));
    }
    lines
}

fn csv_set(text: &str) -> BTreeSet<String> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("metric,key,value"));
    lines.map(str::to_owned).collect()
}

#[actix_web::test]
async fn bisecting_the_statistics_finds_nothing_of_a_restricted_case_beyond_one_count() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    // A restricted case the supervisor is not a member of, received at a precise second,
    // from a source and in a category no case they can see has.
    let received = at("2026-11-17T13:45:27Z");
    let hidden = app
        .post("/api/v1/cases")
        .token(&s.supervisor2)
        .json(&json!({"title": "Counter-corruption intelligence", "summary": "s", "source": "intelligence",
                      "category": "corruption", "received_at": received, "restricted": true}))
        .send()
        .await
        .expect(201)
        .json();
    app.get(&format!("/api/v1/cases/{}", id(&hidden)))
        .token(&s.supervisor)
        .send()
        .await
        .expect(404);
    create_case(&app, &s.supervisor, "other").await; // public_report, 2026-11-01T09:00:00Z

    let (month_from, month_to) = (at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"));
    let month = stats(&app, &s.supervisor, month_from, month_to).await;
    assert_eq!(month["from"], "2026-11-01T00:00:00Z");
    assert_eq!(month["to"], "2026-12-01T00:00:00Z");
    assert_eq!(month["received_by_source"], json!({"public_report": 1}));
    assert_eq!(month["received_by_category"], json!({"other": 1}));
    assert_eq!(month["open_by_state"], json!({"intake": 1}));
    assert_eq!(month["other_cases_by_month"], json!({"2026-11": 1}));

    // Bisect down to the second, always keeping the half that holds the case: every answer
    // is the whole month's.
    let (mut lo, mut hi) = (month_from, month_to);
    while hi - lo > Duration::seconds(1) {
        let mid = lo + Duration::seconds((hi - lo).num_seconds() / 2);
        assert_eq!(
            stats(&app, &s.supervisor, lo, mid).await,
            month,
            "{lo}..{mid}"
        );
        assert_eq!(
            stats(&app, &s.supervisor, mid, hi).await,
            month,
            "{mid}..{hi}"
        );
        if received < mid {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    assert_eq!(lo, received);
    let second = stats(
        &app,
        &s.supervisor,
        received,
        received + Duration::seconds(1),
    )
    .await;
    assert_eq!(second, month);

    // A period across months is answered for the months enclosing it, each with its count.
    let wide = stats(
        &app,
        &s.supervisor,
        at("2026-10-15T12:00:00Z"),
        at("2026-12-15T12:00:00Z"),
    )
    .await;
    assert_eq!(wide["from"], "2026-10-01T00:00:00Z");
    assert_eq!(wide["to"], "2027-01-01T00:00:00Z");
    assert_eq!(
        wide["other_cases_by_month"],
        json!({"2026-10": 0, "2026-11": 1, "2026-12": 0})
    );
    assert_eq!(wide["received_by_source"], json!({"public_report": 1}));
    assert_eq!(wide["received_by_category"], json!({"other": 1}));

    // The CSV carries the same figures, and is as blind.
    let csv = stats_csv(
        &app,
        &s.supervisor,
        received,
        received + Duration::seconds(1),
    )
    .await;
    assert_eq!(csv_set(&csv), csv_lines(&month), "{csv}");
    assert!(csv.contains("other_cases_by_month,2026-11,1\n"), "{csv}");
    assert!(
        !csv.contains("intelligence") && !csv.contains("corruption"),
        "{csv}"
    );
    let csv = stats_csv(&app, &s.supervisor, month_from, month_to).await;
    assert_eq!(csv_set(&csv), csv_lines(&month), "{csv}");

    // The supervisor who restricted it is a member: for them it is a visible case.
    let member = stats(&app, &s.supervisor2, month_from, month_to).await;
    assert_eq!(
        member["received_by_source"],
        json!({"intelligence": 1, "public_report": 1})
    );
    assert_eq!(member["other_cases_by_month"], json!({"2026-11": 0}));

    // A period is at most 1200 months (one count each).
    let long = app
        .get("/api/v1/stats?from=1900-01-01T00:00:00Z&to=2100-01-01T00:00:00Z")
        .token(&s.supervisor)
        .send()
        .await
        .expect(400)
        .json();
    assert_eq!(long["code"], "invalid_parameter");
    assert_eq!(long["errors"][0]["field"], "to");
}

#[actix_web::test]
async fn no_figure_counts_a_case_the_supervisor_cannot_see() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    // A case with a referral, stages, an outcome and a barred-list report, past its 12-month
    // point; then a second supervisor restricts it.
    let (case_id, subject) = apsp_case_in_proceedings(&app, &s).await;
    let tag = etag(&app, &s.supervisor2, &case_id).await;
    app.patch(&format!("/api/v1/cases/{case_id}"))
        .token(&s.supervisor2)
        .header("if-match", &tag)
        .json(&json!({"restricted": true, "came_to_attention_at": "2025-06-01T09:00:00Z"}))
        .send()
        .await
        .expect(200);
    let when = (Utc::now() + Duration::days(14))
        .format("%Y-%m-%dT10:00:00Z")
        .to_string();
    let hearing = app
        .post(&format!("/api/v1/cases/{case_id}/proceedings"))
        .token(&s.supervisor2)
        .json(&json!({"kind": "misconduct_hearing", "subject_ids": [subject], "scheduled_for": when,
                      "venue": "Force HQ", "chair": "Assistant Chief Constable",
                      "panel": ["Independent member A", "Independent member B", "Legally qualified adviser"]}))
        .send()
        .await
        .expect(201)
        .json();
    app.post(&format!("/api/v1/cases/{case_id}/outcomes"))
        .token(&s.supervisor2)
        .json(&json!({"proceeding_id": hearing["id"], "subject_id": subject, "finding": "gross_misconduct_proven",
                      "action": "dismissal_without_notice", "rationale": "r", "decided_on": "2026-11-25"}))
        .send()
        .await
        .expect(201);
    app.post(&format!("/api/v1/cases/{case_id}/list-reports"))
        .token(&s.supervisor2)
        .json(&json!({"subject_id": subject, "list": "barred", "reported_on": "2026-11-30"}))
        .send()
        .await
        .expect(201);
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(404);

    let (from, to) = (at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
    // The member sees every figure of it: there is something to hide.
    let member = stats(&app, &s.supervisor2, from, to).await;
    assert_eq!(member["received_by_source"], json!({"public_report": 1}));
    assert_eq!(member["received_by_category"], json!({"apsp": 1}));
    assert_eq!(member["open_by_state"], json!({"proceedings": 1}));
    assert_eq!(member["apsp_cases"], 1);
    assert_eq!(member["iopc_referrals_by_mode"], json!({"local": 1}));
    assert_eq!(
        member["outcomes_by_action"],
        json!({"dismissal_without_notice": 1})
    );
    assert!(
        !member["median_days_to_stage"]
            .as_object()
            .unwrap()
            .is_empty()
    );
    assert_eq!(member["cases_past_twelve_months"], 1);
    assert_eq!(member["barred_list_reports"], 1);
    assert_eq!(member["other_cases_by_month"]["2026-11"], 0);

    // The supervisor who cannot see it finds it in one count, and in nothing else.
    let blind = stats(&app, &s.supervisor, from, to).await;
    assert_eq!(blind["received_by_source"], json!({}));
    assert_eq!(blind["received_by_category"], json!({}));
    assert_eq!(blind["open_by_state"], json!({}));
    assert_eq!(blind["apsp_cases"], 0);
    assert_eq!(blind["iopc_referrals_by_mode"], json!({}));
    assert_eq!(blind["outcomes_by_action"], json!({}));
    assert_eq!(blind["median_days_to_stage"], json!({}));
    assert_eq!(blind["cases_past_twelve_months"], 0);
    assert_eq!(blind["barred_list_reports"], 0);
    assert_eq!(blind["barred_list_reports_late"], 0);
    let months = blind["other_cases_by_month"].as_object().unwrap();
    assert_eq!(months.len(), 12);
    for (month, n) in months {
        assert_eq!(*n, json!(if month == "2026-11" { 1 } else { 0 }), "{month}");
    }
    let csv = stats_csv(&app, &s.supervisor, from, to).await;
    assert_eq!(csv_set(&csv), csv_lines(&blind), "{csv}");
}
