//! Extractors for request bodies and path ids. They own their rejections, so
//! malformed input can only ever produce Paddle's error shape.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::AppState;
use super::error::{Error, Result};
use crate::domain::{ApiKeyId, ApiKeyRotationId, ClientTokenId, json_object};

/// The largest request body accepted. A token's fields fit in well under
/// 4 KiB, so 64 KiB leaves room without inviting abuse.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A request body that is a JSON object, sent as `application/json`.
pub struct JsonObject(pub Map<String, Value>);

impl FromRequest<AppState> for JsonObject {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self> {
        let bytes = read_json_body(request, state, BODY_LIMIT).await?;
        super::context::note_request_body(&bytes);
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok(Self(json_object(value)?)),
            Err(_) => Err(Error::InvalidJson),
        }
    }
}

/// The largest account state document accepted: an account's whole state
/// is far larger than any other body (its route raises the body limit).
pub const DOCUMENT_LIMIT: usize = 32 * 1024 * 1024;

/// A large JSON object, as an account state document: parsed, and the
/// text it was parsed from, for parts that are kept as sent.
pub struct JsonDocument {
    pub object: Map<String, Value>,
    pub text: Bytes,
}

impl FromRequest<AppState> for JsonDocument {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self> {
        let text = read_json_body(request, state, DOCUMENT_LIMIT).await?;
        match serde_json::from_slice(&text) {
            Ok(value) => Ok(Self {
                object: json_object(value)?,
                text,
            }),
            Err(_) => Err(Error::InvalidJson),
        }
    }
}

/// The body of an `application/json` request, up to `limit` bytes (the
/// route's body limit), read within the body timeout.
async fn read_json_body(request: Request, state: &AppState, limit: usize) -> Result<Bytes> {
    if !is_json(&request) {
        return Err(Error::BadRequest(
            "The Content-Type header must be application/json.",
        ));
    }
    // A client trickling its body (slowloris) is cut off.
    let read = tokio::time::timeout(state.body_timeout, Bytes::from_request(request, state));
    read.await
        .map_err(|_| Error::RequestTimeout)?
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::RequestTooLarge { limit },
            _ => Error::BadRequest("The request body could not be read."),
        })
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

/// An id a path segment can name: `{client_token_id}` (`^ctkn_[a-z\d]{26}$`),
/// `{api_key_id}`, `{api_key_rotation_id}`.
pub trait PathId: Sized {
    /// The route parameter that holds it.
    const PARAM: &'static str;
    /// The `bad_request` reason when the segment is not such an id.
    const INVALID: &'static str;

    fn parse_segment(segment: &str) -> Option<Self>;
}

impl PathId for ClientTokenId {
    const PARAM: &'static str = "client_token_id";
    const INVALID: &'static str = "The client token id in the path is not valid.";

    fn parse_segment(segment: &str) -> Option<Self> {
        Self::parse(segment)
    }
}

impl PathId for ApiKeyId {
    const PARAM: &'static str = "api_key_id";
    const INVALID: &'static str = "The API key id in the path is not valid.";

    fn parse_segment(segment: &str) -> Option<Self> {
        Self::parse(segment)
    }
}

impl PathId for ApiKeyRotationId {
    const PARAM: &'static str = "api_key_rotation_id";
    const INVALID: &'static str = "The API key rotation id in the path is not valid.";

    fn parse_segment(segment: &str) -> Option<Self> {
        Self::parse(segment)
    }
}

/// The id in the path parameter `T::PARAM`, well-formed.
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, T: PathId> FromRequestParts<S> for IdPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::BadRequest(T::INVALID))?;
        params
            .get(T::PARAM)
            .and_then(|segment| T::parse_segment(segment))
            .map(Self)
            .ok_or(Error::BadRequest(T::INVALID))
    }
}

/// A query string's decoded `name=value` pairs.
pub fn query_pairs(raw_query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect()
}

/// Whether the client sent `Skip-Count: true`, asking lists not to count.
pub fn skip_count(headers: &HeaderMap) -> bool {
    headers
        .get("skip-count")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}
