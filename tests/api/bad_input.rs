//! Bad input of every kind gets a Paddle-shaped error and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, expect_data, expect_error, expect_schema_errors};
use crate::on_both_backends;

on_both_backends!(
    bodies_that_are_not_json_objects_are_rejected_and_change_nothing,
    a_missing_or_wrong_content_type_is_bad_request,
    an_oversized_body_is_413,
    unknown_paths_are_invalid_url,
    disallowed_methods_are_405_with_allow,
    unrecognised_methods_are_501,
);

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let mut request = app
        .request(method, path, &app.keys.sandbox)
        .body(body.to_owned());
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    request.send().await.unwrap()
}

async fn assert_no_tokens_changed(app: &TestApp, existing: &serde_json::Value) {
    let all = expect_data(
        app.get("/client-tokens?status=active,revoked", &app.keys.sandbox)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all, json!([existing]));
}

async fn bodies_that_are_not_json_objects_are_rejected_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let existing = app.create("Existing").await;
    let item = format!("/client-tokens/{}", existing["id"].as_str().unwrap());
    for (method, path) in [
        (Method::POST, "/client-tokens"),
        (Method::PATCH, item.as_str()),
    ] {
        for body in [
            "",
            "{",
            "{\"name\": \"a\",}",
            "{'name': 'a'}",
            "nul",
            "\u{feff}{}",
        ] {
            let response = send(&app, method.clone(), path, Some("application/json"), body).await;
            expect_error(
                response,
                StatusCode::BAD_REQUEST,
                "request_error",
                "invalid_json",
                "Invalid JSON in your request.",
            )
            .await;
        }
        // Every body's schema is an object: the validator says so at the root.
        for (body, given) in [
            ("[]", "array"),
            ("[{\"name\":\"a\"}]", "array"),
            ("\"a\"", "string"),
            ("42", "integer"),
            ("4.2", "number"),
            ("null", "null"),
            ("true", "boolean"),
        ] {
            let response = send(&app, method.clone(), path, Some("application/json"), body).await;
            let message = format!("Invalid type. Expected: object, given: {given}");
            expect_schema_errors(response, json!([{ "field": "(root)", "message": message }]))
                .await;
        }
    }
    assert_no_tokens_changed(&app, &existing).await;
}

async fn a_missing_or_wrong_content_type_is_bad_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let existing = app.create("Existing").await;
    let item = format!("/client-tokens/{}", existing["id"].as_str().unwrap());
    let cases = [
        (Method::POST, "/client-tokens", "{\"name\":\"a\"}"),
        (Method::PATCH, item.as_str(), "{\"status\":\"revoked\"}"),
    ];
    for (method, path, body) in cases {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/jsonx"),
        ] {
            let response = send(&app, method.clone(), path, content_type, body).await;
            expect_error(
                response,
                StatusCode::BAD_REQUEST,
                "request_error",
                "bad_request",
                "Invalid request. The Content-Type header must be application/json.",
            )
            .await;
        }
    }
    assert_no_tokens_changed(&app, &existing).await;
    // Parameters and case don't matter.
    let response = send(
        &app,
        Method::POST,
        "/client-tokens",
        Some("Application/JSON; charset=utf-8"),
        "{\"name\":\"a\"}",
    )
    .await;
    expect_data(response, StatusCode::CREATED).await;
}

async fn an_oversized_body_is_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let existing = app.create("Existing").await;
    let body =
        json!({ "name": "a", "description": "x".repeat(paddock::http::BODY_LIMIT) }).to_string();
    let response = send(
        &app,
        Method::POST,
        "/client-tokens",
        Some("application/json"),
        &body,
    )
    .await;
    expect_error(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        "request_error",
        "request_body_too_large",
        &format!(
            "The provided request body is too large. The limit is {} bytes.",
            paddock::http::BODY_LIMIT
        ),
    )
    .await;
    assert_no_tokens_changed(&app, &existing).await;
}

async fn unknown_paths_are_invalid_url(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in [
        "/client-token",
        "/client-tokens/",
        "/client-tokens/ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x/revoke",
        "/transactions",
    ] {
        for method in [Method::GET, Method::POST] {
            let response = app
                .request(method, path, &app.keys.sandbox)
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
}

async fn disallowed_methods_are_405_with_allow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let item = "/client-tokens/ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x";
    let cases = [
        (Method::PUT, "/client-tokens", "GET,HEAD,POST"),
        (Method::DELETE, "/client-tokens", "GET,HEAD,POST"),
        (Method::PATCH, "/client-tokens", "GET,HEAD,POST"),
        (Method::POST, item, "GET,HEAD,PATCH"),
        (Method::DELETE, item, "GET,HEAD,PATCH"),
        (Method::PUT, item, "GET,HEAD,PATCH"),
    ];
    for (method, path, allow) in cases {
        let response = app
            .request(method, path, &app.keys.sandbox)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], allow);
        expect_error(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "request_error",
            "method_not_allowed",
            "HTTP method used isn't allowed for this endpoint.",
        )
        .await;
    }
}

async fn unrecognised_methods_are_501(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/client-tokens", "/nowhere"] {
        let method = Method::from_bytes(b"BREW").unwrap();
        let response = app
            .request(method, path, &app.keys.sandbox)
            .send()
            .await
            .unwrap();
        expect_error(
            response,
            StatusCode::NOT_IMPLEMENTED,
            "api_error",
            "not_implemented",
            "HTTP method not recognized.",
        )
        .await;
    }
}
