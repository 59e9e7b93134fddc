//! Notifications to `https://` destinations: certificates are verified,
//! against the platform's roots and a CA file the operator names
//! (`PADDOCK_WEBHOOK_CA_FILE`), and a certificate no one vouches for fails
//! the delivery with an error that says so.

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use paddock::domain::RetryPolicy;
use paddock::tls::ExtraRoots;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Backend, Receiver, ServerIdentity, TestApp, TestCa, expect_data};
use crate::on_both_backends;
use crate::webhooks::{assert_signed, fast_retries, setting};

on_both_backends!(
    an_https_receiver_whose_ca_is_trusted_gets_signed_deliveries,
    an_untrusted_certificate_fails_every_attempt_with_a_certificate_error,
);

/// Fast retries, trusting `ca` for webhook destinations as
/// `PADDOCK_WEBHOOK_CA_FILE` would.
fn trusting(ca_file: &std::path::Path, max_attempts: u32) -> ServeOptions {
    let fast = fast_retries();
    ServeOptions {
        webhook_roots: ExtraRoots::from_pem_file(ca_file).unwrap(),
        retry: RetryPolicy {
            max_attempts,
            ..fast.retry
        },
        ..fast
    }
}

/// The setting's one delivery, once it has reached `status`.
async fn delivery_when(app: &TestApp, setting_id: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = app
            .admin(
                Method::GET,
                &format!("/notification-settings/{setting_id}/deliveries"),
            )
            .send()
            .await
            .unwrap();
        let deliveries = expect_data(response, StatusCode::OK).await;
        if deliveries[0]["status"] == status {
            assert_eq!(deliveries.as_array().unwrap().len(), 1, "{deliveries}");
            return deliveries[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "no delivery {status} within 15 s: {deliveries}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn an_https_receiver_whose_ca_is_trusted_gets_signed_deliveries(backend: Backend) {
    let ca = TestCa::new();
    let ca_file = ca.pem_file();
    let app = TestApp::spawn_with(backend, trusting(ca_file.path(), 5)).await;
    let mut receiver = Receiver::start_tls(ca.issue(), &[]).await;
    assert!(receiver.url.starts_with("https://"), "{}", receiver.url);
    let created = setting(&app, &receiver.url, &["client_token.created"]).await;
    let secret = created["endpoint_secret_key"].as_str().unwrap();

    let token = app.create("Over TLS").await;
    let received = receiver.next().await;
    assert_signed(&received, secret);
    assert_eq!(received.json()["event_type"], "client_token.created");
    assert_eq!(received.json()["data"], token);

    let delivery = delivery_when(&app, created["id"].as_str().unwrap(), "delivered").await;
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_response_code"], 200);
    assert_eq!(receiver.tls_rejections(), 0);
}

async fn an_untrusted_certificate_fails_every_attempt_with_a_certificate_error(backend: Backend) {
    // A private CA is trusted, but it did not sign this receiver's certificate.
    let ca = TestCa::new();
    let ca_file = ca.pem_file();
    let app = TestApp::spawn_with(backend, trusting(ca_file.path(), 2)).await;
    let mut receiver = Receiver::start_tls(ServerIdentity::self_signed(), &[]).await;
    let created = setting(&app, &receiver.url, &["client_token.created"]).await;
    let setting_id = created["id"].as_str().unwrap();

    let token = app.create("Never delivered").await;
    let delivery = delivery_when(&app, setting_id, "failed").await;
    assert_eq!(delivery["attempts"], 2);
    assert_eq!(delivery["last_response_code"], Value::Null);
    assert_eq!(delivery["delivered_at"], Value::Null);
    let error = delivery["last_error"].as_str().unwrap();
    assert!(
        error.contains("invalid peer certificate") && error.contains("not trusted"),
        "{error}"
    );
    assert!(!error.contains("127.0.0.1"), "no URL in the error: {error}");
    // Each attempt reached the receiver and was turned away at the handshake:
    // nothing was sent over an unverified connection.
    receiver
        .expect_nothing_for(Duration::from_millis(200))
        .await;
    assert_eq!(receiver.tls_rejections(), 2);

    // Nothing else changed: the token is as created, the setting still active.
    let id = token["id"].as_str().unwrap();
    let response = app
        .get(&format!("/client-tokens/{id}"), &app.keys.sandbox)
        .await;
    assert_eq!(expect_data(response, StatusCode::OK).await, token);
    let response = app
        .admin(Method::GET, "/accounts/default/notification-settings")
        .send()
        .await
        .unwrap();
    let settings = expect_data(response, StatusCode::OK).await;
    assert_eq!(settings[0]["id"], setting_id);
    assert_eq!(settings[0]["active"], true);
}
