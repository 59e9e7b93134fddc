//! An account's clock: frozen, set, advanced, back to real time. Every
//! instant paddock writes for the account follows it, and so do its keys'
//! expiry, rotation grace and expiry notices; webhook transport doesn't.

use paddock::domain::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, Receiver, TestApp, expect_data, expect_json};
use crate::on_both_backends;
use crate::webhooks::{assert_signed, fast_retries};

on_both_backends!(
    every_instant_written_follows_a_frozen_then_advanced_clock,
    a_set_clock_runs_and_a_reset_one_is_real_time,
    advancing_past_expiry_refuses_the_key_at_once_and_notifies,
    rotation_grace_follows_the_clock,
    webhooks_carry_the_accounts_instants_but_sign_with_real_time,
    bad_clock_changes_are_refused_and_change_nothing,
);

const ACCOUNT: &str = "clocked";

/// Changes the account's clock through the admin API; returns its view.
async fn clock_change(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let path = format!("/accounts/{ACCOUNT}/clock{path}");
    let response = app.admin(method, &path).json(&body).send().await.unwrap();
    expect_data(response, StatusCode::OK).await
}

async fn set_clock(app: &TestApp, body: Value) -> Value {
    clock_change(app, Method::PUT, "", body).await
}

async fn advance(app: &TestApp, seconds: f64) -> Value {
    clock_change(app, Method::POST, "/advance", json!({ "seconds": seconds })).await
}

fn key_body(expires_at: Option<&str>) -> Value {
    json!({
        "environment": "sandbox",
        "permissions": ["client_token.write", "api_key.read"],
        "expires_at": expires_at,
        "rotatable": true,
    })
}

/// Seconds from `a` to `b`, both as the API writes them.
fn seconds_between(a: &Value, b: &Value) -> i64 {
    let parse = |v: &Value| {
        Timestamp::parse(v.as_str().unwrap())
            .unwrap()
            .unix_seconds()
    };
    parse(b) - parse(a)
}

async fn every_instant_written_follows_a_frozen_then_advanced_clock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clock = set_clock(
        &app,
        json!({ "frozen": true, "now": "2030-01-01T00:00:00Z" }),
    )
    .await;
    let start = "2030-01-01T00:00:00.000000Z";
    assert_eq!(
        clock,
        json!({ "now": start, "frozen": true, "real_time": false })
    );
    let key = app.make_key(ACCOUNT, key_body(None)).await;
    assert_eq!(
        (&key["created_at"], &key["updated_at"]),
        (&json!(start), &json!(start))
    );
    let secret = key["key"].as_str().unwrap();
    let token = app.create_with(secret, json!({ "name": "frozen" })).await;
    assert_eq!(
        (&token["created_at"], &token["updated_at"]),
        (&json!(start), &json!(start))
    );

    let clock = advance(&app, 3.0 * 86_400.0 + 0.5).await;
    let later = "2030-01-04T00:00:00.500000Z";
    assert_eq!(clock["now"], later);
    let path = format!("/client-tokens/{}", token["id"].as_str().unwrap());
    let revoke = app
        .request(Method::PATCH, &path, secret)
        .json(&json!({ "status": "revoked" }));
    let revoked = expect_data(revoke.send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(
        (&revoked["revoked_at"], &revoked["updated_at"]),
        (&json!(later), &json!(later))
    );
    let occurred: Vec<_> = (app.events(ACCOUNT).await.iter())
        .map(|e| (e["event_type"].clone(), e["occurred_at"].clone()))
        .collect();
    assert_eq!(
        occurred,
        [
            (json!("api_key.created"), json!(start)),
            (json!("client_token.created"), json!(start)),
            (json!("client_token.revoked"), json!(later)),
            (json!("client_token.updated"), json!(later)),
        ]
    );
    // The journal times requests by the account's clock too.
    let journal = app.admin(Method::GET, &format!("/accounts/{ACCOUNT}/requests"));
    let journal = expect_data(journal.send().await.unwrap(), StatusCode::OK).await;
    let times: Vec<_> = (journal.as_array().unwrap().iter())
        .map(|entry| entry["occurred_at"].clone())
        .collect();
    assert_eq!(times, [json!(start), json!(later)]);
    // The key's use is noted on the account's clock, once an hour of it.
    let read = app
        .get(
            &format!("/api-keys/{}", key["id"].as_str().unwrap()),
            secret,
        )
        .await;
    assert_eq!(
        expect_data(read, StatusCode::OK).await["last_used_at"],
        later
    );
}

async fn a_set_clock_runs_and_a_reset_one_is_real_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let clock = set_clock(
        &app,
        json!({ "frozen": false, "now": "2020-02-02T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        (&clock["frozen"], &clock["real_time"]),
        (&json!(false), &json!(false))
    );
    let key = app.make_key(ACCOUNT, key_body(None)).await;
    let age = seconds_between(&json!("2020-02-02T00:00:00.000000Z"), &key["created_at"]);
    assert!((0..10).contains(&age), "a running clock: {age} s on");
    let secret = key["key"].as_str().unwrap().to_owned();
    // Freezing without an instant stops it where it is.
    let frozen = set_clock(&app, json!({ "frozen": true })).await;
    assert!(
        frozen["now"]
            .as_str()
            .unwrap()
            .starts_with("2020-02-02T00:00:")
    );
    let token = app.create_with(&secret, json!({ "name": "stopped" })).await;
    assert_eq!(token["created_at"], frozen["now"]);

    let path = format!("/accounts/{ACCOUNT}/clock");
    let reset = app.admin(Method::DELETE, &path).send().await.unwrap();
    let real = expect_data(reset, StatusCode::OK).await;
    assert_eq!(
        (&real["frozen"], &real["real_time"]),
        (&json!(false), &json!(true))
    );
    let token = app.create_with(&secret, json!({ "name": "real" })).await;
    let now = json!(Timestamp::now().to_string());
    assert!(seconds_between(&token["created_at"], &now).abs() < 10);
    let shown = app.admin(Method::GET, &path).send().await.unwrap();
    assert_eq!(expect_data(shown, StatusCode::OK).await["real_time"], true);
}

async fn advancing_past_expiry_refuses_the_key_at_once_and_notifies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    set_clock(
        &app,
        json!({ "frozen": true, "now": "2030-01-01T00:00:00Z" }),
    )
    .await;
    let key = app
        .make_key(ACCOUNT, key_body(Some("2030-01-10T00:00:00Z")))
        .await;
    let secret = key["key"].as_str().unwrap();
    assert_eq!(
        app.get("/client-tokens", secret).await.status(),
        StatusCode::OK
    );
    advance(&app, 3.0 * 86_400.0).await;
    // Within seven days of expiry: warned, at once.
    let types = |events: Vec<Value>| -> Vec<Value> {
        events.iter().map(|e| e["event_type"].clone()).collect()
    };
    assert_eq!(
        types(app.events(ACCOUNT).await),
        [json!("api_key.created"), json!("api_key.expiring")]
    );
    assert_eq!(
        app.get("/client-tokens", secret).await.status(),
        StatusCode::OK
    );
    advance(&app, 6.0 * 86_400.0).await;
    let refused = expect_json(
        app.get("/client-tokens", secret).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(refused["error"]["code"], "invalid_token");
    let events = app.events(ACCOUNT).await;
    assert_eq!(events[2]["event_type"], "api_key.expired");
    assert_eq!(events[2]["occurred_at"], "2030-01-10T00:00:00.000000Z");
    assert_eq!(events[2]["data"]["status"], "expired");
}

async fn rotation_grace_follows_the_clock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    set_clock(
        &app,
        json!({ "frozen": true, "now": "2030-01-01T00:00:00Z" }),
    )
    .await;
    let key = app.make_key(ACCOUNT, key_body(None)).await;
    let (id, old) = (key["id"].as_str().unwrap(), key["key"].as_str().unwrap());
    let path = format!("/api-keys/{id}/rotations");
    let rotate = app
        .request(Method::POST, &path, old)
        .json(&json!({ "grace_period_seconds": 60 }));
    let rotation = expect_data(rotate.send().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(rotation["created_at"], "2030-01-01T00:00:00.000000Z");
    let new = rotation["new_key"].as_str().unwrap();
    assert_eq!(
        app.get("/client-tokens", new).await.status(),
        StatusCode::OK
    );
    advance(&app, 59.0).await;
    assert_eq!(
        app.get("/client-tokens", old).await.status(),
        StatusCode::OK
    );
    advance(&app, 1.0).await;
    assert_eq!(
        app.get("/client-tokens", old).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/client-tokens", new).await.status(),
        StatusCode::OK
    );
}

async fn webhooks_carry_the_accounts_instants_but_sign_with_real_time(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let mut receiver = Receiver::start(&[200]).await;
    set_clock(
        &app,
        json!({ "frozen": true, "now": "2030-01-01T00:00:00Z" }),
    )
    .await;
    let setting = app
        .make_setting(ACCOUNT, &receiver.url, &["client_token.created"])
        .await;
    let key = app.make_key(ACCOUNT, key_body(None)).await;
    app.create_with(key["key"].as_str().unwrap(), json!({ "name": "hooked" }))
        .await;
    let received = receiver.next().await;
    assert_eq!(
        received.json()["occurred_at"],
        "2030-01-01T00:00:00.000000Z"
    );
    assert_signed(&received, setting["endpoint_secret_key"].as_str().unwrap());
}

async fn bad_clock_changes_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    set_clock(
        &app,
        json!({ "frozen": true, "now": "2030-01-01T00:00:00Z" }),
    )
    .await;
    let path = format!("/accounts/{ACCOUNT}/clock");
    for (body, field, message) in [
        (
            json!({ "now": "2030-01-01T00:00:00Z" }),
            "(root)",
            "frozen is required",
        ),
        (
            json!({ "frozen": "yes" }),
            "frozen",
            "Invalid type. Expected: boolean, given: string",
        ),
        (
            json!({ "frozen": true, "now": "soon" }),
            "now",
            "Does not match format 'date-time'",
        ),
    ] {
        let response = app
            .admin(Method::PUT, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let error = expect_json(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(
            error["error"]["errors"],
            json!([{ "field": field, "message": message }])
        );
    }
    let advance_path = format!("{path}/advance");
    for seconds in [json!(-1), json!("60"), json!(1e12)] {
        let body = json!({ "seconds": seconds });
        let response = app
            .admin(Method::POST, &advance_path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let error = expect_json(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error["error"]["code"], "bad_request", "{seconds}");
    }
    let shown = app.admin(Method::GET, &path).send().await.unwrap();
    assert_eq!(
        expect_data(shown, StatusCode::OK).await["now"],
        "2030-01-01T00:00:00.000000Z"
    );
    let unknown = app
        .admin(Method::GET, "/accounts/nobody/clock")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
