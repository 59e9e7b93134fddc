//! Paddle's success envelope, `{"data": ..., "meta": {"request_id": ...}}`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use super::context::request_id;

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
