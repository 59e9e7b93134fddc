//! Paddle's success envelope, `{"data": ..., "meta": {"request_id": ...}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::context::request_id;
use super::error::internal_error_body;
pub use super::meta::Pagination;
use super::meta::{Meta, json_bytes};

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

    /// 202: queued, to happen later (a replay).
    pub fn accepted(data: T) -> Self {
        Self {
            status: StatusCode::ACCEPTED,
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
        Ok(bytes) => json_bytes(status, bytes),
        Err(error) => {
            // Unreachable with paddock's own types; still answer in Paddle's
            // shape, with the body error.rs gives every internal error.
            tracing::error!(%error, "response serialization failed");
            json_bytes(StatusCode::INTERNAL_SERVER_ERROR, internal_error_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use axum::http::header;

    use super::*;
    use crate::http::error::Error;

    struct Unserializable;

    impl Serialize for Unserializable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }

    async fn body_of(response: Response) -> serde_json::Value {
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn a_body_that_fails_to_serialize_answers_as_an_internal_error_does() {
        let response = json_response(StatusCode::OK, &Unserializable);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let mut fallback = body_of(response).await;
        let mut internal = body_of(Error::Internal("x".into()).into_response()).await;
        // Outside a request each body gets a fresh request id.
        for body in [&mut fallback, &mut internal] {
            assert!(body["meta"]["request_id"].is_string());
            body["meta"]["request_id"] = serde_json::Value::Null;
        }
        assert_eq!(fallback, internal);
    }
}
