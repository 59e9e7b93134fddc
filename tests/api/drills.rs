//! Load and concurrency drills: what paddock promises under many clients at
//! once, and with two replicas on one database.

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, default_options, expect_data, expect_error};
use crate::{on_both_backends, postgres_only};

on_both_backends!(
    concurrent_creates_are_all_unique_and_counted_exactly,
    concurrent_revokes_of_one_token_agree_and_emit_one_revocation,
    crash_drill,
);
postgres_only!(two_replicas_on_one_postgres_see_each_others_writes);

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
    let app = TestApp::spawn(backend).await;
    let count = 10_000;
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

    if backend == Backend::Postgres {
        // paddock refreshed the statistics itself (autovacuum's own runs
        // count as `autoanalyze_count`), so lists are planned for this size.
        let analyzed = "select (analyze_count > 0)::text from pg_stat_user_tables \
                        where relname = 'client_tokens'";
        let deadline = Instant::now() + Duration::from_secs(20);
        while app.query_strings(analyzed).await != ["true"] {
            assert!(Instant::now() < deadline, "client_tokens never analyzed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn concurrent_revokes_of_one_token_agree_and_emit_one_revocation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
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

async fn two_replicas_on_one_postgres_see_each_others_writes() {
    let options = ServeOptions {
        key_cache_ttl: Duration::from_millis(300),
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Postgres, options).await;
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

/// `kill -9` in the middle of a burst of creates and revokes: after a
/// restart, everything that was answered is there exactly as answered, and
/// nothing is half-written.
async fn crash_drill(backend: Backend) {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use crate::helpers::{Database, Paddock};

    let database = Database::create(backend).await;
    let data_dir = tempfile::tempdir().unwrap();
    let key = "pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_crashDrillKey";
    let (url, dir) = (database.url(), data_dir.path().display().to_string());
    let keys = format!("{key}=client_token.write");
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("PADDOCK_DATA_DIR", dir.as_str()),
        ("PADDOCK_API_KEYS", keys.as_str()),
    ];

    let first = Paddock::start(&env);
    let base = first.base.clone();
    let client = reqwest::Client::new();
    // The last answer seen for each token, and whether a revoke of it is unanswered.
    let answered: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    let mut workers = Vec::new();
    for worker in 0..32 {
        let (client, base, answered) = (client.clone(), base.clone(), answered.clone());
        workers.push(tokio::spawn(async move {
            for n in 0.. {
                let created = client
                    .post(format!("{base}/client-tokens"))
                    .bearer_auth(key)
                    .json(&json!({ "name": format!("{worker}-{n}") }))
                    .send()
                    .await;
                let Ok(created) = created else { return };
                assert_eq!(created.status(), StatusCode::CREATED);
                let Ok(token) = created.json::<Value>().await else {
                    return;
                };
                let id = token["data"]["id"].as_str().unwrap().to_owned();
                answered
                    .lock()
                    .unwrap()
                    .insert(id.clone(), token["data"].clone());
                if n % 2 == 0 {
                    let revoked = client
                        .patch(format!("{base}/client-tokens/{id}"))
                        .bearer_auth(key)
                        .json(&json!({ "status": "revoked" }))
                        .send()
                        .await;
                    let Ok(revoked) = revoked else { return };
                    assert_eq!(revoked.status(), StatusCode::OK);
                    let Ok(revoked) = revoked.json::<Value>().await else {
                        return;
                    };
                    answered.lock().unwrap().insert(id, revoked["data"].clone());
                }
            }
        }));
    }
    // Mid-burst: once a few hundred answers are in.
    let deadline = Instant::now() + Duration::from_secs(20);
    while answered.lock().unwrap().len() < 300 {
        assert!(Instant::now() < deadline, "the burst never got going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill();
    for worker in workers {
        worker.await.unwrap();
    }

    let second = Paddock::start(&env);
    let base = second.base.clone();
    let answered = answered.lock().unwrap().clone();
    for (id, answer) in &answered {
        let stored = client
            .get(format!("{base}/client-tokens/{id}"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        let stored = expect_data(stored, StatusCode::OK).await;
        if stored == *answer {
            continue;
        }
        // A revoke that was in flight may have landed: whole, never half.
        assert_eq!(
            answer["status"], "active",
            "an answered revoke is kept: {id}"
        );
        assert_eq!(stored["status"], "revoked", "{stored}");
        assert_eq!(stored["revoked_at"], stored["updated_at"]);
        for field in ["id", "token", "name", "description", "created_at"] {
            assert_eq!(stored[field], answer[field]);
        }
    }
    // Nor are the events half-written: one per creation, one per revocation.
    for (event, tokens) in [
        ("client_token.created", "true"),
        ("client_token.revoked", "status = 'revoked'"),
    ] {
        let tokens = format!("select cast(count(*) as text) from client_tokens where {tokens}");
        let events =
            format!("select cast(count(*) as text) from events where event_type = '{event}'");
        assert_eq!(
            database.query_strings(&tokens).await,
            database.query_strings(&events).await,
            "{event}"
        );
    }
}
