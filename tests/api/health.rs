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
