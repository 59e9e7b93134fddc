//! The request journal, `/__paddock/accounts/{account}/requests`: each
//! recognised request with its query, bodies and answer; filters and a
//! count to verify against; secrets never kept; a body cap; retention; reset.

use paddock::app::ServeOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin::BOTH;
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    entries_carry_the_query_the_bodies_and_the_answer,
    filters_narrow_the_journal_and_count_counts_what_matches,
    secrets_never_reach_the_journal,
    bodies_over_the_cap_are_kept_cut_short_and_marked,
    retention_keeps_the_newest_and_zero_turns_the_journal_off,
    a_reset_clears_the_journal,
    bad_filters_are_bad_request_naming_the_parameter,
);

/// The account's journal entries matching `query` (`""` for all).
async fn journal(app: &TestApp, account: &str, query: &str) -> Vec<Value> {
    let path = format!("/accounts/{account}/requests{query}");
    let response = app.admin(Method::GET, &path).send().await.unwrap();
    let entries = expect_data(response, StatusCode::OK).await;
    entries.as_array().unwrap().clone()
}

async fn count(app: &TestApp, account: &str, query: &str) -> u64 {
    let path = format!("/accounts/{account}/requests/count{query}");
    let response = app.admin(Method::GET, &path).send().await.unwrap();
    let data = expect_data(response, StatusCode::OK).await;
    data["count"].as_u64().unwrap()
}

fn key_id(key: &str) -> String {
    format!("apikey_{}", &key[16..42])
}

async fn entries_carry_the_query_the_bodies_and_the_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    let other = app.account_key("other", "sandbox", BOTH).await;

    let body = json!({ "name": "Checkout", "description": "From the journal test" });
    let created = (app.request(Method::POST, "/client-tokens", &key))
        .json(&body)
        .send()
        .await
        .unwrap();
    let created_id = request_id(&created);
    let mut created = expect_json(created, StatusCode::CREATED).await;
    let listed = app
        .get("/client-tokens?per_page=1&status=active", &key)
        .await;
    let mut listed = expect_json(listed, StatusCode::OK).await;
    // A client token is a secret: the journal keeps the rest of the answer.
    created["data"]["token"] = "[redacted]".into();
    listed["data"][0]["token"] = "[redacted]".into();
    let broken = (app.request(Method::POST, "/client-tokens", &key))
        .header("Content-Type", "application/json")
        .body(r#"{"name": "#)
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    // Refused before its body is read: the journal has no body to show.
    let plain = (app.request(Method::POST, "/client-tokens", &key))
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::BAD_REQUEST);
    // Not the account's: another account's, an unknown key's, the admin API's.
    app.get("/client-tokens", &other).await;
    app.get(
        "/client-tokens",
        "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_nope",
    )
    .await;

    let entries = journal(&app, "suite", "").await;
    assert_eq!(entries.len(), 4, "{entries:?}");
    let first = &entries[0];
    let occurred_at = first["occurred_at"].clone();
    assert_timestamp(&occurred_at);
    assert_eq!(
        *first,
        json!({
            "method": "POST", "path": "/client-tokens", "query": null, "status": 201,
            "request_id": created_id, "api_key_id": key_id(&key), "client_token_id": null,
            "occurred_at": occurred_at,
            "request_body": body, "request_body_truncated": false,
            "response_body": created, "response_body_truncated": false,
        })
    );
    assert_eq!(entries[1]["query"], "per_page=1&status=active");
    assert_eq!(entries[1]["request_body"], Value::Null);
    assert_eq!(entries[1]["response_body"], listed);
    assert_eq!(
        entries[2]["request_body"], r#"{"name": "#,
        "not JSON: a string"
    );
    assert_eq!(entries[2]["response_body"]["error"]["code"], "invalid_json");
    assert_eq!(entries[3]["request_body"], Value::Null);
    assert_eq!(entries[3]["response_body"]["error"]["code"], "bad_request");
    assert_eq!(journal(&app, "other", "").await.len(), 1);
}

async fn filters_narrow_the_journal_and_count_counts_what_matches(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    let second = app.account_key("suite", "sandbox", BOTH).await;
    let token = app.create_with(&key, json!({ "name": "One" })).await;
    let invalid = (app.request(Method::POST, "/client-tokens", &key))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    app.get("/client-tokens", &key).await;
    let missing = app.get("/client-tokens/ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x", &key);
    assert_eq!(missing.await.status(), StatusCode::NOT_FOUND);
    let path = format!("/client-tokens/{}", token["id"].as_str().unwrap());
    app.get(&path, &second).await;

    let all = journal(&app, "suite", "").await;
    let statuses = |entries: &[Value]| -> Vec<u64> {
        entries
            .iter()
            .map(|e| e["status"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(statuses(&all), [201, 400, 200, 404, 200]);
    let by_second = format!("?api_key_id={}", key_id(&second));
    let third_at = all[2]["occurred_at"].as_str().unwrap();
    let (since, until) = (format!("?since={third_at}"), format!("?until={third_at}"));
    for (query, expected) in [
        ("?method=POST", vec![201, 400]),
        ("?method=get", vec![200, 404, 200]),
        ("?path=/client-tokens", vec![201, 400, 200]),
        ("?path_prefix=/client-tokens/", vec![404, 200]),
        ("?status=201", vec![201]),
        ("?status=4xx", vec![400, 404]),
        ("?status=201,404", vec![201, 404]),
        (by_second.as_str(), vec![200]),
        (since.as_str(), vec![200, 404, 200]),
        (until.as_str(), vec![201, 400]),
        ("?method=POST&path=/client-tokens&status=201", vec![201]),
        ("?method=DELETE", vec![]),
        ("?since=2099-01-01T00:00:00%2B01:00", vec![]),
    ] {
        let entries = journal(&app, "suite", query).await;
        assert_eq!(statuses(&entries), expected, "{query}");
        assert_eq!(
            count(&app, "suite", query).await,
            expected.len() as u64,
            "{query}"
        );
    }

    // The assertion a suite makes: exactly one POST /client-tokens answered 201.
    let path = "/accounts/suite/requests/count?method=POST&path=/client-tokens&status=201";
    let response = app.admin(Method::GET, path).send().await.unwrap();
    let body = expect_json(response, StatusCode::OK).await;
    assert_eq!(body["data"], json!({ "count": 1 }));
}

async fn secrets_never_reach_the_journal(backend: Backend) {
    const PERMISSIONS: [&str; 3] = ["client_token.read", "client_token.write", "api_key.read"];
    let app = TestApp::spawn(backend).await;
    let made = app
        .make_key(
            "suite",
            json!({ "permissions": PERMISSIONS, "rotatable": true }),
        )
        .await;
    let (id, key) = (made["id"].as_str().unwrap(), made["key"].as_str().unwrap());
    let rotation = (app.request(Method::POST, &format!("/api-keys/{id}/rotations"), key))
        .json(&json!({ "grace_period_seconds": 60 }))
        .send()
        .await
        .unwrap();
    let rotation = expect_data(rotation, StatusCode::CREATED).await;
    let new_key = rotation["new_key"].as_str().unwrap().to_owned();
    // A key where a name goes, in a path, and in a query, sent by mistake.
    let named = app.create_with(key, json!({ "name": key })).await;
    let path = format!("/client-tokens/{key}");
    assert_eq!(app.get(&path, key).await.status(), StatusCode::BAD_REQUEST);
    let query = format!("/client-tokens?after=%70{}", &key[1..]);
    assert_eq!(app.get(&query, key).await.status(), StatusCode::BAD_REQUEST);
    let secret_setting = "pdl_ntfset_01gtgztp8f4kek3yd4g1wrksa3_s3cr3t";
    let description = json!({ "name": "x", "description": format!("see {secret_setting}") });
    app.create_with(key, description).await;

    let entries = journal(&app, "suite", "").await;
    let text = Value::from(entries.clone()).to_string();
    for secret in [
        new_key.as_str(),
        key,
        secret_setting,
        &new_key[43..],
        &key[43..],
    ] {
        assert!(!text.contains(secret), "{secret} in the journal: {text}");
    }
    let rotated = &entries[0]["response_body"]["data"];
    assert_eq!(rotated["new_key"], "[redacted]");
    assert_eq!(
        rotated["id"], rotation["id"],
        "the rest of the answer is kept"
    );
    assert_eq!(entries[1]["request_body"], json!({ "name": "[redacted]" }));
    assert_eq!(entries[1]["response_body"]["data"]["name"], "[redacted]");
    assert_eq!(entries[1]["response_body"]["data"]["id"], named["id"]);
    assert_eq!(entries[2]["path"], "/client-tokens/[redacted]");
    assert_eq!(entries[3]["query"], "after=%5Bredacted%5D");
    assert_eq!(entries[4]["request_body"]["description"], "[redacted]");
    // The rotation's new key is kept sealed in the database, never in plain.
    assert!(!app.database_contains(&new_key[43..]).await);

    // An obfuscated key is no secret: it stays.
    app.get("/api-keys", key).await;
    let listed = journal(&app, "suite", "?path=/api-keys").await;
    let shown = &listed[0]["response_body"]["data"][0]["key"];
    assert!(shown.as_str().unwrap().ends_with("****"), "{shown}");
}

async fn bodies_over_the_cap_are_kept_cut_short_and_marked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    let long = json!({ "name": "x", "description": "d".repeat(20_000) });
    let response = (app.request(Method::POST, "/client-tokens", &key))
        .json(&long)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let tokens: Vec<Value> = (0..80)
        .map(|n| json!({ "name": format!("Token {n} with a name long enough to fill pages") }))
        .collect();
    let seeded = (app.admin(Method::POST, "/accounts/suite/client-tokens"))
        .json(&json!({ "client_tokens": tokens }))
        .send()
        .await
        .unwrap();
    expect_data(seeded, StatusCode::CREATED).await;
    let listed = app.get("/client-tokens?per_page=200", &key).await;
    assert!(listed.bytes().await.unwrap().len() > 16 * 1024);

    let entries = journal(&app, "suite", "").await;
    let sent = long.to_string();
    assert_eq!(entries[0]["request_body"], &sent[..16 * 1024]);
    assert_eq!(entries[0]["request_body_truncated"], true);
    assert_eq!(entries[0]["response_body_truncated"], false);
    let answer = entries[1]["response_body"].as_str().unwrap();
    assert_eq!(answer.len(), 16 * 1024);
    // As sent, but for its tokens (secrets).
    assert!(answer.starts_with(r#"{"data":[{"id":"ctkn_"#), "{answer}");
    assert!(answer.contains(r#""token":"[redacted]""#), "{answer}");
    assert!(!answer.contains(r#""token":"test_"#), "{answer}");
    assert_eq!(entries[1]["response_body_truncated"], true);
}

async fn retention_keeps_the_newest_and_zero_turns_the_journal_off(backend: Backend) {
    let options = ServeOptions {
        journal_retention: 3,
        ..default_options()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(request_id(&app.get("/client-tokens", &key).await));
    }
    let entries = journal(&app, "suite", "").await;
    let kept: Vec<&str> = entries
        .iter()
        .map(|e| e["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(kept, ids[2..], "the newest three, oldest first");
    assert_eq!(count(&app, "suite", "").await, 3);
    drop(app);

    let options = ServeOptions {
        journal_retention: 0,
        ..default_options()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let key = app.account_key("suite", "sandbox", BOTH).await;
    app.create_with(&key, json!({ "name": "Unjournaled" }))
        .await;
    assert_eq!(journal(&app, "suite", "").await, Vec::<Value>::new());
    assert_eq!(count(&app, "suite", "?method=POST").await, 0);
}

async fn a_reset_clears_the_journal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let suite = app.account_key("suite", "sandbox", BOTH).await;
    let other = app.account_key("other", "sandbox", BOTH).await;
    for key in [&suite, &other] {
        app.get("/client-tokens", key).await;
    }
    let reset = app
        .admin(Method::POST, "/accounts/suite/reset")
        .send()
        .await;
    expect_data(reset.unwrap(), StatusCode::OK).await;
    assert_eq!(count(&app, "suite", "").await, 0);
    assert_eq!(count(&app, "other", "").await, 1, "only the account reset");

    app.get("/client-tokens", &suite).await;
    assert_eq!(count(&app, "suite", "").await, 1, "journaling goes on");
    let reset = app.admin(Method::POST, "/reset").send().await;
    expect_data(reset.unwrap(), StatusCode::OK).await;
    assert_eq!(count(&app, "suite", "").await, 0);
    assert_eq!(count(&app, "other", "").await, 0);
}

async fn bad_filters_are_bad_request_naming_the_parameter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.account_key("suite", "sandbox", BOTH).await;
    let date_time = "Does not match format 'date-time'";
    for path in ["/accounts/suite/requests", "/accounts/suite/requests/count"] {
        let query = "?status=20x&since=yesterday&api_key_id=apikey_1&method=&path=x&stauts=201";
        let response = app
            .admin(Method::GET, &format!("{path}{query}"))
            .send()
            .await;
        let filters =
            "method, path, path_prefix, status, api_key_id, client_token_id, since, until";
        expect_schema_errors(
            response.unwrap(),
            json!([
                { "field": "stauts", "message": format!("is not a filter; the filters are: {filters}") },
                { "field": "api_key_id", "message": "must be a valid id (apikey_...)" },
                { "field": "method", "message": "must be an HTTP method, such as GET or POST" },
                { "field": "path", "message": "must be a path starting with /" },
                { "field": "since", "message": date_time },
                { "field": "status", "message": "must be a status code (201) or class (2xx), or a comma-separated list of them" },
            ]),
        )
        .await;
        let response = app.admin(Method::GET, &format!("{path}?until=2026-13-01T00:00:00Z"));
        let errors = json!([{ "field": "until", "message": date_time }]);
        expect_schema_errors(response.send().await.unwrap(), errors).await;
        let unknown = path.replace("suite", "nobody");
        let response = app.admin(Method::GET, &unknown).send().await.unwrap();
        expect_not_found(response, "nobody").await;
        let anonymous = app.client.get(app.url(&format!("/__paddock{path}")));
        let response = anonymous.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}
