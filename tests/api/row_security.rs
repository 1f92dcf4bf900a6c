//! The second wall: PostgreSQL's row-level security on every table that holds case content.
//! Queries sent through the application's own pool, with the caller named as the
//! application names it and no access predicate at all, still find nothing of a case the
//! caller may not see: the bug this wall stops is a query that forgets the rule.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use probity::auth::access::wall::case_tables;
use probity::domain::{Role, Viewer};
use probity::error::ApiError;
use serde_json::json;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::{add_allegation, create_case, create_subject, etag, transition};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Caller {
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Text)]
    user_id: String,
}

/// The rows of `table` that belong to case `id`, asked with no access predicate.
fn unguarded(conn: &mut PgConnection, table: &str, id: Uuid) -> QueryResult<i64> {
    let column = if table == "cases" { "id" } else { "case_id" };
    diesel::sql_query(format!(
        "SELECT count(*) AS n FROM {table} WHERE {column} = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .get_result::<Count>(conn)
    .map(|c| c.n)
}

/// Who the database thinks it is working for.
fn caller(conn: &mut PgConnection) -> QueryResult<(String, String)> {
    diesel::sql_query(
        "SELECT current_user::text AS role, \
         coalesce(current_setting('probity.user_id', true), '') AS user_id",
    )
    .get_result::<Caller>(conn)
    .map(|c| (c.role, c.user_id))
}

/// What every case table holds of case `id`, for `viewer`, through the application's pool.
fn counts_as(app: &TestApp, viewer: Viewer, id: Uuid) -> BTreeMap<&'static str, i64> {
    let mut conn = app.state.db.pool().get().unwrap();
    probity::db::transaction_as(&mut conn, &viewer, |c| {
        let mut counts = BTreeMap::new();
        for table in case_tables() {
            counts.insert(table, unguarded(c, table, id).map_err(ApiError::from)?);
        }
        Ok(counts)
    })
    .unwrap()
}

fn viewer(user_id: Uuid, role: Role) -> Viewer {
    Viewer { user_id, role }
}

#[actix_web::test]
async fn unguarded_queries_find_nothing_of_a_case_the_caller_may_not_see() {
    unguarded_queries_find_nothing_on(TestApp::new().await).await;
}

/// The subject-conflict rule reads every allegation through a view with its owner's rights:
/// where the schema's owner is not a superuser (as the README advises), the wall must still
/// find the conflict, although every case table forces its policies on the owner too.
#[actix_web::test]
async fn the_wall_holds_when_the_schema_owner_is_not_a_superuser() {
    use diesel::connection::SimpleConnection;
    let owner = format!("probity_owner_{}", Uuid::new_v4().simple());
    let name = format!("probity_test_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&crate::support::server_url()).unwrap();
    admin
        .batch_execute(&format!(
            "CREATE ROLE {owner} LOGIN NOSUPERUSER NOBYPASSRLS; GRANT probity_runtime TO {owner};"
        ))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name} OWNER {owner}"))
        .unwrap();
    let url = crate::support::database_url(&name);
    let as_owner = url.replacen("postgres@", &format!("{owner}@"), 1);
    let mut conn = PgConnection::establish(&as_owner).unwrap();
    let migrated = probity::db::run_migrations(&mut conn);
    drop(conn);
    let app = TestApp::on(crate::support::TestDb { name, url }, &[]).await;
    let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        assert!(migrated.is_ok(), "{migrated:?}");
        unguarded_queries_find_nothing_on(app).await;
    }))
    .await;
    admin.batch_execute(&format!("DROP ROLE {owner}")).unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn unguarded_queries_find_nothing_on(app: TestApp) {
    let (sup_id, sup) = app.user_token("sup.creator", Role::Supervisor).await;
    let (linked_id, _) = app.user_token("sup.linked", Role::Supervisor).await;
    let (member_id, _) = app.user_token("inv.member", Role::Investigator).await;
    let (plain_id, _) = app.user_token("inv.plain", Role::Investigator).await;
    let (intake_id, _) = app.user_token("intake.other", Role::Intake).await;
    let (auditor_id, _) = app.user_token("auditor.one", Role::Auditor).await;
    let (admin_id, _) = app.user_token("admin.one", Role::Admin).await;

    // A case with something in most of the tables that belong to it; its subject is the
    // staff identity of one of the supervisors.
    let case = create_case(&app, &sup, "corruption").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let id: Uuid = case_id.parse().unwrap();
    app.post(&format!("/api/v1/cases/{case_id}/parties"))
        .token(&sup)
        .json(&json!({"role": "complainant", "name": "Jane Roe", "phone": "07700 900123"}))
        .send()
        .await
        .expect(201);
    let subject = create_subject(&app, &sup, "7001", Some(linked_id)).await;
    add_allegation(&app, &sup, &case_id, &subject, "corruption")
        .await
        .expect(201);
    app.post(&format!("/api/v1/cases/{case_id}/notes"))
        .token(&sup)
        .json(&json!({"body": "Spoke to the complainant."}))
        .send()
        .await
        .expect(201);
    let tag = etag(&app, &sup, &case_id).await;
    app.put(&format!("/api/v1/cases/{case_id}/members"))
        .token(&sup)
        .header("if-match", &tag)
        .json(&json!({"user_ids": [member_id]}))
        .send()
        .await
        .expect(200);
    app.post(&format!("/api/v1/cases/{case_id}/tasks"))
        .token(&sup)
        .json(&json!({"title": "Obtain call records", "assignee_id": member_id}))
        .send()
        .await
        .expect(201);

    let populated = [
        "cases",
        "parties",
        "allegations",
        "notes",
        "case_members",
        "tasks",
        "audit_events",
    ];
    // Those who may see it find it all, with no predicate asked.
    let seen = counts_as(&app, viewer(sup_id, Role::Supervisor), id);
    for table in populated {
        assert!(
            seen[table] > 0,
            "the supervisor finds nothing in {table}: {seen:?}"
        );
    }
    let member = counts_as(&app, viewer(member_id, Role::Investigator), id);
    for table in populated.iter().filter(|t| **t != "audit_events") {
        assert!(
            member[table] > 0,
            "the member finds nothing in {table}: {member:?}"
        );
    }
    // A member who is not the assigned investigator does not read the case's trail.
    assert_eq!(member["audit_events"], 0, "{member:?}");
    // An auditor reads its trail and nothing else.
    let audit = counts_as(&app, viewer(auditor_id, Role::Auditor), id);
    assert!(audit["audit_events"] > 0, "{audit:?}");
    assert!(
        audit.iter().all(|(t, n)| *t == "audit_events" || *n == 0),
        "{audit:?}"
    );
    // Everyone else finds nothing at all; nor does the supervisor the allegation is about,
    // although neither their role nor the case's being unrestricted would keep it from them
    // (and the allegation that makes it theirs is itself hidden from them).
    for (who, found) in [
        (
            "an investigator",
            counts_as(&app, viewer(plain_id, Role::Investigator), id),
        ),
        (
            "an intake officer",
            counts_as(&app, viewer(intake_id, Role::Intake), id),
        ),
        (
            "an admin",
            counts_as(&app, viewer(admin_id, Role::Admin), id),
        ),
        (
            "the supervisor it is about",
            counts_as(&app, viewer(linked_id, Role::Supervisor), id),
        ),
    ] {
        assert!(found.values().all(|n| *n == 0), "{who} finds {found:?}");
    }
}

#[actix_web::test]
async fn without_a_caller_the_apps_connections_read_no_case_table() {
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("sup.one", Role::Supervisor).await;
    let case = create_case(&app, &sup, "corruption").await;
    let id: Uuid = case["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.state.db.pool().get().unwrap();
    for table in case_tables() {
        let err = unguarded(&mut conn, table, id).unwrap_err().to_string();
        assert!(err.contains("permission denied"), "{table}: {err}");
    }
    // Work done for no user (the public pages, the command line) sees every row.
    let found = probity::db::transaction_as_system(&mut conn, |c| {
        unguarded(c, "cases", id).map_err(ApiError::from)
    })
    .unwrap();
    assert_eq!(found, 1);
}

#[actix_web::test]
async fn a_pooled_connection_does_not_carry_a_caller_into_the_next_request() {
    // One connection: every request below gets the same one.
    let app = TestApp::with_settings(&[("PROBITY_DB_POOL_SIZE", "1")]).await;
    let (sup_id, sup) = app.user_token("sup.one", Role::Supervisor).await;
    let (plain_id, _) = app.user_token("inv.plain", Role::Investigator).await;
    let case = create_case(&app, &sup, "corruption").await;
    let id: Uuid = case["id"].as_str().unwrap().parse().unwrap();
    let db = &app.state.db;

    let (role, user, n) = db
        .run_as(viewer(sup_id, Role::Supervisor), move |c| {
            let (role, user) = caller(c)?;
            Ok((role, user, unguarded(c, "cases", id)?))
        })
        .await
        .unwrap();
    assert_eq!((role.as_str(), n), ("probity_supervisor", 1));
    assert_eq!(user, sup_id.to_string());

    // The next request on that connection, naming nobody, is nobody.
    let (after, refused) = db
        .run(move |c| Ok((caller(c)?, unguarded(c, "cases", id).is_err())))
        .await
        .unwrap();
    assert_eq!(after, ("probity_runtime".to_owned(), String::new()));
    assert!(refused);

    // Nor does a request that failed leave its caller behind.
    let failed = db
        .transaction_as(viewer(sup_id, Role::Supervisor), move |c| {
            unguarded(c, "cases", id)?;
            Err::<(), _>(ApiError::not_found())
        })
        .await;
    assert!(failed.is_err());
    let after = db.run(move |c| Ok(caller(c)?)).await.unwrap();
    assert_eq!(after, ("probity_runtime".to_owned(), String::new()));

    // And the next caller sees what the rule lets them see, not what the last one saw.
    let n = db
        .run_as(viewer(plain_id, Role::Investigator), move |c| {
            Ok(unguarded(c, "cases", id)?)
        })
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[actix_web::test]
async fn a_change_that_takes_a_case_out_of_its_callers_sight_is_written_whole() {
    let app = TestApp::new().await;
    let (_, intake) = app.user_token("intake.one", Role::Intake).await;
    let (_, sup) = app.user_token("sup.one", Role::Supervisor).await;
    let (_, auditor) = app.user_token("auditor.one", Role::Auditor).await;
    // An intake officer sees a case only while it is in intake: moving it on ends that, in
    // the middle of the change (its update, its audit event, the answer).
    let case = create_case(&app, &intake, "corruption").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let subject = create_subject(&app, &intake, "7002", None).await;
    add_allegation(&app, &intake, &case_id, &subject, "corruption")
        .await
        .expect(201);
    let moved = transition(&app, &intake, &case_id, "assessment", json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(moved["state"], "assessment");
    app.get(&format!("/api/v1/cases/{case_id}"))
        .token(&intake)
        .send()
        .await
        .expect(404);
    let seen = app
        .get(&format!("/api/v1/cases/{case_id}"))
        .token(&sup)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(seen["state"], "assessment");

    // A supervisor recording a restricted case sees it only once named its member, which
    // comes after the case itself is written.
    let restricted = app
        .post("/api/v1/cases")
        .token(&sup)
        .json(&json!({
            "title": "Counter-corruption intelligence",
            "summary": "Intelligence report.",
            "source": "intelligence",
            "category": "corruption",
            "received_at": "2026-11-01T09:00:00Z",
            "restricted": true
        }))
        .send()
        .await
        .expect(201)
        .json();
    assert_eq!(restricted["restricted"], true);

    // The intake officer appended to a chain they may not read, from its real head.
    let report = app
        .get("/api/v1/audit/verify")
        .token(&auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(report["ok"], true, "{report}");
    let trail = app
        .get(&format!("/api/v1/cases/{case_id}/audit"))
        .token(&auditor)
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
    assert!(actions.contains(&"case.transitioned"), "{actions:?}");
}

#[actix_web::test]
async fn early_warnings_count_allegations_in_cases_the_recorder_cannot_see() {
    let app = TestApp::new().await;
    let (_, sup) = app.user_token("sup.one", Role::Supervisor).await;
    let (_, intake) = app.user_token("intake.one", Role::Intake).await;
    let subject = create_subject(&app, &sup, "7003", None).await;
    let first = create_case(&app, &sup, "apsp").await;
    add_allegation(&app, &sup, first["id"].as_str().unwrap(), &subject, "apsp")
        .await
        .expect(201);
    // The intake officer may not see the supervisor's case, but the warning must count it.
    let second = create_case(&app, &intake, "other").await;
    let second_id = second["id"].as_str().unwrap();
    app.get(&format!("/api/v1/cases/{}", first["id"].as_str().unwrap()))
        .token(&intake)
        .send()
        .await
        .expect(404);
    add_allegation(&app, &intake, second_id, &subject, "other")
        .await
        .expect(201);
    let flagged = app
        .get(&format!("/api/v1/subjects/{subject}"))
        .token(&sup)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(flagged["flagged"], true, "{flagged}");
}

/// The subject-conflict facts answer for the caller of the transaction only: a predicate
/// written for another user (which would find that user's conflicts, or nobody's) fails the
/// statement instead of answering.
#[actix_web::test]
async fn a_predicate_for_someone_other_than_the_caller_is_refused() {
    use probity::auth::access::Purpose;
    use probity::auth::access::sql::cases_visible_to;
    use probity::db::schema::cases;
    let app = TestApp::new().await;
    let (sup_id, sup) = app.user_token("sup.caller", Role::Supervisor).await;
    let (other_id, _) = app.user_token("sup.other", Role::Supervisor).await;
    create_case(&app, &sup, "corruption").await;
    let mut conn = app.state.db.pool().get().unwrap();
    let count = |conn: &mut PgConnection, caller: Uuid, about: Uuid| {
        probity::db::transaction_as(conn, &viewer(caller, Role::Supervisor), |c| {
            Ok(cases::table
                .filter(cases_visible_to(
                    &viewer(about, Role::Supervisor),
                    Purpose::Content,
                ))
                .count()
                .get_result::<i64>(c)
                .map_err(|e| e.to_string()))
        })
        .unwrap()
    };
    assert_eq!(count(&mut conn, sup_id, sup_id), Ok(1));
    let refused = count(&mut conn, sup_id, other_id).unwrap_err();
    assert!(refused.contains("answers only for the caller"), "{refused}");
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// What `probity_search_cases` finds for the word "officer", called directly: no access
/// predicate around it, no row-level policy under it.
fn search_directly(conn: &mut PgConnection, sort: &str) -> QueryResult<Vec<Uuid>> {
    diesel::sql_query(
        "SELECT probity_search_cases(websearch_to_tsquery('english', 'officer'), $1, true, \
         NULL, NULL, NULL) AS id",
    )
    .bind::<Text, _>(sort)
    .load::<Found>(conn)
    .map(|rows| rows.into_iter().map(|f| f.id).collect())
}

/// The search reads past the row-level policies (where its text indexes can work) and applies
/// the rule itself, so it must not become the side door the policies close: called directly,
/// it finds only what the caller's account may see, whatever role the transaction claims;
/// without a caller, or for a deactivated account, nothing; and nothing but a sort column
/// reaches its SQL.
#[actix_web::test]
async fn the_search_function_finds_only_what_the_callers_account_may_see() {
    let app = TestApp::new().await;
    let (sup_id, sup) = app.user_token("sup.search", Role::Supervisor).await;
    let (inv_id, _) = app.user_token("inv.search", Role::Investigator).await;
    let case = create_case(&app, &sup, "apsp").await;
    let id: Uuid = case["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.state.db.pool().get().unwrap();
    {
        let mut search_as = |v: Viewer, sort: &'static str| {
            probity::db::transaction_as(&mut conn, &v, |c| {
                Ok(search_directly(c, sort).map_err(|e| e.to_string()))
            })
            .unwrap()
        };
        assert_eq!(
            search_as(viewer(sup_id, Role::Supervisor), "received_at"),
            Ok(vec![id])
        );
        // An investigator the case is not assigned to finds nothing, even in a transaction
        // that claims a supervisor's role: the rule is the one their account holds.
        assert_eq!(
            search_as(viewer(inv_id, Role::Investigator), "received_at"),
            Ok(vec![])
        );
        assert_eq!(
            search_as(viewer(inv_id, Role::Supervisor), "received_at"),
            Ok(vec![])
        );
        // The sort is a column of a fixed list, never SQL.
        let refused = search_as(viewer(sup_id, Role::Supervisor), "id) OR (true").unwrap_err();
        assert!(refused.contains("cases are not sorted by"), "{refused}");
    }
    // Without a caller (the pool's own role, between transactions): nothing.
    assert!(
        search_directly(&mut conn, "received_at")
            .unwrap()
            .is_empty()
    );
    // A deactivated account: nothing.
    app.sql(&format!(
        "UPDATE users SET active = false WHERE id = '{sup_id}'"
    ));
    let mut conn = app.state.db.pool().get().unwrap();
    let found = probity::db::transaction_as(&mut conn, &viewer(sup_id, Role::Supervisor), |c| {
        Ok(search_directly(c, "received_at").map_err(|e| e.to_string()))
    })
    .unwrap();
    assert_eq!(found, Ok(vec![]));
}
