//! The OpenAPI 3.1 documents paddock serves: `GET /openapi.json` (Paddle's
//! API as paddock implements it: the API root, client-side tokens, API keys
//! and their rotations, and the webhooks paddock sends) and
//! `GET /openapi-admin.json` (paddock's own admin API). Limits, enums and
//! error codes come from the code's own constants, so the document can't
//! drift from them; tests and schemathesis check the rest against real
//! responses.

mod admin;
mod api_keys;
mod client_tokens;
mod previews;
mod schemas;
mod webhooks;

use axum::Json;
use serde_json::{Map, Value, json};

pub use admin::admin_document;

/// `GET /openapi.json`
pub async fn public() -> Json<Value> {
    Json(public_document())
}

/// `GET /openapi-admin.json`
pub async fn admin() -> Json<Value> {
    Json(admin_document())
}

pub fn public_document() -> Value {
    let mut paths = api_keys::root_path();
    paths.extend(client_tokens::paths());
    paths.extend(api_keys::paths());
    paths.extend(previews::paths());
    let mut components = schemas::shared();
    for more in [
        client_tokens::schemas(),
        api_keys::schemas(),
        previews::schemas(),
        webhooks::schemas(),
    ] {
        components.extend(more);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "paddock: Paddle Billing's client-side token and API-key APIs, and previews",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Paddle Billing's API root, client-side tokens, API keys and their rotations, price and transaction previews, as paddock serves them, and the webhooks it sends about them. Errors use Paddle's envelope. A `Skip-Count: true` header on list requests skips counting (`estimated_total` is then -1)."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "apiKey": [] }],
        "tags": [
            { "name": "api-root", "description": "Who is calling, and which API answers" },
            { "name": "client-tokens", "description": "Paddle's client-side tokens" },
            { "name": "api-keys", "description": "Paddle's API keys, and rotations of their secrets" },
            { "name": "previews", "description": "Price and transaction previews, as Paddle.js calls them" }
        ],
        "paths": paths,
        "webhooks": webhooks::webhooks(),
        "components": {
            "securitySchemes": schemas::security_schemes(),
            "schemas": components
        }
    })
}

/// Statuses any operation of Paddle's API can answer with: 403 for a bad
/// key, 501 for a method HTTP doesn't know, 500 and 503 when paddock or its
/// database fails, and 429 and 502 only when emulation is configured.
const ANY_OPERATION: [&str; 6] = ["403", "429", "500", "501", "502", "503"];

/// Operations with a path id add 400 (malformed id) and 404.
const WITH_ID: [&str; 2] = ["400", "404"];
/// Lists add 400, for a bad query.
const LIST: [&str; 1] = ["400"];
/// Operations with a body add 400 (the body), 408 (sent too slowly) and 413
/// (too large); 405 is for their paths' other methods.
const WITH_BODY: [&str; 4] = ["400", "405", "408", "413"];

/// The success response(s) given, and Paddle's error envelope for
/// [`ANY_OPERATION`] and each of `extra`.
fn responses(success: Value, extra: &[&str]) -> Value {
    let statuses: Vec<&str> = ANY_OPERATION.iter().chain(extra).copied().collect();
    let mut responses = error_responses(&statuses);
    responses.extend(object(success));
    Value::Object(responses)
}

/// Paddle's error envelope for each of `statuses`.
fn error_responses(statuses: &[&str]) -> Map<String, Value> {
    let mut responses = Map::new();
    for status in statuses {
        responses.insert(
            (*status).to_owned(),
            json!({
                "description": error_description(status),
                "content": { "application/json": { "schema": schema_ref("ErrorEnvelope") } }
            }),
        );
    }
    responses
}

fn error_description(status: &str) -> &'static str {
    match status {
        "400" => {
            "Paddle's error envelope, as Paddle's responses (not its docs) show it: `bad_request` (\"Invalid request.\") for a malformed path id, a body that fails its schema (with one `errors[]` item per problem, in a JSON-schema validator's words: `(root)`: `name is required`; `name`: `Invalid type. Expected: string, given: integer`) or a query value of the wrong type (`per_page`: `invalid input`); `invalid_field` for a query value out of range or a broken rule; `invalid_json`; or a code for a request the entity's state refuses."
        }
        "403" => {
            "Paddle's error envelope: a missing, malformed, unknown, revoked or expired key, or one without the permission needed."
        }
        "404" => "Paddle's error envelope: no such entity for this key's account and environment.",
        _ => "Paddle's error envelope",
    }
}

/// A JSON response whose body is the named schema.
fn body(schema: &str, description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema_ref(schema) } }
    })
}

fn schema_ref(schema: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{schema}") })
}

/// A required JSON request body of the named schema.
fn request_body(schema: &str) -> Value {
    json!({
        "required": true,
        "content": { "application/json": { "schema": schema_ref(schema) } }
    })
}

/// `{data, meta}` around the named entity.
fn entity_envelope(entity: &str) -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["data", "meta"],
        "properties": {
            "data": schema_ref(entity),
            "meta": schema_ref("Meta")
        }
    })
}

/// `{data: [...], meta: {request_id, pagination}}` around the named entity.
fn list_envelope(entity: &str) -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["data", "meta"],
        "properties": {
            "data": { "type": "array", "items": schema_ref(entity) },
            "meta": schema_ref("ListMeta")
        }
    })
}

/// A path parameter holding an id of the given pattern.
fn id_parameter(name: &str, pattern: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true,
        "schema": { "type": "string", "pattern": pattern }
    })
}

/// `after`, `per_page` and `order_by`, as every list takes them; `after`
/// is an id of `pattern`.
fn page_parameters(pattern: &str, default_order: &str) -> Vec<Value> {
    use crate::domain::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
    vec![
        json!({ "name": "after", "in": "query", "schema": { "type": "string", "pattern": pattern } }),
        json!({ "name": "per_page", "in": "query",
                "description": format!("Default {DEFAULT_PER_PAGE}; more than {MAX_PER_PAGE} is clamped to {MAX_PER_PAGE}."),
                "schema": { "type": "integer", "minimum": 1 } }),
        json!({ "name": "order_by", "in": "query",
                "description": format!("`id[ASC]` or `id[DESC]` (either case); default `{default_order}`."),
                "schema": { "type": "string", "pattern": r"^id\[([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])\]$" } }),
    ]
}

/// The map inside a `json!({...})` literal.
fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("called only with object literals"),
    }
}
