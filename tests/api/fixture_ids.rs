//! Fixtures with explicit ids: kept as given, refused with a field error
//! when malformed or another client token's, and then nothing is inserted.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::admin::BOTH;
use crate::helpers::{Backend, TestApp, expect_data, expect_invalid_fields, expect_schema_errors};
use crate::on_both_backends;

on_both_backends!(
    a_fixture_keeps_the_id_it_was_given,
    malformed_or_taken_ids_and_tokens_are_field_errors_and_insert_nothing,
);

const ID: &str = "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x";
const TAKEN: &str = "must be unique: another client token has it";

async fn seed(app: &TestApp, account: &str, fixtures: Value) -> Response {
    app.admin(Method::POST, &format!("/accounts/{account}/client-tokens"))
        .json(&json!({ "client_tokens": fixtures }))
        .send()
        .await
        .unwrap()
}

async fn a_fixture_keeps_the_id_it_was_given(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fixtures =
        json!([{ "id": ID, "name": "Chosen", "token": "test_0123456789abcdef0123456789a" }]);
    let seeded = expect_data(seed(&app, "ids", fixtures).await, StatusCode::CREATED).await;
    assert_eq!(seeded[0]["id"], ID);
    let key = app.account_key("ids", "sandbox", BOTH).await;
    let read = expect_data(
        app.get(&format!("/client-tokens/{ID}"), &key).await,
        StatusCode::OK,
    );
    assert_eq!(read.await, seeded[0]);
}

async fn malformed_or_taken_ids_and_tokens_are_field_errors_and_insert_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = json!([{ "id": ID, "name": "First", "token": "test_0123456789abcdef0123456789a" }]);
    expect_data(seed(&app, "other", first).await, StatusCode::CREATED).await;

    let malformed = json!([{ "id": "ctkn_UPPER", "name": "Bad" }, { "id": 7, "name": "Worse" }]);
    expect_schema_errors(
        seed(&app, "ids", malformed).await,
        json!([
            { "field": "client_tokens.0.id", "message": r"Does not match pattern '^ctkn_[a-z\d]{26}$'" },
            { "field": "client_tokens.1.id", "message": "Invalid type. Expected: string, given: integer" },
        ]),
    )
    .await;
    // Taken by another account's token: ids and token values are unique
    // across accounts.
    let taken = json!([
        { "name": "Fresh" },
        { "id": ID, "name": "Same id" },
        { "name": "Same token", "token": "test_0123456789abcdef0123456789a" },
    ]);
    expect_invalid_fields(
        seed(&app, "ids", taken).await,
        json!([
            { "field": "client_tokens.1.id", "message": TAKEN },
            { "field": "client_tokens.2.token", "message": TAKEN },
        ]),
    )
    .await;
    let twice = json!([
        { "id": "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3y", "name": "One" },
        { "id": "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3y", "name": "Two" },
    ]);
    expect_invalid_fields(
        seed(&app, "ids", twice).await,
        json!([{ "field": "client_tokens.1.id", "message": TAKEN }]),
    )
    .await;
    let key = app.account_key("ids", "sandbox", BOTH).await;
    let listed = app.get("/client-tokens?status=active,revoked", &key).await;
    assert_eq!(
        expect_data(listed, StatusCode::OK).await,
        json!([]),
        "nothing inserted"
    );
}
