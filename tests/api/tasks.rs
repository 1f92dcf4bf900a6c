//! Investigation tasks.

use serde_json::json;

use crate::support::TestApp;
use crate::support::{create_case, etag, staff};

#[actix_web::test]
async fn tasks_overdue_first_and_only_for_people_who_see_the_case() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (inv_id, inv) = &s.investigator;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();

    // Investigator B cannot see the case, so cannot be given a task on it.
    let refused = app
        .post(&format!("/api/v1/cases/{id}/tasks"))
        .token(&s.supervisor)
        .json(&json!({"title": "Obtain call records", "assignee_id": s.investigator_b.0}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.json()["errors"][0]["code"], "cannot_see_case");

    let tag = etag(&app, &s.supervisor, &id).await;
    app.put(&format!("/api/v1/cases/{id}/assignment"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"investigator_id": inv_id}))
        .send()
        .await
        .expect(200);
    let mut made = Vec::new();
    for (title, due) in [
        ("Later", Some("2099-01-01")),
        ("Undated", None),
        ("Overdue", Some("2020-01-01")),
        ("Soon", Some("2098-01-01")),
    ] {
        let task = app
            .post(&format!("/api/v1/cases/{id}/tasks"))
            .token(&s.supervisor)
            .json(&json!({"title": title, "assignee_id": inv_id, "due_on": due}))
            .send()
            .await
            .expect(201);
        made.push((
            task.json()["id"].as_str().unwrap().to_owned(),
            task.header("etag").unwrap(),
        ));
    }
    let mine = app
        .get("/api/v1/tasks?assignee=me")
        .token(inv)
        .send()
        .await
        .expect(200)
        .json();
    let titles: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Overdue", "Soon", "Later", "Undated"]);
    assert_eq!(mine["items"][0]["overdue"], true);

    // Done tasks leave the list; a stale ETag is 412; clearing the due date works.
    let (first, first_tag) = &made[0];
    app.patch(&format!("/api/v1/cases/{id}/tasks/{first}"))
        .token(inv)
        .header("if-match", first_tag)
        .json(&json!({"status": "done", "outcome_note": "Records obtained."}))
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/cases/{id}/tasks/{first}"))
        .token(inv)
        .header("if-match", first_tag)
        .json(&json!({"status": "open"}))
        .send()
        .await
        .expect(412);
    let (second, second_tag) = &made[1];
    let changed = app
        .patch(&format!("/api/v1/cases/{id}/tasks/{second}"))
        .token(inv)
        .header("if-match", second_tag)
        .json(&json!({"due_on": null, "detail": "Ask the provider."}))
        .send()
        .await
        .expect(200)
        .json();
    assert!(changed["due_on"].is_null());
    let mine = app
        .get("/api/v1/tasks?assignee=me")
        .token(inv)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 3);
    // Someone who cannot see the case sees none of its tasks.
    app.get(&format!("/api/v1/cases/{id}/tasks"))
        .token(&s.investigator_b.1)
        .send()
        .await
        .expect(404);
    let other = app
        .get("/api/v1/tasks?assignee=me")
        .token(&s.investigator_b.1)
        .send()
        .await
        .expect(200)
        .json();
    assert!(other["items"].as_array().unwrap().is_empty());
    app.get("/api/v1/tasks?assignee=someone")
        .token(inv)
        .send()
        .await
        .expect(400);
}
