//! When paddock itself can't answer: the database is unreachable (503) or
//! holds something paddock can't read (500). Causes are logged, never sent.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, expect_data, expect_error};

const UNAVAILABLE: &str = "Endpoint is down temporarily and can't process your request. The Paddle team has been notified.";

#[tokio::test]
async fn an_unreachable_database_is_503_and_service_resumes_when_it_returns() {
    let Some(app) = TestApp::spawn_behind_proxy().await else {
        return;
    };
    let token = app.create("Before the outage").await;
    let path = format!("/client-tokens/{}", token["id"].as_str().unwrap());
    let proxy = app.proxy.as_ref().unwrap();

    proxy.sever();
    let response = app.get(&path, &app.keys.sandbox).await;
    assert_eq!(response.headers()["retry-after"], "1");
    expect_error(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "api_error",
        "service_unavailable",
        UNAVAILABLE,
    )
    .await;
    let create = app
        .request(reqwest::Method::POST, "/client-tokens", &app.keys.sandbox)
        .json(&serde_json::json!({ "name": "During the outage" }))
        .send()
        .await
        .unwrap();
    expect_error(
        create,
        StatusCode::SERVICE_UNAVAILABLE,
        "api_error",
        "service_unavailable",
        UNAVAILABLE,
    )
    .await;

    proxy.restore();
    // The pool reconnects by itself; no restart. Bounded, not a fixed sleep.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app.get(&path, &app.keys.sandbox).await;
        if response.status() == StatusCode::OK {
            assert_eq!(expect_data(response, StatusCode::OK).await, token);
            break;
        }
        assert!(Instant::now() < deadline, "paddock did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing was written during the outage.
    let all = expect_data(
        app.get("/client-tokens", &app.keys.sandbox).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all, serde_json::json!([token]));
}

#[tokio::test]
async fn unreadable_stored_data_is_500_internal_error_without_details() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    app.create("Readable").await;
    // A row no paddock wrote: an id off the pattern.
    let url = format!("sqlite:{}", app.sqlite_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "insert into client_tokens values ('ctkn_NOT_A_VALID_ID_AT_ALL_00', 'default', 'sandbox', \
         'test_x', 'n', null, 'active', null, '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let response = app.get("/client-tokens", &app.keys.sandbox).await;
    let body = expect_error(
        response,
        StatusCode::INTERNAL_SERVER_ERROR,
        "api_error",
        "internal_error",
        "Problem processing your request. The Paddle team has been notified.",
    )
    .await;
    assert!(
        !body.to_string().contains("NOT_A_VALID"),
        "the cause is not sent"
    );
}
