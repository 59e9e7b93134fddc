//! `PATCH /client-tokens/{client_token_id}`: revoke, and only revoke.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, TestApp, assert_entity_shape, expect_data, expect_error, expect_not_found,
    expect_schema_errors,
};
use crate::on_both_backends;

on_both_backends!(
    revoke_sets_status_and_equal_revoked_at_and_updated_at,
    revoking_again_returns_the_token_unchanged,
    a_revoked_token_cant_be_made_active,
    asking_an_active_token_to_be_active_changes_nothing,
    revoke_of_an_unknown_or_other_environments_token_is_404,
    invalid_update_bodies_are_bad_request_in_the_validators_words,
);

async fn patch(app: &TestApp, id: &str, key: &str, body: Value) -> reqwest::Response {
    app.request(Method::PATCH, &format!("/client-tokens/{id}"), key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn revoke_sets_status_and_equal_revoked_at_and_updated_at(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.create("Shop").await;
    let id = token["id"].as_str().unwrap();
    let revoked = expect_data(app.revoke(id).await, StatusCode::OK).await;
    assert_entity_shape(&revoked, "test_");
    assert_eq!(revoked["status"], "revoked");
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(revoked["revoked_at"], revoked["updated_at"]);
    assert!(revoked["updated_at"].as_str() > token["updated_at"].as_str());
    for field in ["id", "token", "name", "description", "created_at"] {
        assert_eq!(revoked[field], token[field], "{field} is unchanged");
    }
    let fetched = expect_data(
        app.get(&format!("/client-tokens/{id}"), &app.keys.sandbox)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, revoked);
}

async fn revoking_again_returns_the_token_unchanged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.create("Shop").await["id"].as_str().unwrap().to_owned();
    let first = expect_data(app.revoke(&id).await, StatusCode::OK).await;
    let second = expect_data(app.revoke(&id).await, StatusCode::OK).await;
    assert_eq!(first, second);
}

async fn a_revoked_token_cant_be_made_active(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.create("Shop").await["id"].as_str().unwrap().to_owned();
    let revoked = expect_data(app.revoke(&id).await, StatusCode::OK).await;
    let response = patch(&app, &id, &app.keys.sandbox, json!({ "status": "active" })).await;
    expect_error(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "client_token_revoked",
        &format!(
            "Client token {id} is revoked. A revoked client token can't be made active again."
        ),
    )
    .await;
    let fetched = expect_data(
        app.get(&format!("/client-tokens/{id}"), &app.keys.sandbox)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, revoked);
}

async fn asking_an_active_token_to_be_active_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.create("Shop").await;
    let id = token["id"].as_str().unwrap();
    let response = patch(&app, id, &app.keys.sandbox, json!({ "status": "active" })).await;
    assert_eq!(expect_data(response, StatusCode::OK).await, token);
}

async fn revoke_of_an_unknown_or_other_environments_token_is_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let live = app
        .create_with(&app.keys.live, json!({ "name": "Live" }))
        .await;
    let live_id = live["id"].as_str().unwrap();
    for id in ["ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x", live_id] {
        expect_not_found(app.revoke(id).await, id).await;
    }
    let still = expect_data(
        app.get(&format!("/client-tokens/{live_id}"), &app.keys.live)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(still, live, "the sandbox key's revoke changed nothing");
}

async fn invalid_update_bodies_are_bad_request_in_the_validators_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.create("Shop").await;
    let id = token["id"].as_str().unwrap();
    let one_of = r#"status must be one of the following: "active", "revoked""#;
    let cases = [
        (
            json!({}),
            json!([{ "field": "(root)", "message": "status is required" }]),
        ),
        (
            json!({ "status": null }),
            json!([{ "field": "status", "message": "Invalid type. Expected: string, given: null" }]),
        ),
        (
            json!({ "status": "expired" }),
            json!([{ "field": "status", "message": one_of }]),
        ),
        (
            json!({ "status": "REVOKED" }),
            json!([{ "field": "status", "message": one_of }]),
        ),
        (
            json!({ "status": true }),
            json!([{ "field": "status", "message": "Invalid type. Expected: string, given: boolean" }]),
        ),
        (
            json!({ "status": "revoked", "name": "Renamed" }),
            json!([{ "field": "(root)", "message": "Additional property name is not allowed" }]),
        ),
    ];
    for (body, errors) in cases {
        let response = patch(&app, id, &app.keys.sandbox, body).await;
        expect_schema_errors(response, errors).await;
    }
    let fetched = expect_data(
        app.get(&format!("/client-tokens/{id}"), &app.keys.sandbox)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, token, "no invalid request changed the token");
}
