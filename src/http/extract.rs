//! Extractors for request bodies and path ids. They own their rejections, so
//! malformed input can only ever produce Paddle's error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::AppState;
use super::error::{Error, Result};
use crate::domain::{ClientTokenId, json_object};

/// The largest request body accepted. A token's fields fit in well under
/// 4 KiB, so 64 KiB leaves room without inviting abuse.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A request body that is a JSON object, sent as `application/json`.
pub struct JsonObject(pub Map<String, Value>);

impl FromRequest<AppState> for JsonObject {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self> {
        if !is_json(&request) {
            return Err(Error::BadRequest(
                "The Content-Type header must be application/json.",
            ));
        }
        // A client trickling its body (slowloris) is cut off.
        let read = tokio::time::timeout(state.body_timeout, Bytes::from_request(request, state));
        let bytes = read
            .await
            .map_err(|_| Error::RequestTimeout)?
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Error::RequestTooLarge { limit: BODY_LIMIT },
                _ => Error::BadRequest("The request body could not be read."),
            })?;
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(Self(json_object(value)?)),
            Err(_) => Err(Error::InvalidJson),
        }
    }
}

/// `application/json`, in any case, with or without parameters such as charset.
fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// A `{client_token_id}` path segment that matches `^ctkn_[a-z\d]{26}$`.
pub struct ClientTokenPath(pub ClientTokenId);

impl<S: Send + Sync> FromRequestParts<S> for ClientTokenPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::BadRequest("The client token id in the path is not valid."))?;
        ClientTokenId::parse(&segment)
            .map(Self)
            .ok_or(Error::BadRequest(
                "The client token id in the path is not valid.",
            ))
    }
}
