//! The HTTP layer: routes, extractors, and Paddle's response envelopes.

mod admin;
mod api_keys;
mod auth;
mod checkout;
mod client;
mod client_auth;
mod client_tokens;
mod context;
mod cors;
mod emulation;
mod envelope;
mod error;
mod extract;
mod health;
mod limiter;
mod links;
mod meta;
mod metrics;
mod openapi;
mod paddle_js;
mod panics;
mod previews;
mod readiness;
mod root;
mod ui;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tracing::{Instrument, Span};

pub use auth::{AdminToken, AdminTokenTooShort};
pub use client::TrustedProxies;
pub use cors::CorsOrigins;
pub use emulation::{Emulation, Fault, RateLimiter};
pub use error::Error;
pub use extract::BODY_LIMIT;
pub use limiter::FailureLimiter;
pub use links::Links;
use metrics::RequestKind;
pub use metrics::{DeliveryMetrics, DeliveryOutcome, Metrics};
pub use openapi::{admin_document, public_document};
pub use readiness::Readiness;
/// Where the dashboard is served.
pub use ui::UI as DASHBOARD_PATH;

use crate::domain::{PermissionMode, redact_path, redact_query};
use crate::service::Services;
use crate::store::Store;

/// What every handler can reach. Each request clones it, so it is one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What handlers share behind [`AppState`].
pub struct Shared {
    /// Every read and write of paddock's data.
    pub services: Services,
    /// For health checks and pool metrics only; changes go through `services`.
    pub store: Arc<dyn Store>,
    pub links: Links,
    pub metrics: Arc<Metrics>,
    pub permission_mode: PermissionMode,
    /// `None` turns the admin API off: its paths answer 404 like any other.
    pub admin_token: Option<Arc<AdminToken>>,
    /// Wrong admin tokens by client address (admin API and dashboard).
    pub admin_failures: FailureLimiter,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// Rate limit and fault injection, when asked for.
    pub emulation: Arc<Emulation>,
    pub rate_limiter: Arc<RateLimiter>,
    /// How long a client may take over a request's body.
    pub body_timeout: Duration,
    /// Until set, only `/healthz` is served (the database isn't yet).
    pub readiness: Readiness,
    /// CORS for the routes a page calls itself, from `PADDOCK_CORS_ORIGINS`.
    pub cors: tower_http::cors::CorsLayer,
}

/// The whole API, with its middleware.
pub fn router(state: AppState) -> Router {
    let paddle_api = (root::routes())
        .merge(client_tokens::routes())
        .merge(api_keys::routes());
    let paddle_api = paddle_api.merge(previews::routes());
    let mut routes = Router::new()
        .merge(paddle_api.route_layer(middleware::from_fn_with_state(
            state.clone(),
            emulation::emulate,
        )))
        .merge(checkout::routes());
    if state.admin_token.is_some() {
        routes = routes
            .nest("/__paddock", admin::routes())
            .merge(ui::routes());
    }
    #[cfg(test)]
    {
        routes = routes.merge(panics::forced_panic_route());
    }
    routes
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::render))
        .route("/openapi.json", get(openapi::public))
        .route("/openapi-admin.json", get(openapi::admin))
        .route(paddle_js::PATH, get(paddle_js::serve))
        .fallback(|| async { Error::InvalidUrl })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Inside `front`: a panic's 500 is counted, logged and journaled.
        .layer(panics::layer())
        // Around everything a browser route answers, its refusals and a
        // panic's 500 included (a layer on the routes themselves would miss
        // the 405s the router answers for them).
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cors::browser_cors,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .with_state(state)
}

/// The span every log line of a request is in, with the path and the query
/// as sent but for their secrets (see `domain::redact`). The route template
/// groups requests whatever their ids; `account` and `api_key_id` (or
/// `client_token_id`) are filled in once a key or token is recognised (see
/// `context::set_caller`), and the key or token itself never is.
fn request_span(request: &Request) -> Span {
    let route =
        (request.extensions().get::<MatchedPath>()).map_or("unmatched", MatchedPath::as_str);
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %redact_path(request.uri().path()),
        query = tracing::field::Empty,
        route,
        request_id = %context::request_id(),
        account = tracing::field::Empty,
        api_key_id = tracing::field::Empty,
        client_token_id = tracing::field::Empty,
    );
    if let Some(query) = request.uri().query().filter(|_| !span.is_disabled()) {
        span.record("query", tracing::field::display(redact_query(query)));
    }
    span
}

/// The largest request head (request line and headers) accepted. Real
/// clients send well under 2 KiB.
pub const HEAD_LIMIT: usize = 16 * 1024;

/// Middleware: what every request costs, in one layer, so that it costs
/// little (a layer of its own each was a boxed future, a clone and a clock
/// read more per request). It gives the request its id and journals it
/// (`context`), logs it in its span, counts and times it (refused ones too),
/// checks its head, and holds back all but `/healthz` until paddock is ready.
async fn front(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let observe = |request| observe(&state, request, next);
    context::track_request(&state, request, observe).await
}

async fn observe(state: &AppState, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let kind = RequestKind::of(&request);
    // Disabled (the default `warn` level), a span and its events cost a
    // check of the level, and their fields aren't even formatted.
    let span = request_span(&request);
    let refusal = head_refusal(&request).or_else(|| readiness::refusal(&state.readiness, &request));
    let response = async {
        tracing::debug!("started processing request");
        match refusal {
            Some(error) => error.into_response(),
            None => next.run(request).await,
        }
    }
    .instrument(span.clone())
    .await;
    let status = response.status().as_u16();
    let latency = started.elapsed();
    state.metrics.observe(kind, status, latency);
    // A number, in one unit, for log tools to compare.
    let latency_ms = latency.as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, latency_ms, "finished processing request"));
    response
}

/// Checks on the request line and headers, before anything else. Paddle
/// answers a method it doesn't know at all (not merely one a path doesn't
/// allow) with 501 `not_implemented`; the registered methods, including the
/// newer `QUERY`, get 405 where a path doesn't allow them. A head over
/// [`HEAD_LIMIT`] gets 431.
fn head_refusal(request: &Request) -> Option<Error> {
    const KNOWN: [&str; 10] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "QUERY",
    ];
    if !KNOWN.contains(&request.method().as_str()) {
        return Some(Error::NotImplemented);
    }
    // As sent: `name: value\r\n` per header, after the request line.
    let headers: usize = (request.headers().iter())
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let uri = request.uri();
    let target = uri.scheme_str().map_or(0, |scheme| scheme.len() + 3)
        + uri
            .authority()
            .map_or(0, |authority| authority.as_str().len())
        + uri.path_and_query().map_or(1, |path| path.as_str().len());
    let line = request.method().as_str().len() + target + 11;
    (line + headers > HEAD_LIMIT).then_some(Error::RequestHeadersTooLarge { limit: HEAD_LIMIT })
}
