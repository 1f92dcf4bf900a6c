//! Attack: use the subject-conflict rule to take a case out of its supervisors' sight.
//!
//! Before staff identities, a casework user could register a subject with `user_id` set to a
//! supervisor's account and allege against it: every supervisor then got 404 on the case,
//! its list entry and its trail, while the investigator worked on unwatched. Now who is
//! linked to a subject is derived from the staff identity an admin sets, and an allegation
//! can never leave a case without a supervisor able to see it.

use probity::domain::Role;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::{add_allegation, assign, create_case, create_subject};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

struct Scene {
    app: TestApp,
    sup_one: (uuid::Uuid, String),
    sup_two: (uuid::Uuid, String),
    investigator: String,
    auditor: String,
    case_id: String,
}

/// Two supervisors with staff identities (set by an admin); an investigator assigned to a
/// case that already has an allegation against an ordinary officer.
async fn scene() -> Scene {
    let app = TestApp::new().await;
    let sup_one = app.user_token("sup.one", Role::Supervisor).await;
    let sup_two = app.user_token("sup.two", Role::Supervisor).await;
    app.set_staff_identity(sup_one.0, "Wessex Police", "S1");
    app.set_staff_identity(sup_two.0, "Wessex Police", "S2");
    let (inv_id, investigator) = app.user_token("inv.rogue", Role::Investigator).await;
    let (_, auditor) = app.user_token("auditor.one", Role::Auditor).await;
    let case_id = id(&create_case(&app, &sup_one.1, "other").await);
    let officer = create_subject(&app, &sup_one.1, "4100", None).await;
    add_allegation(&app, &sup_one.1, &case_id, &officer, "other")
        .await
        .expect(201);
    assign(&app, &sup_one.1, &case_id, inv_id).await.expect(200);
    Scene {
        app,
        sup_one,
        sup_two,
        investigator,
        auditor,
        case_id,
    }
}

async fn sees(app: &TestApp, token: &str, case_id: &str) -> bool {
    let single = app
        .get(&format!("/api/v1/cases/{case_id}"))
        .token(token)
        .send()
        .await;
    let listed = app
        .get("/api/v1/cases?limit=100")
        .token(token)
        .send()
        .await
        .expect(200)
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == case_id);
    let trail = app
        .get(&format!("/api/v1/cases/{case_id}/audit"))
        .token(token)
        .send()
        .await;
    let seen = single.status == 200;
    assert_eq!(seen, listed, "the list and the case agree");
    assert_eq!(seen, trail.status == 200, "the trail and the case agree");
    if !seen {
        assert_eq!(single.status, 404);
        assert_eq!(trail.status, 404);
    }
    seen
}

async fn register(app: &TestApp, token: &str, collar: &str) -> String {
    let created = app
        .post("/api/v1/subjects")
        .token(token)
        .json(&json!({"force": "Wessex Police", "collar_number": collar, "name": "DS Someone"}))
        .send()
        .await;
    if created.status == 201 {
        return id(&created.json());
    }
    // Already registered: find it.
    created.expect(409);
    let found = app
        .get(&format!("/api/v1/subjects?q={collar}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .json();
    id(&found["items"][0])
}

#[actix_web::test]
async fn a_casework_user_cannot_link_a_subject_to_an_account() {
    let s = scene().await;
    let refused = s
        .app
        .post("/api/v1/subjects")
        .token(&s.investigator)
        .json(
            &json!({"force": "Wessex Police", "collar_number": "9999", "name": "DS Target",
                      "user_id": s.sup_one.0}),
        )
        .send()
        .await
        .expect(422);
    assert_eq!(refused.code(), "validation_failed");
    assert_eq!(refused.json()["errors"][0]["field"], "user_id");
    // Nothing was registered.
    let listed = s
        .app
        .get("/api/v1/subjects?q=9999")
        .token(&s.investigator)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn an_allegation_can_never_blind_the_last_unconflicted_supervisor() {
    let s = scene().await;
    let app = &s.app;
    assert!(sees(app, &s.sup_one.1, &s.case_id).await);
    assert!(sees(app, &s.sup_two.1, &s.case_id).await);

    // The investigator alleges against the first supervisor (a real staff identity, set by
    // an admin): that supervisor is now conflicted and loses sight of the case, as the
    // subject-conflict rule says; the other still oversees it.
    let against_one = register(app, &s.investigator, "S1").await;
    add_allegation(app, &s.investigator, &s.case_id, &against_one, "other")
        .await
        .expect(201);
    assert!(!sees(app, &s.sup_one.1, &s.case_id).await);
    assert!(sees(app, &s.sup_two.1, &s.case_id).await);

    // The same move against the last unconflicted supervisor is refused, and leaves nothing.
    let against_two = register(app, &s.investigator, " s2 ").await;
    let before = app
        .get(&format!("/api/v1/cases/{}/allegations", s.case_id))
        .token(&s.sup_two.1)
        .send()
        .await
        .expect(200)
        .json();
    let refused = add_allegation(app, &s.investigator, &s.case_id, &against_two, "other")
        .await
        .expect(409);
    assert_eq!(refused.code(), "no_oversight_left");
    let after = app
        .get(&format!("/api/v1/cases/{}/allegations", s.case_id))
        .token(&s.sup_two.1)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(before, after);
    assert!(sees(app, &s.sup_two.1, &s.case_id).await);
    assert!(sees(app, &s.investigator, &s.case_id).await);

    // Auditors can watch for misuse: the allegation against staff is its own action.
    let events = app
        .get(&format!("/api/v1/audit?case_id={}&limit=200", s.case_id))
        .token(&s.auditor)
        .send()
        .await
        .expect(200)
        .json();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("allegation."))
        .collect();
    assert_eq!(actions, ["allegation.created", "allegation.against_staff"]);
}

#[actix_web::test]
async fn registering_a_subject_twice_does_not_tell_whether_they_are_staff() {
    let s = scene().await;
    let app = &s.app;
    // S1 is a supervisor's staff identity; 4100 is an ordinary officer's. Both are
    // registered already (4100 by the scene; S1 now).
    register(app, &s.investigator, "S1").await;
    let answer = |collar: &'static str| {
        let token = s.investigator.clone();
        async move {
            let r = app
                .post("/api/v1/subjects")
                .token(&token)
                .json(&json!({"force": "Wessex Police", "collar_number": collar, "name": "PC X"}))
                .send()
                .await
                .expect(409)
                .json();
            (
                r["code"].clone(),
                r["title"].clone(),
                r["detail"].clone(),
                r["errors"].clone(),
            )
        }
    };
    assert_eq!(answer("S1").await, answer("4100").await);
    // And no subject view says who is staff.
    let staff_subject = app
        .get("/api/v1/subjects?q=S1")
        .token(&s.investigator)
        .send()
        .await
        .expect(200)
        .json();
    let officer = app
        .get("/api/v1/subjects?q=4100")
        .token(&s.investigator)
        .send()
        .await
        .expect(200)
        .json();
    let keys = |v: &Value| {
        let mut k: Vec<String> = v["items"][0].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&staff_subject), keys(&officer));
    assert!(staff_subject["items"][0].get("user_id").is_none());
}

#[actix_web::test]
async fn only_an_admin_sets_a_staff_identity_and_it_is_unique_in_a_force() {
    let s = scene().await;
    let app = &s.app;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    // A supervisor cannot give themselves or anyone a staff identity.
    app.get(&format!("/api/v1/users/{}", s.sup_two.0))
        .token(&s.sup_one.1)
        .send()
        .await
        .expect(403);
    let read = app
        .get(&format!("/api/v1/users/{}", s.sup_two.0))
        .token(&admin)
        .send()
        .await
        .expect(200);
    assert_eq!(read.json()["force"], "Wessex Police");
    assert_eq!(read.json()["collar_number"], "S2");
    let tag = read.header("etag").unwrap();
    // Another account's identity (compared without case or surrounding space): 409.
    let taken = app
        .patch(&format!("/api/v1/users/{}", s.sup_two.0))
        .token(&admin)
        .header("if-match", &tag)
        .json(&json!({"force": " wessex police", "collar_number": "s1 "}))
        .send()
        .await
        .expect(409);
    assert_eq!(taken.code(), "staff_identity_taken");
    // Half an identity: 422 naming the missing field.
    let half = app
        .patch(&format!("/api/v1/users/{}", s.sup_two.0))
        .token(&admin)
        .header("if-match", &tag)
        .json(&json!({"force": "Wessex Police"}))
        .send()
        .await
        .expect(422);
    assert_eq!(half.json()["errors"][0]["field"], "collar_number");
    // Cleared: the supervisor is no longer linked to subject S2.
    app.patch(&format!("/api/v1/users/{}", s.sup_two.0))
        .token(&admin)
        .header("if-match", &tag)
        .json(&json!({"force": null, "collar_number": null}))
        .send()
        .await
        .expect(200);
    let created = app
        .post("/api/v1/users")
        .token(&admin)
        .json(&json!({"username": "inv.new", "display_name": "DC New", "role": "investigator",
                      "password": "quiet-meadow-ferry-19", "force": "Wessex Police", "collar_number": "S2"}))
        .send()
        .await
        .expect(201)
        .json();
    assert_eq!(created["collar_number"], "S2");
}

#[actix_web::test]
async fn nobody_learns_whether_they_are_a_subject_by_registering_themselves() {
    let s = scene().await;
    let app = &s.app;
    let answer = |token: String, collar: &'static str| async move {
        let r = app
            .post("/api/v1/subjects")
            .token(&token)
            .json(&json!({"force": "Wessex Police", "collar_number": collar, "name": "Me"}))
            .send()
            .await
            .expect(409)
            .json();
        (r["code"].clone(), r["detail"].clone())
    };
    // Not yet registered, then registered by someone else: the same refusal.
    let before = answer(s.sup_two.1.clone(), "S2").await;
    assert_eq!(before.0, "conflict_of_interest");
    register(app, &s.investigator, "S2").await;
    assert_eq!(answer(s.sup_two.1.clone(), " s2").await, before);
    // And their own record stays invisible to them.
    let listed = app
        .get("/api/v1/subjects?q=S2")
        .token(&s.sup_two.1)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
}

/// What the document says of every subject read: nobody sees their own subject record. A
/// supervisor whose staff identity matches a registered subject does not find it in the
/// registry, and reading it or its history is 404; another supervisor reads it.
#[actix_web::test]
async fn nobody_reads_their_own_subject_record() {
    let app = TestApp::new().await;
    let (me_id, me) = app.user_token("own.record", Role::Supervisor).await;
    let (_, other) = app.user_token("own.other", Role::Supervisor).await;
    let subject = crate::support::create_subject(&app, &other, "7777", Some(me_id)).await;
    for path in [
        format!("/api/v1/subjects/{subject}"),
        format!("/api/v1/subjects/{subject}/history"),
    ] {
        app.get(&path).token(&me).send().await.expect(404);
        app.get(&path).token(&other).send().await.expect(200);
    }
    assert_eq!(app.item_count("/api/v1/subjects?q=7777", &me).await, 0);
    assert_eq!(app.item_count("/api/v1/subjects?q=7777", &other).await, 1);
}
