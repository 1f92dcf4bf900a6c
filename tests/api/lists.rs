//! Every list pages the same way (`{items, next_cursor}` with `limit` and `cursor`), and every
//! 201 says where the new resource is: in the document, and as a client paging through real
//! records sees it.

use serde_json::{Value, json};

use crate::support::{CaseBuilder, Stage, TestApp, decide, staff};

fn document() -> Value {
    serde_json::from_str(&probity::http::openapi_json()).unwrap()
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

/// A client that pages through a list would miss records if one list forgot its cursor.
#[test]
fn every_list_in_the_document_has_a_cursor_and_a_bounded_limit() {
    let doc = document();
    let mut lists = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let Some(schema) = op["responses"]["200"]["content"]["application/json"].get("schema")
        else {
            continue;
        };
        let schema = resolve(&doc, schema);
        if schema["properties"]["items"]["type"] != "array" {
            continue;
        }
        lists += 1;
        assert!(
            schema["properties"]["next_cursor"].is_object(),
            "GET {path} answers items without next_cursor"
        );
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let param = |name: &str| {
            params
                .iter()
                .find(|p| p["name"] == name && p["in"] == "query")
        };
        let limit = param("limit").unwrap_or_else(|| panic!("GET {path} takes no limit"));
        assert_eq!(limit["schema"]["minimum"], 1, "GET {path}");
        assert_eq!(limit["schema"]["maximum"], 500, "GET {path}");
        assert!(param("cursor").is_some(), "GET {path} takes no cursor");
    }
    // Cases, users, subjects, audit, intake, public notices ×2, the per-case lists, histories,
    // the caller's tasks and the workload.
    assert!(lists >= 25, "only {lists} lists found");
}

/// A client that creates a resource is told where it is.
#[test]
fn every_201_in_the_document_has_a_location() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(created) = op["responses"].get("201") {
                assert!(
                    created["headers"]["Location"].is_object(),
                    "{method} {path}: 201 without Location"
                );
            }
        }
    }
}

/// Reads every page of `path` with `limit`, returning the ids in order.
async fn all_pages(app: &TestApp, token: &str, path: &str, limit: usize) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    for _ in 0..50 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let page = app.get(&url).token(token).send().await.expect(200).json();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{url}: {} items", items.len());
        ids.extend(items.iter().map(|i| {
            i["id"]
                .as_str()
                .or(i["event_id"].as_str())
                .or(i["investigator_id"].as_str())
                .unwrap()
                .to_owned()
        }));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
    panic!("{path}: more than 50 pages");
}

#[actix_web::test]
async fn a_client_pages_through_every_list_of_a_case_and_reads_back_what_it_created() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = CaseBuilder::new(&app, &s)
        .category("other_abuse_of_position")
        .collar("5120")
        .with_victim()
        .at(Stage::Investigation)
        .await;
    let id = &case.id;
    let inv = &s.investigator.1;

    // Three more of each record, each POST answering 201 with a Location that reads back.
    let posts: [(&str, Value); 3] = [
        ("parties", json!({"role": "witness", "name": "Sam Witness"})),
        ("notes", json!({"body": "Spoke to the witness."})),
        (
            "tasks",
            json!({"title": "Take a statement", "due_on": "2026-12-20"}),
        ),
    ];
    for (record, body) in &posts {
        for _ in 0..3 {
            let resp = app
                .post(&format!("/api/v1/cases/{id}/{record}"))
                .token(inv)
                .json(body)
                .send()
                .await
                .expect(201);
            let location = resp.header("location").expect("Location");
            let created = resp.json();
            assert_eq!(
                location,
                format!(
                    "/api/v1/cases/{id}/{record}/{}",
                    created["id"].as_str().unwrap()
                )
            );
            let read = app.get(&location).token(inv).send().await.expect(200);
            assert_eq!(read.json(), created, "{location}");
        }
    }
    let decision = decide(&app, inv, id, json!({"kind": "twelve_month_report", "reported_at": "2026-11-30T09:00:00Z", "rationale": "r"}))
        .await
        .expect(201);
    let location = decision.header("location").expect("Location");
    assert_eq!(
        app.get(&location)
            .token(inv)
            .send()
            .await
            .expect(200)
            .json()["id"],
        decision.json()["id"]
    );

    // Every list of the case, paged one and two at a time, gives the same records, oldest
    // first, none twice: as the unpaged maximum gives them.
    for list in ["parties", "allegations", "notes", "tasks", "decisions"] {
        let path = format!("/api/v1/cases/{id}/{list}");
        let whole = all_pages(&app, inv, &path, 500).await;
        assert!(!whole.is_empty(), "{list}");
        assert_eq!(all_pages(&app, inv, &path, 1).await, whole, "{list}");
        assert_eq!(all_pages(&app, inv, &path, 2).await, whole, "{list}");
    }
    let parties = all_pages(&app, inv, &format!("/api/v1/cases/{id}/parties"), 500).await;
    assert_eq!(parties.len(), 4, "the victim and three witnesses");

    // A record's history pages too.
    let party = &parties[1];
    for n in 0..2 {
        let path = format!("/api/v1/cases/{id}/parties/{party}");
        let tag = app
            .get(&path)
            .token(inv)
            .send()
            .await
            .expect(200)
            .header("etag")
            .unwrap();
        app.patch(&path)
            .token(inv)
            .header("if-match", &tag)
            .json(&json!({"role": "witness", "name": format!("Sam Witness {n}")}))
            .send()
            .await
            .expect(200);
    }
    let history = format!("/api/v1/cases/{id}/parties/{party}/history");
    let versions = all_pages(&app, inv, &history, 500).await;
    assert_eq!(versions.len(), 3, "created and changed twice");
    assert_eq!(all_pages(&app, inv, &history, 1).await, versions);

    // The investigator's own tasks, across cases, and the supervisors' workload.
    let tasks = format!("/api/v1/cases/{id}/tasks");
    let task_ids = all_pages(&app, inv, &tasks, 500).await;
    for task in &task_ids {
        let path = format!("{tasks}/{task}");
        let tag = app
            .get(&path)
            .token(inv)
            .send()
            .await
            .expect(200)
            .header("etag")
            .unwrap();
        app.patch(&path)
            .token(inv)
            .header("if-match", &tag)
            .json(&json!({"assignee_id": s.investigator.0}))
            .send()
            .await
            .expect(200);
    }
    let mine = all_pages(&app, inv, "/api/v1/tasks?assignee=me", 500).await;
    assert_eq!(mine.len(), 3);
    assert_eq!(
        all_pages(&app, inv, "/api/v1/tasks?assignee=me", 1).await,
        mine
    );
    let workload = all_pages(&app, &s.supervisor, "/api/v1/workload", 500).await;
    assert_eq!(workload.len(), 2, "two investigators");
    assert_eq!(
        all_pages(&app, &s.supervisor, "/api/v1/workload", 1).await,
        workload
    );

    // A cursor this list did not issue is a 400 naming it, not a 500 or an empty page.
    let resp = app
        .get(&format!("/api/v1/cases/{id}/notes?cursor=not-a-cursor"))
        .token(inv)
        .send()
        .await
        .expect(400);
    assert_eq!(resp.json()["errors"][0]["field"], "cursor");
}
