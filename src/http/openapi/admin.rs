//! paddock's own admin API, for test suites: a separate document, so that
//! tools pointed at the Paddle API never wander into it.

use serde_json::{Value, json};

use super::{error_responses, public_document};
use crate::domain::{
    ACCOUNT_STATE_FORMAT, ACCOUNT_STATE_FORMAT_V1, CatalogStatus, CatalogType, CurrencyCode,
    EventType, Interval, KEY_DESCRIPTION_LENGTH, KEY_NAME_LENGTH, MAX_ADVANCE_SECONDS, Permission,
    SEED_LENGTH, TaxCategory, TaxMode,
};

/// `{data, meta}` on success; the admin API's errors use Paddle's envelope:
/// 429 for an address locked out for wrong admin tokens (`http::limiter`).
fn admin_responses() -> Value {
    let mut responses = error_responses(&["400", "403", "404", "429"]);
    responses.insert("200".to_owned(), json!({ "description": "`{data, meta}`" }));
    responses.insert(
        "201".to_owned(),
        json!({ "description": "`{data, meta}`, created" }),
    );
    Value::Object(responses)
}

pub fn admin_document() -> Value {
    let permissions: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
    let events: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
    let (name_min, name_max) = KEY_NAME_LENGTH;
    let (description_min, description_max) = KEY_DESCRIPTION_LENGTH;
    let operation = |summary: &str, body: Option<Value>| {
        let mut operation = json!({
            "tags": ["paddock-admin"],
            "summary": summary,
            "responses": admin_responses()
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
    // The public document's webhooks are Paddle's; the admin API only
    // configures where they go.
    document.as_object_mut().unwrap().remove("webhooks");
    let seed = json!({ "type": ["string", "integer"], "minLength": 1, "maxLength": SEED_LENGTH });
    document["paths"] = json!({
        "/__paddock/accounts": {
            "get": operation("List accounts", None),
            "post": operation("Create an account, optionally seeded", Some(json!({ "type": "object", "additionalProperties": false, "required": ["name"], "properties": { "name": { "type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$" }, "seed": seed } })))
        },
        "/__paddock/accounts/{account}/api-keys": {
            "parameters": [account.clone()],
            "get": operation("List an account's API keys (never secrets)", None),
            "post": operation("Create an API key; `key` is shown only in this answer", Some(json!({
                "type": "object", "required": ["permissions"], "properties": {
                    "environment": { "type": "string", "enum": ["sandbox", "live"] },
                    "permissions": { "type": "array", "items": { "type": "string", "enum": permissions } },
                    "expires_at": { "type": ["string", "null"], "format": "date-time" },
                    "name": { "type": ["string", "null"], "minLength": name_min, "maxLength": name_max },
                    "description": { "type": ["string", "null"], "minLength": description_min, "maxLength": description_max },
                    "rotatable": { "type": ["boolean", "null"], "description": "Fixed at creation; default false." }
                }
            })))
        },
        "/__paddock/api-keys/{id}/revoke": { "parameters": [id.clone()], "post": operation("Revoke an API key", None) },
        "/__paddock/api-keys/{id}/exposures": {
            "parameters": [id.clone()],
            "post": operation("Simulate Paddle finding the key published: `api_key_exposure.created`, and for high risk the key revoked", Some(json!({
                "type": "object", "additionalProperties": false, "required": ["risk_level", "reference"], "properties": {
                    "risk_level": { "type": "string", "enum": ["high", "low"] },
                    "reference": { "type": "string", "format": "uri", "minLength": 1, "maxLength": 250 },
                    "source": { "type": ["string", "null"], "enum": ["github", null] },
                    "description": { "type": ["string", "null"], "minLength": 1, "maxLength": 250 }
                }
            })))
        },
        "/__paddock/api-keys/expiry-sweep": { "post": operation("Send the api_key.expired and api_key.expiring notices due now", None) },
        "/__paddock/accounts/{account}/client-tokens": {
            "parameters": [account.clone()],
            "post": operation("Seed client-token fixtures, all or none", Some(json!({
                "type": "object", "required": ["client_tokens"], "properties": { "client_tokens": { "type": "array", "items": { "type": "object" } } }
            })))
        },
        "/__paddock/accounts/{account}/reset": { "parameters": [account.clone()], "post": operation("Delete an account's tokens, events and request journal", None) },
        "/__paddock/reset": { "post": operation("Reset every account", None) },
        "/__paddock/accounts/{account}/seed": {
            "parameters": [account.clone()],
            "put": operation("Seed the account and restart its sequence: the same requests then get the same ids, secrets and timestamps", Some(json!({
                "type": "object", "additionalProperties": false, "required": ["seed"], "properties": { "seed": seed }
            }))),
            "delete": operation("Remove the account's own seed", None)
        },
        "/__paddock/accounts/{account}/clock": {
            "parameters": [account.clone()],
            "get": operation("The account's clock: `{now, frozen, real_time}`", None),
            "put": operation("Set the account's clock to read `now` (default: what it reads now), stopped or running", Some(json!({
                "type": "object", "additionalProperties": false, "required": ["frozen"], "properties": {
                    "frozen": { "type": "boolean" },
                    "now": { "type": "string", "format": "date-time" }
                }
            }))),
            "delete": operation("Return the account's clock to its default (real time; a seeded account's start)", None)
        },
        "/__paddock/accounts/{account}/clock/advance": {
            "parameters": [account.clone()],
            "post": operation("Move the account's clock on", Some(json!({
                "type": "object", "additionalProperties": false, "required": ["seconds"], "properties": {
                    "seconds": { "type": "number", "minimum": 0, "maximum": MAX_ADVANCE_SECONDS }
                }
            })))
        },
        "/__paddock/accounts/{account}/requests": {
            "parameters": journal_parameters(&account),
            "get": operation("An account's request journal, oldest first: each recognised request's method, path, query, status, request id, API key id, time, and request and response bodies (JSON, else a string; at most 16 KiB each, else a truncated string with `*_body_truncated: true`; secrets replaced by `[redacted]`)", None)
        },
        "/__paddock/accounts/{account}/requests/count": {
            "parameters": journal_parameters(&account),
            "get": operation("How many of the account's journaled requests match: `{\"count\": N}`", None)
        },
        "/__paddock/accounts/{account}/export": { "parameters": [account.clone()], "get": operation("The account's whole state (format paddock.account.v2): API keys as digests, secrets sealed; its catalog and tax rates", None) },
        "/__paddock/accounts/{account}/import": {
            "parameters": [account.clone()],
            "post": operation("Load an export's data into an empty account, all or nothing; the path's account wins", Some(json!({
                "type": "object", "additionalProperties": false, "required": ["format", "account"], "properties": {
                    "format": { "type": "string", "enum": [ACCOUNT_STATE_FORMAT, ACCOUNT_STATE_FORMAT_V1] },
                    "account": { "type": "object" },
                    "client_tokens": { "type": "array", "items": { "type": "object" } },
                    "api_keys": { "type": "array", "items": { "type": "object" } },
                    "api_key_rotations": { "type": "array", "items": { "type": "object" } },
                    "notification_settings": { "type": "array", "items": { "type": "object" } },
                    "events": { "type": "array", "items": { "type": "object" } },
                    "deliveries": { "type": "array", "items": { "type": "object" } },
                    "products": { "type": "array", "items": { "type": "object" } },
                    "prices": { "type": "array", "items": { "type": "object" } },
                    "tax_rates": { "type": "object" }
                }
            })))
        },
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
        "/__paddock/accounts/{account}/events": { "parameters": [account.clone()], "get": operation("An account's events", None) },
        "/__paddock/events/{id}/replay": { "parameters": [id.clone()], "post": operation("Send an event again to every setting now subscribed to it (paddock's own; Paddle replays one notification); answers with all the event's deliveries", None) }
    });
    let notification_id = json!({ "name": "notification_id", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^ntf_[a-z0-9]{26}$" } });
    let mut replay = operation(
        "Send a notification's event again to its own destination only, as a new notification (as Paddle's `POST /notifications/{notification_id}/replay`); 202 with `data.notification_id`",
        None,
    );
    replay["responses"]["202"] = json!({ "description": "Queued: the new notification's id" });
    document["paths"]["/__paddock/notifications/{notification_id}/replay"] = json!({
        "parameters": [notification_id],
        "post": replay
    });
    document["paths"]["/__paddock/accounts/{account}/checkouts"] = json!({
        "parameters": [account.clone()],
        "get": operation("The account's test-mode checkouts, both environments, newest last: each as the checkout routes show it, with its `transaction`, `customer` and `address` (null until known) and timestamps", None)
    });
    let mut complete = operation(
        "Pay (`paid`) or decline (`declined`) an open checkout in one call, with the webhooks and Paddle.js events a test card would cause; a checkout without a customer gets `customer` (default: buyer@example.com, US, 10001); 409 `checkout_not_open` when completed or closed",
        Some(complete_body()),
    );
    if let Some(responses) = complete["responses"].as_object_mut() {
        responses.extend(error_responses(&["409"]));
    }
    document["paths"]["/__paddock/checkouts/{id}/complete"] =
        json!({ "parameters": [id], "post": complete });
    let environment = json!({ "name": "environment", "in": "query", "required": false, "description": "`sandbox` (the default) or `live`", "schema": { "type": "string", "enum": ["sandbox", "live"] } });
    let mut listing = operation("An environment's products and prices, in id order", None);
    listing["parameters"] = json!([environment]);
    document["paths"]["/__paddock/accounts/{account}/catalog"] = json!({
        "parameters": [account.clone()],
        "get": listing,
        "post": operation("Load products and prices, all or none; an id may be given (one the account's environment has is refused), else one is minted", Some(catalog_body()))
    });
    document["paths"]["/__paddock/accounts/{account}/tax"] = json!({
        "parameters": [account],
        "get": operation("The account's tax rates by country: `{\"rates\": {\"GB\": \"0.2\"}}`", None),
        "put": operation("Replace the account's tax rates (both environments); `{}` for none", Some(json!({
            "type": "object", "additionalProperties": false, "required": ["rates"], "properties": {
                "rates": { "type": "object", "description": "An ISO 3166-1 alpha-2 code to a rate from 0 to 1 with at most six decimals", "additionalProperties": { "type": "string", "pattern": "^(0(\\.\\d{1,6})?|1(\\.0{1,6})?)$" } }
            }
        })))
    });
    document
}

/// `{"outcome", "customer"?}` for completing a checkout.
fn complete_body() -> Value {
    json!({ "type": "object", "additionalProperties": false, "required": ["outcome"], "properties": {
        "outcome": { "type": "string", "enum": ["paid", "declined"] },
        "customer": { "type": "object", "additionalProperties": false, "required": ["email", "address"], "properties": {
            "email": { "type": "string", "format": "email" },
            "address": { "type": "object", "additionalProperties": false, "required": ["country_code"], "properties": {
                "country_code": { "type": "string", "pattern": "^[A-Z]{2}$" },
                "postal_code": { "type": ["string", "null"] }
            } }
        } }
    } })
}

/// The catalog body: Paddle's create-product and create-price bodies, with
/// an optional `id`, `status` and timestamps.
fn catalog_body() -> Value {
    let money = json!({ "type": "object", "additionalProperties": false, "required": ["amount", "currency_code"], "properties": {
        "amount": { "type": "string", "pattern": "^\\d+$", "description": "In the currency's lowest unit" },
        "currency_code": { "type": "string", "enum": <CurrencyCode as strum::VariantNames>::VARIANTS }
    } });
    let overrides = json!({ "type": "array", "maxItems": 250, "items": { "type": "object", "additionalProperties": false, "required": ["country_codes", "unit_price"], "properties": {
        "country_codes": { "type": "array", "minItems": 1, "uniqueItems": true, "items": { "type": "string", "pattern": "^[A-Z]{2}$" } },
        "unit_price": money
    } } });
    let cycle = |extra: Value| {
        let mut properties = json!({ "interval": { "type": "string", "enum": Interval::NAMES }, "frequency": { "type": "integer", "minimum": 1 } });
        properties
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        json!({ "type": ["object", "null"], "required": ["interval", "frequency"], "properties": properties })
    };
    let optional = json!({
        "status": { "type": "string", "enum": CatalogStatus::NAMES },
        "type": { "type": "string", "enum": CatalogType::NAMES },
        "custom_data": { "type": ["object", "null"] },
        "import_meta": { "type": ["object", "null"] },
        "created_at": { "type": "string", "format": "date-time" },
        "updated_at": { "type": "string", "format": "date-time" }
    });
    let with = |mut properties: Value| {
        let own = properties.as_object_mut().unwrap();
        own.extend(optional.as_object().cloned().unwrap_or_default());
        properties
    };
    let product = json!({ "type": "object", "additionalProperties": false, "required": ["name", "tax_category"], "properties": with(json!({
        "id": { "type": "string", "pattern": "^pro_[a-z\\d]{26}$" },
        "name": { "type": "string", "minLength": 1, "maxLength": 200 },
        "description": { "type": ["string", "null"], "maxLength": 2048 },
        "tax_category": { "type": "string", "enum": TaxCategory::NAMES },
        "image_url": { "type": ["string", "null"], "description": "A URL, or empty" }
    })) });
    let price = json!({ "type": "object", "additionalProperties": false, "required": ["description", "product_id", "unit_price"], "properties": with(json!({
        "id": { "type": "string", "pattern": "^pri_[a-z\\d]{26}$" },
        "description": { "type": "string", "minLength": 2, "maxLength": 500 },
        "name": { "type": ["string", "null"], "minLength": 1, "maxLength": 150 },
        "product_id": { "type": "string", "pattern": "^pro_[a-z\\d]{26}$", "description": "A product of this request or already loaded" },
        "billing_cycle": cycle(json!({})),
        "trial_period": cycle(json!({ "requires_payment_method": { "type": "boolean" }, "unit_price": { "type": ["object", "null"] }, "unit_price_overrides": overrides.clone() })),
        "tax_mode": { "type": "string", "enum": TaxMode::NAMES },
        "unit_price": money,
        "unit_price_overrides": overrides,
        "quantity": { "type": "object", "additionalProperties": false, "required": ["minimum", "maximum"], "properties": {
            "minimum": { "type": "integer", "minimum": 1, "maximum": 999_999_999 },
            "maximum": { "type": "integer", "minimum": 1, "maximum": 999_999_999 }
        } }
    })) });
    json!({ "type": "object", "additionalProperties": false, "properties": {
        "environment": { "type": "string", "enum": ["sandbox", "live"] },
        "products": { "type": "array", "items": product },
        "prices": { "type": "array", "items": price }
    } })
}

/// The account and the journal's filters; an unknown parameter is a 400.
fn journal_parameters(account: &Value) -> Value {
    let query = |name: &str, description: &str, format: Option<&str>| {
        let mut schema = json!({ "type": "string" });
        if let Some(format) = format {
            schema["format"] = json!(format);
        }
        json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
    };
    json!([
        account,
        query("method", "An HTTP method, in any case", None),
        query("path", "The path, exactly", None),
        query("path_prefix", "The start of the path", None),
        query(
            "status",
            "A status code (`201`) or class (`4xx`), or a comma-separated list of them",
            None
        ),
        query(
            "api_key_id",
            "The key that made the request (`apikey_...`)",
            None
        ),
        query(
            "client_token_id",
            "The client-side token that made the request (`ctkn_...`)",
            None
        ),
        query(
            "since",
            "From this instant on (inclusive)",
            Some("date-time")
        ),
        query(
            "until",
            "Before this instant (exclusive)",
            Some("date-time")
        ),
    ])
}
