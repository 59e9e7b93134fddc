//! Imports paddock refuses, in Paddle's words, changing nothing: into an
//! account that holds something, a malformed document, ids another account
//! holds, secrets this server's key can't open.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::account_state::{SECRET_KEY, build_shop, export, import, options};
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    import_refuses_an_account_that_is_not_empty,
    import_refuses_a_malformed_document_in_the_validators_words,
    import_refuses_ids_another_account_holds,
    import_refuses_secrets_sealed_with_another_key,
);

const NOT_EMPTY: &str = "must have no client tokens, API keys, notification settings, events or products to import into";
const TAKEN: &str = "is already taken by another account";
const UNOPENED: &str = "can't be opened with this server's secret key (the exporting server's PADDOCK_SECRET_KEY is needed)";

/// A client token as an export shows it; `n` makes its id and value.
fn token(n: u32) -> Value {
    json!({
        "environment": "sandbox",
        "id": format!("ctkn_01hv8gz6y0m8m5f8q2y9f7k{n:03}"),
        "token": format!("test_{n:027}"),
        "name": format!("Token {n}"),
        "description": null,
        "status": "active",
        "revoked_at": null,
        "created_at": "2025-01-01T00:00:00.000000Z",
        "updated_at": "2025-01-01T00:00:00.000000Z"
    })
}

fn api_key(n: u32) -> Value {
    json!({
        "id": format!("apikey_01hv8gz6y0m8m5f8q2y9f7k{n:03}"),
        "environment": "sandbox",
        "name": "API key",
        "description": null,
        "permissions": ["client_token.read"],
        "rotatable": false,
        "revoked": false,
        "key_hash": format!("{n:064}"),
        "created_at": "2025-01-01T00:00:00.000000Z",
        "updated_at": "2025-01-01T00:00:00.000000Z"
    })
}

fn event(n: u32) -> Value {
    json!({
        "id": format!("evt_01hv8gz6y0m8m5f8q2y9f7k{n:03}"),
        "environment": "sandbox",
        "event_type": "client_token.created",
        "occurred_at": "2025-01-01T00:00:00.000000Z",
        "data": token(n)
    })
}

fn document(client_tokens: Vec<Value>, api_keys: Vec<Value>, events: Vec<Value>) -> Value {
    json!({
        "format": "paddock.account.v1",
        "account": { "name": "elsewhere", "created_at": "2025-01-01T00:00:00.000000Z" },
        "client_tokens": client_tokens,
        "api_keys": api_keys,
        "events": events
    })
}

async fn expect_no_account(app: &TestApp, account: &str) {
    let path = format!("/accounts/{account}/export");
    let response = app.admin(Method::GET, &path).send().await.unwrap();
    expect_not_found(response, account).await;
}

async fn import_refuses_an_account_that_is_not_empty(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seed = json!({ "client_tokens": [{ "name": "Already here" }] });
    let response = (app.admin(Method::POST, "/accounts/shop/client-tokens"))
        .json(&seed)
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await;
    let before = export(&app, "shop").await;

    let response = import(&app, "shop", &document(vec![token(1)], vec![], vec![])).await;
    let errors = json!([{ "field": "account", "message": NOT_EMPTY }]);
    expect_invalid_fields(response, errors).await;
    assert_eq!(export(&app, "shop").await, before);
    let tokens = app.query_strings(
        "select id from client_tokens where id like 'ctkn_01hv8gz6y0m8m5f8q2y9f7k%'",
    );
    assert!(tokens.await.is_empty());
}

async fn import_refuses_a_malformed_document_in_the_validators_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({
        "format": "paddock.account.v0",
        "account": { "name": "shop" },
        "client_tokens": [{ "id": "ctkn_nope", "name": "" }, 3],
        "api_keys": {},
        "colour": "blue"
    });
    let response = import(&app, "shop", &body).await;
    let errors = json!([
        { "field": "(root)", "message": "Additional property colour is not allowed" },
        { "field": "format", "message": "format must be one of the following: \"paddock.account.v2\", \"paddock.account.v1\"" },
        { "field": "api_keys", "message": "Invalid type. Expected: array, given: object" },
        { "field": "account", "message": "created_at is required" },
        { "field": "client_tokens.0.id", "message": "Does not match pattern '^ctkn_[0-9a-z]{26}$'" },
        { "field": "client_tokens.0.name", "message": "String length must be greater than or equal to 1" },
        { "field": "client_tokens.1", "message": "Invalid type. Expected: object, given: integer" }
    ]);
    expect_schema_errors(response, errors).await;
    expect_no_account(&app, "shop").await;

    // Well-formed, but an id twice, and a rotation of a key not in it.
    let mut twice = token(2);
    twice["token"] = json!(format!("test_{:027}", 3));
    let mut body = document(vec![token(1), token(2), twice], vec![], vec![]);
    body["api_key_rotations"] = json!([{
        "id": "apkrot_01hv8gz6y0m8m5f8q2y9f7k001",
        "api_key_id": "apikey_01hv8gz6y0m8m5f8q2y9f7k001",
        "sealed_new_key": "00",
        "new_key_hash": format!("{:064}", 1),
        "grace_period_seconds": 60,
        "status": "pending",
        "created_at": "2025-01-01T00:00:00.000000Z",
        "updated_at": "2025-01-01T00:00:00.000000Z"
    }]);
    let response = import(&app, "shop", &body).await;
    let errors = json!([
        { "field": "client_tokens.2.id", "message": "must be unique in the document" },
        { "field": "api_key_rotations.0.api_key_id", "message": "must be the id of an API key in the document" }
    ]);
    expect_invalid_fields(response, errors).await;
    expect_no_account(&app, "shop").await;

    // An invalid account name in the path.
    let response = import(&app, "no%20spaces", &document(vec![], vec![], vec![])).await;
    let errors = json!([{ "field": "account", "message": "must be 1 to 64 letters, digits, '-', '_' or '.'" }]);
    expect_invalid_fields(response, errors).await;
}

async fn import_refuses_ids_another_account_holds(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let held = document(vec![token(1)], vec![api_key(1)], vec![event(1)]);
    let response = import(&app, "first", &held).await;
    expect_data(response, StatusCode::CREATED).await;
    let first = export(&app, "first").await;

    let clashing = document(
        vec![token(2), token(1)],
        vec![api_key(2), api_key(1)],
        vec![event(1)],
    );
    let response = import(&app, "second", &clashing).await;
    let errors = json!([
        { "field": "client_tokens.1.id", "message": TAKEN },
        { "field": "client_tokens.1.token", "message": TAKEN },
        { "field": "api_keys.1.id", "message": TAKEN },
        { "field": "events.0.id", "message": TAKEN }
    ]);
    expect_invalid_fields(response, errors).await;
    expect_no_account(&app, "second").await;
    assert_eq!(export(&app, "first").await, first);
    let token_2 = app.query_strings("select id from client_tokens where name = 'Token 2'");
    assert!(
        token_2.await.is_empty(),
        "nothing of the refused import stays"
    );
}

async fn import_refuses_secrets_sealed_with_another_key(backend: Backend) {
    let mut receiver = Receiver::start(&[]).await;
    let first = TestApp::spawn_with(backend, options(SECRET_KEY)).await;
    build_shop(&first, &mut receiver).await;
    let exported = export(&first, "shop").await;

    let other_key = TestApp::spawn_with(backend, options([8; 32])).await;
    let response = import(&other_key, "shop", &exported).await;
    let errors = json!([
        { "field": "notification_settings.0.sealed_secret", "message": UNOPENED },
        { "field": "api_key_rotations.0.sealed_new_key", "message": UNOPENED }
    ]);
    expect_invalid_fields(response, errors).await;
    expect_no_account(&other_key, "shop").await;
}
