//! The OpenAPI documents describe what paddock really serves: every
//! operation is documented and every documented one exists, real bodies
//! (webhooks' too) have the documented fields.
//! (schemathesis, in CI, checks every response against the schemas.)

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, Backend, TestApp, expect_data, expect_json};

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
        let concrete = concrete(path)
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

/// Every operation of Paddle's API paddock serves: the document must list
/// exactly these, and the server must allow no other method on their paths.
const PADDLE_OPERATIONS: [(&str, &str); 12] = [
    ("/", "get"),
    ("/client-tokens", "get"),
    ("/client-tokens", "post"),
    ("/client-tokens/{client_token_id}", "get"),
    ("/client-tokens/{client_token_id}", "patch"),
    ("/api-keys", "get"),
    ("/api-keys/{api_key_id}", "get"),
    ("/api-keys/{api_key_id}/rotations", "get"),
    ("/api-keys/{api_key_id}/rotations", "post"),
    (
        "/api-keys/{api_key_id}/rotations/{api_key_rotation_id}",
        "get",
    ),
    ("/pricing-preview", "post"),
    ("/transactions/preview", "post"),
];

/// The operations a document lists, as (path, method).
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in keys(item).into_iter().filter(|m| m != "parameters") {
            operations.insert((path.clone(), method));
        }
    }
    operations
}

fn concrete(path: &str) -> String {
    path.replace("{client_token_id}", "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x")
        .replace("{api_key_id}", "apikey_01hv8gz6y0m8m5f8q2y9f7kj3x")
        .replace("{api_key_rotation_id}", "apkrot_01hv8gz6y0m8m5f8q2y9f7kj3x")
}

/// The schema a `$ref` names.
fn resolve<'a>(document: &'a Value, reference: &Value) -> &'a Value {
    let name = reference["$ref"]
        .as_str()
        .unwrap()
        .strip_prefix("#/components/schemas/")
        .unwrap();
    let schema = &document["components"]["schemas"][name];
    assert!(schema.is_object(), "{name} is defined");
    schema
}

/// `value`'s fields are exactly the schema's properties, all required.
fn assert_fields(schema: &Value, value: &Value) {
    let properties = keys(&schema["properties"]);
    assert_eq!(keys(value), properties, "{value}");
    let required: BTreeSet<String> = (schema["required"].as_array().unwrap().iter())
        .map(|field| field.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(required, properties);
}

#[tokio::test]
async fn the_public_document_lists_every_operation_and_no_other() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = document(&app, "/openapi.json").await;
    assert_eq!(document["openapi"], "3.1.0");
    let expected: BTreeSet<(String, String)> = PADDLE_OPERATIONS
        .iter()
        .map(|(path, method)| (path.to_string(), method.to_string()))
        .collect();
    assert_eq!(operations(&document), expected);
    assert_operations_exist(&app, &document, &app.keys.sandbox).await;
    // No method the document leaves out is served on its paths.
    let paths: BTreeSet<&str> = PADDLE_OPERATIONS.iter().map(|(path, _)| *path).collect();
    for path in paths {
        for method in ["get", "post", "patch", "put", "delete"] {
            if expected.contains(&(path.to_owned(), method.to_owned())) {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .request(method.clone(), &concrete(path), &app.keys.sandbox)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
        }
    }
    // Authentication is optional at the root only.
    assert_eq!(
        document["paths"]["/"]["get"]["security"],
        json!([{}, { "apiKey": [] }])
    );
    assert!(document["paths"]["/client-tokens"]["get"]["security"].is_null());
}

#[tokio::test]
async fn the_public_document_matches_real_bodies() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = document(&app, "/openapi.json").await;
    let schemas = &document["components"]["schemas"];
    let token = app.create("Documented").await;
    assert_fields(&schemas["ClientToken"], &token);
    let list = expect_json(
        app.get("/client-tokens", &app.keys.sandbox).await,
        StatusCode::OK,
    )
    .await;
    assert_fields(&schemas["Pagination"], &list["meta"]["pagination"]);
    assert_fields(&schemas["ListMeta"], &list["meta"]);
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

    // The API root, with and without a key.
    for request in [
        app.client.get(app.url("/")),
        app.request(Method::GET, "/", &app.keys.live),
    ] {
        let root = expect_data(request.send().await.unwrap(), StatusCode::OK).await;
        let root_schema = &schemas["ApiRoot"];
        assert_fields(root_schema, &root);
        assert_fields(&root_schema["properties"]["api"], &root["api"]);
        assert_fields(&root_schema["properties"]["caller"], &root["caller"]);
    }

    // A key, its rotation (with `new_key`), and the rotations list.
    let made = app
        .make_key(
            "documented",
            json!({ "permissions": ["api_key.read"], "rotatable": true }),
        )
        .await;
    let (id, secret) = (made["id"].as_str().unwrap(), made["key"].as_str().unwrap());
    let key = expect_data(
        app.get(&format!("/api-keys/{id}"), secret).await,
        StatusCode::OK,
    )
    .await;
    assert_fields(&schemas["ApiKey"], &key);
    let rotation = expect_data(
        app.request(Method::POST, &format!("/api-keys/{id}/rotations"), secret)
            .json(&json!({ "grace_period_seconds": 60 }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_fields(&schemas["ApiKeyRotation"], &rotation);
    let rotations = expect_json(
        app.get(&format!("/api-keys/{id}/rotations"), secret).await,
        StatusCode::OK,
    )
    .await;
    assert_fields(&schemas["ApiKeyRotation"], &rotations["data"][0]);
    assert_fields(&schemas["ListMeta"], &rotations["meta"]);
    let limits = &schemas["CreateApiKeyRotation"]["properties"]["grace_period_seconds"];
    assert_eq!(
        (&limits["minimum"], &limits["maximum"]),
        (&json!(0), &json!(86_400))
    );
}

#[tokio::test]
async fn every_event_type_has_a_webhook_whose_payload_matches_real_events() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let document = document(&app, "/openapi.json").await;
    let webhooks = document["webhooks"].as_object().unwrap();
    let names: BTreeSet<String> = paddock::domain::EventType::ALL
        .iter()
        .map(|event_type| event_type.as_str().to_owned())
        .collect();
    assert_eq!(keys(&document["webhooks"]), names);
    for (name, webhook) in webhooks {
        let body = &webhook["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(
            body["required"],
            json!([
                "event_id",
                "event_type",
                "occurred_at",
                "notification_id",
                "data"
            ]),
            "{name}"
        );
        assert_eq!(body["properties"]["event_type"]["const"], name.as_str());
        let data = resolve(&document, &body["properties"]["data"]);
        if name.starts_with("api_key_rotation.") {
            // Webhooks never carry the new secret.
            assert!(data["properties"]["new_key"].is_null(), "{name}");
        }
    }

    // Events of each kind paddock makes, against their documented `data`.
    let made = app
        .make_key(
            "webhooks",
            json!({ "permissions": ["client_token.write"], "rotatable": true }),
        )
        .await;
    let (id, secret) = (made["id"].as_str().unwrap(), made["key"].as_str().unwrap());
    expect_data(
        app.request(Method::POST, &format!("/api-keys/{id}/rotations"), secret)
            .json(&json!({ "grace_period_seconds": 0 }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    app.create_with(secret, json!({ "name": "Evented" })).await;
    // A high-risk exposure revokes the key, too.
    let response = app
        .admin(Method::POST, &format!("/api-keys/{id}/exposures"))
        .json(&json!({ "risk_level": "high", "reference": "https://github.com/acme/app/blob/main/.env" }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await;
    let events = expect_data(
        app.admin(Method::GET, "/accounts/webhooks/events")
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let mut seen = BTreeSet::new();
    for event in events.as_array().unwrap() {
        let name = event["event_type"].as_str().unwrap();
        let body = &webhooks[name]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_fields(
            resolve(&document, &body["properties"]["data"]),
            &event["data"],
        );
        seen.insert(name.to_owned());
    }
    for name in [
        "api_key.created",
        "api_key_rotation.created",
        "client_token.created",
        "api_key_exposure.created",
        "api_key.revoked",
    ] {
        assert!(seen.contains(name), "{name} in {seen:?}");
    }
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

    // Locked out for wrong tokens, every operation answers 429 (the right
    // token included), and each documents it.
    for _ in 0..6 {
        let wrong = app.request(Method::GET, "/__paddock/accounts", "wrong-admin-token");
        wrong.send().await.unwrap();
    }
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = concrete(path)
            .replace("{account}", "default")
            .replace("{id}", "unknown");
        let operations = item.as_object().unwrap().iter();
        for (method, operation) in operations.filter(|(method, _)| *method != "parameters") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.request(method.clone(), &concrete, ADMIN_TOKEN).send();
            let status = response.await.unwrap().status();
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{method} {concrete}");
            assert!(
                operation["responses"].get("429").is_some(),
                "{method} {path} doesn't document its 429"
            );
        }
    }
}
