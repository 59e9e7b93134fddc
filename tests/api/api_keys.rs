//! `GET /api-keys` and `GET /api-keys/{api_key_id}`: an account's keys in
//! one environment, never their secrets, read with `api_key.read` (or by a
//! key reading itself).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    lists_the_callers_keys_oldest_first_with_every_field,
    pages_through_keys_in_either_order,
    reading_keys_needs_api_key_read_except_for_oneself,
    keys_of_other_accounts_and_environments_are_not_found,
    lists_keys_of_every_status,
    key_changes_are_recorded_as_events,
);

/// Makes a sandbox key for `account`; returns (id, secret).
async fn key(app: &TestApp, account: &str, body: Value) -> (String, String) {
    let made = app.make_key(account, body).await;
    let id = made["id"].as_str().unwrap().to_owned();
    (id, made["key"].as_str().unwrap().to_owned())
}

async fn reader(app: &TestApp, account: &str) -> (String, String) {
    let body = json!({ "permissions": ["api_key.read"], "name": "Reader" });
    key(app, account, body).await
}

async fn list(app: &TestApp, query: &str, secret: &str) -> Value {
    let response = app.get(&format!("/api-keys{query}"), secret).await;
    expect_json(response, StatusCode::OK).await
}

async fn lists_the_callers_keys_oldest_first_with_every_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (reader_id, reader_key) = reader(&app, "acme").await;
    let (writer_id, writer_key) = key(
        &app,
        "acme",
        json!({
            "permissions": ["client_token.write"],
            "name": "Checkout",
            "description": "Made by the web app",
            "rotatable": true,
            "expires_at": "2099-01-01T00:00:00Z",
        }),
    )
    .await;

    let body = list(&app, "", &reader_key).await;
    let keys = body["data"].as_array().unwrap();
    let ids: Vec<_> = keys.iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [reader_id.as_str(), writer_id.as_str()]);

    let writer = &keys[1];
    let created_at = writer["created_at"].clone();
    assert_eq!(
        writer,
        &json!({
            "id": writer_id,
            "name": "Checkout",
            "description": "Made by the web app",
            "key": format!("pdl_sdbx_apikey_{}****", &writer_id[7..17]),
            "status": "active",
            "permissions": ["client_token.write"],
            "exposed_at": null,
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "last_used_at": null,
            "created_at": created_at,
            "updated_at": created_at,
            "rotatable": true,
        })
    );
    assert_timestamp(&created_at);
    let text = body.to_string();
    assert!(!text.contains(&writer_key) && !text.contains(&reader_key));

    // The reader was just used: Paddle shows that to within the hour.
    assert_timestamp(&keys[0]["last_used_at"]);
    assert_eq!(keys[0]["description"], Value::Null);
    assert_eq!(keys[0]["rotatable"], false);

    let pagination = &body["meta"]["pagination"];
    assert_eq!(pagination["per_page"], 50);
    assert_eq!(pagination["estimated_total"], 2);
    assert_eq!(pagination["has_more"], false);
    assert_eq!(
        pagination["next"],
        app.url(&format!("/api-keys?after={writer_id}"))
    );
}

async fn pages_through_keys_in_either_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (first, secret) = reader(&app, "pages").await;
    let (second, _) = reader(&app, "pages").await;
    let (third, _) = reader(&app, "pages").await;

    let page = list(&app, "?per_page=2", &secret).await;
    let ids: Vec<_> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].clone())
        .collect();
    assert_eq!(ids, [json!(first), json!(second)]);
    assert_eq!(page["meta"]["pagination"]["has_more"], true);
    assert_eq!(page["meta"]["pagination"]["estimated_total"], 3);
    let next = page["meta"]["pagination"]["next"].as_str().unwrap();
    let rest = app
        .client
        .get(next)
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    let rest = expect_json(rest, StatusCode::OK).await;
    assert_eq!(rest["data"][0]["id"], json!(third));
    assert_eq!(rest["meta"]["pagination"]["has_more"], false);

    let newest_first = list(&app, "?order_by=id[DESC]&per_page=1", &secret).await;
    assert_eq!(newest_first["data"][0]["id"], json!(third));
    let skipped = app
        .request(Method::GET, "/api-keys", &secret)
        .header("Skip-Count", "true")
        .send()
        .await
        .unwrap();
    let skipped = expect_json(skipped, StatusCode::OK).await;
    assert_eq!(skipped["meta"]["pagination"]["estimated_total"], -1);

    let bad = app
        .get("/api-keys?after=ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x", &secret)
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

async fn reading_keys_needs_api_key_read_except_for_oneself(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (reader_id, reader_key) = reader(&app, "perm").await;
    let body = json!({ "permissions": ["client_token.read", "client_token.write"] });
    let (writer_id, writer_key) = key(&app, "perm", body).await;
    let forbidden = "You aren't permitted to perform this request. This API key needs the api_key.read permission.";

    let response = app.get("/api-keys", &writer_key).await;
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "forbidden",
        forbidden,
    )
    .await;
    let response = app
        .get(&format!("/api-keys/{reader_id}"), &writer_key)
        .await;
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "forbidden",
        forbidden,
    )
    .await;

    let itself = app
        .get(&format!("/api-keys/{writer_id}"), &writer_key)
        .await;
    let itself = expect_data(itself, StatusCode::OK).await;
    assert_eq!(itself["id"], json!(writer_id));
    assert_eq!(
        itself["permissions"],
        json!(["client_token.read", "client_token.write"])
    );
    assert_eq!(itself["name"], "API key", "the default name");

    let other = app
        .get(&format!("/api-keys/{writer_id}"), &reader_key)
        .await;
    assert_eq!(
        expect_data(other, StatusCode::OK).await["id"],
        json!(writer_id)
    );

    // Authentication comes first, as everywhere.
    let response = app.get("/api-keys", &app.keys.revoked).await;
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_token",
        "Invalid or revoked API key.",
    )
    .await;
}

async fn keys_of_other_accounts_and_environments_are_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, reader_key) = reader(&app, "mine").await;
    let (theirs, _) = reader(&app, "theirs").await;
    let body = json!({ "environment": "live", "permissions": ["api_key.read"] });
    let (live, live_key) = key(&app, "mine", body).await;

    for id in [&theirs, &live] {
        let response = app.get(&format!("/api-keys/{id}"), &reader_key).await;
        expect_not_found(response, id).await;
    }
    let listed = list(&app, "", &reader_key).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    let live_list = list(&app, "", &live_key).await;
    assert_eq!(live_list["data"][0]["id"], json!(live));
    assert!(
        (live_list["data"][0]["key"].as_str().unwrap()).starts_with("pdl_live_apikey_"),
        "{live_list}"
    );

    let response = app.get("/api-keys/not-a-key-id", &reader_key).await;
    expect_error(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "bad_request",
        "Invalid request. The API key id in the path is not valid.",
    )
    .await;
}

async fn lists_keys_of_every_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, reader_key) = reader(&app, "statuses").await;
    let body =
        json!({ "permissions": ["client_token.read"], "expires_at": "2020-01-01T00:00:00Z" });
    let (expired, _) = key(&app, "statuses", body).await;
    let (revoked, _) = reader(&app, "statuses").await;
    let response = app
        .admin(Method::POST, &format!("/api-keys/{revoked}/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let listed = list(&app, "", &reader_key).await;
    let statuses: Vec<_> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["id"].as_str().unwrap().to_owned(), k["status"].clone()))
        .collect();
    assert_eq!(statuses[1], (expired, json!("expired")));
    assert_eq!(statuses[2], (revoked, json!("revoked")));
}

async fn key_changes_are_recorded_as_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, _) = reader(&app, "evented").await;
    let response = app
        .admin(Method::POST, &format!("/api-keys/{id}/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A second revoke changes nothing and says nothing.
    let again = app
        .admin(Method::POST, &format!("/api-keys/{id}/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_data(again, StatusCode::OK).await["status"],
        "revoked"
    );

    let events = app.events("evented").await;
    let summary: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e["event_type"].clone(),
                e["data"]["id"].clone(),
                e["data"]["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!("api_key.created"), json!(id), json!("active")),
            (json!("api_key.revoked"), json!(id), json!("revoked")),
            (json!("api_key.updated"), json!(id), json!("revoked")),
        ]
    );
    let data = &events[0]["data"];
    assert!(data["key"].as_str().unwrap().ends_with("****"), "{data}");
    assert_eq!(data["rotatable"], false);
}
