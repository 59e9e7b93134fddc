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
        TransactionCreated
        | TransactionUpdated
        | TransactionReady
        | TransactionPaid
        | TransactionCompleted
        | TransactionPaymentFailed => "Transaction",
        CustomerCreated | CustomerUpdated => "Customer",
        AddressCreated | AddressUpdated => "Address",
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
        TransactionCreated => "A checkout made a transaction",
        TransactionUpdated => "A transaction changed (with each status change too)",
        TransactionReady => "A transaction has its customer and address: it can be paid",
        TransactionPaid => "A transaction's payment was captured",
        TransactionCompleted => "A paid transaction was completed",
        TransactionPaymentFailed => "A payment attempt was declined or failed 3-D Secure",
        CustomerCreated => "A checkout made a customer",
        CustomerUpdated => "A customer changed",
        AddressCreated => "A checkout made an address",
        AddressUpdated => "An address changed",
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
        TransactionCreated
        | TransactionUpdated
        | TransactionReady
        | TransactionPaid
        | TransactionCompleted
        | TransactionPaymentFailed
        | CustomerCreated
        | CustomerUpdated
        | AddressCreated
        | AddressUpdated => "checkouts",
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
        },
        // The checkout's entities, as Paddle's webhooks carry them (the
        // contract's "The test-mode checkout" gives every field).
        "Transaction": {
            "type": "object",
            "description": "Paddle's transaction entity; keys sorted by length, then alphabetically, as Paddle sends them.",
            "required": ["id", "items", "origin", "status", "details", "checkout", "payments", "billed_at",
                         "address_id", "created_at", "invoice_id", "updated_at", "custom_data", "customer_id",
                         "currency_code", "invoice_number", "collection_mode", "subscription_id"],
            "properties": {
                "id": { "type": "string", "pattern": kind::Transaction::PATTERN },
                "status": { "type": "string", "enum": ["draft", "ready", "billed", "paid", "completed", "canceled", "past_due"] }
            }
        },
        "Customer": {
            "type": "object",
            "required": ["id", "name", "email", "locale", "status", "created_at", "updated_at", "custom_data", "import_meta", "marketing_consent"],
            "properties": {
                "id": { "type": "string", "pattern": kind::Customer::PATTERN },
                "email": { "type": "string" }
            }
        },
        "Address": {
            "type": "object",
            "required": ["id", "customer_id", "description", "first_line", "second_line", "city", "postal_code",
                         "region", "country_code", "custom_data", "status", "created_at", "updated_at", "import_meta"],
            "properties": {
                "id": { "type": "string", "pattern": kind::Address::PATTERN },
                "customer_id": { "type": "string", "pattern": kind::Customer::PATTERN }
            }
        }
    }))
}
