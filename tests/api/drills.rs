//! Load and concurrency drills: what paddock promises under many clients at
//! once, and with two replicas on one database.

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, default_options, expect_data, expect_error};
use crate::on_both_backends;

on_both_backends!(
    concurrent_creates_are_all_unique_and_counted_exactly,
    concurrent_revokes_of_one_token_agree_and_emit_one_revocation,
);

/// Runs `requests` futures with at most `connections` in flight.
async fn concurrently<F, T>(connections: usize, requests: Vec<F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(connections));
    let mut tasks = Vec::with_capacity(requests.len());
    for request in requests {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let result = request.await;
            drop(permit);
            result
        }));
    }
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

async fn concurrent_creates_are_all_unique_and_counted_exactly(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    // 10,000 on Postgres; fewer on SQLite, whose one writer makes the debug
    // build slow, and whose concurrency is simpler (one writer in turn).
    let count = if backend == Backend::Postgres {
        10_000
    } else {
        2_000
    };
    let requests: Vec<_> = (0..count)
        .map(|n| {
            app.request(Method::POST, "/client-tokens", &app.keys.sandbox)
                .json(&json!({ "name": format!("load {n}") }))
                .send()
        })
        .collect();
    let mut ids = Vec::with_capacity(count);
    let mut values = Vec::with_capacity(count);
    for response in concurrently(64, requests).await {
        let token = expect_data(response.unwrap(), StatusCode::CREATED).await;
        ids.push(token["id"].as_str().unwrap().to_owned());
        values.push(token["token"].as_str().unwrap().to_owned());
    }
    ids.sort();
    ids.dedup();
    values.sort();
    values.dedup();
    assert_eq!(
        (ids.len(), values.len()),
        (count, count),
        "ids and tokens are unique"
    );
    let body = expect_data(
        app.get("/client-tokens?per_page=1", &app.keys.sandbox)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body.as_array().unwrap().len(), 1);
    let listed = app
        .get("/client-tokens?per_page=1", &app.keys.sandbox)
        .await;
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed["meta"]["pagination"]["estimated_total"], count);
}

async fn concurrent_revokes_of_one_token_agree_and_emit_one_revocation(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let id = app.create("Contested").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let requests: Vec<_> = (0..32)
        .map(|_| {
            app.request(
                Method::PATCH,
                &format!("/client-tokens/{id}"),
                &app.keys.sandbox,
            )
            .json(&json!({ "status": "revoked" }))
            .send()
        })
        .collect();
    let mut answers = Vec::new();
    for response in concurrently(32, requests).await {
        answers.push(expect_data(response.unwrap(), StatusCode::OK).await);
    }
    assert!(
        answers.iter().all(|answer| answer == &answers[0]),
        "every answer is the same revocation"
    );
    assert_eq!(answers[0]["status"], "revoked");
    let events = expect_data(
        app.admin(Method::GET, "/accounts/default/events")
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let revoked = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "client_token.revoked")
        .count();
    assert_eq!(revoked, 1, "exactly one client_token.revoked");
}

#[tokio::test]
async fn two_replicas_on_one_postgres_see_each_others_writes() {
    let options = ServeOptions {
        key_cache_ttl: Duration::from_millis(300),
        ..default_options()
    };
    let Some(app) = TestApp::spawn_with(Backend::Postgres, options).await else {
        return;
    };
    let other = app.replica().await;
    let on_other = |method: Method, path: &str, key: &str| {
        app.client
            .request(method, format!("http://{other}{path}"))
            .bearer_auth(key.to_owned())
    };

    // A token made on one is readable, listable and revocable on the other at once.
    let token = app.create("Shared").await;
    let path = format!("/client-tokens/{}", token["id"].as_str().unwrap());
    let read = on_other(Method::GET, &path, &app.keys.sandbox)
        .send()
        .await
        .unwrap();
    assert_eq!(expect_data(read, StatusCode::OK).await, token);
    let listed = on_other(Method::GET, "/client-tokens", &app.keys.sandbox)
        .send()
        .await
        .unwrap();
    assert_eq!(expect_data(listed, StatusCode::OK).await, json!([token]));
    let revoked = on_other(Method::PATCH, &path, &app.keys.sandbox)
        .json(&json!({ "status": "revoked" }))
        .send()
        .await
        .unwrap();
    let revoked = expect_data(revoked, StatusCode::OK).await;
    let seen = expect_data(app.get(&path, &app.keys.sandbox).await, StatusCode::OK).await;
    assert_eq!(seen, revoked);

    // A key made on one works on the other at once (not cached yet there)...
    let key = app
        .account_key("replicated", "sandbox", &["client_token.read"])
        .await;
    let response = on_other(Method::GET, "/client-tokens", &key)
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::OK).await;
    // ...and a key revoked on one stops working on the other within its key
    // cache's lifetime (here 300 ms; PADDOCK_KEY_CACHE_TTL, 2 s by default).
    let key_id = format!("apikey_{}", &key[16..42]);
    let revoke = app
        .admin(Method::POST, &format!("/api-keys/{key_id}/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    let revoked_at = Instant::now();
    loop {
        let response = on_other(Method::GET, "/client-tokens", &key)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::FORBIDDEN {
            expect_error(
                response,
                StatusCode::FORBIDDEN,
                "request_error",
                "invalid_token",
                "Invalid or revoked API key.",
            )
            .await;
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(2),
            "the revocation reached the other replica in time"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
