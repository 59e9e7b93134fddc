//! The OpenAPI 3.1 documents paddock serves: `GET /openapi.json` (Paddle's
//! client-token API as paddock implements it) and `GET /openapi-admin.json`
//! (paddock's own admin API). Limits, enums and error codes come from the
//! code's own constants, so the document can't drift from them; tests and
//! schemathesis check the rest against real responses.

use axum::Json;
use serde_json::{Value, json};

use super::error::CODES;
use super::extract::BODY_LIMIT;
use crate::domain::{DESCRIPTION_LENGTH, EventType, MAX_PER_PAGE, NAME_LENGTH, NO_NUL, Permission};

/// `GET /openapi.json`
pub async fn public() -> Json<Value> {
    Json(public_document())
}

/// `GET /openapi-admin.json`
pub async fn admin() -> Json<Value> {
    Json(admin_document())
}

/// What a 400 can be, as Paddle's responses (not its docs) show.
const BAD_REQUEST: &str = "Paddle's error envelope. `bad_request` (\"Invalid request.\") for a body that fails its schema, with one `errors[]` item per problem in a JSON-schema validator's words (`(root)`: `name is required`; `name`: `Invalid type. Expected: string, given: integer`), and for a query value of the wrong type (`per_page`: `invalid input`); `invalid_field` for a query value out of range; `invalid_json`; `client_token_revoked`.";

fn error_responses(statuses: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    for status in statuses {
        let description = match *status {
            "400" => BAD_REQUEST,
            _ => "Paddle's error envelope",
        };
        responses.insert(
            (*status).to_owned(),
            json!({
                "description": description,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorEnvelope" } } }
            }),
        );
    }
    Value::Object(responses)
}

fn with_errors(success: Value, errors: &[&str]) -> Value {
    let mut responses = error_responses(errors);
    for (status, response) in success.as_object().unwrap() {
        responses[status] = response.clone();
    }
    responses
}

fn envelope(schema: &str, description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

/// Errors any authenticated operation can answer with.
/// (429 and 502 only when emulation is configured.)
const COMMON_ERRORS: [&str; 7] = ["403", "404", "429", "500", "501", "502", "503"];

pub fn public_document() -> Value {
    let id_pattern = r"^ctkn_[a-z\d]{26}$";
    let client_token_id = json!({
        "name": "client_token_id", "in": "path", "required": true,
        "schema": { "type": "string", "pattern": id_pattern }
    });
    let read_errors: Vec<&str> = ["400"].into_iter().chain(COMMON_ERRORS).collect();
    let write_errors: Vec<&str> = ["400", "405", "413"]
        .into_iter()
        .chain(COMMON_ERRORS)
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "paddock: Paddle Billing client-side tokens",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Paddle Billing's client-side token API as paddock serves it. Errors use Paddle's envelope. A `Skip-Count: true` header on list requests skips counting (`estimated_total` is then -1)."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "apiKey": [] }],
        "tags": [{ "name": "client-tokens", "description": "Paddle's client-side tokens" }],
        "paths": {
            "/client-tokens": {
                "get": {
                    "operationId": "listClientTokens",
                    "tags": ["client-tokens"],
                    "summary": "List client-side tokens (needs client_token.read)",
                    "parameters": [
                        { "name": "after", "in": "query", "schema": { "type": "string", "pattern": id_pattern } },
                        { "name": "per_page", "in": "query",
                          "description": format!("Default 50; more than {MAX_PER_PAGE} is clamped to {MAX_PER_PAGE}."),
                          "schema": { "type": "integer", "minimum": 1 } },
                        { "name": "order_by", "in": "query",
                          "schema": { "type": "string", "pattern": r"^id\[([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])\]$" } },
                        { "name": "status", "in": "query", "description": "Comma-separated; default active.",
                          "schema": { "type": "string", "pattern": "^(active|revoked)(,(active|revoked))*$" } }
                    ],
                    "responses": with_errors(json!({ "200": envelope("ClientTokenList", "A page of tokens") }), &read_errors)
                },
                "post": {
                    "operationId": "createClientToken",
                    "tags": ["client-tokens"],
                    "summary": "Create a client-side token (needs client_token.write)",
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateClientToken" } } }
                    },
                    "responses": with_errors(json!({ "201": envelope("ClientTokenEnvelope", "The new token") }), &write_errors)
                }
            },
            "/client-tokens/{client_token_id}": {
                "get": {
                    "operationId": "getClientToken",
                    "tags": ["client-tokens"],
                    "summary": "Get a client-side token (needs client_token.read)",
                    "parameters": [client_token_id.clone()],
                    "responses": with_errors(json!({ "200": envelope("ClientTokenEnvelope", "The token") }), &read_errors)
                },
                "patch": {
                    "operationId": "updateClientToken",
                    "tags": ["client-tokens"],
                    "summary": "Revoke a client-side token (needs client_token.write)",
                    "parameters": [client_token_id],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/UpdateClientToken" } } }
                    },
                    "responses": with_errors(json!({ "200": envelope("ClientTokenEnvelope", "The token") }), &write_errors)
                }
            }
        },
        "components": components(id_pattern)
    })
}

/// The entity, request bodies, envelopes and errors.
fn components(id_pattern: &str) -> Value {
    let (name_min, name_max) = NAME_LENGTH;
    let (description_min, description_max) = DESCRIPTION_LENGTH;
    json!({
        "securitySchemes": {
            "apiKey": {
                "type": "http", "scheme": "bearer",
                "description": "An API key, pdl_sdbx_apikey_<ulid>_<secret> or pdl_live_apikey_..., with the permissions client_token.read and/or client_token.write."
            }
        },
        "schemas": {
            "ClientToken": {
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "token", "name", "description", "status", "revoked_at", "created_at", "updated_at"],
                "properties": {
                    "id": { "type": "string", "pattern": id_pattern },
                    "token": { "type": "string", "pattern": "^(test|live)_[a-f0-9]{27}$" },
                    "name": { "type": "string", "minLength": name_min, "maxLength": name_max, "pattern": NO_NUL },
                    "description": { "type": ["string", "null"], "minLength": description_min, "maxLength": description_max, "pattern": NO_NUL },
                    "status": { "type": "string", "enum": ["active", "revoked"] },
                    "revoked_at": { "type": ["string", "null"], "format": "date-time" },
                    "created_at": { "type": "string", "format": "date-time" },
                    "updated_at": { "type": "string", "format": "date-time" }
                }
            },
            "CreateClientToken": {
                "type": "object",
                "additionalProperties": false,
                "required": ["name"],
                "properties": {
                    "name": { "type": "string", "minLength": name_min, "maxLength": name_max, "pattern": NO_NUL },
                    "description": { "type": ["string", "null"], "minLength": description_min, "maxLength": description_max, "pattern": NO_NUL }
                },
                "description": format!("At most {BODY_LIMIT} bytes.")
            },
            "UpdateClientToken": {
                "type": "object",
                "additionalProperties": false,
                "required": ["status"],
                "properties": {
                    "status": { "type": "string", "enum": ["revoked", "active"],
                                "description": "`revoked` revokes; `active` is accepted only for a token that is still active." }
                }
            },
            "Meta": {
                "type": "object",
                "required": ["request_id"],
                "properties": { "request_id": { "type": "string", "format": "uuid" } }
            },
            "Pagination": {
                "type": "object",
                "additionalProperties": false,
                "required": ["per_page", "estimated_total", "next", "has_more"],
                "properties": {
                    "per_page": { "type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE },
                    "estimated_total": { "type": "integer", "minimum": -1 },
                    "next": { "type": "string", "format": "uri" },
                    "has_more": { "type": "boolean" }
                }
            },
            "ClientTokenEnvelope": {
                "type": "object",
                "additionalProperties": false,
                "required": ["data", "meta"],
                "properties": {
                    "data": { "$ref": "#/components/schemas/ClientToken" },
                    "meta": { "$ref": "#/components/schemas/Meta" }
                }
            },
            "ClientTokenList": {
                "type": "object",
                "additionalProperties": false,
                "required": ["data", "meta"],
                "properties": {
                    "data": { "type": "array", "items": { "$ref": "#/components/schemas/ClientToken" } },
                    "meta": {
                        "type": "object",
                        "description": "Sent as Paddle sends it: `pagination` (`per_page`, `estimated_total`, `next`, `has_more`), then `request_id`.",
                        "required": ["pagination", "request_id"],
                        "properties": {
                            "pagination": { "$ref": "#/components/schemas/Pagination" },
                            "request_id": { "type": "string", "format": "uuid" }
                        }
                    }
                }
            },
            "ErrorEnvelope": {
                "type": "object",
                "additionalProperties": false,
                "required": ["error", "meta"],
                "properties": {
                    "error": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["type", "code", "detail", "documentation_url"],
                        "properties": {
                            "type": { "type": "string", "enum": ["request_error", "api_error"] },
                            "code": { "type": "string", "enum": CODES },
                            "detail": { "type": "string" },
                            "documentation_url": {
                                "type": "string", "format": "uri",
                                "description": "As Paddle's responses link it: `https://developer.paddle.com/v1/errors/<shared or entity>/<code>`; `too_many_requests` without `/v1/`.",
                                "pattern": r"^https://developer\.paddle\.com/(v1/errors/[a-z_]+|errors/shared)/[a-z_]+$"
                            },
                            "errors": {
                                "type": "array",
                                "description": "One item per problem, all at once. For `bad_request`, `field` is the JSON path (`name`, `client_tokens.2.name`) or `(root)` for a missing or unknown property.",
                                "items": {
                                    "type": "object",
                                    "additionalProperties": false,
                                    "required": ["field", "message"],
                                    "properties": { "field": { "type": "string" }, "message": { "type": "string" } }
                                }
                            }
                        }
                    },
                    "meta": { "$ref": "#/components/schemas/Meta" }
                }
            }
        }
    })
}

/// paddock's own admin API, for test suites: a separate document, so that
/// tools pointed at the Paddle API never wander into it.
pub fn admin_document() -> Value {
    let permissions: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    let events: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
    let operation = |summary: &str, body: Option<Value>| {
        let mut operation = json!({
            "tags": ["paddock-admin"],
            "summary": summary,
            "responses": with_errors(json!({ "200": { "description": "`{data, meta}`" }, "201": { "description": "`{data, meta}`, created" } }), &["400", "403", "404"])
        });
        if let Some(schema) = body {
            operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema } } });
        }
        operation
    };
    let account = json!({ "name": "account", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" } });
    let id =
        json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } });
    let mut document = public_document();
    document["info"] = json!({
        "title": "paddock admin API",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "paddock's own API for test suites, under /__paddock/ (a prefix Paddle never uses). On only when PADDOCK_ADMIN_TOKEN is set; authenticate with it as a bearer token."
    });
    document["security"] = json!([{ "adminToken": [] }]);
    document["tags"] =
        json!([{ "name": "paddock-admin", "description": "paddock's admin API (not Paddle's)" }]);
    document["components"]["securitySchemes"] =
        json!({ "adminToken": { "type": "http", "scheme": "bearer" } });
    document["paths"] = json!({
        "/__paddock/accounts": {
            "get": operation("List accounts", None),
            "post": operation("Create an account", Some(json!({ "type": "object", "additionalProperties": false, "required": ["name"], "properties": { "name": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" } } })))
        },
        "/__paddock/accounts/{account}/api-keys": {
            "parameters": [account.clone()],
            "get": operation("List an account's API keys (never secrets)", None),
            "post": operation("Create an API key; `key` is shown only in this answer", Some(json!({
                "type": "object", "required": ["permissions"], "properties": {
                    "environment": { "type": "string", "enum": ["sandbox", "live"] },
                    "permissions": { "type": "array", "items": { "type": "string", "enum": permissions } },
                    "expires_at": { "type": ["string", "null"], "format": "date-time" }
                }
            })))
        },
        "/__paddock/api-keys/{id}/revoke": { "parameters": [id.clone()], "post": operation("Revoke an API key", None) },
        "/__paddock/accounts/{account}/client-tokens": {
            "parameters": [account.clone()],
            "post": operation("Seed client-token fixtures, all or none", Some(json!({
                "type": "object", "required": ["client_tokens"], "properties": { "client_tokens": { "type": "array", "items": { "type": "object" } } }
            })))
        },
        "/__paddock/accounts/{account}/reset": { "parameters": [account.clone()], "post": operation("Delete an account's tokens, events and request log", None) },
        "/__paddock/reset": { "post": operation("Reset every account", None) },
        "/__paddock/accounts/{account}/requests": { "parameters": [account.clone()], "get": operation("An account's recent requests", None) },
        "/__paddock/accounts/{account}/notification-settings": {
            "parameters": [account.clone()],
            "get": operation("List notification settings", None),
            "post": operation("Create a notification setting; `endpoint_secret_key` is shown only in this answer", Some(json!({
                "type": "object", "additionalProperties": false, "required": ["destination", "subscribed_events"], "properties": {
                    "destination": { "type": "string", "format": "uri" },
                    "subscribed_events": { "type": "array", "minItems": 1, "items": { "type": "string", "enum": events } },
                    "environment": { "type": "string", "enum": ["sandbox", "live"] },
                    "active": { "type": "boolean" }
                }
            })))
        },
        "/__paddock/notification-settings/{id}": {
            "parameters": [id.clone()],
            "patch": operation("Update a notification setting", Some(json!({ "type": "object" }))),
            "delete": operation("Delete a notification setting", None)
        },
        "/__paddock/notification-settings/{id}/deliveries": { "parameters": [id.clone()], "get": operation("A setting's deliveries and attempts", None) },
        "/__paddock/accounts/{account}/events": { "parameters": [account], "get": operation("An account's events", None) },
        "/__paddock/events/{id}/replay": { "parameters": [id], "post": operation("Send an event again", None) }
    });
    document
}
