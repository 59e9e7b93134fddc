//! The outbox's doorbell: whatever commits a write's events queues their
//! deliveries and wakes the dispatcher, only when it queued one. The server
//! here polls once an hour, so a prompt delivery can only be the doorbell's
//! doing, and `/metrics` counts the dispatcher's claims (each a write), so
//! an event nobody subscribes to is seen to wake nothing.

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use paddock::domain::{EventType, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api_key_events::{ACCOUNT, id, key};
use crate::helpers::{Backend, Receiver, TestApp, default_options, expect_data};
use crate::metrics::scrape;
use crate::on_both_backends;
use crate::operations::sample;
use crate::rotations::{rotatable, rotated, status_with};
use crate::webhooks::ALL_EVENTS;

on_both_backends!(
    an_event_nobody_subscribes_to_queues_nothing_and_wakes_nothing,
    every_kind_of_write_reaches_two_subscribers_without_waiting_for_the_poll,
);

const CLAIMS: &str = "paddock_webhook_claims_total";

/// Longer than any test: only the doorbell sends anything.
fn polling_hourly() -> ServeOptions {
    ServeOptions {
        dispatch_poll: Duration::from_secs(3600),
        ..default_options()
    }
}

/// The dispatcher's claims so far, once it has made its first (at start).
async fn claims(app: &TestApp) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(app).await;
        match sample(&text, CLAIMS) {
            Some(claims) if claims >= 1.0 => return claims,
            _ => assert!(Instant::now() < deadline, "no claim at start:\n{text}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn an_event_nobody_subscribes_to_queues_nothing_and_wakes_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, polling_hourly()).await;
    let mut receiver = Receiver::start(&[]).await;
    // Settings that each miss the events below by one condition: another
    // type, inactive, another environment, another account.
    app.make_setting("default", &receiver.url, &["api_key.created"])
        .await;
    let inactive = json!({ "destination": receiver.url, "subscribed_events": ALL_EVENTS,
        "active": false });
    let path = "/accounts/default/notification-settings";
    let response = app.admin(Method::POST, path).json(&inactive).send().await;
    expect_data(response.unwrap(), StatusCode::CREATED).await;
    let live = json!({ "destination": receiver.url, "subscribed_events": ALL_EVENTS,
        "environment": "live" });
    let response = app.admin(Method::POST, path).json(&live).send().await;
    expect_data(response.unwrap(), StatusCode::CREATED).await;
    app.make_setting(ACCOUNT, &receiver.url, &ALL_EVENTS).await;
    let before = claims(&app).await;

    let token = app.create("Unheard").await;
    let revoked = app.revoke(token["id"].as_str().unwrap()).await;
    expect_data(revoked, StatusCode::OK).await;

    // Well past the dispatcher's gathering of rings (5 ms).
    receiver
        .expect_nothing_for(Duration::from_millis(500))
        .await;
    let text = scrape(&app).await;
    assert_eq!(sample(&text, CLAIMS), Some(before), "no claim ran:\n{text}");
    let pending = sample(&text, "paddock_webhook_deliveries_pending");
    assert_eq!(pending, Some(0.0), "nothing queued:\n{text}");
    let events = app.events("default").await;
    assert!(events.len() >= 3, "the events are recorded: {events:?}");
}

/// Every event type there is.
fn every_type() -> Vec<&'static str> {
    EventType::ALL.iter().map(|t| t.as_str()).collect()
}

/// Both receivers get `types` (in any order), well before any poll; returns
/// the first receiver's bodies.
async fn both_receive(receivers: &mut [Receiver; 2], types: &[&str]) -> Vec<Value> {
    let mut want: Vec<_> = types.to_vec();
    want.sort();
    let started = Instant::now();
    let mut first = Vec::new();
    for (n, receiver) in receivers.iter_mut().enumerate() {
        let mut bodies = Vec::new();
        for _ in types {
            bodies.push(receiver.next().await.json());
        }
        let mut got: Vec<_> = (bodies.iter())
            .map(|body| body["event_type"].as_str().unwrap().to_owned())
            .collect();
        got.sort();
        assert_eq!(got, want, "receiver {n}");
        if n == 0 {
            first = bodies;
        }
    }
    // An hour's poll would be far later; this allows a busy machine.
    assert!(started.elapsed() < Duration::from_secs(10), "{types:?}");
    first
}

async fn every_kind_of_write_reaches_two_subscribers_without_waiting_for_the_poll(
    backend: Backend,
) {
    let app = TestApp::spawn_with(backend, polling_hourly()).await;
    let mut receivers = [Receiver::start(&[]).await, Receiver::start(&[]).await];
    // The default account's own keys include an expired one, which the
    // sweep below reports: its settings hear of client tokens alone.
    for receiver in &receivers {
        app.make_setting("default", &receiver.url, &ALL_EVENTS)
            .await;
        app.make_setting(ACCOUNT, &receiver.url, &every_type())
            .await;
    }

    // Client tokens: a creation, then a revocation (the group commit).
    let token = app.create("Heard").await;
    let created = both_receive(&mut receivers, &["client_token.created"]).await;
    let revoked = app.revoke(token["id"].as_str().unwrap()).await;
    expect_data(revoked, StatusCode::OK).await;
    let revocation = ["client_token.revoked", "client_token.updated"];
    both_receive(&mut receivers, &revocation).await;

    // API keys: created, revoked.
    let made = key(&app, None).await;
    both_receive(&mut receivers, &["api_key.created"]).await;
    let revoke = format!("/api-keys/{}/revoke", id(&made));
    let response = app.admin(Method::POST, &revoke).send().await.unwrap();
    expect_data(response, StatusCode::OK).await;
    both_receive(&mut receivers, &["api_key.revoked", "api_key.updated"]).await;

    // Rotations: made, then completed by the new secret's first use.
    let (rotating, secret) = rotatable(&app, ACCOUNT).await;
    both_receive(&mut receivers, &["api_key.created"]).await;
    let rotation = rotated(&app, &rotating, &secret, 3600).await;
    both_receive(&mut receivers, &["api_key_rotation.created"]).await;
    let new_key = rotation["new_key"].as_str().unwrap();
    assert_eq!(status_with(&app, new_key).await, StatusCode::OK);
    both_receive(&mut receivers, &["api_key_rotation.updated"]).await;

    // An exposure (a low risk: the key stays).
    let exposure = json!({ "risk_level": "low", "reference": "https://example.com/leak" });
    let path = format!("/api-keys/{rotating}/exposures");
    let response = app.admin(Method::POST, &path).json(&exposure).send().await;
    expect_data(response.unwrap(), StatusCode::CREATED).await;
    both_receive(&mut receivers, &["api_key_exposure.created"]).await;

    // The expiry sweep: a key three days from its expiry.
    let soon = Timestamp::now().checked_add(time::Duration::days(3));
    let expiring = key(&app, Some(soon.unwrap().to_string())).await;
    both_receive(&mut receivers, &["api_key.created"]).await;
    let response = app
        .admin(Method::POST, "/api-keys/expiry-sweep")
        .send()
        .await
        .unwrap();
    let swept = expect_data(response, StatusCode::OK).await;
    assert!(
        swept["expiring"]
            .as_array()
            .unwrap()
            .contains(&json!(id(&expiring)))
    );
    both_receive(&mut receivers, &["api_key.expiring"]).await;

    // A replay of the first event.
    let event_id = created[0]["event_id"].as_str().unwrap();
    let replay = format!("/events/{event_id}/replay");
    let response = app.admin(Method::POST, &replay).send().await.unwrap();
    expect_data(response, StatusCode::OK).await;
    let replayed = both_receive(&mut receivers, &["client_token.created"]).await;
    assert_eq!(replayed[0]["event_id"], event_id);
}
