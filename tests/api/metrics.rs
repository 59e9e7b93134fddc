//! `/metrics` beyond requests: bounded labels, and webhook deliveries
//! (attempts by outcome, the pending queue and its oldest entry's age).

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use paddock::domain::RetryPolicy;
use reqwest::{Method, StatusCode};

use crate::helpers::{Backend, Receiver, TestApp, default_options};
use crate::on_both_backends;
use crate::operations::sample;
use crate::webhooks::setting;

on_both_backends!(delivery_attempts_and_the_pending_queue_are_measured);

pub(crate) async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// Scrapes until `name_and_labels` reads `want`: an attempt is counted
/// just after the receiver has seen it.
async fn wait_for_sample(app: &TestApp, name_and_labels: &str, want: f64) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(app).await;
        if sample(&text, name_and_labels) == Some(want) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{name_and_labels} never reached {want}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn invented_methods_are_counted_as_one_label_value() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for invented in ["FROB", "XYZZY", "PLUGH"] {
        let method = Method::from_bytes(invented.as_bytes()).unwrap();
        let response = app
            .request(method, "/client-tokens", &app.keys.sandbox)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_IMPLEMENTED);
    }
    let text = scrape(&app).await;
    let other: Vec<&str> = (text.lines())
        .filter(|line| line.starts_with("paddock_http_requests_total{method=\"other\""))
        .collect();
    assert_eq!(other.len(), 1, "one series for all three:\n{text}");
    assert!(other[0].ends_with(" 3"), "{}", other[0]);
    for invented in ["FROB", "XYZZY", "PLUGH"] {
        assert!(!text.contains(invented), "{text}");
    }
}

const ATTEMPTS: &str = "paddock_webhook_delivery_attempts_total";
const PENDING: &str = "paddock_webhook_deliveries_pending";
const OLDEST: &str = "paddock_webhook_oldest_pending_age_seconds";

fn attempts(outcome: &str) -> String {
    format!("{ATTEMPTS}{{outcome=\"{outcome}\"}}")
}

async fn delivery_attempts_and_the_pending_queue_are_measured(backend: Backend) {
    // Two attempts per delivery, the second long enough after the first
    // to see the delivery pending in between.
    let options = ServeOptions {
        retry: RetryPolicy {
            base: Duration::from_millis(1500),
            factor: 1.0,
            max_attempts: 2,
        },
        dispatch_poll: Duration::from_millis(20),
        ..default_options()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let text = scrape(&app).await;
    for outcome in ["delivered", "retrying", "failed"] {
        assert_eq!(sample(&text, &attempts(outcome)), Some(0.0), "{text}");
    }
    assert_eq!(sample(&text, PENDING), Some(0.0), "{text}");
    assert_eq!(sample(&text, OLDEST), Some(0.0), "{text}");

    // A receiver that always fails: one retry, then the delivery fails.
    let mut failing = Receiver::start(&[500, 500]).await;
    setting(&app, &failing.url, &["client_token.created"]).await;
    let token = app.create("Measured").await;
    failing.next().await;
    let text = wait_for_sample(&app, &attempts("retrying"), 1.0).await;
    assert_eq!(sample(&text, PENDING), Some(1.0), "{text}");
    assert!(
        sample(&text, OLDEST).is_some_and(|age| age > 0.0 && age < 10.0),
        "{text}"
    );
    failing.next().await;
    wait_for_sample(&app, &attempts("failed"), 1.0).await;
    // Counted as the outcome is known, a moment before it is stored.
    let text = wait_for_sample(&app, PENDING, 0.0).await;
    assert_eq!(sample(&text, OLDEST), Some(0.0), "{text}");
    assert_eq!(sample(&text, &attempts("delivered")), Some(0.0));

    // A receiver that answers 200 at once.
    let mut working = Receiver::start(&[]).await;
    setting(&app, &working.url, &["client_token.revoked"]).await;
    app.revoke(token["id"].as_str().unwrap()).await;
    working.next().await;
    wait_for_sample(&app, &attempts("delivered"), 1.0).await;
    let text = wait_for_sample(&app, PENDING, 0.0).await;
    assert_eq!(sample(&text, &attempts("retrying")), Some(1.0));
    assert_eq!(sample(&text, &attempts("failed")), Some(1.0));
    assert_eq!(sample(&text, &attempts("delivered")), Some(1.0));
}
