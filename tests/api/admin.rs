//! The admin API under `/__paddock/`: turning it on, its token, accounts
//! and keys. Fixtures, resets and the request journal are in
//! `admin_fixtures` and `journal`.

use paddock::app::ServeOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_TOKEN, Backend, TestApp, expect_data, expect_error, expect_not_found,
    expect_schema_errors, expect_wrong_admin_token,
};
use crate::on_both_backends;

on_both_backends!(
    the_admin_api_is_off_without_a_token,
    admin_requests_need_the_admin_token,
    accounts_are_created_once_and_listed,
    keys_are_shown_once_and_work_with_their_permissions,
    a_revoked_or_expired_key_is_refused,
);

pub(crate) const BOTH: &[&str] = &["client_token.read", "client_token.write"];

async fn the_admin_api_is_off_without_a_token(backend: Backend) {
    let app = TestApp::spawn_with(backend, ServeOptions::default()).await;
    for (method, path) in [
        (Method::POST, "/accounts"),
        (Method::GET, "/accounts"),
        (Method::POST, "/reset"),
    ] {
        let response = app
            .admin(method, path)
            .json(&json!({ "name": "x" }))
            .send()
            .await
            .unwrap();
        expect_error(
            response,
            StatusCode::NOT_FOUND,
            "request_error",
            "invalid_url",
            "URL called is invalid.",
        )
        .await;
    }
}

async fn admin_requests_need_the_admin_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = app.url("/__paddock/accounts");
    let missing = app.client.get(&url).send().await.unwrap();
    expect_error(
        missing,
        StatusCode::FORBIDDEN,
        "request_error",
        "authentication_missing",
        "Authentication header missing.",
    )
    .await;
    let malformed = app
        .client
        .get(&url)
        .header("Authorization", format!("Basic {ADMIN_TOKEN}"))
        .send()
        .await
        .unwrap();
    expect_error(
        malformed,
        StatusCode::FORBIDDEN,
        "request_error",
        "authentication_malformed",
        "Authentication header included, but incorrectly formatted.",
    )
    .await;
    for wrong in [format!("{ADMIN_TOKEN}x"), app.keys.sandbox.clone()] {
        let response = app
            .client
            .get(&url)
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap();
        expect_wrong_admin_token(response).await;
    }
    // And the admin token is no API key.
    let as_key = app.get("/client-tokens", ADMIN_TOKEN).await;
    expect_error(
        as_key,
        StatusCode::FORBIDDEN,
        "request_error",
        "authentication_malformed",
        "Authentication header included, but incorrectly formatted.",
    )
    .await;
}

async fn accounts_are_created_once_and_listed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let create = || {
        app.admin(Method::POST, "/accounts")
            .json(&json!({ "name": "checkout-suite" }))
            .send()
    };
    let first = expect_data(create().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(first["name"], "checkout-suite");
    let again = expect_data(create().await.unwrap(), StatusCode::OK).await;
    assert_eq!(again, first, "creating twice is harmless");
    let listed = expect_data(
        app.admin(Method::GET, "/accounts").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["checkout-suite", "default"]);

    for (body, errors) in [
        (
            json!({}),
            json!([{ "field": "(root)", "message": "name is required" }]),
        ),
        (
            json!({ "name": "has space" }),
            json!([{ "field": "name", "message": "Does not match pattern '^[A-Za-z0-9._-]{1,64}$'" }]),
        ),
        (
            json!({ "name": 7 }),
            json!([{ "field": "name", "message": "Invalid type. Expected: string, given: integer" }]),
        ),
        (
            json!({ "name": "ok", "colour": "red" }),
            json!([{ "field": "(root)", "message": "Additional property colour is not allowed" }]),
        ),
    ] {
        let response = app
            .admin(Method::POST, "/accounts")
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_schema_errors(response, errors).await;
    }
}

async fn keys_are_shown_once_and_work_with_their_permissions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .admin(Method::POST, "/accounts/suite/api-keys")
        .json(&json!({ "environment": "live", "permissions": ["client_token.read"] }))
        .send()
        .await
        .unwrap();
    let created = expect_data(response, StatusCode::CREATED).await;
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with("pdl_live_apikey_"), "{key}");
    assert_eq!(created["id"], format!("apikey_{}", &key[16..42]));
    assert_eq!(created["account"], "suite");
    assert_eq!(created["permissions"], json!(["client_token.read"]));
    assert_eq!(created["status"], "active");
    assert_eq!(created["expires_at"], Value::Null);

    // The key is never shown again.
    let listed = expect_data(
        app.admin(Method::GET, "/accounts/suite/api-keys")
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let mut expected = created.clone();
    expected.as_object_mut().unwrap().remove("key");
    assert_eq!(listed, json!([expected]));
    assert!(!listed.to_string().contains(&key[43..]));

    // It reads but can't write.
    expect_data(app.get("/client-tokens", key).await, StatusCode::OK).await;
    let create = app
        .request(Method::POST, "/client-tokens", key)
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(create.status(), StatusCode::FORBIDDEN);

    for (body, field, message) in [
        (
            json!({ "environment": "staging", "permissions": BOTH }),
            "environment",
            r#"environment must be one of the following: "sandbox", "live""#,
        ),
        (
            json!({ "environment": null, "permissions": BOTH }),
            "environment",
            "Invalid type. Expected: string, given: null",
        ),
        (json!({}), "(root)", "permissions is required"),
        (
            json!({ "permissions": [] }),
            "permissions",
            "Array must have at least 1 items",
        ),
        (
            json!({ "permissions": "client_token.read" }),
            "permissions",
            "Invalid type. Expected: array, given: string",
        ),
        (
            json!({ "permissions": ["client_token.read", "transaction.write"] }),
            "permissions.1",
            r#"permissions.1 must be one of the following: "client_token.read", "client_token.write", "api_key.read", "transaction.read""#,
        ),
        (
            json!({ "permissions": BOTH, "expires_at": "soon" }),
            "expires_at",
            "Does not match format 'date-time'",
        ),
        (
            json!({ "permissions": BOTH, "expires_at": 1 }),
            "expires_at",
            "Invalid type. Expected: [string,null], given: integer",
        ),
        (
            json!({ "permissions": BOTH, "key": "mine" }),
            "(root)",
            "Additional property key is not allowed",
        ),
    ] {
        let response = app
            .admin(Method::POST, "/accounts/suite/api-keys")
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_schema_errors(response, json!([{ "field": field, "message": message }])).await;
    }
    let missing = app
        .admin(Method::GET, "/accounts/nobody/api-keys")
        .send()
        .await
        .unwrap();
    expect_not_found(missing, "nobody").await;
}

async fn a_revoked_or_expired_key_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    expect_data(app.get("/client-tokens", &key).await, StatusCode::OK).await;
    let id = format!("apikey_{}", &key[16..42]);
    let revoked = app
        .admin(Method::POST, &format!("/api-keys/{id}/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_data(revoked, StatusCode::OK).await["status"],
        "revoked"
    );
    expect_error(
        app.get("/client-tokens", &key).await,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_token",
        "Invalid or revoked API key.",
    )
    .await;

    let unknown = app
        .admin(
            Method::POST,
            "/api-keys/apikey_01aaaaaaaaaaaaaaaaaaaaaaaa/revoke",
        )
        .send()
        .await
        .unwrap();
    expect_not_found(unknown, "apikey_01aaaaaaaaaaaaaaaaaaaaaaaa").await;

    let response = app
        .admin(Method::POST, "/accounts/suite/api-keys")
        .json(&json!({ "permissions": BOTH, "expires_at": "2020-01-01T00:00:00Z" }))
        .send()
        .await
        .unwrap();
    let expired = expect_data(response, StatusCode::CREATED).await;
    assert_eq!(expired["status"], "expired");
    assert_eq!(expired["expires_at"], "2020-01-01T00:00:00.000000Z");
    let key = expired["key"].as_str().unwrap();
    expect_error(
        app.get("/client-tokens", key).await,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_token",
        "Invalid or revoked API key.",
    )
    .await;
}
