//! What every body Paddle sends has, success and error alike: `meta`, as
//! JSON.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use uuid::Uuid;

use super::context::request_id;

/// `meta`, its keys in the order Paddle's responses send them: `pagination`
/// (on lists) before `request_id`.
#[derive(Serialize)]
pub struct Meta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    pub request_id: Uuid,
}

impl Meta {
    pub fn current() -> Self {
        Self {
            request_id: request_id(),
            pagination: None,
        }
    }
}

/// `meta.pagination` of list responses, in the order of Paddle's responses
/// (its docs list `estimated_total` last).
#[derive(Serialize)]
pub struct Pagination {
    pub per_page: u32,
    pub estimated_total: i64,
    pub next: String,
    pub has_more: bool,
}

/// `bytes` of JSON as a response.
pub fn json_bytes(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
