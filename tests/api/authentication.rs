//! API keys and permissions: the contract's 403 family, and the small ways
//! the official SDKs differ in what they send.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, expect_data, expect_error};
use crate::on_both_backends;

on_both_backends!(
    a_request_without_authorization_is_authentication_missing,
    an_authorization_header_that_is_not_a_bearer_key_is_authentication_malformed,
    unknown_revoked_expired_and_other_environment_keys_are_invalid_token,
    the_bearer_scheme_is_matched_in_any_case,
    a_read_key_can_get_and_list_but_not_create_or_revoke,
    write_includes_read,
    paddle_version_and_unknown_headers_are_accepted,
    a_thousand_random_keys_never_succeed,
);

const ID: &str = "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x";

/// One request for each endpoint, with `authorization` as given.
fn each_endpoint(app: &TestApp, authorization: Option<&str>) -> Vec<reqwest::RequestBuilder> {
    let collection = app.url("/client-tokens");
    let item = app.url(&format!("/client-tokens/{ID}"));
    [
        app.client.post(&collection).json(&json!({ "name": "x" })),
        app.client.get(&collection),
        app.client.get(&item),
        app.client
            .patch(&item)
            .json(&json!({ "status": "revoked" })),
    ]
    .into_iter()
    .map(|request| match authorization {
        Some(value) => request.header("Authorization", value),
        None => request,
    })
    .collect()
}

async fn a_request_without_authorization_is_authentication_missing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for request in each_endpoint(&app, None) {
        expect_error(
            request.send().await.unwrap(),
            StatusCode::FORBIDDEN,
            "request_error",
            "authentication_missing",
            "Authentication header missing.",
        )
        .await;
    }
}

async fn an_authorization_header_that_is_not_a_bearer_key_is_authentication_malformed(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let key = app.keys.sandbox.clone();
    for value in [
        String::new(),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Basic {key}"),
        key.clone(),
        "Bearer not-a-paddle-key".to_owned(),
        format!("Bearer {}", key.replace("pdl_sdbx", "pdl_test")),
        format!("Bearer {}", key.to_uppercase()),
    ] {
        for request in each_endpoint(&app, Some(&value)) {
            expect_error(
                request.send().await.unwrap(),
                StatusCode::FORBIDDEN,
                "request_error",
                "authentication_malformed",
                "Authentication header included, but incorrectly formatted.",
            )
            .await;
        }
    }
}

async fn unknown_revoked_expired_and_other_environment_keys_are_invalid_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keys = &app.keys;
    // A sandbox key presented as if it were live: same id and secret.
    let relabelled = keys.sandbox.replace("pdl_sdbx_", "pdl_live_");
    let near_miss = format!("{}x", keys.sandbox);
    for key in [
        &keys.unknown,
        &keys.revoked,
        &keys.expired,
        &relabelled,
        &near_miss,
    ] {
        for request in each_endpoint(&app, Some(&format!("Bearer {key}"))) {
            expect_error(
                request.send().await.unwrap(),
                StatusCode::FORBIDDEN,
                "request_error",
                "invalid_token",
                "Invalid or revoked API key.",
            )
            .await;
        }
    }
}

async fn the_bearer_scheme_is_matched_in_any_case(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = app
            .client
            .post(app.url("/client-tokens"))
            .header("Authorization", format!("{scheme} {}", app.keys.sandbox))
            .json(&json!({ "name": scheme }))
            .send()
            .await
            .unwrap();
        expect_data(response, StatusCode::CREATED).await;
    }
}

async fn a_read_key_can_get_and_list_but_not_create_or_revoke(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.create("Shop").await;
    let id = token["id"].as_str().unwrap();
    let key = &app.keys.read_only;
    expect_data(
        app.get(&format!("/client-tokens/{id}"), key).await,
        StatusCode::OK,
    )
    .await;
    expect_data(app.get("/client-tokens", key).await, StatusCode::OK).await;
    let forbidden = "You aren't permitted to perform this request. This API key needs the client_token.write permission.";
    let create = app
        .request(Method::POST, "/client-tokens", key)
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    expect_error(
        create,
        StatusCode::FORBIDDEN,
        "request_error",
        "forbidden",
        forbidden,
    )
    .await;
    let revoke = app
        .request(Method::PATCH, &format!("/client-tokens/{id}"), key)
        .json(&json!({ "status": "revoked" }))
        .send()
        .await
        .unwrap();
    expect_error(
        revoke,
        StatusCode::FORBIDDEN,
        "request_error",
        "forbidden",
        forbidden,
    )
    .await;
    // The permission is checked before the body: an invalid body still gets 403.
    let invalid = app
        .request(Method::POST, "/client-tokens", key)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_error(
        invalid,
        StatusCode::FORBIDDEN,
        "request_error",
        "forbidden",
        forbidden,
    )
    .await;
    let fetched = expect_data(
        app.get(&format!("/client-tokens/{id}"), key).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, token, "nothing changed");
}

async fn write_includes_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = &app.keys.write_only;
    let token = app.create_with(key, json!({ "name": "Shop" })).await;
    let id = token["id"].as_str().unwrap();
    let fetched = expect_data(
        app.get(&format!("/client-tokens/{id}"), key).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, token);
    let listed = expect_data(app.get("/client-tokens", key).await, StatusCode::OK).await;
    assert_eq!(listed, json!([token]));
}

async fn paddle_version_and_unknown_headers_are_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .request(Method::POST, "/client-tokens", &app.keys.sandbox)
        .header("Paddle-Version", "1")
        .header("User-Agent", "PaddleSDK/python 1.0.0")
        .header("X-Transaction-ID", "9b8ae7f8-7d7f-4c9e-8b44-0d1c9f0a7b1e")
        .header("X-Something-Else", "ignored")
        .json(&json!({ "name": "Python" }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await;
}

async fn a_thousand_random_keys_never_succeed(backend: Backend) {
    use rand::Rng;
    let app = TestApp::spawn(backend).await;
    let near = &app.keys.sandbox[..43];
    let mut rng = rand::rng();
    for n in 0..1000 {
        // Half random bytes of every kind, half well-formed near misses.
        let key: String = if n % 2 == 0 {
            let bytes: Vec<u8> = (0..rng.random_range(1..80))
                .map(|_| rng.random_range(0x21..0x7f))
                .collect();
            String::from_utf8(bytes).unwrap()
        } else {
            let secret: String = (0..26)
                .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
                .collect();
            format!("{near}{secret}")
        };
        let response = app
            .client
            .get(app.url("/client-tokens"))
            .header("Authorization", format!("Bearer {key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{key}");
    }
}
