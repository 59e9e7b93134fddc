//! `GET /`, `/api-keys` and rotations: the operations, the API root, the
//! API key and rotation entities.

use serde_json::{Map, Value, json};

use super::{
    LIST, WITH_BODY, WITH_ID, body, entity_envelope, id_parameter, list_envelope, object,
    page_parameters, request_body, responses,
};
use crate::domain::{
    GRACE_PERIOD_SECONDS, KEY_DESCRIPTION_LENGTH, KEY_NAME_LENGTH, NO_NUL, Permission,
};
use crate::domain::{IdKind, kind};
use crate::http::root::{API_NAME, API_VERSION, DOCUMENTATION_URL};

const KEY_ID_PATTERN: &str = kind::ApiKey::PATTERN;
const ROTATION_ID_PATTERN: &str = kind::ApiKeyRotation::PATTERN;

/// The tail of every rotation operation's summary.
const OWN_KEY_ONLY: &str = "no permission needed, but only the key named in the path, authenticating as itself (another key gets 403 forbidden)";

pub fn root_path() -> Map<String, Value> {
    object(json!({
        "/": {
            "get": {
                "operationId": "getApiRoot",
                "tags": ["api-root"],
                "summary": "Which API answered, and who is calling (authentication optional)",
                "description": "Without an Authorization header: 200, with `caller.auth_type` and `caller.account` null and no permissions. With one, the key must be good: a malformed header or an unknown, revoked or expired key gets 403, as anywhere.",
                "security": [{}, { "apiKey": [] }],
                "responses": responses(json!({ "200": body("ApiRootEnvelope", "The API and the caller") }), &[])
            }
        }
    }))
}

pub fn paths() -> Map<String, Value> {
    let api_key_id = id_parameter("api_key_id", KEY_ID_PATTERN);
    let rotation_id = id_parameter("api_key_rotation_id", ROTATION_ID_PATTERN);
    let mut rotation_list_parameters = vec![api_key_id.clone()];
    rotation_list_parameters.push(json!({
        "name": "id", "in": "query", "description": "Only these rotations: a comma-separated list of ids.",
        "schema": { "type": "string", "pattern": r"^apkrot_[a-z\d]{26}(,apkrot_[a-z\d]{26})*$" }
    }));
    rotation_list_parameters.extend(page_parameters(ROTATION_ID_PATTERN, "id[ASC]"));
    object(json!({
        "/api-keys": {
            "get": {
                "operationId": "listApiKeys",
                "tags": ["api-keys"],
                "summary": "List the account's API keys in the key's environment, every status (needs api_key.read)",
                "parameters": page_parameters(KEY_ID_PATTERN, "id[ASC]"),
                "responses": responses(json!({ "200": body("ApiKeyList", "A page of keys") }), &LIST)
            }
        },
        "/api-keys/{api_key_id}": {
            "get": {
                "operationId": "getApiKey",
                "tags": ["api-keys"],
                "summary": "Get an API key (needs api_key.read, except for a key getting itself)",
                "parameters": [api_key_id.clone()],
                "responses": responses(json!({ "200": body("ApiKeyEnvelope", "The key") }), &WITH_ID)
            }
        },
        "/api-keys/{api_key_id}/rotations": {
            // No 404: a key can only rotate itself, and another id is 403.
            "post": {
                "operationId": "createApiKeyRotation",
                "tags": ["api-keys"],
                "summary": format!("Rotate a rotatable key's secret ({OWN_KEY_ONLY})"),
                "description": "Makes a pending rotation, cancelling the key's earlier pending one. The old secret keeps working until the new one (`new_key`, shown in rotations only to the key itself) is first used; then for `grace_period_seconds`. A key that isn't rotatable gets 400 `api_key_cannot_be_rotated`.",
                "parameters": [api_key_id.clone()],
                "requestBody": request_body("CreateApiKeyRotation"),
                "responses": responses(json!({ "201": body("ApiKeyRotationEnvelope", "The pending rotation, with the new key") }), &WITH_BODY)
            },
            "get": {
                "operationId": "listApiKeyRotations",
                "tags": ["api-keys"],
                "summary": format!("List a key's rotations ({OWN_KEY_ONLY})"),
                "parameters": rotation_list_parameters,
                "responses": responses(json!({ "200": body("ApiKeyRotationList", "A page of rotations, oldest first") }), &LIST)
            }
        },
        "/api-keys/{api_key_id}/rotations/{api_key_rotation_id}": {
            "get": {
                "operationId": "getApiKeyRotation",
                "tags": ["api-keys"],
                "summary": format!("Get one of a key's rotations ({OWN_KEY_ONLY})"),
                "parameters": [api_key_id, rotation_id],
                "responses": responses(json!({ "200": body("ApiKeyRotationEnvelope", "The rotation, with its new key") }), &WITH_ID)
            }
        }
    }))
}

/// The API root, the key and rotation entities, and the rotation body.
pub fn schemas() -> Map<String, Value> {
    let permissions: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    let permission = json!({ "type": "string", "enum": permissions });
    let (name_min, name_max) = KEY_NAME_LENGTH;
    let (description_min, description_max) = KEY_DESCRIPTION_LENGTH;
    let (grace_min, grace_max) = GRACE_PERIOD_SECONDS;
    let nullable_time = json!({ "type": ["string", "null"], "format": "date-time" });
    let time = json!({ "type": "string", "format": "date-time" });
    object(json!({
        "ApiRoot": {
            "type": "object",
            "additionalProperties": false,
            "required": ["api", "caller"],
            "properties": {
                "api": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["name", "version", "environment", "documentation_url"],
                    "properties": {
                        "name": { "type": "string", "const": API_NAME },
                        "version": { "type": "string", "const": API_VERSION },
                        "environment": { "type": "string", "enum": ["production", "sandbox"],
                                         "description": "The key's environment (`production` for a live key); `sandbox` without a key." },
                        "documentation_url": { "type": "string", "format": "uri", "const": DOCUMENTATION_URL }
                    }
                },
                "caller": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["auth_type", "account", "permissions"],
                    "properties": {
                        "auth_type": { "type": ["string", "null"], "enum": ["api_key", null] },
                        "account": {
                            "type": ["object", "null"],
                            "additionalProperties": false,
                            "required": ["id"],
                            "description": "The account the key belongs to; paddock's account names are its ids.",
                            "properties": { "id": { "type": "string" } }
                        },
                        "permissions": { "type": "array", "items": permission }
                    }
                }
            }
        },
        "ApiKey": {
            "type": "object",
            "additionalProperties": false,
            "required": ["id", "name", "description", "key", "status", "permissions", "exposed_at",
                         "expires_at", "last_used_at", "created_at", "updated_at", "rotatable"],
            "properties": {
                "id": { "type": "string", "pattern": KEY_ID_PATTERN },
                "name": { "type": "string", "minLength": name_min, "maxLength": name_max, "pattern": NO_NUL },
                "description": { "type": ["string", "null"], "minLength": description_min, "maxLength": description_max, "pattern": NO_NUL },
                "key": { "type": "string", "pattern": r"^pdl_(sdbx|live)_apikey_[a-z\d]{10}\*{4}$",
                         "description": "Obfuscated: the whole key is shown only when it is made." },
                "status": { "type": "string", "enum": ["active", "expired", "revoked"] },
                "permissions": { "type": "array", "items": permission },
                "exposed_at": nullable_time,
                "expires_at": nullable_time,
                "last_used_at": { "type": ["string", "null"], "format": "date-time", "description": "Accurate to within an hour." },
                "created_at": time,
                "updated_at": time,
                "rotatable": { "type": "boolean" }
            }
        },
        "ApiKeyRotation": rotation(true),
        "ApiKeyRotationWithoutKey": rotation(false),
        "CreateApiKeyRotation": {
            "type": "object",
            "additionalProperties": false,
            "required": ["grace_period_seconds"],
            "properties": {
                "grace_period_seconds": { "type": "integer", "minimum": grace_min, "maximum": grace_max,
                                          "description": "How long the old secret keeps working once the new one is first used." },
                "new_key_expires_at": { "type": ["string", "null"], "format": "date-time",
                                        "description": "Must be in the future (400 `invalid_field` otherwise); becomes the key's `expires_at` when the rotation completes." }
            }
        },
        "ApiRootEnvelope": entity_envelope("ApiRoot"),
        "ApiKeyEnvelope": entity_envelope("ApiKey"),
        "ApiKeyList": list_envelope("ApiKey"),
        "ApiKeyRotationEnvelope": entity_envelope("ApiKeyRotation"),
        "ApiKeyRotationList": list_envelope("ApiKeyRotation")
    }))
}

/// A rotation: with `new_key` as the API shows it to the key itself,
/// without it as webhooks carry it.
fn rotation(with_new_key: bool) -> Value {
    let (grace_min, grace_max) = GRACE_PERIOD_SECONDS;
    let mut schema = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "api_key_id", "grace_period_seconds", "status", "expires_at", "created_at", "updated_at"],
        "properties": {
            "id": { "type": "string", "pattern": ROTATION_ID_PATTERN },
            "api_key_id": { "type": "string", "pattern": KEY_ID_PATTERN },
            "grace_period_seconds": { "type": "integer", "minimum": grace_min, "maximum": grace_max },
            "status": { "type": "string", "enum": ["pending", "completed", "canceled"],
                        "description": "`completed` the first time the new key authenticates; `canceled` when a newer rotation came first." },
            "expires_at": { "type": ["string", "null"], "format": "date-time",
                            "description": "When the old secret stops working: completion plus the grace period; null before completion." },
            "created_at": { "type": "string", "format": "date-time" },
            "updated_at": { "type": "string", "format": "date-time" }
        }
    });
    if with_new_key {
        schema["required"] = json!([
            "id",
            "api_key_id",
            "new_key",
            "grace_period_seconds",
            "status",
            "expires_at",
            "created_at",
            "updated_at"
        ]);
        schema["properties"]["new_key"] = json!({
            "type": "string", "pattern": r"^pdl_(sdbx|live)_apikey_[a-z\d]{26}_[A-Za-z0-9_-]+$",
            "description": "The whole new key: the same id, a new secret."
        });
    }
    schema
}
