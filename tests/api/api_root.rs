//! `GET /`, Paddle's API root: which API answered and who is calling.
//! Authentication is optional, but a key that is sent must be good.

use paddock::http::{Emulation, Fault};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, default_options, expect_error, expect_json, request_id};
use crate::on_both_backends;

on_both_backends!(
    without_a_key_the_caller_is_null,
    a_sandbox_key_sees_itself_in_the_sandbox,
    a_live_key_sees_production,
    a_malformed_header_is_403_authentication_malformed,
    unknown_revoked_and_expired_keys_are_403_invalid_token,
    only_get_is_allowed,
);

fn api(environment: &str) -> Value {
    json!({
        "name": "Paddle API",
        "version": "1",
        "environment": environment,
        "documentation_url": "https://developer.paddle.com/api-reference/overview"
    })
}

/// Asserts the whole body: `data` exactly, and `meta` with just the request id.
async fn expect_root(response: reqwest::Response, data: Value) {
    let id = request_id(&response);
    let body = expect_json(response, StatusCode::OK).await;
    assert_eq!(body, json!({ "data": data, "meta": { "request_id": id } }));
}

async fn without_a_key_the_caller_is_null(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    expect_root(
        response,
        json!({
            "api": api("sandbox"),
            "caller": { "auth_type": null, "account": null, "permissions": [] }
        }),
    )
    .await;
}

async fn a_sandbox_key_sees_itself_in_the_sandbox(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    expect_root(
        app.get("/", &app.keys.sandbox).await,
        json!({
            "api": api("sandbox"),
            "caller": {
                "auth_type": "api_key",
                "account": { "id": "default" },
                "permissions": ["client_token.read", "client_token.write"]
            }
        }),
    )
    .await;
    // Another account's key names that account, with its own permissions.
    let other = app.account_key("acme", "sandbox", &["api_key.read"]).await;
    expect_root(
        app.get("/", &other).await,
        json!({
            "api": api("sandbox"),
            "caller": {
                "auth_type": "api_key",
                "account": { "id": "acme" },
                "permissions": ["api_key.read"]
            }
        }),
    )
    .await;
}

async fn a_live_key_sees_production(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    expect_root(
        app.get("/", &app.keys.live).await,
        json!({
            "api": api("production"),
            "caller": {
                "auth_type": "api_key",
                "account": { "id": "default" },
                "permissions": ["client_token.read", "client_token.write"]
            }
        }),
    )
    .await;
}

async fn a_malformed_header_is_403_authentication_malformed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = &app.keys.sandbox;
    // An empty header is a header: not the same as sending none.
    for value in [
        String::new(),
        "Bearer".to_owned(),
        format!("Basic {key}"),
        key.clone(),
        "Bearer not-a-paddle-key".to_owned(),
    ] {
        let response = (app.client.get(app.url("/")))
            .header("Authorization", &value)
            .send()
            .await
            .unwrap();
        expect_error(
            response,
            StatusCode::FORBIDDEN,
            "request_error",
            "authentication_malformed",
            "Authentication header included, but incorrectly formatted.",
        )
        .await;
    }
}

async fn unknown_revoked_and_expired_keys_are_403_invalid_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keys = &app.keys;
    for key in [&keys.unknown, &keys.revoked, &keys.expired] {
        expect_error(
            app.get("/", key).await,
            StatusCode::FORBIDDEN,
            "request_error",
            "invalid_token",
            "Invalid or revoked API key.",
        )
        .await;
    }
}

async fn only_get_is_allowed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .request(Method::POST, "/", &app.keys.sandbox)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET,HEAD");
    expect_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "request_error",
        "method_not_allowed",
        "HTTP method used isn't allowed for this endpoint.",
    )
    .await;
}

/// The root is part of Paddle's API, so emulated faults reach it too.
#[tokio::test]
async fn faults_are_emulated_at_the_root_too() {
    let options = paddock::app::ServeOptions {
        emulation: Emulation {
            fault_rate: 1.0,
            fault: Some(Fault::BadGateway),
            ..Emulation::default()
        },
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let response = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
}
