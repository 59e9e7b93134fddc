//! Sends notifications: takes due deliveries from the outbox, POSTs each
//! signed like Paddle, records the outcome and retries with backoff. A
//! request that caused an event never waits for this, and never fails
//! because a destination is down. The store's doorbell wakes it after a
//! commit that queued deliveries; it polls too, for retries and for what
//! other replicas queued.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::domain::{DeliveryStatus, NotificationBody, RetryPolicy, Timestamp, signature};
use crate::http::{DeliveryMetrics, DeliveryOutcome};
use crate::secrets::SecretBox;
use crate::store::{AttemptOutcome, Doorbell, DueDelivery, Store, StoreError};
use crate::tls::{ExtraRoots, describe_tls_failure};

/// Paddle counts a delivery as failed without a 2xx within 5 seconds.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a claimed delivery is ours: well past the timeout, so a live
/// sender is never raced, and a dead one's work is retried soon after.
const LEASE: Duration = Duration::from_secs(30);
const BATCH: u32 = 32;
/// Writes come in bursts, each that queued deliveries ringing the doorbell:
/// the dispatcher gathers a burst's rings for this long rather than
/// claiming (a write on the database) after each.
const GATHER: Duration = Duration::from_millis(5);

#[derive(Clone)]
pub struct Dispatcher {
    store: Arc<dyn Store>,
    client: reqwest::Client,
    secrets: SecretBox,
    policy: RetryPolicy,
    doorbell: Doorbell,
    poll_interval: Duration,
    metrics: DeliveryMetrics,
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn Store>,
        secrets: SecretBox,
        policy: RetryPolicy,
        poll_interval: Duration,
        extra_roots: &ExtraRoots,
    ) -> Self {
        let client = client(extra_roots, true).unwrap_or_else(|error| {
            // Only a platform store with no usable certificate fails here:
            // deliveries then trust the extra roots alone.
            tracing::error!(%error, "can't load the platform's CA certificates");
            client(extra_roots, false).expect("a client without platform roots always builds")
        });
        Self {
            doorbell: store.doorbell(),
            store,
            client,
            secrets,
            policy,
            poll_interval,
            metrics: DeliveryMetrics::default(),
        }
    }

    /// Counts attempts in `metrics` (the server's, for `/metrics`).
    pub fn with_metrics(mut self, metrics: DeliveryMetrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Sends what is due until `stop` turns true: at once when the doorbell
    /// rings, and every poll interval for retries (and deliveries other
    /// replicas queued).
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            match self.send_due().await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(error) => tracing::warn!(%error, "can't read due notifications"),
            }
            tokio::select! {
                () = self.doorbell.rung() => tokio::time::sleep(GATHER).await,
                () = tokio::time::sleep(self.poll_interval) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// Sends one batch of due deliveries concurrently; returns how many.
    async fn send_due(&self) -> Result<usize, StoreError> {
        let now = Timestamp::now();
        let lease_until = add(now, LEASE);
        self.metrics.record_claim();
        let due = self
            .store
            .claim_due_deliveries(now, lease_until, BATCH)
            .await?;
        let count = due.len();
        let mut sends = JoinSet::new();
        for delivery in due {
            let this = self.clone();
            sends.spawn(async move { this.send(delivery).await });
        }
        while sends.join_next().await.is_some() {}
        Ok(count)
    }

    async fn send(&self, delivery: DueDelivery) {
        let outcome = self.attempt(&delivery).await;
        let attempts = delivery.attempts + 1;
        let outcome = match outcome {
            Ok(code) => {
                tracing::info!(notification_id = %delivery.notification_id, status = code, "notification delivered");
                self.metrics.record(DeliveryOutcome::Delivered);
                AttemptOutcome {
                    status: DeliveryStatus::Delivered,
                    next_attempt_at: None,
                    response_code: Some(code),
                    error: None,
                    delivered_at: Some(Timestamp::now()),
                }
            }
            Err((code, error)) => {
                let retry = self.policy.delay_after(attempts);
                tracing::warn!(
                    notification_id = %delivery.notification_id,
                    attempts,
                    %error,
                    will_retry = retry.is_some(),
                    "notification not delivered"
                );
                self.metrics.record(if retry.is_some() {
                    DeliveryOutcome::Retrying
                } else {
                    DeliveryOutcome::Failed
                });
                AttemptOutcome {
                    status: if retry.is_some() {
                        DeliveryStatus::Pending
                    } else {
                        DeliveryStatus::Failed
                    },
                    next_attempt_at: retry.map(|delay| add(Timestamp::now(), delay)),
                    response_code: code,
                    error: Some(error),
                    delivered_at: None,
                }
            }
        };
        if let Err(error) = self
            .store
            .record_delivery_attempt(&delivery.notification_id, &outcome)
            .await
        {
            // The lease runs out and the delivery is tried again.
            tracing::warn!(%error, notification_id = %delivery.notification_id, "can't record a delivery attempt");
        }
    }

    /// POSTs the notification; `Ok(status)` for a 2xx, else the status (if
    /// any) and what went wrong.
    async fn attempt(&self, delivery: &DueDelivery) -> Result<u16, (Option<u16>, String)> {
        let secret = self.secrets.open(&delivery.sealed_secret).ok_or((
            None,
            "the setting's secret can't be decrypted with this PADDOCK_SECRET_KEY".to_owned(),
        ))?;
        let body = serde_json::to_vec(&NotificationBody {
            event_id: &delivery.event_id,
            event_type: delivery.event_type,
            occurred_at: delivery.occurred_at,
            notification_id: &delivery.notification_id,
            data: &delivery.data,
        })
        .map_err(|error| (None, error.to_string()))?;
        let header = signature(&secret, Timestamp::now().unix_seconds(), &body);
        let response = self
            .client
            .post(&delivery.destination)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Paddle-Signature", header)
            .body(body)
            .send()
            .await
            .map_err(|error| (None, describe(error)))?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err((Some(status.as_u16()), format!("answered {status}")))
        }
    }
}

/// The client deliveries go out on: `https://` verified against the
/// platform's roots (and the extra ones), never following redirects.
fn client(extra_roots: &ExtraRoots, platform_roots: bool) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .connect_timeout(DELIVERY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .tls_built_in_root_certs(platform_roots)
        // `Paddle-Signature`, as Paddle writes it, for handlers that
        // look headers up case-sensitively.
        .http1_title_case_headers()
        .user_agent(concat!("paddock/", env!("CARGO_PKG_VERSION")));
    for root in extra_roots.certificates() {
        builder = builder.add_root_certificate(root.clone());
    }
    builder.build()
}

fn add(at: Timestamp, duration: Duration) -> Timestamp {
    at.checked_add(time::Duration::try_from(duration).unwrap_or(time::Duration::MAX))
        .unwrap_or(at)
}

/// A transport error, without the URL (it may carry credentials).
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out after 5 s".to_owned()
    } else if let Some(tls) = describe_tls_failure(&error) {
        tls
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        error.without_url().to_string()
    }
}
