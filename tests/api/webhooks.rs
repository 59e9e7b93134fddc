//! Notifications: every change emits Paddle's events, delivered to a real
//! receiver, signed so Paddle's verifiers accept them, retried until they
//! land, never for a failed request.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use paddock::app::ServeOptions;
use paddock::domain::RetryPolicy;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{Backend, Received, Receiver, TestApp, default_options, expect_data};
use crate::on_both_backends;

on_both_backends!(
    each_event_arrives_with_paddles_body_and_a_valid_signature,
    a_failing_receiver_gets_retries_with_growing_gaps_then_success,
    a_failed_request_emits_no_event,
    only_active_subscribed_settings_of_the_owner_are_notified,
    a_delivery_pending_when_paddock_is_killed_is_sent_after_a_restart,
);

pub(crate) const ALL_EVENTS: [&str; 3] = [
    "client_token.created",
    "client_token.updated",
    "client_token.revoked",
];

/// Fast retries, and a dispatcher that looks often, so tests don't wait.
pub(crate) fn fast_retries() -> ServeOptions {
    ServeOptions {
        retry: RetryPolicy {
            base: Duration::from_millis(200),
            factor: 2.0,
            max_attempts: 5,
        },
        dispatch_poll: Duration::from_millis(20),
        ..default_options()
    }
}

/// Creates a setting for the default account's sandbox; returns it with its secret.
pub(crate) async fn setting(app: &TestApp, destination: &str, events: &[&str]) -> Value {
    let response = app
        .admin(Method::POST, "/accounts/default/notification-settings")
        .json(&json!({ "destination": destination, "subscribed_events": events }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await
}

/// Checks `Paddle-Signature` with an HMAC computed here, not by paddock.
pub(crate) fn assert_signed(received: &Received, secret: &str) {
    let header = received.headers["paddle-signature"].to_str().unwrap();
    let (ts, h1) = header
        .strip_prefix("ts=")
        .and_then(|rest| rest.split_once(";h1="))
        .unwrap_or_else(|| panic!("{header}"));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}:").as_bytes());
    mac.update(&received.body);
    assert_eq!(h1, hex::encode(mac.finalize().into_bytes()), "signature");
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - ts.parse::<i64>().unwrap();
    assert!(
        (0..5).contains(&age),
        "fresh enough for the SDKs' 5 s tolerance"
    );
    assert_eq!(received.headers["content-type"], "application/json");
}

pub(crate) fn assert_prefixed_ulid(value: &Value, prefix: &str) {
    let text = value.as_str().unwrap();
    let ulid = text
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        ulid.len() == 26
            && ulid
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    );
}

async fn each_event_arrives_with_paddles_body_and_a_valid_signature(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let mut receiver = Receiver::start(&[]).await;
    let created_setting = setting(&app, &receiver.url, &ALL_EVENTS).await;
    let secret = created_setting["endpoint_secret_key"].as_str().unwrap();
    assert!(secret.starts_with(&format!(
        "pdl_ntfset_{}_",
        &created_setting["id"].as_str().unwrap()[7..]
    )));

    let token = app.create("Notified").await;
    let created = receiver.next().await;
    assert_signed(&created, secret);
    let body = created.json();
    let mut fields: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "data",
            "event_id",
            "event_type",
            "notification_id",
            "occurred_at"
        ]
    );
    assert_eq!(body["event_type"], "client_token.created");
    assert_eq!(body["data"], token);
    assert_eq!(body["occurred_at"], token["created_at"]);
    assert_prefixed_ulid(&body["event_id"], "evt_");
    assert_prefixed_ulid(&body["notification_id"], "ntf_");

    let revoked = expect_data(
        app.revoke(token["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    let mut bodies = vec![receiver.next().await, receiver.next().await];
    for received in &bodies {
        assert_signed(received, secret);
    }
    bodies.sort_by_key(|received| received.json()["event_id"].as_str().unwrap().to_owned());
    let (first, second) = (bodies[0].json(), bodies[1].json());
    assert_eq!(
        first["event_type"], "client_token.revoked",
        "revoked, then updated"
    );
    assert_eq!(second["event_type"], "client_token.updated");
    for body in [&first, &second] {
        assert_eq!(body["data"], revoked);
        assert_eq!(body["occurred_at"], revoked["revoked_at"]);
    }
    assert_ne!(first["notification_id"], second["notification_id"]);
    // Revoking again changes nothing and emits nothing.
    expect_data(
        app.revoke(token["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    receiver
        .expect_nothing_for(Duration::from_millis(300))
        .await;
}

async fn a_failing_receiver_gets_retries_with_growing_gaps_then_success(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let mut receiver = Receiver::start(&[500, 503, 404]).await;
    let created_setting = setting(&app, &receiver.url, &["client_token.created"]).await;
    let started = Instant::now();
    app.create("Persistent").await;
    let attempts: Vec<Received> = vec![
        receiver.next().await,
        receiver.next().await,
        receiver.next().await,
        receiver.next().await,
    ];
    let first = attempts[0].json();
    for attempt in &attempts {
        assert_eq!(
            attempt.json(),
            first,
            "every attempt sends the same notification"
        );
    }
    assert!(
        attempts[0].at - started < Duration::from_secs(2),
        "the first attempt is prompt"
    );
    let gaps: Vec<Duration> = attempts
        .windows(2)
        .map(|pair| pair[1].at - pair[0].at)
        .collect();
    assert!(gaps[0] >= Duration::from_millis(200), "{gaps:?}");
    assert!(
        gaps[1] > gaps[0] && gaps[2] > gaps[1],
        "gaps grow: {gaps:?}"
    );
    receiver
        .expect_nothing_for(Duration::from_millis(300))
        .await;

    let id = created_setting["id"].as_str().unwrap();
    let response = app
        .admin(
            Method::GET,
            &format!("/notification-settings/{id}/deliveries"),
        )
        .send()
        .await
        .unwrap();
    let deliveries = expect_data(response, StatusCode::OK).await;
    let delivery = &deliveries[0];
    assert_eq!(deliveries.as_array().unwrap().len(), 1);
    assert_eq!(delivery["status"], "delivered");
    assert_eq!(delivery["attempts"], 4);
    assert_eq!(delivery["last_response_code"], 200);
    assert_eq!(delivery["notification_id"], first["notification_id"]);
    assert_eq!(delivery["event_id"], first["event_id"]);
    assert!(delivery["delivered_at"].is_string());
}

async fn a_failed_request_emits_no_event(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let mut receiver = Receiver::start(&[]).await;
    setting(&app, &receiver.url, &ALL_EVENTS).await;
    let invalid = app
        .request(Method::POST, "/client-tokens", &app.keys.sandbox)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    let forbidden = app
        .request(Method::POST, "/client-tokens", &app.keys.read_only)
        .json(&json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let missing = app.revoke("ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    receiver
        .expect_nothing_for(Duration::from_millis(300))
        .await;
    let events = app
        .admin(Method::GET, "/accounts/default/events")
        .send()
        .await
        .unwrap();
    assert_eq!(expect_data(events, StatusCode::OK).await, json!([]));
}

async fn only_active_subscribed_settings_of_the_owner_are_notified(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let mut subscribed = Receiver::start(&[]).await;
    let mut revocations_only = Receiver::start(&[]).await;
    let mut inactive = Receiver::start(&[]).await;
    let mut live = Receiver::start(&[]).await;
    let mut other_account = Receiver::start(&[]).await;
    setting(&app, &subscribed.url, &["client_token.created"]).await;
    setting(&app, &revocations_only.url, &["client_token.revoked"]).await;
    let paused = setting(&app, &inactive.url, &ALL_EVENTS).await;
    let id = paused["id"].as_str().unwrap();
    let response = app
        .admin(Method::PATCH, &format!("/notification-settings/{id}"))
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(expect_data(response, StatusCode::OK).await["active"], false);
    for (account, environment, receiver) in [
        ("default", "live", &live),
        ("other", "sandbox", &other_account),
    ] {
        let response = app
            .admin(Method::POST, &format!("/accounts/{account}/notification-settings"))
            .json(&json!({ "destination": receiver.url, "subscribed_events": ALL_EVENTS, "environment": environment }))
            .send()
            .await
            .unwrap();
        expect_data(response, StatusCode::CREATED).await;
    }

    app.create("Sandbox token").await;
    assert_eq!(
        subscribed.next().await.json()["event_type"],
        "client_token.created"
    );
    for receiver in [
        &mut revocations_only,
        &mut inactive,
        &mut live,
        &mut other_account,
    ] {
        receiver
            .expect_nothing_for(Duration::from_millis(200))
            .await;
    }
}

async fn a_delivery_pending_when_paddock_is_killed_is_sent_after_a_restart(backend: Backend) {
    use crate::helpers::{ADMIN_TOKEN, Database, Paddock};

    let database = Database::create(backend).await;
    let data_dir = tempfile::tempdir().unwrap();
    let key = "pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_killTestKey";
    let url = database.url();
    let data_dir_path = data_dir.path().display().to_string();
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("PADDOCK_DATA_DIR", data_dir_path.as_str()),
        ("PADDOCK_ADMIN_TOKEN", ADMIN_TOKEN),
        ("PADDOCK_API_KEYS", &format!("{key}=client_token.write")),
        ("PADDOCK_WEBHOOK_RETRY_BASE", "0.2"),
    ]
    .map(|(name, value)| (name, value.to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();

    // A destination that refuses connections for now.
    let parked = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let destination = parked.local_addr().unwrap();
    drop(parked);

    let first = Paddock::start(&env);
    let client = reqwest::Client::new();
    let base = first.base.clone();
    let created = client
        .post(format!("{base}/__paddock/accounts/default/notification-settings"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "destination": format!("http://{destination}/webhooks"), "subscribed_events": ["client_token.created"] }))
        .send()
        .await
        .unwrap();
    let setting = expect_data(created, StatusCode::CREATED).await;
    let token = client
        .post(format!("{base}/client-tokens"))
        .bearer_auth(key)
        .json(&json!({ "name": "Outlives a crash" }))
        .send()
        .await
        .unwrap();
    let token = expect_data(token, StatusCode::CREATED).await;

    // Wait until an attempt has failed: the delivery is pending in the outbox.
    let deliveries_url = format!(
        "{base}/__paddock/notification-settings/{}/deliveries",
        setting["id"].as_str().unwrap()
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = client
            .get(&deliveries_url)
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        let deliveries = expect_data(response, StatusCode::OK).await;
        if deliveries[0]["attempts"].as_u64() >= Some(1) {
            assert_eq!(deliveries[0]["status"], "pending");
            break;
        }
        assert!(Instant::now() < deadline, "no failed attempt recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill();

    let listener = tokio::net::TcpListener::bind(destination).await.unwrap();
    let mut receiver = Receiver::start_on(listener, &[]);
    let _second = Paddock::start(&env);
    let received = receiver.next().await.json();
    assert_eq!(received["event_type"], "client_token.created");
    assert_eq!(received["data"], token);
}
