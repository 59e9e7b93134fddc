//! `GET /client-tokens/{client_token_id}`.

use reqwest::StatusCode;

use crate::helpers::{Backend, TestApp, expect_data, expect_error, expect_not_found};
use crate::on_both_backends;

on_both_backends!(
    get_returns_the_token,
    get_of_an_unknown_id_is_404_naming_the_id,
    get_of_an_id_off_the_pattern_is_400_bad_request,
    a_key_never_sees_the_other_environments_tokens,
);

async fn get_returns_the_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.create("Shop").await;
    let path = format!("/client-tokens/{}", token["id"].as_str().unwrap());
    let fetched = expect_data(app.get(&path, &app.keys.sandbox).await, StatusCode::OK).await;
    assert_eq!(fetched, token);
}

async fn get_of_an_unknown_id_is_404_naming_the_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x";
    let response = app
        .get(&format!("/client-tokens/{id}"), &app.keys.sandbox)
        .await;
    expect_not_found(response, id).await;
}

async fn get_of_an_id_off_the_pattern_is_400_bad_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for id in [
        "ctkn_01HV8GZ6Y0M8M5F8Q2Y9F7KJ3X",
        "ctkn_short",
        "txn_01hv8gz6y0m8m5f8q2y9f7kj3x",
        "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x%20",
        "%FF",
    ] {
        let response = app
            .get(&format!("/client-tokens/{id}"), &app.keys.sandbox)
            .await;
        expect_error(
            response,
            StatusCode::BAD_REQUEST,
            "request_error",
            "bad_request",
            "Invalid request. The client token id in the path is not valid.",
        )
        .await;
    }
}

async fn a_key_never_sees_the_other_environments_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sandbox = app.create("Sandbox").await;
    let live = app
        .create_with(&app.keys.live, serde_json::json!({ "name": "Live" }))
        .await;
    for (token, key) in [(&sandbox, &app.keys.live), (&live, &app.keys.sandbox)] {
        let id = token["id"].as_str().unwrap();
        let response = app.get(&format!("/client-tokens/{id}"), key).await;
        expect_not_found(response, id).await;
    }
}
