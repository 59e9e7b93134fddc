//! Prometheus metrics: requests and latency by route and status, the
//! database pool, and webhook deliveries. One registry per server, so
//! servers in one process (tests) don't mix their counts.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::AppState;
use super::error::Error;
use crate::domain::Timestamp;

/// How long a scrape waits for the delivery queue's numbers: a database in
/// trouble leaves them at their last value rather than stalling the scrape.
const QUEUE_QUERY_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// One of the registered methods, or `other`: a client inventing
    /// methods must not be able to multiply the series.
    method: &'static str,
    /// The route template (`/client-tokens/{client_token_id}`), never the raw
    /// path, so ids can't multiply the series; `unmatched` for unknown paths.
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttemptLabels {
    outcome: &'static str,
}

/// What one attempt to deliver a notification came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The destination answered 2xx.
    Delivered,
    /// It didn't; the delivery stays pending for a retry.
    Retrying,
    /// It didn't, and that was the last attempt.
    Failed,
}

impl DeliveryOutcome {
    const ALL: [Self; 3] = [Self::Delivered, Self::Retrying, Self::Failed];

    fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
        }
    }
}

/// The dispatcher's handle on the delivery counters; cloning shares them.
#[derive(Clone, Debug, Default)]
pub struct DeliveryMetrics {
    attempts: Family<AttemptLabels, Counter>,
    claims: Counter,
}

impl DeliveryMetrics {
    /// The dispatcher is about to claim due deliveries (a write).
    pub fn record_claim(&self) {
        self.claims.inc();
    }

    pub fn record(&self, outcome: DeliveryOutcome) {
        let labels = AttemptLabels {
            outcome: outcome.as_str(),
        };
        self.attempts.get_or_create(&labels).inc();
    }
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    deliveries: DeliveryMetrics,
    pending: Gauge,
    oldest_pending_age: Gauge<f64, AtomicU64>,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::with_prefix("paddock");
        let requests = Family::<RequestLabels, Counter>::default();
        // 100 µs to ~3.3 s.
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0001, 2.0, 16))
        });
        let (pool_connections, pool_idle, pool_max) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle",
            "Idle database connections",
            pool_idle.clone(),
        );
        registry.register(
            "db_pool_max_connections",
            "Most database connections the pool opens",
            pool_max.clone(),
        );
        let deliveries = DeliveryMetrics::default();
        // Every outcome from the start, so a rate over them is defined at once.
        for outcome in DeliveryOutcome::ALL {
            let labels = AttemptLabels {
                outcome: outcome.as_str(),
            };
            let _ = deliveries.attempts.get_or_create(&labels);
        }
        registry.register(
            "webhook_delivery_attempts",
            "Attempts to deliver a notification, by outcome",
            deliveries.attempts.clone(),
        );
        registry.register(
            "webhook_claims",
            "Statements the dispatcher ran to claim due deliveries",
            deliveries.claims.clone(),
        );
        let (pending, oldest_pending_age) = (Gauge::default(), Gauge::default());
        registry.register(
            "webhook_deliveries_pending",
            "Notifications waiting to be delivered (due or awaiting a retry)",
            pending.clone(),
        );
        registry.register(
            "webhook_oldest_pending_age_seconds",
            "How long the oldest pending notification has waited; 0 when none",
            oldest_pending_age.clone(),
        );
        Arc::new(Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
            deliveries,
            pending,
            oldest_pending_age,
        })
    }

    /// The counters the webhook dispatcher adds to.
    pub fn deliveries(&self) -> DeliveryMetrics {
        self.deliveries.clone()
    }
}

/// The method as a label value: the registered methods as themselves,
/// anything else as `other`. No allocation.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    match KNOWN.iter().find(|known| *known == method) {
        Some(known) => known.as_str(),
        None if method.as_str() == "QUERY" => "QUERY",
        None => "other",
    }
}

/// A route template as a `'static` label. The router's templates are few
/// and fixed, so each is kept once for the life of the process; a request
/// then costs a lookup, not an allocation.
fn route_label(route: &str) -> &'static str {
    static ROUTES: RwLock<BTreeSet<&'static str>> = RwLock::new(BTreeSet::new());
    let known = ROUTES
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(route)
        .copied();
    known.unwrap_or_else(|| {
        let mut routes = ROUTES.write().unwrap_or_else(|e| e.into_inner());
        match routes.get(route) {
            Some(known) => known,
            None => {
                let kept: &'static str = Box::leak(route.into());
                routes.insert(kept);
                kept
            }
        }
    })
}

/// A request's method and route, as labels: read before the request is
/// handed on, recorded once it is answered.
#[derive(Clone, Copy, Debug)]
pub struct RequestKind {
    method: &'static str,
    route: &'static str,
}

impl RequestKind {
    pub fn of(request: &Request) -> Self {
        let route = request.extensions().get::<MatchedPath>();
        Self {
            method: method_label(request.method()),
            route: route.map_or("unmatched", |route| route_label(route.as_str())),
        }
    }
}

impl Metrics {
    /// Counts and times one answered request.
    pub fn observe(&self, kind: RequestKind, status: u16, latency: Duration) {
        let labels = RequestLabels {
            method: kind.method,
            route: kind.route,
            status,
        };
        self.requests.get_or_create(&labels).inc();
        (self.latency.get_or_create(&labels)).observe(latency.as_secs_f64());
    }
}

/// `GET /metrics`, in the OpenMetrics text format Prometheus scrapes.
pub async fn render(State(state): State<AppState>) -> Response {
    let metrics = &state.metrics;
    let pool = state.store.pool_stats();
    metrics.pool_connections.set(i64::from(pool.connections));
    metrics.pool_idle.set(pool.idle as i64);
    metrics.pool_max.set(i64::from(pool.max));
    // Read at scrape time rather than kept up to date: other replicas fill
    // and drain the same queue.
    match tokio::time::timeout(QUEUE_QUERY_TIMEOUT, state.store.pending_deliveries()).await {
        Ok(Ok(queue)) => {
            metrics
                .pending
                .set(i64::try_from(queue.count).unwrap_or(i64::MAX));
            let age = queue.oldest.map_or(0.0, |oldest| {
                (Timestamp::now().as_datetime() - oldest.as_datetime())
                    .as_seconds_f64()
                    .max(0.0)
            });
            metrics.oldest_pending_age.set(age);
        }
        Ok(Err(error)) => tracing::warn!(%error, "can't read the delivery queue for /metrics"),
        Err(_) => tracing::warn!("the delivery queue took too long to read for /metrics"),
    }
    let mut text = String::new();
    if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &metrics.registry) {
        return Error::Internal(Box::new(error)).into_response();
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        // prometheus-client writes OpenMetrics text (ending in `# EOF`).
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"QUERY").unwrap()),
            "QUERY"
        );
        for invented in ["FROB", "XYZZY", "get"] {
            let method = Method::from_bytes(invented.as_bytes()).unwrap();
            assert_eq!(method_label(&method), "other");
        }
    }
}
