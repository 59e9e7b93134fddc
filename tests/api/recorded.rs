//! Where Paddle's responses differ from its docs, paddock answers as the
//! responses do (docs/errors.md): `documentation_url` under `/v1/`, a
//! query value of the wrong type as `bad_request`, and `meta`'s key order.
//! The body schema's words are tested in `create.rs`, `revoke.rs` and
//! `bad_input.rs`.

use paddock::app::ServeOptions;
use paddock::http::Emulation;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, default_options, expect_json, expect_schema_errors};
use crate::on_both_backends;

on_both_backends!(
    a_per_page_that_is_not_an_integer_is_bad_request_invalid_input,
    a_lists_meta_sends_pagination_then_request_id,
    documentation_urls_are_versioned_under_their_section,
);

async fn a_per_page_that_is_not_an_integer_is_bad_request_invalid_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for value in ["1.5", "abc", "", "1e2"] {
        let response = app
            .get(
                &format!("/client-tokens?per_page={value}"),
                &app.keys.sandbox,
            )
            .await;
        let errors = json!([{ "field": "per_page", "message": "invalid input" }]);
        expect_schema_errors(response, errors).await;
    }
    // Of the right type but out of range: still invalid_field.
    let response = app
        .get("/client-tokens?per_page=0", &app.keys.sandbox)
        .await;
    let body = expect_json(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"]["code"], "invalid_field");
    assert_eq!(body["error"]["detail"], "Request does not pass validation.");
    // A wrong type is reported alone, before any value out of range.
    let response = app
        .get(
            "/client-tokens?per_page=x&status=expired",
            &app.keys.sandbox,
        )
        .await;
    let errors = json!([{ "field": "per_page", "message": "invalid input" }]);
    expect_schema_errors(response, errors).await;
}

async fn a_lists_meta_sends_pagination_then_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.create("one").await;
    let response = app
        .get("/client-tokens?per_page=1", &app.keys.sandbox)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let meta = &text[text.find(r#""meta":"#).expect("a meta")..];
    let order: Vec<usize> = [
        r#""pagination":{"per_page":1,"estimated_total":1,"next":""#,
        r#""has_more":false},"request_id":""#,
    ]
    .iter()
    .map(|key| meta.find(key).unwrap_or_else(|| panic!("{key} in {meta}")))
    .collect();
    assert!(order[0] < order[1], "{meta}");
    // And nothing else in meta.
    let body: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = body["meta"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["pagination", "request_id"]);
}

async fn documentation_urls_are_versioned_under_their_section(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = |body: Value| body["error"]["documentation_url"].clone();
    let missing = app.get(
        "/client-tokens/ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x",
        &app.keys.sandbox,
    );
    let body = expect_json(missing.await, StatusCode::NOT_FOUND).await;
    assert_eq!(
        url(body),
        "https://developer.paddle.com/v1/errors/shared/not_found"
    );

    let token = app.create("Shop").await;
    app.revoke(token["id"].as_str().unwrap()).await;
    let reactivate = app
        .request(
            Method::PATCH,
            &format!("/client-tokens/{}", token["id"].as_str().unwrap()),
            &app.keys.sandbox,
        )
        .json(&json!({ "status": "active" }))
        .send()
        .await
        .unwrap();
    let body = expect_json(reactivate, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        url(body),
        "https://developer.paddle.com/v1/errors/client_tokens/client_token_revoked"
    );
}

#[tokio::test]
async fn too_many_requests_keeps_the_unversioned_documentation_url() {
    let options = ServeOptions {
        emulation: Emulation {
            fault_headers: true,
            ..Emulation::default()
        },
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let response = app
        .request(Method::GET, "/client-tokens", &app.keys.sandbox)
        .header("Paddock-Fault", "too_many_requests")
        .send()
        .await
        .unwrap();
    let body = expect_json(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(
        body["error"]["documentation_url"],
        "https://developer.paddle.com/errors/shared/too_many_requests"
    );
}
