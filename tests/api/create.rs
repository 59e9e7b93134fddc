//! `POST /client-tokens`: the body rules and the entity it returns.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_entity_shape, expect_data, expect_schema_errors};
use crate::on_both_backends;

on_both_backends!(
    create_returns_201_and_an_active_sandbox_token,
    create_with_a_live_key_makes_a_live_token,
    create_keeps_a_description_and_accepts_an_explicit_null,
    name_and_description_limits_count_unicode_characters,
    a_body_that_fails_the_schema_is_bad_request_in_the_validators_words,
    tokens_are_unique_and_ids_follow_creation_order,
);

async fn create_returns_201_and_an_active_sandbox_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.create("Checkout on example.com").await;
    assert_entity_shape(&token, "test_");
    assert_eq!(token["name"], "Checkout on example.com");
    assert_eq!(token["description"], Value::Null);
    assert_eq!(token["status"], "active");
    assert_eq!(token["revoked_at"], Value::Null);
    assert_eq!(token["created_at"], token["updated_at"]);

    // What was returned is what is stored.
    let id = token["id"].as_str().unwrap();
    let fetched = expect_data(
        app.get(&format!("/client-tokens/{id}"), &app.keys.sandbox)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, token);
}

async fn create_with_a_live_key_makes_a_live_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app
        .create_with(&app.keys.live, json!({ "name": "Live" }))
        .await;
    assert_entity_shape(&token, "live_");
}

async fn create_keeps_a_description_and_accepts_an_explicit_null(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let described = app
        .create_with(
            &app.keys.sandbox,
            json!({ "name": "A", "description": "For the pricing page" }),
        )
        .await;
    assert_eq!(described["description"], "For the pricing page");
    let null = app
        .create_with(
            &app.keys.sandbox,
            json!({ "name": "B", "description": null }),
        )
        .await;
    assert_eq!(null["description"], Value::Null);
}

async fn name_and_description_limits_count_unicode_characters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // 150 and 500 characters of two bytes each: at the limit, and accepted.
    let name = "é".repeat(150);
    let description = "ü".repeat(500);
    let token = app
        .create_with(
            &app.keys.sandbox,
            json!({ "name": name, "description": description }),
        )
        .await;
    assert_eq!(token["name"], name.as_str());
    assert_eq!(token["description"], description.as_str());
    let single = app
        .create_with(&app.keys.sandbox, json!({ "name": "x" }))
        .await;
    assert_eq!(single["name"], "x");
}

async fn a_body_that_fails_the_schema_is_bad_request_in_the_validators_words(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let too_short = "String length must be greater than or equal to 1";
    let name_too_long = "String length must be less than or equal to 150";
    let type_of =
        |expected: &str, given: &str| format!("Invalid type. Expected: {expected}, given: {given}");
    let cases = [
        (
            json!({}),
            json!([{ "field": "(root)", "message": "name is required" }]),
        ),
        (
            json!({ "name": null }),
            json!([{ "field": "name", "message": type_of("string", "null") }]),
        ),
        (
            json!({ "name": "" }),
            json!([{ "field": "name", "message": too_short }]),
        ),
        (
            json!({ "name": "é".repeat(151) }),
            json!([{ "field": "name", "message": name_too_long }]),
        ),
        // A JSON number with no fraction is an integer to the validator.
        (
            json!({ "name": 42 }),
            json!([{ "field": "name", "message": type_of("string", "integer") }]),
        ),
        (
            json!({ "name": 42.0 }),
            json!([{ "field": "name", "message": type_of("string", "integer") }]),
        ),
        (
            json!({ "name": 4.2 }),
            json!([{ "field": "name", "message": type_of("string", "number") }]),
        ),
        (
            json!({ "name": "a\u{0}b" }),
            json!([{ "field": "name", "message": "Does not match pattern '^[^\\x00]*$'" }]),
        ),
        (
            json!({ "name": ["a"] }),
            json!([{ "field": "name", "message": type_of("string", "array") }]),
        ),
        (
            json!({ "name": { "a": 1 } }),
            json!([{ "field": "name", "message": type_of("string", "object") }]),
        ),
        (
            json!({ "name": "a", "description": "" }),
            json!([{ "field": "description", "message": too_short }]),
        ),
        (
            json!({ "name": "a", "description": "ü".repeat(501) }),
            json!([{
                "field": "description",
                "message": "String length must be less than or equal to 500"
            }]),
        ),
        (
            json!({ "name": "a", "description": false }),
            json!([{ "field": "description", "message": type_of("[string,null]", "boolean") }]),
        ),
        (
            json!({ "name": "a", "status": "active" }),
            json!([{ "field": "(root)", "message": "Additional property status is not allowed" }]),
        ),
        // Every problem at once: required first, then unknown fields, then
        // each field's own.
        (
            json!({ "description": "", "token": "test_x", "colour": 1 }),
            json!([
                { "field": "(root)", "message": "name is required" },
                { "field": "(root)", "message": "Additional property colour is not allowed" },
                { "field": "(root)", "message": "Additional property token is not allowed" },
                { "field": "description", "message": too_short },
            ]),
        ),
        (
            json!({ "name": 7, "description": "" }),
            json!([
                { "field": "name", "message": type_of("string", "integer") },
                { "field": "description", "message": too_short },
            ]),
        ),
    ];
    for (body, errors) in cases {
        let response = app
            .request(Method::POST, "/client-tokens", &app.keys.sandbox)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_schema_errors(response, errors).await;
    }
    // Nothing was created by any of them.
    let list = app
        .get("/client-tokens?status=active,revoked", &app.keys.sandbox)
        .await;
    assert_eq!(expect_data(list, StatusCode::OK).await, json!([]));
}

async fn tokens_are_unique_and_ids_follow_creation_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut created = Vec::new();
    for n in 0..25 {
        created.push(app.create(&format!("token {n}")).await);
    }
    let ids: Vec<&str> = created.iter().map(|t| t["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "ids increase in creation order");
    let mut values: Vec<&str> = created
        .iter()
        .map(|t| t["token"].as_str().unwrap())
        .collect();
    values.sort_unstable();
    values.dedup();
    assert_eq!(values.len(), 25, "token values are unique");
}
