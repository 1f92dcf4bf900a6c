//! The need-to-know rule is written once (`auth::access::clauses`) and read by two
//! interpreters: a SQL predicate for lists (`auth::access::sql`) and a check on one case
//! already read (`auth::access::evaluate`, given what was read with the case). This drives both through the API over cases that exercise every clause of the
//! rule, for every kind of caller, and requires that they agree with each other and with the
//! rule as written: a case is in a caller's list exactly when `GET /cases/{id}` shows it.

use std::collections::{BTreeMap, BTreeSet};

use probity::domain::Role;
use serde_json::Value;

use crate::support::TestApp;
use crate::support::{add_allegation, create_case, create_restricted_case, create_subject};

fn id(case: &Value) -> String {
    case["id"].as_str().unwrap().to_owned()
}

/// The ids of every page of `GET /cases?{query}`, following the cursors; `None` if refused.
async fn every_page(app: &TestApp, token: &str, query: &str) -> Option<BTreeSet<String>> {
    let mut ids = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/cases?{query}&cursor={c}"),
            None => format!("/api/v1/cases?{query}"),
        };
        let resp = app.get(&path).token(token).send().await;
        if resp.status != 200 {
            return None;
        }
        let body = resp.json();
        for case in body["items"].as_array().unwrap() {
            assert!(ids.insert(id(case)), "a case listed twice across pages");
        }
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Some(ids),
        }
    }
}

#[actix_rt::test]
async fn lists_and_single_cases_agree_for_every_caller_and_every_clause() {
    let app = TestApp::new().await;
    let mut users = BTreeMap::new();
    for (name, role) in [
        ("sup.creator", Role::Supervisor),
        ("sup.linked", Role::Supervisor),
        ("sup.other", Role::Supervisor),
        ("inv.assigned", Role::Investigator),
        ("inv.member", Role::Investigator),
        ("inv.plain", Role::Investigator),
        ("intake.creator", Role::Intake),
        ("intake.other", Role::Intake),
        ("auditor.one", Role::Auditor),
        ("admin.one", Role::Admin),
    ] {
        users.insert(name, app.user_token(name, role).await);
    }
    let token = |name: &str| users[name].1.clone();
    let user_id = |name: &str| users[name].0;
    let sup = token("sup.creator");

    let unlinked = create_subject(&app, &sup, "W100", None).await;
    let of_sup_linked = create_subject(&app, &sup, "W200", Some(user_id("sup.linked"))).await;
    let of_inv_assigned = create_subject(&app, &sup, "W300", Some(user_id("inv.assigned"))).await;

    let mut cases = BTreeMap::new();
    // Recorded by intake, still in intake.
    let c = id(&create_case(&app, &token("intake.creator"), "other").await);
    add_allegation(&app, &sup, &c, &unlinked, "other")
        .await
        .expect(201);
    cases.insert("intake_own", c);
    // Recorded by intake, since moved on.
    let c = id(&create_case(&app, &token("intake.creator"), "other").await);
    add_allegation(&app, &sup, &c, &unlinked, "other")
        .await
        .expect(201);
    app.sql(&format!(
        "UPDATE cases SET state = 'assessment' WHERE id = '{c}'"
    ));
    cases.insert("intake_moved_on", c);
    // Unrestricted, nobody assigned.
    let c = id(&create_case(&app, &sup, "other").await);
    add_allegation(&app, &sup, &c, &unlinked, "other")
        .await
        .expect(201);
    cases.insert("plain", c);
    // Unrestricted, about a supervisor.
    let c = id(&create_case(&app, &sup, "apsp").await);
    add_allegation(&app, &sup, &c, &of_sup_linked, "apsp")
        .await
        .expect(201);
    cases.insert("about_sup_linked", c);
    // Unrestricted, assigned.
    let c = id(&create_case(&app, &sup, "other").await);
    add_allegation(&app, &sup, &c, &unlinked, "other")
        .await
        .expect(201);
    let assigned = user_id("inv.assigned");
    app.sql(&format!(
        "UPDATE cases SET assigned_investigator_id = '{assigned}' WHERE id = '{c}'"
    ));
    cases.insert("assigned", c);
    // Assigned to the investigator it is about.
    let c = id(&create_case(&app, &sup, "other").await);
    add_allegation(&app, &sup, &c, &of_inv_assigned, "other")
        .await
        .expect(201);
    app.sql(&format!(
        "UPDATE cases SET assigned_investigator_id = '{assigned}' WHERE id = '{c}'"
    ));
    cases.insert("assigned_but_about_them", c);
    // Unrestricted, an investigator named as a member.
    let c = id(&create_case(&app, &sup, "other").await);
    let member = user_id("inv.member");
    app.sql(&format!(
        "INSERT INTO case_members (case_id, user_id, added_at) VALUES ('{c}', '{member}', now())"
    ));
    cases.insert("member", c);
    // Restricted (its creator is its member), an investigator named too.
    let c = create_restricted_case(&app, &sup, "corruption").await;
    app.sql(&format!(
        "INSERT INTO case_members (case_id, user_id, added_at) VALUES ('{c}', '{member}', now())"
    ));
    cases.insert("restricted_member", c);
    // Restricted, assigned.
    let c = create_restricted_case(&app, &sup, "corruption").await;
    app.sql(&format!(
        "UPDATE cases SET assigned_investigator_id = '{assigned}' WHERE id = '{c}'"
    ));
    cases.insert("restricted_assigned", c);

    let all: BTreeSet<&str> = cases.keys().copied().collect();
    let but = |left_out: &[&str]| -> BTreeSet<&str> {
        all.iter()
            .copied()
            .filter(|k| !left_out.contains(k))
            .collect()
    };
    let only = |names: &[&'static str]| -> BTreeSet<&str> { names.iter().copied().collect() };
    // The rule as written (domain.md, issue 3 §4); `None`: no case content for this role.
    let expected: Vec<(&str, Option<BTreeSet<&str>>)> = vec![
        ("sup.creator", Some(all.clone())),
        (
            "sup.linked",
            Some(but(&[
                "about_sup_linked",
                "restricted_member",
                "restricted_assigned",
            ])),
        ),
        (
            "sup.other",
            Some(but(&["restricted_member", "restricted_assigned"])),
        ),
        (
            "inv.assigned",
            Some(only(&["assigned", "restricted_assigned"])),
        ),
        ("inv.member", Some(only(&["member", "restricted_member"]))),
        ("inv.plain", Some(BTreeSet::new())),
        ("intake.creator", Some(only(&["intake_own"]))),
        ("intake.other", Some(BTreeSet::new())),
        ("auditor.one", None),
        ("admin.one", None),
    ];

    for (user, expected) in expected {
        let list = app
            .get("/api/v1/cases?limit=100")
            .token(&token(user))
            .send()
            .await;
        let listed: Option<BTreeSet<&str>> = (list.status == 200).then(|| {
            let ids: BTreeSet<String> = list.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect();
            cases
                .iter()
                .filter(|(_, id)| ids.contains(*id))
                .map(|(name, _)| *name)
                .collect()
        });
        if expected.is_none() {
            assert_eq!(list.status, 403, "{user}: the case list");
        }
        assert_eq!(listed, expected, "{user}: the cases listed");
        // A search matching every case finds exactly the listed ones: alone (the search stops
        // at each page), paged two at a time, and beside another filter (it finds every match).
        let named = |ids: Option<BTreeSet<String>>| -> Option<BTreeSet<&str>> {
            ids.map(|ids| {
                cases
                    .iter()
                    .filter(|(_, id)| ids.contains(*id))
                    .map(|(name, _)| *name)
                    .collect()
            })
        };
        for query in [
            "q=officer%20or%20intelligence&limit=100",
            "q=officer%20or%20intelligence&limit=2&sort=received_at",
            "q=officer%20or%20intelligence&limit=2&received_from=2000-01-01T00:00:00Z",
        ] {
            let found = named(every_page(&app, &token(user), query).await);
            assert_eq!(found, expected, "{user}: the cases `{query}` finds");
        }
        for (name, case_id) in &cases {
            let status = app
                .get(&format!("/api/v1/cases/{case_id}"))
                .token(&token(user))
                .send()
                .await
                .status;
            let want = match &listed {
                Some(listed) if listed.contains(name) => 200,
                Some(_) => 404,
                None => 403,
            };
            assert_eq!(status, want, "{user}: GET case `{name}`");
        }
    }
}
