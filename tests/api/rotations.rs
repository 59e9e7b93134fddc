//! `/api-keys/{api_key_id}/rotations`: a rotatable key makes a new secret
//! for itself; the first request with the new secret completes the rotation,
//! and the old secret then works only for the grace period.

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::{on_both_backends, postgres_only};

on_both_backends!(
    a_rotation_completes_when_its_new_secret_is_first_used,
    the_old_secret_stops_when_the_grace_period_ends,
    a_newer_rotation_cancels_a_pending_one,
    a_completed_rotation_applies_its_new_expiry,
);
postgres_only!(a_rotation_completed_on_one_replica_ends_the_old_secret_on_another);

/// A rotatable sandbox key for `account`: (id, secret).
pub(crate) async fn rotatable(app: &TestApp, account: &str) -> (String, String) {
    let body = json!({ "permissions": ["client_token.read"], "rotatable": true });
    let made = app.make_key(account, body).await;
    let id = made["id"].as_str().unwrap().to_owned();
    (id, made["key"].as_str().unwrap().to_owned())
}

pub(crate) async fn rotate(
    app: &TestApp,
    id: &str,
    secret: &str,
    body: Value,
) -> reqwest::Response {
    app.request(Method::POST, &format!("/api-keys/{id}/rotations"), secret)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn rotated(app: &TestApp, id: &str, secret: &str, grace: u32) -> Value {
    let body = json!({ "grace_period_seconds": grace });
    expect_data(rotate(app, id, secret, body).await, StatusCode::CREATED).await
}

/// The status of a request with `secret` to a list it may read.
pub(crate) async fn status_with(app: &TestApp, secret: &str) -> StatusCode {
    app.get("/client-tokens", secret).await.status()
}

pub(crate) async fn expect_invalid_token(response: reqwest::Response) {
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_token",
        "Invalid or revoked API key.",
    )
    .await;
}

async fn a_rotation_completes_when_its_new_secret_is_first_used(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, old) = rotatable(&app, "rot").await;
    let rotation = rotated(&app, &id, &old, 3600).await;
    let new_key = rotation["new_key"].as_str().unwrap().to_owned();
    let rotation_id = rotation["id"].as_str().unwrap().to_owned();
    assert!(rotation_id.starts_with("apkrot_") && rotation_id.len() == 33);
    assert!(new_key.starts_with(&format!("pdl_sdbx_apikey_{}_", &id[7..])));
    let created_at = rotation["created_at"].clone();
    assert_timestamp(&created_at);
    assert_eq!(
        rotation,
        json!({
            "id": rotation_id,
            "api_key_id": id,
            "new_key": new_key,
            "grace_period_seconds": 3600,
            "status": "pending",
            "expires_at": null,
            "created_at": created_at,
            "updated_at": created_at,
        })
    );
    assert!(
        !app.database_contains(&new_key).await,
        "the new key is sealed at rest"
    );

    // Pending: the old secret keeps working, with no time limit.
    assert_eq!(status_with(&app, &old).await, StatusCode::OK);
    let path = format!("/api-keys/{id}/rotations/{rotation_id}");
    let read = expect_data(app.get(&path, &old).await, StatusCode::OK).await;
    assert_eq!(read, rotation);

    // The new secret completes it; both then work during the grace period.
    assert_eq!(status_with(&app, &new_key).await, StatusCode::OK);
    assert_eq!(status_with(&app, &old).await, StatusCode::OK);
    let completed = expect_data(app.get(&path, &new_key).await, StatusCode::OK).await;
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["new_key"], json!(new_key));
    assert_timestamp(&completed["expires_at"]);
    assert!(completed["updated_at"].as_str() > created_at.as_str());
    let key = expect_data(
        app.get(&format!("/api-keys/{id}"), &new_key).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(key["status"], "active");
    assert_eq!(key["expires_at"], Value::Null);

    let events = app.events("rot").await;
    let rotation_events: Vec<_> = events
        .iter()
        .filter(|e| {
            e["event_type"]
                .as_str()
                .unwrap()
                .starts_with("api_key_rotation.")
        })
        .map(|e| (e["event_type"].clone(), e["data"]["status"].clone()))
        .collect();
    assert_eq!(
        rotation_events,
        [
            (json!("api_key_rotation.created"), json!("pending")),
            (json!("api_key_rotation.updated"), json!("completed")),
        ]
    );
    assert!(
        !json!(events).to_string().contains(&new_key),
        "webhooks never carry the new key"
    );
}

async fn the_old_secret_stops_when_the_grace_period_ends(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // No grace: the old secret stops the moment the new one is used.
    let (id, old) = rotatable(&app, "nograce").await;
    let rotation = rotated(&app, &id, &old, 0).await;
    let new_key = rotation["new_key"].as_str().unwrap();
    assert_eq!(status_with(&app, new_key).await, StatusCode::OK);
    expect_invalid_token(app.get("/client-tokens", &old).await).await;

    // A second of grace: the old secret works, then stops.
    let (id, old) = rotatable(&app, "grace").await;
    let rotation = rotated(&app, &id, &old, 1).await;
    assert_eq!(
        status_with(&app, rotation["new_key"].as_str().unwrap()).await,
        StatusCode::OK
    );
    assert_eq!(status_with(&app, &old).await, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(5);
    while status_with(&app, &old).await == StatusCode::OK {
        assert!(
            Instant::now() < deadline,
            "the old secret outlived its grace"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    expect_invalid_token(app.get("/client-tokens", &old).await).await;
}

async fn a_newer_rotation_cancels_a_pending_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, old) = rotatable(&app, "twice").await;
    let first = rotated(&app, &id, &old, 60).await;
    let second = rotated(&app, &id, &old, 60).await;
    let path = format!("/api-keys/{id}/rotations/{}", first["id"].as_str().unwrap());
    let first_now = expect_data(app.get(&path, &old).await, StatusCode::OK).await;
    assert_eq!(first_now["status"], "canceled");
    assert_eq!(first_now["expires_at"], Value::Null);
    expect_invalid_token(
        app.get("/client-tokens", first["new_key"].as_str().unwrap())
            .await,
    )
    .await;
    assert_eq!(
        status_with(&app, second["new_key"].as_str().unwrap()).await,
        StatusCode::OK
    );

    let events = app.events("twice").await;
    let types: Vec<_> = events
        .iter()
        .filter(|e| {
            e["event_type"]
                .as_str()
                .unwrap()
                .starts_with("api_key_rotation.")
        })
        .map(|e| {
            (
                e["event_type"].clone(),
                e["data"]["id"].clone(),
                e["data"]["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            (
                json!("api_key_rotation.created"),
                first["id"].clone(),
                json!("pending")
            ),
            (
                json!("api_key_rotation.updated"),
                first["id"].clone(),
                json!("canceled")
            ),
            (
                json!("api_key_rotation.created"),
                second["id"].clone(),
                json!("pending")
            ),
            (
                json!("api_key_rotation.updated"),
                second["id"].clone(),
                json!("completed")
            ),
        ]
    );
}

async fn a_completed_rotation_applies_its_new_expiry(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, old) = rotatable(&app, "expiry").await;
    let body = json!({ "grace_period_seconds": 60, "new_key_expires_at": "2099-06-01T00:00:00Z" });
    let rotation = expect_data(rotate(&app, &id, &old, body).await, StatusCode::CREATED).await;
    let key_path = format!("/api-keys/{id}");
    let before = expect_data(app.get(&key_path, &old).await, StatusCode::OK).await;
    assert_eq!(
        before["expires_at"],
        Value::Null,
        "applied only on completion"
    );
    let new_key = rotation["new_key"].as_str().unwrap();
    let after = expect_data(app.get(&key_path, new_key).await, StatusCode::OK).await;
    assert_eq!(after["expires_at"], "2099-06-01T00:00:00.000000Z");
    assert!(after["updated_at"].as_str() > before["updated_at"].as_str());

    let events = app.events("expiry").await;
    let updated: Vec<_> = events
        .iter()
        .filter(|e| e["event_type"] == "api_key.updated")
        .collect();
    assert_eq!(updated.len(), 1);
    assert_eq!(
        updated[0]["data"]["expires_at"],
        "2099-06-01T00:00:00.000000Z"
    );

    let past = json!({ "grace_period_seconds": 60, "new_key_expires_at": "2001-01-01T00:00:00Z" });
    let response = rotate(&app, &id, new_key, past).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

async fn a_rotation_completed_on_one_replica_ends_the_old_secret_on_another() {
    let options = ServeOptions {
        key_cache_ttl: Duration::from_millis(300),
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Postgres, options).await;
    let other = app.replica().await;
    let on_other = |secret: &str| {
        app.client
            .get(format!("http://{other}/client-tokens"))
            .bearer_auth(secret.to_owned())
            .send()
    };
    let (id, old) = rotatable(&app, "replicas").await;
    // The old secret is now cached on this replica.
    assert_eq!(status_with(&app, &old).await, StatusCode::OK);
    let rotation = rotated(&app, &id, &old, 0).await;
    assert_eq!(
        status_with(&app, &old).await,
        StatusCode::OK,
        "still pending"
    );
    // The new secret works at once on the other replica, and completes it.
    let new_key = rotation["new_key"].as_str().unwrap();
    assert_eq!(on_other(new_key).await.unwrap().status(), StatusCode::OK);
    // This replica may accept the old secret only within its key cache's
    // lifetime (here 300 ms).
    let completed_at = Instant::now();
    while status_with(&app, &old).await == StatusCode::OK {
        assert!(
            completed_at.elapsed() < Duration::from_millis(300 + 700),
            "the old secret outlived the key cache"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    expect_invalid_token(on_other(&old).await.unwrap()).await;
    assert_eq!(status_with(&app, new_key).await, StatusCode::OK);
}
