//! The admin API's test-suite tools: fixtures, resets and the request
//! journal (its filters, bodies and secrets are in `journal`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin::BOTH;
use crate::helpers::{
    Backend, TestApp, expect_data, expect_invalid_fields, expect_json, expect_not_found,
    expect_schema_errors, request_id,
};
use crate::on_both_backends;

on_both_backends!(
    fixtures_are_inserted_with_their_names_statuses_and_timestamps,
    invalid_fixtures_insert_nothing,
    resets_delete_tokens_of_one_account_or_all,
    the_request_log_shows_what_an_account_did,
    seeded_fixtures_count_in_the_next_estimated_total,
);

async fn fixtures_are_inserted_with_their_names_statuses_and_timestamps(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .admin(Method::POST, "/accounts/suite/client-tokens")
        .json(&json!({ "client_tokens": [
            { "name": "Old", "description": "From 2024", "created_at": "2024-01-01T10:00:00Z" },
            { "name": "Gone", "status": "revoked", "created_at": "2024-02-01T10:00:00.123456Z",
              "revoked_at": "2024-03-01T10:00:00Z" },
            { "name": "Live one", "environment": "live", "token": "live_0123456789abcdef0123456789a" },
        ]}))
        .send()
        .await
        .unwrap();
    let seeded = expect_data(response, StatusCode::CREATED).await;
    let seeded = seeded.as_array().unwrap();
    assert_eq!(seeded[0]["created_at"], "2024-01-01T10:00:00.000000Z");
    assert_eq!(seeded[0]["updated_at"], "2024-01-01T10:00:00.000000Z");
    assert_eq!(seeded[0]["description"], "From 2024");
    assert_eq!(seeded[1]["status"], "revoked");
    assert_eq!(seeded[1]["revoked_at"], "2024-03-01T10:00:00.000000Z");
    assert_eq!(seeded[1]["updated_at"], "2024-03-01T10:00:00.000000Z");
    assert_eq!(seeded[2]["token"], "live_0123456789abcdef0123456789a");

    let sandbox = app.account_key("suite", "sandbox", BOTH).await;
    let listed = expect_data(
        app.get(
            "/client-tokens?status=active,revoked&order_by=id[ASC]",
            &sandbox,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listed,
        json!([seeded[0], seeded[1]]),
        "ids follow created_at"
    );
    let live = app.account_key("suite", "live", BOTH).await;
    let listed = expect_data(app.get("/client-tokens", &live).await, StatusCode::OK).await;
    assert_eq!(listed, json!([seeded[2]]));
}

async fn invalid_fixtures_insert_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .admin(Method::POST, "/accounts/suite/client-tokens")
        .json(&json!({ "client_tokens": [
            { "name": "Fine" },
            { "name": "", "status": "active", "revoked_at": "2024-01-01T00:00:00Z" },
            { "name": "Bad token", "token": "test_nothex" },
            { "colour": "red" },
            "not an object",
        ]}))
        .send()
        .await
        .unwrap();
    // The schema's problems of every item; the rule item 1 also breaks
    // (revoked_at on an active token) waits until the schema is met.
    expect_schema_errors(response, json!([
            { "field": "client_tokens.1.name", "message": "String length must be greater than or equal to 1" },
            { "field": "client_tokens.2.token", "message": "Does not match pattern '^test_[0-9a-f]{27}$'" },
            { "field": "client_tokens.3", "message": "name is required" },
            { "field": "client_tokens.3", "message": "Additional property colour is not allowed" },
            { "field": "client_tokens.4", "message": "Invalid type. Expected: object, given: string" },
        ]))
    .await;
    let response = app
        .admin(Method::POST, "/accounts/suite/client-tokens")
        .json(&json!({ "client_tokens": [
            { "name": "Fine" },
            { "name": "Early", "status": "active", "revoked_at": "2024-01-01T00:00:00Z" },
        ]}))
        .send()
        .await
        .unwrap();
    expect_invalid_fields(response, json!([
            { "field": "client_tokens.1.revoked_at", "message": "must be null unless status is revoked" },
        ]))
    .await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    let listed = expect_data(
        app.get("/client-tokens?status=active,revoked", &key).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed, json!([]));
}

async fn resets_delete_tokens_of_one_account_or_all(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.account_key("a", "sandbox", BOTH).await;
    let b = app.account_key("b", "live", BOTH).await;
    for _ in 0..2 {
        app.create_with(&a, json!({ "name": "a" })).await;
    }
    let kept = app.create_with(&b, json!({ "name": "b" })).await;
    // Counted once, so the total is remembered.
    let before = expect_json(app.get("/client-tokens", &a).await, StatusCode::OK).await;
    assert_eq!(before["meta"]["pagination"]["estimated_total"], 2);
    let reset = app
        .admin(Method::POST, "/accounts/a/reset")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_data(reset, StatusCode::OK).await,
        json!({ "deleted_client_tokens": 2 })
    );
    let after = expect_json(app.get("/client-tokens", &a).await, StatusCode::OK).await;
    assert_eq!(after["data"], json!([]));
    assert_eq!(
        after["meta"]["pagination"]["estimated_total"], 0,
        "the total is forgotten"
    );
    let events = app
        .admin(Method::GET, "/accounts/a/events")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_data(events, StatusCode::OK).await,
        json!([]),
        "so are its events"
    );
    let events = app.events("b").await;
    let types: Vec<_> = events
        .iter()
        .map(|event| event["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["api_key.created", "client_token.created"],
        "the other account keeps its events"
    );
    assert_eq!(
        expect_data(app.get("/client-tokens", &b).await, StatusCode::OK).await,
        json!([kept])
    );
    // Keys survive a reset.
    app.create_with(&a, json!({ "name": "again" })).await;

    let everything = app.admin(Method::POST, "/reset").send().await.unwrap();
    assert_eq!(
        expect_data(everything, StatusCode::OK).await,
        json!({ "deleted_client_tokens": 2 })
    );
    assert_eq!(
        expect_data(app.get("/client-tokens", &b).await, StatusCode::OK).await,
        json!([])
    );

    let unknown = app
        .admin(Method::POST, "/accounts/nobody/reset")
        .send()
        .await
        .unwrap();
    expect_not_found(unknown, "nobody").await;
}

async fn the_request_log_shows_what_an_account_did(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    let other = app.account_key("other", "sandbox", BOTH).await;
    let created = app
        .request(Method::POST, "/client-tokens", &key)
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    let created_id = request_id(&created);
    let missing = app
        .get("/client-tokens/ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x", &key)
        .await;
    let missing_id = request_id(&missing);
    app.get("/client-tokens", &other).await;

    let log = expect_data(
        app.admin(Method::GET, "/accounts/suite/requests")
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    let key_id = format!("apikey_{}", &key[16..42]);
    for (entry, (method, path, status, id)) in log.iter().zip([
        ("POST", "/client-tokens", 201, &created_id),
        (
            "GET",
            "/client-tokens/ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x",
            404,
            &missing_id,
        ),
    ]) {
        assert_eq!(entry["method"], method);
        assert_eq!(entry["path"], path);
        assert_eq!(entry["status"], status);
        assert_eq!(entry["request_id"], id.as_str());
        assert_eq!(entry["api_key_id"], key_id.as_str());
        crate::helpers::assert_timestamp(&entry["occurred_at"]);
    }
    assert!(
        !Value::from(log.clone()).to_string().contains(&key[43..]),
        "no secret in the log"
    );

    let unknown = app
        .admin(Method::GET, "/accounts/nobody/requests")
        .send()
        .await
        .unwrap();
    expect_not_found(unknown, "nobody").await;
}

/// Seeding is a write: a total remembered before it must not outlive it.
async fn seeded_fixtures_count_in_the_next_estimated_total(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    app.create_with(&key, json!({ "name": "Made through the API" }))
        .await;
    // Counted once, so the total is remembered.
    let before = expect_json(app.get("/client-tokens", &key).await, StatusCode::OK).await;
    assert_eq!(before["meta"]["pagination"]["estimated_total"], 1);

    let response = app
        .admin(Method::POST, "/accounts/suite/client-tokens")
        .json(&json!({ "client_tokens": [{ "name": "Seeded" }, { "name": "Seeded too" }] }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await;

    let after = expect_json(app.get("/client-tokens", &key).await, StatusCode::OK).await;
    assert_eq!(after["data"].as_array().unwrap().len(), 3);
    assert_eq!(
        after["meta"]["pagination"]["estimated_total"], 3,
        "the seeded tokens are counted at once"
    );
}
