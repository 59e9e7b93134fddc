//! What paddock knows about the request being served: its id (sent back in
//! `Request-Id`, `X-Request-Id` and `meta.request_id`) and, once a key is
//! recognised, whose request it is, for the account's request log.

use std::sync::{Arc, OnceLock};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use super::AppState;
use crate::domain::{ApiKeyId, Timestamp};
use crate::service::LoggedRequest;

/// Who made a request: the account and key of a recognised API key.
#[derive(Clone, Debug)]
pub struct Caller {
    pub account: String,
    pub api_key_id: ApiKeyId,
}

struct RequestContext {
    id: Uuid,
    caller: OnceLock<Caller>,
}

tokio::task_local! {
    static CONTEXT: Arc<RequestContext>;
}

/// `Request-Id` is Paddle's header (the Node SDK reads it); `X-Request-Id` is
/// the name proxies and log tools expect.
const HEADERS: [HeaderName; 2] = [
    HeaderName::from_static("request-id"),
    HeaderName::from_static("x-request-id"),
];

/// Middleware: gives each request a v4 UUID, visible to everything that runs
/// for it (handlers, errors, logs), sends it back, and records the request in
/// its account's log.
pub async fn track_request(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let context = Arc::new(RequestContext {
        id: Uuid::new_v4(),
        caller: OnceLock::new(),
    });
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_owned(),
    );
    let mut response = CONTEXT.scope(context.clone(), next.run(request)).await;
    let value =
        HeaderValue::from_str(&context.id.to_string()).expect("a UUID is a valid header value");
    for name in HEADERS {
        response.headers_mut().insert(name, value.clone());
    }
    if let Some(caller) = context.caller.get() {
        state.services.request_log.record(
            &caller.account,
            LoggedRequest {
                method,
                path,
                status: response.status().as_u16(),
                request_id: context.id,
                api_key_id: caller.api_key_id.to_string(),
                occurred_at: Timestamp::now(),
            },
        );
    }
    response
}

/// The current request's id; outside a request, a fresh one.
pub fn request_id() -> Uuid {
    CONTEXT
        .try_with(|context| context.id)
        .unwrap_or_else(|_| Uuid::new_v4())
}

/// Notes whose request this is; the first caller set wins. The request's
/// log span gets the account and key id, so every later line carries them.
pub fn set_caller(caller: Caller) {
    let _ = CONTEXT.try_with(|context| {
        if context.caller.get().is_none() {
            let span = tracing::Span::current();
            span.record("account", caller.account.as_str());
            span.record("api_key_id", caller.api_key_id.as_str());
            let _ = context.caller.set(caller);
        }
    });
}
