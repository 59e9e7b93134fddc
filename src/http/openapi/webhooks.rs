//! The notifications paddock sends, as OpenAPI 3.1 `webhooks`: one per
//! event type, each the body Paddle POSTs (`event_id`, `event_type`,
//! `occurred_at`, `notification_id`, `data`) around the entity it is about.

use serde_json::{Map, Value, json};

use super::{object, schema_ref};
use crate::domain::{IdKind, kind};
use strum::VariantArray;

use crate::domain::{EventType, ExposureSource, RiskLevel};

/// The entity schema an event type carries in `data`. A match, not a
/// table, so that a new event type can't be left undocumented.
fn entity(event_type: EventType) -> &'static str {
    use EventType::*;
    match event_type {
        ClientTokenCreated | ClientTokenUpdated | ClientTokenRevoked => "ClientToken",
        ApiKeyCreated | ApiKeyUpdated | ApiKeyRevoked | ApiKeyExpiring | ApiKeyExpired => "ApiKey",
        ApiKeyExposureCreated => "ApiKeyExposure",
        // Webhooks never carry secrets.
        ApiKeyRotationCreated | ApiKeyRotationUpdated => "ApiKeyRotationWithoutKey",
    }
}

fn summary(event_type: EventType) -> &'static str {
    use EventType::*;
    match event_type {
        ClientTokenCreated => "A client-side token was created",
        ClientTokenUpdated => "A client-side token changed (after client_token.revoked, too)",
        ClientTokenRevoked => "A client-side token was revoked",
        ApiKeyCreated => "An API key was created",
        ApiKeyUpdated => {
            "An API key changed: revoked (after api_key.revoked), or its expiry set by a completed rotation"
        }
        ApiKeyRevoked => "An API key was revoked",
        ApiKeyExpiring => "An API key expires in seven days",
        ApiKeyExpired => "An API key passed its expiry",
        ApiKeyExposureCreated => {
            "An API key was found published; a high-risk exposure revokes it (api_key.revoked follows)"
        }
        ApiKeyRotationCreated => "A key made a rotation of its secret",
        ApiKeyRotationUpdated => "A rotation completed (its new secret was used) or was canceled",
    }
}

pub fn webhooks() -> Value {
    let mut webhooks = Map::new();
    for event_type in EventType::ALL {
        let name = event_type.as_str();
        webhooks.insert(
            name.to_owned(),
            json!({
                "post": {
                    "operationId": format!("notify_{}", name.replace('.', "_")),
                    "tags": [tag(event_type)],
                    "summary": summary(event_type),
                    "description": "Sent to each active notification setting of the account and environment subscribed to this event type, signed with the setting's secret.",
                    "security": [],
                    "parameters": [{
                        "name": "Paddle-Signature", "in": "header", "required": true,
                        "description": "`ts=<unix seconds>;h1=<hex HMAC-SHA256 of \"<ts>:<raw body>\" with the setting's secret>`",
                        "schema": { "type": "string", "pattern": r"^ts=\d+;h1=[a-f0-9]{64}$" }
                    }],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": notification(event_type) } }
                    },
                    "responses": {
                        "200": { "description": "Any 2xx within 5 seconds acknowledges the notification; anything else is retried with exponential backoff." }
                    }
                }
            }),
        );
    }
    Value::Object(webhooks)
}

fn tag(event_type: EventType) -> &'static str {
    use EventType::*;
    match event_type {
        ClientTokenCreated | ClientTokenUpdated | ClientTokenRevoked => "client-tokens",
        _ => "api-keys",
    }
}

/// The body of one event type's notification, fields in the order sent.
fn notification(event_type: EventType) -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["event_id", "event_type", "occurred_at", "notification_id", "data"],
        "properties": {
            "event_id": { "type": "string", "pattern": kind::Event::PATTERN },
            "event_type": { "type": "string", "const": event_type.as_str() },
            "occurred_at": { "type": "string", "format": "date-time" },
            "notification_id": { "type": "string", "pattern": kind::Notification::PATTERN },
            "data": schema_ref(entity(event_type))
        }
    })
}

/// The entity only webhooks carry.
pub fn schemas() -> Map<String, Value> {
    let risk_levels: Vec<&str> = RiskLevel::VARIANTS.iter().map(|&v| v.into()).collect();
    let sources: Vec<&str> = ExposureSource::VARIANTS.iter().map(|&v| v.into()).collect();
    object(json!({
        "ApiKeyExposure": {
            "type": "object",
            "additionalProperties": false,
            "required": ["id", "api_key_id", "risk_level", "action_taken", "source", "reference", "description", "created_at"],
            "properties": {
                "id": { "type": "string", "pattern": kind::ApiKeyExposure::PATTERN },
                "api_key_id": { "type": "string", "pattern": kind::ApiKey::PATTERN },
                "risk_level": { "type": "string", "enum": risk_levels },
                "action_taken": { "type": "string", "enum": ["revoked", "none"],
                                  "description": "`revoked` for a high-risk exposure." },
                "source": { "type": "string", "enum": sources },
                "reference": { "type": "string", "format": "uri", "minLength": 1, "maxLength": 250,
                               "description": "Where the key was found." },
                "description": { "type": ["string", "null"], "minLength": 1, "maxLength": 250 },
                "created_at": { "type": "string", "format": "date-time" }
            }
        }
    }))
}
