//! API key events that no request of the key causes: `api_key.expiring` and
//! `api_key.expired` from the expiry sweep (once each, even with two
//! replicas sweeping). Exposures are in `api_key_exposures.rs`.

use std::collections::HashSet;
use std::time::Duration;

use paddock::app::ServeOptions;
use paddock::domain::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, Backend, Receiver, TestApp, expect_data};
use crate::webhooks::{assert_prefixed_ulid, fast_retries};
use crate::{on_both_backends, postgres_only};

on_both_backends!(
    expiring_and_expired_are_each_delivered_once_per_expiry,
    the_background_sweep_sends_notices_on_its_own,
);
postgres_only!(two_replicas_sweeping_at_once_send_each_notice_once);

pub(crate) const ACCOUNT: &str = "acme";
const NOTICES: [&str; 2] = ["api_key.expiring", "api_key.expired"];

/// `now` moved by `seconds`, as the API writes timestamps.
fn in_seconds(seconds: i64) -> String {
    let at = Timestamp::now().checked_add(time::Duration::seconds(seconds));
    at.unwrap().to_string()
}

const DAY: i64 = 86_400;

/// Makes a key in [`ACCOUNT`]'s sandbox through the admin API; returns the
/// admin API's view of it, with `key`.
pub(crate) async fn key(app: &TestApp, expires_at: Option<String>) -> Value {
    let response = app
        .admin(Method::POST, &format!("/accounts/{ACCOUNT}/api-keys"))
        .json(&json!({
            "permissions": ["client_token.read", "api_key.read"],
            "expires_at": expires_at,
        }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await
}

/// A setting of [`ACCOUNT`]'s for `events`; returns it.
pub(crate) async fn setting(app: &TestApp, destination: &str, events: &[&str]) -> Value {
    let response = app
        .admin(
            Method::POST,
            &format!("/accounts/{ACCOUNT}/notification-settings"),
        )
        .json(&json!({ "destination": destination, "subscribed_events": events }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await
}

/// Runs a sweep through the admin API of the server at `address`; returns
/// what it sent.
async fn sweep_on(client: &reqwest::Client, address: &str) -> Value {
    let response = client
        .post(format!("http://{address}/__paddock/api-keys/expiry-sweep"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::OK).await
}

async fn sweep(app: &TestApp) -> Value {
    sweep_on(&app.client, &app.address.to_string()).await
}

/// A sweep's answer, with only the keys in `ours` (the harness's own keys,
/// in the default account, include an expired one).
fn only(swept: &Value, ours: &[String]) -> Value {
    let keep = |field: &str| -> Vec<Value> {
        let ids = swept[field].as_array().unwrap().iter();
        ids.filter(|id| ours.iter().any(|ours| id.as_str() == Some(ours)))
            .cloned()
            .collect()
    };
    json!({ "expired": keep("expired"), "expiring": keep("expiring") })
}

pub(crate) fn id(key: &Value) -> &str {
    key["id"].as_str().unwrap()
}

/// The admin API's view of a key, by id.
pub(crate) async fn admin_view(app: &TestApp, key_id: &str) -> Value {
    let response = app
        .admin(Method::GET, &format!("/accounts/{ACCOUNT}/api-keys"))
        .send()
        .await
        .unwrap();
    let keys = expect_data(response, StatusCode::OK).await;
    let found = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|key| id(key) == key_id);
    found.cloned().unwrap()
}

async fn expiring_and_expired_are_each_delivered_once_per_expiry(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let soon = key(&app, Some(in_seconds(3 * DAY))).await;
    let past = key(&app, Some(in_seconds(-1))).await;
    let later = key(&app, Some(in_seconds(30 * DAY))).await;
    let never = key(&app, None).await;
    let revoked = key(&app, Some(in_seconds(-1))).await;
    let revoke = format!("/api-keys/{}/revoke", id(&revoked));
    let response = app.admin(Method::POST, &revoke).send().await.unwrap();
    expect_data(response, StatusCode::OK).await;
    let mut receiver = Receiver::start(&[]).await;
    setting(&app, &receiver.url, &NOTICES).await;

    let swept = sweep(&app).await;
    let ours = [&soon, &past, &later, &never, &revoked].map(|key| id(key).to_owned());
    assert_eq!(
        only(&swept, &ours),
        json!({ "expired": [id(&past)], "expiring": [id(&soon)] }),
        "none for a key far from expiry, without one, or revoked"
    );
    let mut bodies = [receiver.next().await.json(), receiver.next().await.json()];
    bodies.sort_by_key(|body| body["event_type"].as_str().unwrap().to_owned());
    let (expired, expiring) = (&bodies[0], &bodies[1]);
    assert_eq!(expired["event_type"], "api_key.expired");
    assert_eq!(expired["data"]["id"], id(&past));
    assert_eq!(expired["data"]["status"], "expired");
    assert_eq!(expired["data"]["expires_at"], past["expires_at"]);
    assert_eq!(expiring["event_type"], "api_key.expiring");
    assert_eq!(expiring["data"]["id"], id(&soon));
    assert_eq!(expiring["data"]["status"], "active");
    assert_eq!(expiring["data"]["expires_at"], soon["expires_at"]);
    for body in [expired, expiring] {
        assert_prefixed_ulid(&body["event_id"], "evt_");
        let key = body["data"]["key"].as_str().unwrap();
        assert!(key.starts_with("pdl_sdbx_apikey_") && key.ends_with("****"));
        assert_eq!(body["data"]["rotatable"], false);
    }

    // Not again, however often the sweep runs.
    assert_eq!(sweep(&app).await, json!({ "expired": [], "expiring": [] }));
    receiver
        .expect_nothing_for(Duration::from_millis(300))
        .await;

    // A new expiry (a completed rotation can set one) gets notices of its own.
    let moved = in_seconds(2 * DAY);
    let update = format!(
        "update api_keys set expires_at = '{moved}' where id = '{}'",
        id(&soon)
    );
    app.execute(&update, &update).await;
    let swept = sweep(&app).await;
    assert_eq!(swept, json!({ "expired": [], "expiring": [id(&soon)] }));
    let again = receiver.next().await.json();
    assert_eq!(again["event_type"], "api_key.expiring");
    assert_eq!(again["data"]["expires_at"], moved.as_str());
}

async fn the_background_sweep_sends_notices_on_its_own(backend: Backend) {
    let options = ServeOptions {
        key_sweep_interval: Duration::from_millis(50),
        ..fast_retries()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let mut receiver = Receiver::start(&[]).await;
    setting(&app, &receiver.url, &NOTICES).await;
    let expired = key(&app, Some(in_seconds(-1))).await;
    let body = receiver.next().await.json();
    assert_eq!(body["event_type"], "api_key.expired");
    assert_eq!(body["data"]["id"], id(&expired));
    // Some ten sweeps later, still only the one.
    receiver
        .expect_nothing_for(Duration::from_millis(500))
        .await;
}

async fn two_replicas_sweeping_at_once_send_each_notice_once() {
    let options = ServeOptions {
        key_sweep_interval: Duration::from_millis(20),
        ..fast_retries()
    };
    let app = TestApp::spawn_with(Backend::Postgres, options).await;
    let other = app.replica().await.to_string();
    let mut receiver = Receiver::start(&[]).await;
    setting(&app, &receiver.url, &NOTICES).await;
    let mut expected = HashSet::new();
    for n in 0..10 {
        let expired = key(&app, Some(in_seconds(-1 - n))).await;
        expected.insert(("api_key.expired".to_owned(), id(&expired).to_owned()));
        let expiring = key(&app, Some(in_seconds(DAY + n))).await;
        expected.insert(("api_key.expiring".to_owned(), id(&expiring).to_owned()));
    }
    // Both replicas' background sweeps, and eight more at once on each.
    let mut sweeps = tokio::task::JoinSet::new();
    let this = app.address.to_string();
    for n in 0..16 {
        let address = if n % 2 == 0 {
            this.clone()
        } else {
            other.clone()
        };
        let client = app.client.clone();
        sweeps.spawn(async move { sweep_on(&client, &address).await });
    }
    let mut claimed = Vec::new();
    while let Some(swept) = sweeps.join_next().await {
        let swept = swept.unwrap();
        for (notice, field) in NOTICES.iter().zip(["expiring", "expired"]) {
            for key in swept[field].as_array().unwrap() {
                claimed.push((notice.to_string(), key.as_str().unwrap().to_owned()));
            }
        }
    }
    let unique: HashSet<_> = claimed.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        claimed.len(),
        "no sweep sent what another did"
    );

    let mut received = HashSet::new();
    for _ in 0..expected.len() {
        let body = receiver.next().await.json();
        let notice = (
            body["event_type"].as_str().unwrap().to_owned(),
            id(&body["data"]).to_owned(),
        );
        assert!(received.insert(notice), "each notice once");
    }
    assert_eq!(received, expected);
    receiver
        .expect_nothing_for(Duration::from_millis(500))
        .await;
    let count = "select cast(count(*) as text) from events \
                 where event_type in ('api_key.expired', 'api_key.expiring') and account = 'acme'";
    assert_eq!(app.query_strings(count).await, ["20"]);
}
