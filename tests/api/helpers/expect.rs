//! Assertions on responses: Paddle's envelope, exactly.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// The request id a response carries in its `Request-Id` header.
pub fn request_id(response: &Response) -> String {
    let id = response.headers()["request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.headers()["x-request-id"], id.as_str());
    id
}

/// Asserts status and JSON content type; returns `data`, checking that
/// `meta.request_id` matches the header.
pub async fn expect_data(response: Response, status: StatusCode) -> Value {
    let body = expect_json(response, status).await;
    assert!(body["meta"]["request_id"].is_string(), "{body}");
    body["data"].clone()
}

/// Asserts status and JSON content type; returns the whole body, checking
/// that `meta.request_id` matches the header.
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let id = request_id(&response);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "every response is JSON"
    );
    let actual = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(actual, status, "{body}");
    assert_eq!(body["meta"]["request_id"], id.as_str());
    body
}

/// Asserts the exact error body Paddle would send.
pub async fn expect_error(
    response: Response,
    status: StatusCode,
    kind: &str,
    code: &str,
    detail: &str,
) -> Value {
    expect_error_with(response, status, kind, code, detail, None).await
}

/// As [`expect_error`], with `errors[]` field errors.
pub async fn expect_error_with(
    response: Response,
    status: StatusCode,
    kind: &str,
    code: &str,
    detail: &str,
    errors: Option<Value>,
) -> Value {
    let id = request_id(&response);
    let body = expect_json(response, status).await;
    let mut error = json!({
        "type": kind,
        "code": code,
        "detail": detail,
        "documentation_url": documentation_url(code),
    });
    if let Some(errors) = errors {
        error["errors"] = errors;
    }
    assert_eq!(
        body,
        json!({ "error": error, "meta": { "request_id": id } })
    );
    body
}

/// The `documentation_url` Paddle's responses carry for `code`: versioned,
/// under the entity for an entity's own code (the previews' `transaction_*`
/// under `transactions`); `too_many_requests` unversioned.
pub fn documentation_url(code: &str) -> String {
    match code {
        "too_many_requests" => format!("https://developer.paddle.com/errors/shared/{code}"),
        "client_token_revoked" => {
            format!("https://developer.paddle.com/v1/errors/client_tokens/{code}")
        }
        "api_key_cannot_be_rotated" => {
            format!("https://developer.paddle.com/v1/errors/api_keys/{code}")
        }
        _ if code.starts_with("transaction_") => {
            format!("https://developer.paddle.com/v1/errors/transactions/{code}")
        }
        _ => format!("https://developer.paddle.com/v1/errors/shared/{code}"),
    }
}

/// Asserts Paddle's 404 `not_found` for the entity named.
pub async fn expect_not_found(response: Response, entity: &str) -> Value {
    let detail = format!("Entity {entity} not found");
    expect_error(
        response,
        StatusCode::NOT_FOUND,
        "request_error",
        "not_found",
        &detail,
    )
    .await
}

/// Asserts a 400 `invalid_field` with exactly these field errors.
pub async fn expect_invalid_fields(response: Response, errors: Value) -> Value {
    expect_error_with(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "invalid_field",
        "Request does not pass validation.",
        Some(errors),
    )
    .await
}

/// Asserts the admin API's 403 for a wrong admin token.
pub async fn expect_wrong_admin_token(response: Response) -> Value {
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_token",
        "Invalid admin token.",
    )
    .await
}

/// Asserts a 400 `bad_request` ("Invalid request.") with exactly these
/// field errors: a body that fails its schema, or a query value of the
/// wrong type.
pub async fn expect_schema_errors(response: Response, errors: Value) -> Value {
    expect_error_with(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "bad_request",
        "Invalid request.",
        Some(errors),
    )
    .await
}

/// Asserts that `token` is a well-formed entity in `environment`.
pub fn assert_entity_shape(token: &Value, prefix: &str) {
    let object = token.as_object().expect("an object");
    let mut fields: Vec<_> = object.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "created_at",
            "description",
            "id",
            "name",
            "revoked_at",
            "status",
            "token",
            "updated_at"
        ]
    );
    let id = token["id"].as_str().unwrap();
    let ulid = id.strip_prefix("ctkn_").unwrap();
    assert!(
        ulid.len() == 26
            && ulid
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
        "{id}"
    );
    let value = token["token"].as_str().unwrap();
    let hex = value
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{value} starts with {prefix}"));
    assert!(
        hex.len() == 27 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{value}"
    );
    for field in ["created_at", "updated_at"] {
        assert_timestamp(&token[field]);
    }
    if !token["revoked_at"].is_null() {
        assert_timestamp(&token["revoked_at"]);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exactly.
pub fn assert_timestamp(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is a string"));
    let shape: String = text
        .chars()
        .map(|c| if c.is_ascii_digit() { 'd' } else { c })
        .collect();
    assert_eq!(shape, "dddd-dd-ddTdd:dd:dd.ddddddZ", "{text}");
}
