//! The OpenAPI documents describe what paddock really serves: every
//! documented operation exists, and real bodies have the documented fields.
//! (schemathesis, in CI, checks every response against the schemas.)

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, Backend, TestApp, expect_json};

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

async fn document(app: &TestApp, path: &str) -> Value {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// Each documented operation answers with something other than "no such
/// path" or "method not allowed".
async fn assert_operations_exist(app: &TestApp, document: &Value, token: &str) {
    let mut count = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{client_token_id}", "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x")
            .replace("{account}", "default")
            .replace("{id}", "unknown");
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| *m != "parameters")
        {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .request(method.clone(), &concrete, token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            let code = body["error"]["code"].as_str().unwrap_or_default();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED);
            assert!(
                !["invalid_url", "method_not_allowed"].contains(&code),
                "{method} {concrete}: {body}"
            );
            count += 1;
        }
    }
    assert!(count >= 4);
}

#[tokio::test]
async fn the_public_document_matches_the_api() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = document(&app, "/openapi.json").await;
    assert_eq!(document["openapi"], "3.1.0");
    let paths = keys(&document["paths"]);
    assert_eq!(
        paths,
        BTreeSet::from([
            "/client-tokens".into(),
            "/client-tokens/{client_token_id}".into()
        ])
    );
    assert_operations_exist(&app, &document, &app.keys.sandbox).await;

    let schemas = &document["components"]["schemas"];
    let token = app.create("Documented").await;
    assert_eq!(keys(&token), keys(&schemas["ClientToken"]["properties"]));
    let list = expect_json(
        app.get("/client-tokens", &app.keys.sandbox).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        keys(&list["meta"]["pagination"]),
        keys(&schemas["Pagination"]["properties"])
    );
    let error = expect_json(
        app.get("/client-tokens?per_page=0", &app.keys.sandbox)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let documented = keys(&schemas["ErrorEnvelope"]["properties"]["error"]["properties"]);
    assert_eq!(keys(&error["error"]), documented);
    let codes = schemas["ErrorEnvelope"]["properties"]["error"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap();
    assert!(codes.contains(&error["error"]["code"]));
    assert_eq!(
        schemas["CreateClientToken"]["properties"]["name"]["maxLength"],
        json!(paddock::domain::NAME_LENGTH.1)
    );
}

#[tokio::test]
async fn the_admin_document_matches_the_admin_api() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = document(&app, "/openapi-admin.json").await;
    assert!(
        keys(&document["paths"])
            .iter()
            .all(|path| path.starts_with("/__paddock/"))
    );
    assert_operations_exist(&app, &document, ADMIN_TOKEN).await;
    // And nothing admin leaks into the public document.
    let public = self::document(&app, "/openapi.json").await;
    assert!(!public.to_string().contains("__paddock"));
}
