//! Seeded runs: the same seed and the same requests give a fresh paddock
//! byte-identical answers (apart from `request_id`), and accounts with
//! different seeds don't disturb each other's sequences.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use paddock::app::ServeOptions;
use paddock::domain::Seed;

use crate::helpers::{Backend, TestApp, default_options, expect_data, expect_json};
use crate::on_both_backends;

on_both_backends!(
    the_same_seed_and_requests_give_the_same_answers,
    without_a_seed_every_run_differs,
    a_seed_restarts_the_sequence_and_numbers_parse,
    a_server_wide_seed_seeds_every_account_without_its_own,
);

/// The body as bytes with its `request_id` blanked: all else must match.
async fn answer(response: Response) -> String {
    let mut body: Value = response.json().await.unwrap();
    body["meta"]["request_id"] = json!("-");
    body.to_string()
}

/// One test suite's run in account `account` seeded with `seed`, in
/// `other`'s company (another account, another seed) when given. Returns
/// every answer `account`'s requests got.
async fn run(app: &TestApp, account: &str, seed: &str, other: Option<&str>) -> Vec<String> {
    let mut answers = Vec::new();
    let body = json!({ "name": account, "seed": seed });
    let response = app
        .admin(Method::POST, "/accounts")
        .json(&body)
        .send()
        .await;
    answers.push(answer(response.unwrap()).await);
    let noise = |n: usize| async move {
        if let Some(other) = other {
            let body = json!({ "name": other, "seed": format!("{other}-seed") });
            app.admin(Method::POST, "/accounts")
                .json(&body)
                .send()
                .await
                .unwrap();
            for _ in 0..n {
                let perms =
                    json!({ "environment": "sandbox", "permissions": ["client_token.read"] });
                app.make_key(other, perms).await;
            }
        }
    };
    noise(2).await;
    let response = app
        .admin(Method::POST, &format!("/accounts/{account}/api-keys"))
        .json(&json!({ "environment": "sandbox", "permissions": ["client_token.write"] }))
        .send()
        .await
        .unwrap();
    let key_body = response.text().await.unwrap();
    let key: Value = serde_json::from_str(&key_body).unwrap();
    let secret = key["data"]["key"].as_str().unwrap().to_owned();
    answers.push(key_body.replace(key["meta"]["request_id"].as_str().unwrap(), "-"));
    let setting = json!({
        "destination": "http://127.0.0.1:9/unreachable",
        "subscribed_events": ["client_token.created", "client_token.revoked"],
    });
    let path = format!("/accounts/{account}/notification-settings");
    let response = app.admin(Method::POST, &path).json(&setting).send().await;
    let setting = answer(response.unwrap()).await;
    let setting_id = serde_json::from_str::<Value>(&setting).unwrap()["data"]["id"].clone();
    answers.push(setting);
    let mut ids = Vec::new();
    for name in ["checkout", "pricing", "account page"] {
        noise(1).await;
        let body = json!({ "name": name });
        let response = app
            .request(Method::POST, "/client-tokens", &secret)
            .json(&body)
            .send();
        let text = answer(response.await.unwrap()).await;
        let created: Value = serde_json::from_str(&text).unwrap();
        ids.push(created["data"]["id"].as_str().unwrap().to_owned());
        answers.push(text);
    }
    let revoke = app
        .request(
            Method::PATCH,
            &format!("/client-tokens/{}", ids[1]),
            &secret,
        )
        .json(&json!({ "status": "revoked" }))
        .send();
    answers.push(answer(revoke.await.unwrap()).await);
    let list = app
        .get("/client-tokens?status=active,revoked", &secret)
        .await;
    // Links name the server: the same only on the same address.
    answers.push(
        answer(list)
            .await
            .replace(&app.address.to_string(), "paddock"),
    );
    let events = app.admin(Method::GET, &format!("/accounts/{account}/events"));
    answers.push(answer(events.send().await.unwrap()).await);
    let path = format!(
        "/notification-settings/{}/deliveries",
        setting_id.as_str().unwrap()
    );
    let deliveries = app.admin(Method::GET, &path);
    let deliveries = expect_data(deliveries.send().await.unwrap(), StatusCode::OK).await;
    // Attempts race the sender; the notifications themselves must match.
    let notifications: Vec<_> = (deliveries.as_array().unwrap().iter())
        .map(|d| {
            (
                d["notification_id"].clone(),
                d["event_id"].clone(),
                d["created_at"].clone(),
            )
        })
        .collect();
    answers.push(format!("{notifications:?}"));
    answers
}

async fn the_same_seed_and_requests_give_the_same_answers(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn(backend).await;
    let alone = run(&first, "snapshots", "seed-1", None).await;
    let in_company = run(&second, "snapshots", "seed-1", Some("neighbour")).await;
    assert_eq!(alone, in_company);

    let token: Value = serde_json::from_str(&alone[3]).unwrap();
    let token = &token["data"];
    // Valid ids and tokens, at the seeded clock's start.
    assert!(token["id"].as_str().unwrap().starts_with("ctkn_01jgfjjz00"));
    assert_eq!(token["id"].as_str().unwrap().len(), 5 + 26);
    assert!(token["token"].as_str().unwrap().starts_with("test_"));
    assert_eq!(token["created_at"], "2025-01-01T00:00:00.000000Z");
    let list: Value = serde_json::from_str(&alone[7]).unwrap();
    let listed: Vec<_> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort_by_key(|id| std::cmp::Reverse(id.as_str().unwrap().to_owned()));
    assert_eq!(
        listed, sorted,
        "newest first: ids increase though the clock stands still"
    );
    let notifications = &alone[9];
    assert!(
        notifications.matches("ntf_").count() >= 4,
        "{notifications}"
    );

    // Another seed, another sequence.
    let third = TestApp::spawn(backend).await;
    let reseeded = run(&third, "snapshots", "seed-2", None).await;
    assert_ne!(alone[3], reseeded[3]);
}

async fn without_a_seed_every_run_differs(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = TestApp::spawn(backend).await;
    let (a, b) = (first.create("same").await, second.create("same").await);
    assert_ne!(a["id"], b["id"]);
    assert_ne!(a["token"], b["token"]);
    let account = first.admin(Method::GET, "/accounts").send().await.unwrap();
    let accounts = expect_data(account, StatusCode::OK).await;
    assert_eq!(accounts[0]["seed"], Value::Null);
    assert_eq!(accounts[0]["clock"], Value::Null);
}

async fn a_seed_restarts_the_sequence_and_numbers_parse(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seed = |seed: Value| {
        app.admin(Method::PUT, "/accounts/numbers/seed")
            .json(&json!({ "seed": seed }))
            .send()
    };
    let account = expect_data(seed(json!(42)).await.unwrap(), StatusCode::OK).await;
    assert_eq!(account["seed"], "42");
    // Created by the seed, on the clock the seed gives it.
    assert_eq!(account["created_at"], "2025-01-01T00:00:00.000000Z");
    assert_eq!(account["clock"], Value::Null);
    let key = json!({ "environment": "live", "permissions": ["client_token.read"] });
    let first = app.make_key("numbers", key.clone()).await;
    expect_data(seed(json!("42")).await.unwrap(), StatusCode::OK).await;
    let reset = app
        .admin(Method::POST, "/accounts/numbers/reset")
        .send()
        .await
        .unwrap();
    expect_data(reset, StatusCode::OK).await;
    // The restarted sequence mints the first key's id again: the key is
    // still there, so the next number is taken, never a 500.
    let second = app.make_key("numbers", key).await;
    assert_ne!(first["id"], second["id"]);

    for (bad, message) in [
        (
            json!(""),
            "String length must be greater than or equal to 1",
        ),
        (json!(1.5), "Invalid type. Expected: string, given: number"),
    ] {
        let response = seed(bad).await.unwrap();
        let body = expect_json(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["error"]["code"], "bad_request");
        assert_eq!(
            body["error"]["errors"],
            json!([{ "field": "seed", "message": message }])
        );
    }
    let cleared = app
        .admin(Method::DELETE, "/accounts/numbers/seed")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_data(cleared, StatusCode::OK).await["seed"],
        Value::Null
    );
}

async fn a_server_wide_seed_seeds_every_account_without_its_own(backend: Backend) {
    let seeded = || ServeOptions {
        default_seed: Some(Seed::from_json(&json!("server-wide")).unwrap()),
        ..default_options()
    };
    let first = TestApp::spawn_with(backend, seeded()).await;
    let second = TestApp::spawn_with(backend, seeded()).await;
    let (a, b) = (first.create("same").await, second.create("same").await);
    assert_eq!((&a["id"], &a["token"]), (&b["id"], &b["token"]));
    assert_eq!(a["created_at"], "2025-01-01T00:00:00.000000Z");
    // An account's own seed wins.
    let own = |app: &TestApp| {
        let body = json!({ "seed": "its own" });
        app.admin(Method::PUT, "/accounts/default/seed")
            .json(&body)
            .send()
    };
    expect_data(own(&first).await.unwrap(), StatusCode::OK).await;
    let c = first.create("same").await;
    assert_ne!(c["token"], a["token"]);
    let other = TestApp::spawn(backend).await;
    expect_data(own(&other).await.unwrap(), StatusCode::OK).await;
    assert_eq!(other.create("same").await["token"], c["token"]);
}
