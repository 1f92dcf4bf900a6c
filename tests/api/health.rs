use std::time::{Duration, Instant};

use crate::support::TestApp;

#[actix_web::test]
async fn liveness_and_readiness() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/healthz").send().await.expect(200).json()["status"],
        "ok"
    );
    assert_eq!(
        app.get("/readyz").send().await.expect(200).json()["status"],
        "ready"
    );
}

#[actix_web::test]
async fn an_exhausted_pool_answers_503_instead_of_hanging() {
    let app = TestApp::with_settings(&[
        ("PROBITY_DB_POOL_SIZE", "1"),
        ("PROBITY_DB_ACQUIRE_TIMEOUT_MS", "300"),
    ])
    .await;
    let held = app.state.db.pool().get().unwrap();
    let started = Instant::now();
    let resp = app.get("/readyz").send().await.expect(503);
    assert_eq!(resp.code(), "service_unavailable");
    assert!(resp.header("retry-after").is_some());
    // Bounded by the acquire timeout, not by a hang (generous margin for a loaded machine).
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(held);
    app.get("/readyz").send().await.expect(200);
}

#[actix_web::test]
async fn a_slow_statement_is_cut_off_by_the_statement_timeout() {
    let app = TestApp::with_settings(&[("PROBITY_DB_STATEMENT_TIMEOUT_MS", "100")]).await;
    let result = app
        .state
        .db
        .run(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT pg_sleep(2)").execute(c)?;
            Ok(())
        })
        .await;
    let err = result.unwrap_err();
    assert_eq!(err.code, probity::error::ErrorCode::ServiceUnavailable);
}

#[actix_web::test]
async fn readyz_answers_503_within_its_own_deadline_when_the_database_does_not_answer() {
    // The only connection is taken and the pool would wait 20 s for it, as requests would on
    // a database that stopped answering: the readiness check keeps its own 300 ms deadline.
    let app = TestApp::with_settings(&[
        ("PROBITY_DB_POOL_SIZE", "1"),
        ("PROBITY_DB_ACQUIRE_TIMEOUT_MS", "20000"),
        ("PROBITY_READYZ_TIMEOUT_MS", "300"),
    ])
    .await;
    let held = app.state.db.pool().get().unwrap();
    let started = Instant::now();
    let resp = app.get("/readyz").send().await.expect(503);
    assert_eq!(resp.code(), "service_unavailable");
    assert!(resp.header("retry-after").is_some());
    // Far below the 20 s the pool would have waited (a generous margin for a loaded machine).
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(held);
}

#[actix_web::test]
async fn lists_and_searches_run_under_their_own_statement_timeout() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        statement_timeout: String,
    }
    let app = TestApp::with_settings(&[("PROBITY_DB_LIST_STATEMENT_TIMEOUT_MS", "1234")]).await;
    let viewer = probity::domain::Viewer {
        user_id: uuid::Uuid::new_v4(),
        role: probity::domain::Role::Supervisor,
    };
    let show = |c: &mut diesel::PgConnection| {
        Ok(diesel::sql_query("SHOW statement_timeout")
            .get_result::<Setting>(c)?
            .statement_timeout)
    };
    let list = app
        .state
        .db
        .list_as(viewer, Duration::from_millis(1234), show)
        .await
        .unwrap();
    assert_eq!(list, "1234ms");
    // Only for the list's own transaction: the connection's timeout is back afterwards.
    let after = app.state.db.run_as(viewer, show).await.unwrap();
    assert_ne!(after, "1234ms");
    // A search slower than it answers 503 rather than holding the connection.
    let err = app
        .state
        .db
        .list_as(viewer, Duration::from_millis(50), |c| {
            diesel::sql_query("SELECT pg_sleep(2)").execute(c)?;
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, probity::error::ErrorCode::ServiceUnavailable);
}

#[actix_web::test]
async fn a_request_still_running_when_the_shutdown_grace_ends_is_answered_503() {
    let app = TestApp::with_settings(&[
        ("PROBITY_DB_POOL_SIZE", "1"),
        ("PROBITY_DB_ACQUIRE_TIMEOUT_MS", "20000"),
        ("PROBITY_READYZ_TIMEOUT_MS", "30000"),
        ("PROBITY_SHUTDOWN_GRACE_SECS", "1"),
    ])
    .await;
    // The server is told to stop while a request waits 20 s for the only connection.
    let held = app.state.db.pool().get().unwrap();
    app.state.shutdown.begin();
    // What finishes within the grace is answered as usual.
    app.get("/healthz").send().await.expect(200);
    let started = Instant::now();
    let resp = app.get("/readyz").send().await.expect(503);
    assert_eq!(resp.code(), "service_unavailable");
    assert!(resp.header("retry-after").is_some());
    // Answered at the end of the 1 s grace, not after the 20 s wait.
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(held);
}

#[actix_web::test]
async fn work_the_database_does_not_finish_in_time_answers_503_and_does_not_commit() {
    // As on a frozen database, the server-side statement timeout does not fire (here: it is
    // turned off for the statement); the request's own deadline (acquire + statement: 300 ms).
    let app = TestApp::with_settings(&[
        ("PROBITY_DB_ACQUIRE_TIMEOUT_MS", "200"),
        ("PROBITY_DB_STATEMENT_TIMEOUT_MS", "100"),
    ])
    .await;
    let started = Instant::now();
    let err = app
        .state
        .db
        .transaction_as_system(|c| {
            use diesel::connection::SimpleConnection;
            c.batch_execute(
                "INSERT INTO rate_limit_buckets (key, window_start, count) \
                 VALUES ('abandoned-work', now(), 1); \
                 SET LOCAL statement_timeout = 0; SELECT pg_sleep(3);",
            )?;
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, probity::error::ErrorCode::ServiceUnavailable);
    assert!(started.elapsed() < Duration::from_millis(2500));
    // The work ran on after the answer, and was rolled back, not committed.
    actix_web::rt::time::sleep(Duration::from_millis(3500)).await;
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let left: N = diesel::sql_query(
        "SELECT count(*) AS n FROM rate_limit_buckets WHERE key = 'abandoned-work'",
    )
    .get_result(&mut app.db.connect())
    .unwrap();
    assert_eq!(left.n, 0);
}
