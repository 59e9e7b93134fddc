//! `/pricing-preview` and `/transactions/preview`: the operations, their
//! request bodies, and the catalog entities their answers carry.

use serde_json::{Map, Value, json};

use super::{WITH_BODY, body, entity_envelope, object, request_body, responses, schema_ref};
use crate::domain::pricing::{
    ADDRESS_ID, BUSINESS_ID, CUSTOMER_ID, DISCOUNT_ID, MAX_ITEMS, PAYMENT_METHODS,
};
use crate::domain::{
    COUNTRY_CODES, CatalogStatus, CatalogType, IdKind, Interval, TaxCategory, TaxMode, kind,
};

/// Either credential may call a preview.
fn security() -> Value {
    json!([{ "apiKey": [] }, { "clientToken": [] }])
}

pub fn paths() -> Map<String, Value> {
    let statuses = [WITH_BODY.as_slice(), &["404"]].concat();
    object(json!({
        "/pricing-preview": {
            "post": {
                "operationId": "previewPrices",
                "tags": ["previews"],
                "summary": "Preview prices (a client-side token, or an API key with transaction.read)",
                "security": security(),
                "parameters": [environment_header()],
                "requestBody": request_body("PricePreviewRequest"),
                "responses": responses(json!({ "200": body("PricePreviewEnvelope", "The prices, in one currency, taxed where the customer is") }), &statuses)
            }
        },
        "/transactions/preview": {
            "post": {
                "operationId": "previewTransaction",
                "tags": ["previews"],
                "summary": "Preview a transaction (a client-side token, or an API key with transaction.read)",
                "security": security(),
                "parameters": [environment_header()],
                "requestBody": request_body("TransactionPreviewRequest"),
                "responses": responses(json!({ "200": body("TransactionPreviewEnvelope", "The transaction as it would be; nothing is created") }), &statuses)
            }
        }
    }))
}

fn environment_header() -> Value {
    json!({
        "name": "Paddock-Environment", "in": "header", "required": false,
        "description": "paddock's own header: the environment of the page calling with a client-side token (Paddle tells them apart by host). Without it, the token's prefix decides.",
        "schema": { "type": "string", "enum": ["sandbox", "production"] }
    })
}

fn nullable_id(pattern: &str) -> Value {
    json!({ "type": ["string", "null"], "pattern": pattern })
}

fn request(transaction: bool) -> Value {
    let mut item = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["price_id", "quantity"],
        "properties": {
            "price_id": { "type": "string", "pattern": kind::Price::PATTERN },
            "quantity": { "type": "integer", "minimum": 1 }
        }
    });
    let mut body = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["items"],
        "properties": {
            "items": { "type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": item.clone() },
            "customer_id": nullable_id(CUSTOMER_ID),
            "address_id": nullable_id(ADDRESS_ID),
            "business_id": nullable_id(BUSINESS_ID),
            "currency_code": { "type": ["string", "null"], "enum": currency_names_or_null() },
            "discount_id": nullable_id(DISCOUNT_ID),
            "address": {
                "type": ["object", "null"],
                "additionalProperties": false,
                "required": ["country_code"],
                "properties": {
                    "country_code": { "type": "string", "enum": COUNTRY_CODES.as_slice() },
                    "postal_code": { "type": ["string", "null"], "maxLength": 200 }
                }
            },
            "customer_ip_address": { "anyOf": [
                { "type": "string", "format": "ipv4" },
                { "type": "string", "format": "ipv6" },
                { "type": "null" }
            ] }
        }
    });
    if transaction {
        item["properties"]["include_in_totals"] = json!({ "type": ["boolean", "null"] });
        body["properties"]["items"]["items"] = item;
        body["properties"]["ignore_trials"] = json!({ "type": ["boolean", "null"] });
    }
    body
}

fn currency_names_or_null() -> Vec<Value> {
    let names = <crate::domain::CurrencyCode as strum::VariantNames>::VARIANTS;
    (names.iter().map(|name| json!(name)))
        .chain([Value::Null])
        .collect()
}

/// Amounts in the lowest unit, as strings of digits.
fn amounts(order: [&str; 4]) -> Value {
    let amount = json!({ "type": "string", "pattern": r"^\d+$" });
    let properties: Map<String, Value> = order
        .iter()
        .map(|name| ((*name).to_owned(), amount.clone()))
        .collect();
    json!({ "type": "object", "additionalProperties": false, "required": order, "properties": properties })
}

pub fn schemas() -> Map<String, Value> {
    let sdt = ["subtotal", "discount", "tax", "total"];
    let std = ["subtotal", "tax", "discount", "total"];
    let formatted = json!({
        "type": "object", "additionalProperties": false, "required": sdt,
        "properties": { "subtotal": { "type": "string" }, "discount": { "type": "string" }, "tax": { "type": "string" }, "total": { "type": "string" } }
    });
    let amount = json!({ "type": "string", "pattern": r"^\d+$" });
    let rate = json!({ "type": "string", "pattern": r"^(0|1)(\.\d{1,6})?$" });
    let echo = json!({
        "customer_id": nullable_id(CUSTOMER_ID),
        "address_id": nullable_id(ADDRESS_ID),
        "business_id": nullable_id(BUSINESS_ID),
        "currency_code": { "type": "string" },
        "address": {
            "type": ["object", "null"], "additionalProperties": false, "required": ["postal_code", "country_code"],
            "properties": { "postal_code": { "type": "string" }, "country_code": { "type": "string" } }
        },
        "customer_ip_address": { "type": ["string", "null"] },
        "discount_id": nullable_id(DISCOUNT_ID),
        "available_payment_methods": { "type": "array", "items": { "type": "string", "enum": PAYMENT_METHODS } }
    });
    let echoed = [
        "customer_id",
        "address_id",
        "business_id",
        "currency_code",
        "address",
        "customer_ip_address",
        "discount_id",
    ];
    let mut price_preview = echo.clone();
    price_preview["details"] = json!({
        "type": "object", "additionalProperties": false, "required": ["line_items"],
        "properties": { "line_items": { "type": "array", "items": {
            "type": "object", "additionalProperties": false,
            "required": ["price", "quantity", "tax_rate", "unit_totals", "formatted_unit_totals", "totals", "formatted_totals", "product", "discounts"],
            "properties": {
                "price": schema_ref("Price"), "quantity": { "type": "integer", "minimum": 1 }, "tax_rate": rate,
                "unit_totals": amounts(sdt), "formatted_unit_totals": formatted,
                "totals": amounts(sdt), "formatted_totals": formatted,
                "product": schema_ref("Product"), "discounts": { "type": "array", "maxItems": 0 }
            }
        } } }
    });
    let mut transaction_preview = echo;
    transaction_preview["items"] = json!({ "type": "array", "items": {
        "type": "object", "additionalProperties": false, "required": ["price", "quantity", "proration", "include_in_totals"],
        "properties": { "price": schema_ref("Price"), "quantity": { "type": "integer", "minimum": 1 }, "proration": { "type": "null" }, "include_in_totals": { "type": "boolean" } }
    } });
    transaction_preview["details"] = json!({
        "type": "object", "additionalProperties": false, "required": ["tax_rates_used", "totals", "line_items"],
        "properties": {
            "tax_rates_used": { "type": "array", "items": {
                "type": "object", "additionalProperties": false, "required": ["tax_rate", "totals"],
                "properties": { "tax_rate": rate, "totals": amounts(sdt) }
            } },
            "totals": {
                "type": "object", "additionalProperties": false,
                "required": ["subtotal", "tax", "discount", "total", "grand_total", "grand_total_tax", "fee", "credit", "credit_to_balance", "balance", "earnings", "currency_code"],
                "properties": {
                    "subtotal": amount, "tax": amount, "discount": amount, "total": amount, "grand_total": amount,
                    "grand_total_tax": amount, "fee": { "type": "null" }, "credit": amount, "credit_to_balance": amount, "balance": amount,
                    "earnings": { "type": "null" }, "currency_code": { "type": "string" }
                }
            },
            "line_items": { "type": "array", "items": {
                "type": "object", "additionalProperties": false,
                "required": ["price_id", "quantity", "totals", "product", "tax_rate", "unit_totals"],
                "properties": {
                    "price_id": { "type": "string", "pattern": kind::Price::PATTERN }, "quantity": { "type": "integer", "minimum": 1 },
                    "totals": amounts(std), "product": schema_ref("Product"), "tax_rate": rate, "unit_totals": amounts(std)
                }
            } }
        }
    });
    transaction_preview["ignore_trials"] = json!({ "type": "boolean" });
    let required = |more: &[&str]| -> Vec<String> {
        echoed
            .iter()
            .chain(more)
            .map(|name| (*name).to_owned())
            .collect()
    };
    object(json!({
        "PricePreviewRequest": request(false),
        "TransactionPreviewRequest": request(true),
        "PricePreview": {
            "type": "object", "additionalProperties": false,
            "required": required(&["details", "available_payment_methods"]),
            "properties": price_preview
        },
        "TransactionPreview": {
            "type": "object", "additionalProperties": false,
            "required": required(&["items", "details", "ignore_trials", "available_payment_methods"]),
            "properties": transaction_preview
        },
        "PricePreviewEnvelope": entity_envelope("PricePreview"),
        "TransactionPreviewEnvelope": entity_envelope("TransactionPreview"),
        "Price": price_schema(),
        "Product": product_schema()
    }))
}

fn money() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["amount", "currency_code"],
        "properties": { "amount": { "type": "string", "pattern": r"^\d+$" }, "currency_code": { "type": "string" } }
    })
}

fn cycle() -> Value {
    json!({
        "type": "object", "required": ["interval", "frequency"],
        "properties": { "interval": { "type": "string", "enum": Interval::NAMES }, "frequency": { "type": "integer", "minimum": 1 } }
    })
}

fn price_schema() -> Value {
    json!({
        "type": "object",
        "description": "A catalog price, as Paddle's 2026 answers carry it.",
        "required": ["id", "description", "type", "name", "product_id", "billing_cycle", "trial_period", "tax_mode", "unit_price", "unit_price_overrides", "custom_data", "quantity", "status", "created_at", "updated_at", "import_meta"],
        "properties": {
            "id": { "type": "string", "pattern": kind::Price::PATTERN },
            "description": { "type": "string" },
            "type": { "type": "string", "enum": CatalogType::NAMES },
            "name": { "type": ["string", "null"] },
            "product_id": { "type": "string", "pattern": kind::Product::PATTERN },
            "billing_cycle": { "oneOf": [cycle(), { "type": "null" }] },
            "trial_period": { "oneOf": [cycle(), { "type": "null" }] },
            "tax_mode": { "type": "string", "enum": TaxMode::NAMES },
            "unit_price": money(),
            "unit_price_overrides": { "type": "array", "items": {
                "type": "object", "required": ["country_codes", "unit_price"],
                "properties": { "country_codes": { "type": "array", "items": { "type": "string" } }, "unit_price": money() }
            } },
            "custom_data": { "type": ["object", "null"] },
            "quantity": {
                "type": "object", "required": ["minimum", "maximum"],
                "properties": { "minimum": { "type": "integer" }, "maximum": { "type": "integer" } }
            },
            "status": { "type": "string", "enum": CatalogStatus::NAMES },
            "created_at": { "type": "string", "format": "date-time" },
            "updated_at": { "type": "string", "format": "date-time" },
            "import_meta": { "type": ["object", "null"] }
        }
    })
}

fn product_schema() -> Value {
    json!({
        "type": "object",
        "description": "A catalog product, as Paddle's 2026 answers carry it.",
        "required": ["id", "name", "description", "type", "tax_category", "image_url", "custom_data", "status", "import_meta", "created_at", "updated_at"],
        "properties": {
            "id": { "type": "string", "pattern": kind::Product::PATTERN },
            "name": { "type": "string" },
            "description": { "type": ["string", "null"] },
            "type": { "type": "string", "enum": CatalogType::NAMES },
            "tax_category": { "type": "string", "enum": TaxCategory::NAMES },
            "image_url": { "type": ["string", "null"] },
            "custom_data": { "type": ["object", "null"] },
            "status": { "type": "string", "enum": CatalogStatus::NAMES },
            "import_meta": { "type": ["object", "null"] },
            "created_at": { "type": "string", "format": "date-time" },
            "updated_at": { "type": "string", "format": "date-time" }
        }
    })
}
