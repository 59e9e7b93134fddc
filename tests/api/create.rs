//! `POST /client-tokens`: the body rules and the entity it returns.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_entity_shape, expect_data, expect_invalid_fields};
use crate::on_both_backends;

on_both_backends!(
    create_returns_201_and_an_active_sandbox_token,
    create_with_a_live_key_makes_a_live_token,
    create_keeps_a_description_and_accepts_an_explicit_null,
    name_and_description_limits_count_unicode_characters,
    every_invalid_body_is_an_invalid_field_error_naming_the_field,
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

async fn every_invalid_body_is_an_invalid_field_error_naming_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let name_length = "length must be between 1 and 150 characters";
    let description_length = "length must be between 1 and 500 characters";
    let cases = [
        (
            json!({}),
            json!([{ "field": "name", "message": "is required" }]),
        ),
        (
            json!({ "name": null }),
            json!([{ "field": "name", "message": "is required" }]),
        ),
        (
            json!({ "name": "" }),
            json!([{ "field": "name", "message": name_length }]),
        ),
        (
            json!({ "name": "é".repeat(151) }),
            json!([{ "field": "name", "message": name_length }]),
        ),
        (
            json!({ "name": 42 }),
            json!([{ "field": "name", "message": "must be a string" }]),
        ),
        (
            json!({ "name": "a\u{0}b" }),
            json!([{ "field": "name", "message": "must not contain the NUL character (U+0000)" }]),
        ),
        (
            json!({ "name": ["a"] }),
            json!([{ "field": "name", "message": "must be a string" }]),
        ),
        (
            json!({ "name": "a", "description": "" }),
            json!([{ "field": "description", "message": description_length }]),
        ),
        (
            json!({ "name": "a", "description": "ü".repeat(501) }),
            json!([{ "field": "description", "message": description_length }]),
        ),
        (
            json!({ "name": "a", "description": false }),
            json!([{ "field": "description", "message": "must be a string" }]),
        ),
        (
            json!({ "name": "a", "status": "active" }),
            json!([{ "field": "status", "message": "is not a recognised field" }]),
        ),
        (
            json!({ "description": "", "token": "test_x" }),
            json!([
                { "field": "token", "message": "is not a recognised field" },
                { "field": "name", "message": "is required" },
                { "field": "description", "message": description_length },
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
        expect_invalid_fields(response, errors).await;
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
