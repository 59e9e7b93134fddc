//! Paddle's success envelope, `{"data": ..., "meta": {"request_id": ...}}`,
//! and the request id every response carries.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

tokio::task_local! {
    static REQUEST_ID: Uuid;
}

/// `Request-Id` is Paddle's header (the Node SDK reads it); `X-Request-Id` is
/// the name proxies and log tools expect.
const HEADERS: [HeaderName; 2] = [
    HeaderName::from_static("request-id"),
    HeaderName::from_static("x-request-id"),
];

/// Middleware: gives each request a v4 UUID, visible to everything that runs
/// for the request (handlers, errors, logs) and sent back in headers.
pub async fn assign_request_id(request: Request, next: Next) -> Response {
    let id = Uuid::new_v4();
    let mut response = REQUEST_ID.scope(id, next.run(request)).await;
    let value = HeaderValue::from_str(&id.to_string()).expect("a UUID is a valid header value");
    for name in HEADERS {
        response.headers_mut().insert(name, value.clone());
    }
    response
}

/// The current request's id; outside a request, a fresh one.
pub fn request_id() -> Uuid {
    REQUEST_ID
        .try_with(|id| *id)
        .unwrap_or_else(|_| Uuid::new_v4())
}

#[derive(Serialize)]
pub struct Meta {
    pub request_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
}

impl Meta {
    pub fn current() -> Self {
        Self {
            request_id: request_id(),
            pagination: None,
        }
    }
}

/// `meta.pagination` of list responses.
#[derive(Serialize)]
pub struct Pagination {
    pub per_page: u32,
    pub next: String,
    pub has_more: bool,
    pub estimated_total: i64,
}

/// A success response: `data` plus `meta`.
pub struct Envelope<T> {
    status: StatusCode,
    data: T,
    pagination: Option<Pagination>,
}

impl<T> Envelope<T> {
    pub fn ok(data: T) -> Self {
        Self {
            status: StatusCode::OK,
            data,
            pagination: None,
        }
    }

    pub fn created(data: T) -> Self {
        Self {
            status: StatusCode::CREATED,
            ..Self::ok(data)
        }
    }

    pub fn page(data: T, pagination: Pagination) -> Self {
        Self {
            pagination: Some(pagination),
            ..Self::ok(data)
        }
    }
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<T> {
            data: T,
            meta: Meta,
        }
        let meta = Meta {
            request_id: request_id(),
            pagination: self.pagination,
        };
        json_response(
            self.status,
            &Body {
                data: self.data,
                meta,
            },
        )
    }
}

/// Serializes `body` as an `application/json` response.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(error) => {
            // Unreachable with paddock's own types; still answer in Paddle's shape.
            tracing::error!(%error, "response serialization failed");
            let body = format!(
                r#"{{"error":{{"type":"api_error","code":"internal_error","detail":"Problem processing your request.","documentation_url":"https://developer.paddle.com/errors/shared/internal_error"}},"meta":{{"request_id":"{}"}}}}"#,
                request_id()
            );
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
    }
}
