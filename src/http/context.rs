//! What paddock knows about the request being served: its id (sent back in
//! `Request-Id`, `X-Request-Id` and `meta.request_id`) and, once a key or a
//! client-side token is recognised, whose request it is, for the account's
//! request journal.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use uuid::Uuid;

use super::AppState;
use crate::domain::{Credential, JournalEntry, RecordedBody, Timestamp, redact_path, redact_query};

/// Who made a request: the account, and the API key or client-side token
/// it was recognised by.
#[derive(Clone, Debug)]
pub struct Caller {
    pub account: String,
    pub credential: Credential,
    /// The account's clock reading when the key was judged: the journal's
    /// time for the request.
    pub at: Timestamp,
}

struct RequestContext {
    id: Uuid,
    caller: OnceLock<Caller>,
    /// Whether the journal is on, so the body is worth keeping.
    journaling: bool,
    /// The request's body, as the handler read it (a reference, not a copy).
    body: OnceLock<Bytes>,
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

/// Gives the request a v4 UUID, visible to everything `serve` runs for it
/// (handlers, errors, logs), sends it back, and journals the request and its
/// answer when its key was recognised. (Part of the `front` middleware: a
/// layer of its own cost a boxed future and a clone of the route more.)
pub async fn track_request<F: Future<Output = Response>>(
    state: &AppState,
    request: Request,
    serve: impl FnOnce(Request) -> F,
) -> Response {
    let journaling = state.services.journal.is_on();
    let context = Arc::new(RequestContext {
        id: new_request_id(),
        caller: OnceLock::new(),
        journaling,
        body: OnceLock::new(),
    });
    // Cheap clones (shared, not copied); made into text only if journaled.
    let head = journaling.then(|| (request.method().clone(), request.uri().clone()));
    let mut response = CONTEXT.scope(context.clone(), serve(request)).await;
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = context.id.hyphenated().encode_lower(&mut text);
    let value = HeaderValue::from_str(text).expect("a UUID is a valid header value");
    for name in HEADERS {
        response.headers_mut().insert(name, value.clone());
    }
    let (Some(caller), Some((method, uri))) = (context.caller.get(), head) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let (body, response_body) = read_response_body(body).await;
    let journal = &state.services.journal;
    journal.record(
        &caller.account,
        JournalEntry {
            method: method.as_str().to_owned(),
            path: redact_path(uri.path()).into_owned(),
            query: uri.query().map(|query| redact_query(query).into_owned()),
            status: parts.status.as_u16(),
            request_id: context.id,
            credential: caller.credential.clone(),
            occurred_at: caller.at,
            request_body: (context.body.get())
                .map_or_else(RecordedBody::default, RecordedBody::capture),
            response_body,
        },
    );
    Response::from_parts(parts, body)
}

/// The answer's body, to send on, and what the journal keeps of it. paddock's
/// answers are whole buffers, taken out and put back without a copy; a
/// streamed one (there are none) would be sent on untouched and kept as null.
async fn read_response_body(body: Body) -> (Body, RecordedBody) {
    if body.size_hint().exact().is_none() {
        return (body, RecordedBody::default());
    }
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            let recorded = RecordedBody::capture(&bytes);
            (Body::from(bytes), recorded)
        }
        // A buffer can't fail to be read.
        Err(_) => (Body::empty(), RecordedBody::default()),
    }
}

/// The current request's id; outside a request, a fresh one.
pub fn request_id() -> Uuid {
    CONTEXT
        .try_with(|context| context.id)
        .unwrap_or_else(|_| new_request_id())
}

/// A v4 UUID from the thread's CSPRNG (`Uuid::new_v4` asks the kernel,
/// a system call per request).
fn new_request_id() -> Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

/// Notes whose request this is; the first caller set wins. The request's
/// log span gets the account and key (or token) id, so every later line
/// carries them.
pub fn set_caller(caller: Caller) {
    let _ = CONTEXT.try_with(|context| {
        if context.caller.get().is_none() {
            let span = tracing::Span::current();
            span.record("account", caller.account.as_str());
            let field = match &caller.credential {
                Credential::ApiKey(_) => "api_key_id",
                Credential::ClientToken(_) => "client_token_id",
            };
            span.record(field, caller.credential.as_str());
            let _ = context.caller.set(caller);
        }
    });
}

/// Notes the request's body as a handler read it, for the journal: only a
/// reference to the buffer, and nothing when the journal is off.
pub fn note_request_body(body: &Bytes) {
    let _ = CONTEXT.try_with(|context| {
        if context.journaling {
            let _ = context.body.set(body.clone());
        }
    });
}
