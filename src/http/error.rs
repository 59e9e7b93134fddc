//! The one place that turns paddock's [`Error`] into Paddle's envelope:
//! `{"error": {type, code, detail, documentation_url, errors?}, "meta": {request_id}}`.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::meta::{Meta, json_bytes};
use crate::domain::redact_text;
pub use crate::error::{Error, Result};

/// Every `code` an error can carry: the OpenAPI document lists these.
pub const CODES: [&str; 27] = [
    "authentication_missing",
    "authentication_malformed",
    "invalid_token",
    "invalid_client_token",
    "forbidden",
    "not_found",
    "invalid_field",
    "invalid_json",
    "bad_request",
    "request_body_too_large",
    "request_headers_too_large",
    "request_timeout",
    "client_token_revoked",
    "api_key_cannot_be_rotated",
    "transaction_price_not_found",
    "transaction_item_quantity_out_of_range",
    "transaction_discount_not_found",
    "transaction_price_different_billing_cycle",
    "transaction_immutable",
    "checkout_not_open",
    "invalid_url",
    "method_not_allowed",
    "not_implemented",
    "service_unavailable",
    "internal_error",
    "too_many_requests",
    "bad_gateway",
];

#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum ErrorType {
    RequestError,
    ApiError,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
    meta: Meta,
}

#[derive(Serialize)]
struct Detail<'a> {
    #[serde(rename = "type")]
    kind: ErrorType,
    code: &'static str,
    detail: String,
    documentation_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<FieldErrorBody<'a>>>,
}

/// A field error as sent: a name or message that echoes a secret the
/// client sent (an unknown property named after a key) has it redacted.
#[derive(Serialize)]
struct FieldErrorBody<'a> {
    field: Cow<'a, str>,
    message: Cow<'a, str>,
}

impl Error {
    /// Status, type, code and detail, as Paddle's error reference lists them.
    fn parts(&self) -> (StatusCode, ErrorType, &'static str, String) {
        use ErrorType::*;
        let (status, kind, code, detail) = match self {
            Self::AuthenticationMissing => (
                StatusCode::FORBIDDEN,
                RequestError,
                "authentication_missing",
                "Authentication header missing.".to_owned(),
            ),
            Self::AuthenticationMalformed => (
                StatusCode::FORBIDDEN,
                RequestError,
                "authentication_malformed",
                "Authentication header included, but incorrectly formatted.".to_owned(),
            ),
            Self::InvalidToken => (
                StatusCode::FORBIDDEN,
                RequestError,
                "invalid_token",
                "Invalid or revoked API key.".to_owned(),
            ),
            Self::InvalidClientToken => (
                StatusCode::FORBIDDEN,
                RequestError,
                "invalid_client_token",
                "Invalid, revoked or expired client-side token.".to_owned(),
            ),
            Self::InvalidAdminToken => (
                StatusCode::FORBIDDEN,
                RequestError,
                "invalid_token",
                "Invalid admin token.".to_owned(),
            ),
            Self::Forbidden(permission) => (
                StatusCode::FORBIDDEN,
                RequestError,
                "forbidden",
                format!(
                    "You aren't permitted to perform this request. This API key needs the {permission} permission."
                ),
            ),
            Self::NotFound(id) => (
                StatusCode::NOT_FOUND,
                RequestError,
                "not_found",
                // The id as sent, which may be a secret sent by mistake.
                format!("Entity {} not found", redact_text(id)),
            ),
            Self::Schema(_) => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "bad_request",
                "Invalid request.".to_owned(),
            ),
            Self::InvalidField(_) => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "invalid_field",
                "Request does not pass validation.".to_owned(),
            ),
            Self::InvalidJson => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "invalid_json",
                "Invalid JSON in your request.".to_owned(),
            ),
            Self::BadRequest(reason) => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "bad_request",
                format!("Invalid request. {reason}"),
            ),
            Self::RequestTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                RequestError,
                "request_body_too_large",
                format!("The provided request body is too large. The limit is {limit} bytes."),
            ),
            Self::RequestHeadersTooLarge { limit } => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                RequestError,
                "request_headers_too_large",
                format!("The provided request URI length or headers are too large. The limit is {limit} bytes."),
            ),
            Self::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                RequestError,
                "request_timeout",
                "The request body was not received in time.".to_owned(),
            ),
            Self::ClientTokenRevoked(id) => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "client_token_revoked",
                format!("Client token {id} is revoked. A revoked client token can't be made active again."),
            ),
            Self::ApiKeyCannotBeRotated(_) => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "api_key_cannot_be_rotated",
                "This API key doesn't support rotation.".to_owned(),
            ),
            Self::NotThisKey => (
                StatusCode::FORBIDDEN,
                RequestError,
                "forbidden",
                "You aren't permitted to perform this request. An API key can rotate, and see the rotations of, only itself.".to_owned(),
            ),
            Self::TransactionPriceNotFound(ids) => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "transaction_price_not_found",
                // The ids as sent, which may be a secret sent by mistake.
                format!(
                    "One or more provided price_ids could not be found, provided: {}",
                    redact_text(ids)
                ),
            ),
            Self::TransactionItemQuantityOutOfRange {
                quantity,
                minimum,
                maximum,
            } => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "transaction_item_quantity_out_of_range",
                format!("Item quantity {quantity} is not within the range of {minimum} and {maximum}"),
            ),
            Self::TransactionDiscountNotFound => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "transaction_discount_not_found",
                "Cannot find provided discount code/id".to_owned(),
            ),
            Self::TransactionPriceDifferentBillingCycle => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "transaction_price_different_billing_cycle",
                "Invalid request.".to_owned(),
            ),
            Self::TransactionImmutable(id) => (
                StatusCode::BAD_REQUEST,
                RequestError,
                "transaction_immutable",
                format!(
                    "Transaction {} is paid or completed: it can't be changed or checked out again.",
                    redact_text(id)
                ),
            ),
            Self::CheckoutNotOpen { id, state } => (
                StatusCode::CONFLICT,
                RequestError,
                "checkout_not_open",
                format!("Checkout {} is {state}: it can't be changed.", redact_text(id)),
            ),
            Self::InvalidUrl => (
                StatusCode::NOT_FOUND,
                RequestError,
                "invalid_url",
                "URL called is invalid.".to_owned(),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                RequestError,
                "method_not_allowed",
                "HTTP method used isn't allowed for this endpoint.".to_owned(),
            ),
            Self::NotImplemented => (
                StatusCode::NOT_IMPLEMENTED,
                ApiError,
                "not_implemented",
                "HTTP method not recognized.".to_owned(),
            ),
            Self::TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ApiError,
                "too_many_requests",
                "IP address exceeded the allowed rate limit. Retry after the number of seconds in the Retry-After header.".to_owned(),
            ),
            Self::BadGateway => (
                StatusCode::BAD_GATEWAY,
                ApiError,
                "bad_gateway",
                "Endpoint can't process your request. The Paddle team has been notified.".to_owned(),
            ),
            Self::ServiceUnavailable(_) | Self::Injected503 => (
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError,
                "service_unavailable",
                "Endpoint is down temporarily and can't process your request. The Paddle team has been notified.".to_owned(),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ApiError,
                "internal_error",
                "Problem processing your request. The Paddle team has been notified.".to_owned(),
            ),
        };
        (status, kind, code, detail)
    }
}

impl Error {
    /// Paddle's error body for this error.
    fn body(&self) -> (StatusCode, Body<'_>) {
        let (status, kind, code, detail) = self.parts();
        let errors = match self {
            Self::Schema(errors) | Self::InvalidField(errors) => Some(
                errors
                    .iter()
                    .map(|e| FieldErrorBody {
                        field: redact_text(&e.field),
                        message: redact_text(&e.message),
                    })
                    .collect(),
            ),
            // Paddle's reference names the field and its words.
            Self::TransactionPriceDifferentBillingCycle => Some(vec![FieldErrorBody {
                field: Cow::Borrowed("items.price.billing_cycle"),
                message: Cow::Borrowed(
                    "cannot have different billing cycle intervals and/or frequencies",
                ),
            }]),
            _ => None,
        };
        let body = Body {
            error: Detail {
                kind,
                code,
                detail,
                documentation_url: documentation_url(code),
                errors,
            },
            meta: Meta::current(),
        };
        (status, body)
    }
}

/// The page of Paddle's error reference for `code`, as Paddle's responses
/// link it (its docs show the older `/errors/shared/<code>`).
fn documentation_url(code: &str) -> String {
    const DOCS: &str = "https://developer.paddle.com";
    match code {
        // Answered by Paddle's rate-limit layer in front of the API, which
        // still links the unversioned page.
        "too_many_requests" => format!("{DOCS}/errors/shared/{code}"),
        _ => format!("{DOCS}/v1/errors/{}/{code}", docs_section(code)),
    }
}

/// Where Paddle's reference files a code: an entity's own codes under the
/// entity, every other under `shared`.
fn docs_section(code: &str) -> &'static str {
    match code {
        "client_token_revoked" => "client_tokens",
        "api_key_cannot_be_rotated" => "api_keys",
        _ if code.starts_with("transaction_") => "transactions",
        _ => "shared",
    }
}

/// The bytes of Paddle's 500 body, for a response whose own body failed to
/// serialize.
pub(super) fn internal_error_body() -> Vec<u8> {
    let error = Error::Internal("response serialization failed".into());
    let (_, body) = error.body();
    // Strings and a UUID: serializing them can't fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

impl Error {
    /// The status and Paddle's detail, for the dashboard's error pages.
    pub(crate) fn status_and_detail(&self) -> (StatusCode, String) {
        let (status, _, _, detail) = self.parts();
        (status, detail)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        // The cause of a 5xx is for the operator's log, never for the client.
        match &self {
            Self::Internal(cause) => tracing::error!(error = %cause, "request failed"),
            Self::ServiceUnavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable")
            }
            _ => {}
        }
        let (status, body) = self.body();
        let mut response = match serde_json::to_vec(&body) {
            Ok(bytes) => json_bytes(status, bytes),
            // Strings and a UUID can't fail; still, never an empty body.
            Err(_) => json_bytes(StatusCode::INTERNAL_SERVER_ERROR, internal_error_body()),
        };
        let retry_after = match self {
            Self::ServiceUnavailable(_) | Self::Injected503 => Some(1),
            Self::TooManyRequests { retry_after } => Some(retry_after),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests;
