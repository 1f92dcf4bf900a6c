//! Early-warning flags as a side door: a subject's flag reasons must not tell a reader how
//! many allegations, or of what category, lie in cases they cannot see, and the stored flags
//! must not grow with every allegation.

use serde_json::Value;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::{
    Staff, add_allegation, create_case, create_restricted_case, create_subject, staff,
};

struct Scene {
    s: Staff,
    subject: String,
    /// The case assigned to the investigator.
    open_case: String,
    /// Restricted cases, seen by their creator (`s.supervisor`) only: an APSP allegation
    /// and a corruption allegation against the subject.
    apsp_case: String,
    corruption_case: String,
}

/// A subject with two allegations in restricted cases, then one on a case assigned to an
/// investigator (who adds it): the early warning flags the subject and that case.
async fn scene(app: &TestApp) -> Scene {
    let s = staff(app).await;
    // No digit in the subject's name or number: any digit in a message would be a count.
    let subject = create_subject(app, &s.supervisor, "WX-FLAG", None).await;
    let apsp_case = create_restricted_case(app, &s.supervisor, "apsp").await;
    add_allegation(app, &s.supervisor, &apsp_case, &subject, "apsp")
        .await
        .expect(201);
    let corruption_case = create_restricted_case(app, &s.supervisor, "corruption").await;
    add_allegation(app, &s.supervisor, &corruption_case, &subject, "corruption")
        .await
        .expect(201);
    let open_case = create_case(app, &s.supervisor, "other").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (inv_id, inv) = &s.investigator;
    app.sql(&format!(
        "UPDATE cases SET assigned_investigator_id = '{inv_id}' WHERE id = '{open_case}'"
    ));
    add_allegation(app, inv, &open_case, &subject, "other")
        .await
        .expect(201);
    Scene {
        s,
        subject,
        open_case,
        apsp_case,
        corruption_case,
    }
}

/// Every place a reader is shown the subject's and the case's flag reasons.
async fn reasons_shown(app: &TestApp, token: &str, scene: &Scene) -> Vec<(String, Value)> {
    let subject = &scene.subject;
    let case = app
        .get(&format!("/api/v1/cases/{}", scene.open_case))
        .token(token)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(case["flagged"], true, "{case}");
    let one = app
        .get(&format!("/api/v1/subjects/{subject}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(one["flagged"], true, "{one}");
    let listed = app
        .get("/api/v1/subjects?flagged=true")
        .token(token)
        .send()
        .await
        .expect(200)
        .json();
    let listed = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == subject.as_str())
        .expect("the flagged subject is listed")
        .clone();
    let history = app
        .get(&format!("/api/v1/subjects/{subject}/history"))
        .token(token)
        .send()
        .await
        .expect(200)
        .json();
    vec![
        ("case".into(), case["flag_reasons"].clone()),
        ("subject".into(), one["flag_reasons"].clone()),
        ("subject list".into(), listed["flag_reasons"].clone()),
        ("history".into(), history["subject"]["flag_reasons"].clone()),
    ]
}

fn codes(reasons: &Value) -> Vec<String> {
    reasons
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Only the generic reason: no number and no category, anywhere in what is said.
fn assert_only_further(place: &str, reasons: &Value, subject: &str) {
    assert_eq!(
        codes(reasons),
        ["further_allegations_not_visible"],
        "{place}: {reasons}"
    );
    let reason = &reasons[0];
    assert_eq!(reason["subject_id"], subject, "{place}: {reasons}");
    let message = reason["message"].as_str().unwrap();
    assert!(
        message.contains("further allegations in cases you cannot see"),
        "{place}: {message}"
    );
    assert!(
        !message.chars().any(|c| c.is_ascii_digit()),
        "{place}: a number in {message}"
    );
    for (key, value) in reason.as_object().unwrap() {
        if key == "subject_id" || key == "flagged_at" {
            continue;
        }
        let text = value.to_string().to_lowercase();
        assert!(
            !text.contains("apsp") && !text.contains("corruption"),
            "{place}: a category in {key}: {text}"
        );
    }
}

#[actix_web::test]
async fn flag_reasons_tell_an_investigator_nothing_countable_about_cases_they_cannot_see() {
    let app = TestApp::new().await;
    let scene = scene(&app).await;
    let (_, inv) = &scene.s.investigator;
    // The investigator, and a supervisor who is not a member of the restricted cases.
    for (who, token) in [("investigator", inv), ("supervisor2", &scene.s.supervisor2)] {
        // Neither sees the restricted cases.
        for hidden in [&scene.apsp_case, &scene.corruption_case] {
            app.get(&format!("/api/v1/cases/{hidden}"))
                .token(token)
                .send()
                .await
                .expect(404);
        }
        for (place, reasons) in reasons_shown(&app, token, &scene).await {
            assert_only_further(&format!("{who}, {place}"), &reasons, &scene.subject);
        }
    }
}

#[actix_web::test]
async fn each_reader_is_told_the_counts_of_what_they_can_see_and_no_more() {
    let app = TestApp::new().await;
    let scene = scene(&app).await;
    let who = "PC WX-FLAG (Wessex Police WX-FLAG)";

    // Made a member of the corruption case, the investigator sees that one allegation
    // counted, and only that there is more: the APSP case stays out of sight.
    let (inv_id, inv) = &scene.s.investigator;
    app.sql(&format!(
        "INSERT INTO case_members (case_id, user_id, added_at) VALUES ('{}', '{inv_id}', now())",
        scene.corruption_case
    ));
    for (place, reasons) in reasons_shown(&app, inv, &scene).await {
        assert_eq!(
            codes(&reasons),
            ["repeat_allegations", "further_allegations_not_visible"],
            "{place}: {reasons}"
        );
        let repeat = reasons[0]["message"].as_str().unwrap();
        assert!(
            repeat.starts_with(&format!(
                "{who} had 1 allegation(s) in other cases you can see"
            )),
            "{place}: {repeat}"
        );
        assert!(
            !reasons.to_string().to_lowercase().contains("apsp"),
            "{place}: {reasons}"
        );
        assert_only_further(
            &place,
            &Value::Array(vec![reasons[1].clone()]),
            &scene.subject,
        );
    }

    // The supervisor who sees every case: both counts, the APSP allegation, nothing hidden.
    for (place, reasons) in reasons_shown(&app, &scene.s.supervisor, &scene).await {
        assert_eq!(
            codes(&reasons),
            ["repeat_allegations", "prior_apsp"],
            "{place}: {reasons}"
        );
        let repeat = reasons[0]["message"].as_str().unwrap();
        assert!(
            repeat.starts_with(&format!(
                "{who} had 2 allegation(s) in other cases you can see in the 12 months before "
            )),
            "{place}: {repeat}"
        );
        assert!(
            reasons[1]["message"]
                .as_str()
                .unwrap()
                .contains("earlier APSP allegation in another case you can see"),
            "{place}: {reasons}"
        );
        assert!(reasons[0]["flagged_at"].is_string(), "{place}: {reasons}");
    }
}

/// The flags as stored on a subject (`subjects`) or a case (`cases`).
fn stored(app: &TestApp, table: &str, id: &str) -> Vec<Value> {
    use diesel::prelude::*;
    use probity::db::schema::{cases, subjects};
    let id = Uuid::parse_str(id).unwrap();
    let mut conn = app.db.connect();
    let value: Value = if table == "subjects" {
        subjects::table
            .find(id)
            .select(subjects::flag_reasons)
            .first(&mut conn)
            .unwrap()
    } else {
        cases::table
            .find(id)
            .select(cases::flag_reasons)
            .first(&mut conn)
            .unwrap()
    };
    value.as_array().unwrap().clone()
}

fn one_entry_per_code(place: &str, flags: &[Value]) {
    let mut codes: Vec<String> = flags
        .iter()
        .map(|f| {
            format!(
                "{}/{}",
                f["subject_id"].as_str().unwrap_or("-"),
                f["code"].as_str().unwrap()
            )
        })
        .collect();
    let all = codes.len();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all, "{place}: {flags:?}");
    for f in flags {
        // Facts only: nothing a reader could be told in the wrong place.
        assert!(f.get("message").is_none(), "{place}: {f}");
    }
}

#[actix_web::test]
async fn stored_flags_stay_one_entry_per_code_however_many_allegations_follow() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let subject = create_subject(&app, &s.supervisor, "WX-GROW", None).await;
    let first = create_case(&app, &s.supervisor, "apsp").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    add_allegation(&app, &s.supervisor, &first, &subject, "apsp")
        .await
        .expect(201);
    // Five more allegations, each in a case of its own: each one changes the count.
    let mut last = String::new();
    for _ in 0..5 {
        last = create_case(&app, &s.supervisor, "other").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        add_allegation(&app, &s.supervisor, &last, &subject, "other")
            .await
            .expect(201);
    }
    // And more on the last case: its flag is raised again, not added to.
    for _ in 0..2 {
        add_allegation(&app, &s.supervisor, &last, &subject, "other")
            .await
            .expect(201);
    }

    let on_subject = stored(&app, "subjects", &subject);
    assert_eq!(on_subject.len(), 2, "{on_subject:?}");
    one_entry_per_code("subject", &on_subject);
    let on_case = stored(&app, "cases", &last);
    assert_eq!(on_case.len(), 2, "{on_case:?}");
    one_entry_per_code("case", &on_case);

    let read = app
        .get(&format!("/api/v1/subjects/{subject}"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    let reasons = &read["flag_reasons"];
    assert_eq!(
        codes(reasons),
        ["repeat_allegations", "prior_apsp"],
        "{read}"
    );
    assert!(
        reasons[0]["message"]
            .as_str()
            .unwrap()
            .contains(" had 5 allegation(s) in other cases you can see"),
        "{read}"
    );
}
