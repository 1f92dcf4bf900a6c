use probity::domain::Role;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp};

async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/audit?limit=2{query}");
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

#[actix_web::test]
async fn every_change_is_in_the_audit_log_in_order_with_actor_and_before_after() {
    let app = TestApp::new().await;
    let (admin_id, admin) = app.user_token("admin.one", Role::Admin).await;
    let (auditor_id, auditor) = app.user_token("auditor.one", Role::Auditor).await;
    let created = app
        .post("/api/v1/users")
        .token(&admin)
        .header("x-request-id", "req-create-sup")
        .json(&json!({"username": "sup", "display_name": "Sup", "role": "supervisor", "password": PASSWORD}))
        .send()
        .await
        .expect(201)
        .json();
    let sup_id = created["id"].as_str().unwrap().to_owned();
    app.login_as("sup", "a wrong password entirely")
        .await
        .expect(401);
    app.login_as("sup", PASSWORD).await.expect(200);
    app.patch(&format!("/api/v1/users/{sup_id}"))
        .token(&admin)
        .header("if-match", "\"1\"")
        .json(&json!({"active": false}))
        .send()
        .await
        .expect(200);

    let all = events(&app, &auditor, "").await;
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "user.created",         // admin.one, by the system (CLI)
            "auth.login_succeeded", // admin.one
            "user.created",         // auditor.one
            "auth.login_succeeded", // auditor.one
            "user.created",         // sup, by admin.one
            "auth.login_failed",
            "auth.login_succeeded",
            "user.updated",
        ]
    );
    let seqs: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    assert!(all.iter().all(|e| e["chain"] == "system"));
    for pair in all.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }

    let create = &all[4];
    assert_eq!(create["actor_type"], "user");
    assert_eq!(create["actor_id"], admin_id.to_string());
    assert_eq!(create["entity_type"], "user");
    assert_eq!(create["entity_id"], sup_id);
    assert_eq!(create["request_id"], "req-create-sup");
    assert_eq!(create["client_addr"], "192.0.2.10");
    // Who the account is for is personal data: an auditor sees its fingerprints only.
    assert_eq!(create["after"]["role"], "supervisor");
    assert_eq!(create["after"]["active"], true);
    for field in ["username", "display_name"] {
        assert!(
            create["after"][field]
                .as_str()
                .unwrap()
                .starts_with("hmac:"),
            "{create}"
        );
    }
    assert!(create["sealed"].is_string());
    assert_eq!(all[0]["actor_type"], "system");
    assert!(all[0]["actor_id"].is_null());
    assert_eq!(all[5]["actor_type"], "public");
    assert_eq!(all[5]["after"], json!({"failure": "wrong_password"}));
    let update = &all[7];
    assert_eq!(update["before"]["active"], true);
    assert_eq!(update["after"]["active"], false);

    // Nothing secret is recorded anywhere in the log.
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains(PASSWORD));
    assert!(!text.contains("argon2"));

    // Filters.
    let by_admin = events(&app, &auditor, &format!("&actor={admin_id}")).await;
    assert!(
        by_admin
            .iter()
            .all(|e| e["actor_id"] == admin_id.to_string())
    );
    assert_eq!(by_admin.len(), 3);
    let failed = events(&app, &auditor, "&action=auth.login_failed").await;
    assert_eq!(failed.len(), 1);
    let about_sup = events(
        &app,
        &auditor,
        &format!("&entity_type=user&entity_id={sup_id}"),
    )
    .await;
    assert_eq!(about_sup.len(), 4);
    let system = events(&app, &auditor, "&actor=system").await;
    assert_eq!(system.len(), 2);
    let future = events(&app, &auditor, "&from=2999-01-01T00:00:00Z").await;
    assert!(future.is_empty());
    let newest = app
        .get("/api/v1/audit?order=desc&limit=1")
        .token(&auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(newest["items"][0]["action"], "user.updated");
    let _ = auditor_id;

    let report = app
        .get("/api/v1/audit/verify")
        .token(&auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(
        report,
        json!({"ok": true, "chains_checked": 1, "events_checked": 8, "first_broken": null})
    );
}

#[actix_web::test]
async fn the_database_refuses_to_change_or_remove_audit_events() {
    let app = TestApp::new().await;
    app.create_user("someone", Role::Intake);
    let mut conn = app.db.connect();
    use diesel::connection::SimpleConnection;
    for sql in [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let err = conn.batch_execute(sql).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

#[actix_web::test]
async fn when_the_audit_write_fails_the_change_fails_with_it() {
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    // Make every `user.created` event unwritable.
    app.sql("ALTER TABLE audit_events ADD CONSTRAINT test_refuse CHECK (action <> 'user.created') NOT VALID");
    let resp = app
        .post("/api/v1/users")
        .token(&admin)
        .json(&json!({"username": "ghost", "display_name": "Ghost", "role": "intake", "password": PASSWORD}))
        .send()
        .await
        .expect(500);
    assert_eq!(resp.code(), "internal_error");
    app.login_as("ghost", PASSWORD).await.expect(401);
    let list = app
        .get("/api/v1/users")
        .token(&admin)
        .send()
        .await
        .expect(200)
        .json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["username"] != "ghost")
    );
}

#[actix_web::test]
async fn verify_and_checkpoint_find_tampering() {
    let app = TestApp::new().await;
    let (_, auditor) = app.user_token("auditor.one", Role::Auditor).await;
    app.create_user("someone", Role::Intake);
    let checkpoint = app
        .get("/api/v1/audit/checkpoint")
        .token(&auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(checkpoint["chains"][0]["chain"], "system");
    assert_eq!(checkpoint["chains"][0]["seq"], 3);
    assert_eq!(checkpoint["algorithm"], "ed25519");

    // As a superuser with triggers off, rewrite an event.
    app.sql("SET session_replication_role = replica; UPDATE audit_events SET after = '{\"role\":\"admin\"}' WHERE seq = 3");
    let report = app
        .get("/api/v1/audit/verify")
        .token(&auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(report["ok"], false);
    assert_eq!(report["first_broken"]["seq"], 3);
    assert_eq!(report["first_broken"]["reason"], "hash_mismatch");
}

#[actix_web::test]
async fn only_auditors_read_and_verify_the_audit_log() {
    let app = TestApp::new().await;
    for role in [
        Role::Admin,
        Role::Supervisor,
        Role::Investigator,
        Role::Intake,
    ] {
        let (_, token) = app.user_token(&format!("user.{role}"), role).await;
        for path in [
            "/api/v1/audit",
            "/api/v1/audit/verify",
            "/api/v1/audit/checkpoint",
        ] {
            let resp = app.get(path).token(&token).send().await.expect(403);
            assert_eq!(resp.code(), "forbidden", "{role} {path}");
        }
    }
}

#[actix_web::test]
async fn least_privilege_role_runs_but_cannot_rewrite_the_audit_log() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let app = TestApp::new().await;
    let (_, admin) = app.user_token("admin.one", Role::Admin).await;
    let role = format!("probity_app_{}", uuid::Uuid::new_v4().simple());
    // What the README has an administrator do for the service's login role: the migrations
    // gave the Probity roles their privileges, and the login role is granted
    // probity_runtime, nothing else.
    app.sql(&format!(
        "CREATE ROLE {role} LOGIN; GRANT probity_runtime TO {role};"
    ));
    let url = app.db.url.replacen("postgres@", &format!("{role}@"), 1);
    let outcome = std::panic::catch_unwind(|| {
        let mut conn = diesel::PgConnection::establish(&url).expect("the runtime role connects");
        assert_eq!(probity::db::run_migrations(&mut conn), Ok(Vec::new()));
        // It serves: the pool's role, then each transaction's.
        conn.batch_execute("SET ROLE probity_runtime").unwrap();
        for caller in ["probity_system", "probity_supervisor", "probity_auditor"] {
            conn.batch_execute(&format!(
                "BEGIN; SELECT set_config('role', '{caller}', true), \
                 set_config('probity.user_id', '{}', true); \
                 SELECT count(*) FROM audit_events; COMMIT;",
                uuid::Uuid::new_v4()
            ))
            .unwrap_or_else(|e| panic!("{caller} reads the audit log: {e}"));
        }
        // Without a caller it reads no case table, and it cannot become anyone else.
        for sql in [
            "SELECT count(*) FROM cases",
            "SELECT count(*) FROM audit_events",
        ] {
            let err = conn.batch_execute(sql).unwrap_err().to_string();
            assert!(err.contains("permission denied"), "{sql}: {err}");
        }
        let err = conn
            .batch_execute("SET ROLE postgres")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("permission denied"),
            "SET ROLE postgres: {err}"
        );
        // Whatever role it takes, history stays as written.
        for caller in [
            "RESET ROLE",
            "SET ROLE probity_system",
            "SET ROLE probity_supervisor",
        ] {
            conn.batch_execute(caller).unwrap();
            for sql in [
                "UPDATE audit_events SET action = 'x'",
                "DELETE FROM audit_events",
                "TRUNCATE audit_events",
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete",
                "ALTER TABLE cases DISABLE ROW LEVEL SECURITY",
            ] {
                let err = conn.batch_execute(sql).unwrap_err().to_string();
                assert!(
                    err.contains("permission denied") || err.contains("must be owner"),
                    "{caller}: {sql}: {err}"
                );
            }
        }
    });
    let _ = admin;
    app.sql(&format!("DROP OWNED BY {role}; DROP ROLE {role};"));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// With exactly the grants the README recommends (the service's login role), someone who can
/// write the database but has not the audit signing key forges a `case.viewed` by a
/// supervisor who never looked, back-dated, with the chain's hashes recomputed and its head
/// moved on: verification names the event, signed or not.
#[actix_web::test]
async fn a_forged_event_with_recomputed_hashes_is_named_by_verify() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let app = TestApp::new().await;
    let (sup_id, sup) = app.user_token("sup.victim", Role::Supervisor).await;
    let case = crate::support::create_case(&app, &sup, "apsp").await;
    let case_id: uuid::Uuid = case["id"].as_str().unwrap().parse().unwrap();
    let key = app.state.audit_key.as_ref().unwrap().verifying_key();
    let verify =
        |app: &TestApp| probity::audit::verify::verify_log(&mut app.db.connect(), &key).unwrap();
    assert!(verify(&app).ok);

    let role = format!("probity_app_{}", uuid::Uuid::new_v4().simple());
    app.sql(&format!(
        "CREATE ROLE {role} LOGIN; GRANT probity_runtime TO {role};"
    ));
    let url = app.db.url.replacen("postgres@", &format!("{role}@"), 1);
    let forge = || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        conn.batch_execute("SET ROLE probity_system").unwrap();
        conn.transaction(|c| {
            append_by_hand(
                c,
                &case_id.to_string(),
                probity::audit::now() - chrono::Duration::days(30),
                Some(sup_id),
                None,
            )
        })
        .unwrap()
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let unsigned = forge();
        let report = verify(&app);
        assert!(!report.ok);
        let broken = report.first_broken.unwrap();
        assert_eq!(broken.event_id, Some(unsigned));
        assert_eq!(broken.reason, "signature_missing");
        assert_eq!(broken.chain, case_id.to_string());
    }));
    app.sql(&format!("DROP OWNED BY {role}; DROP ROLE {role};"));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }

    // Signed with a key of the forger's own: still named.
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("sup.two", Role::Supervisor).await;
    let case = crate::support::create_case(&app, &sup, "apsp").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let forger = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let mut conn = app.db.connect();
    let id = conn
        .transaction(|c| append_by_hand(c, &case_id, probity::audit::now(), None, Some(&forger)))
        .unwrap();
    let key = app.state.audit_key.as_ref().unwrap().verifying_key();
    let report = probity::audit::verify::verify_log(&mut app.db.connect(), &key).unwrap();
    let broken = report.first_broken.unwrap();
    assert_eq!(
        (broken.event_id, broken.reason.as_str()),
        (Some(id), "signature_invalid")
    );
}

/// An event earlier than the one before it in its chain is a break, even signed with the
/// right key (a server whose clock went back, or a back-dated insertion by whoever holds the
/// key): each event is timed under its chain's lock.
#[actix_web::test]
async fn an_event_earlier_than_the_one_before_it_is_named() {
    use diesel::Connection;
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("sup.clock", Role::Supervisor).await;
    let case = crate::support::create_case(&app, &sup, "apsp").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let signer = app.state.audit_key.clone().unwrap();
    let id = app
        .db
        .connect()
        .transaction(|c| {
            append_by_hand(
                c,
                &case_id,
                probity::audit::now() - chrono::Duration::hours(1),
                None,
                Some(&signer),
            )
        })
        .unwrap();
    let report =
        probity::audit::verify::verify_log(&mut app.db.connect(), &signer.verifying_key()).unwrap();
    let broken = report
        .first_broken
        .clone()
        .unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(
        (broken.event_id, broken.reason.as_str()),
        (Some(id), "time_reversed")
    );
}

/// Deleting a case's whole chain (its events and its chain row, as only a superuser can) is
/// named: a case has its chain from its creation event; and a chain row left without events
/// is named too.
#[actix_web::test]
async fn a_deleted_chain_is_named() {
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("sup.chain", Role::Supervisor).await;
    let case = crate::support::create_case(&app, &sup, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let key = app.state.audit_key.as_ref().unwrap().verifying_key();
    let verify = || probity::audit::verify::verify_log(&mut app.db.connect(), &key).unwrap();
    assert!(verify().ok);
    app.sql(&format!(
        "SET session_replication_role = replica; DELETE FROM audit_events WHERE chain_id = '{id}';"
    ));
    let broken = verify().first_broken.unwrap();
    assert_eq!(
        (broken.chain.as_str(), broken.reason.as_str()),
        (id.as_str(), "creation_missing")
    );
    app.sql(&format!("DELETE FROM audit_chains WHERE id = '{id}';"));
    let broken = verify().first_broken.unwrap();
    assert_eq!(
        (broken.chain.as_str(), broken.reason.as_str()),
        (id.as_str(), "creation_missing")
    );
    // A chain row of no case, without events.
    app.sql(&format!(
        "DELETE FROM cases WHERE id = '{id}'; INSERT INTO audit_chains (id) VALUES ('{id}');"
    ));
    let broken = verify().first_broken.unwrap();
    assert_eq!(broken.reason, "chain_without_events");
}

/// Appends a `case.viewed` to `chain` by hand, after its head, at `at`, by `actor` (or the
/// system), signed with `key` if one is given, and moves the head on: what someone writing
/// the database directly would do, recomputing the hash.
fn append_by_hand(
    c: &mut diesel::PgConnection,
    chain: &str,
    at: chrono::DateTime<chrono::Utc>,
    actor: Option<uuid::Uuid>,
    key: Option<&ed25519_dalek::SigningKey>,
) -> diesel::QueryResult<uuid::Uuid> {
    let head = probity::db::audit::lock_chain_head(c, chain, None)?;
    let mut row = probity::db::models::AuditEventRow {
        position: 0,
        id: uuid::Uuid::new_v4(),
        chain_id: chain.to_owned(),
        seq: head.seq + 1,
        occurred_at: at,
        actor_type: if actor.is_some() { "user" } else { "system" }.into(),
        actor_id: actor,
        action: "case.viewed".into(),
        entity_type: Some("case".into()),
        entity_id: Some(chain.to_owned()),
        case_id: chain.parse().ok(),
        before: None,
        after: None,
        sealed: None,
        request_id: None,
        client_addr: Some("192.0.2.66".into()),
        prev_hash: head.hash,
        hash: String::new(),
        signature: None,
    };
    row.hash = probity::audit::hash::event_hash(&row);
    row.signature = key.map(|k| probity::audit::sign::sign(k, &row.hash));
    probity::db::audit::insert_event(c, &row)?;
    probity::db::audit::advance_chain_head(c, &row.chain_id, row.seq, &row.hash, None)?;
    Ok(row.id)
}
