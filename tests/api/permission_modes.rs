//! `PADDOCK_PERMISSIONS`: enforce (Paddle's behaviour), log, or off.
//! Authentication stays required in every mode.

use paddock::domain::PermissionMode;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, LogCapture, TestApp, default_options, expect_data, expect_error};

async fn app_in(mode: PermissionMode) -> TestApp {
    let options = paddock::app::ServeOptions {
        permission_mode: mode,
        ..default_options()
    };
    TestApp::spawn_with(Backend::Sqlite, options).await
}

async fn create_with_read_only_key(app: &TestApp) -> reqwest::Response {
    app.request(Method::POST, "/client-tokens", &app.keys.read_only)
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap()
}

async fn authentication_is_still_required(app: &TestApp) {
    let response = app
        .client
        .post(app.url("/client-tokens"))
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "authentication_missing",
        "Authentication header missing.",
    )
    .await;
    let response = app.get("/client-tokens", &app.keys.revoked).await;
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_token",
        "Invalid or revoked API key.",
    )
    .await;
}

#[tokio::test]
async fn enforce_refuses_a_missing_permission() {
    let app = app_in(PermissionMode::Enforce).await;
    let response = create_with_read_only_key(&app).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    authentication_is_still_required(&app).await;
}

#[tokio::test]
async fn log_allows_a_missing_permission_and_logs_its_name() {
    let (logs, _guard) = LogCapture::start();
    let app = app_in(PermissionMode::Log).await;
    let response = create_with_read_only_key(&app).await;
    expect_data(response, StatusCode::CREATED).await;
    let logs = logs.text();
    let line = logs
        .lines()
        .find(|line| line.contains("lacks a permission"))
        .unwrap_or_else(|| panic!("no permission line in:\n{logs}"));
    assert!(
        line.contains("WARN") && line.contains("permission=client_token.write"),
        "{line}"
    );
    assert!(line.contains("api_key_id=apikey_"), "{line}");
    authentication_is_still_required(&app).await;
}

#[tokio::test]
async fn off_allows_a_missing_permission_silently() {
    let (logs, _guard) = LogCapture::start();
    let app = app_in(PermissionMode::Off).await;
    let response = create_with_read_only_key(&app).await;
    expect_data(response, StatusCode::CREATED).await;
    assert!(!logs.text().contains("lacks a permission"));
    authentication_is_still_required(&app).await;
}
