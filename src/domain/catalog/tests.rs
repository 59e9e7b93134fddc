//! The entities' shapes against Paddle's recorded ones.

use serde_json::{Value, json};

use super::*;

/// The price of the 2026 sandbox recording, snake_cased.
fn recorded_price() -> Value {
    json!({
        "id": "pri_01kzvyz9e21z9vbhd7xqq3csyh",
        "description": "Solo, monthly. $5/month.",
        "type": "standard",
        "name": "Monthly",
        "product_id": "pro_01kzvyz95263x6amf3w4cgbqh4",
        "billing_cycle": {"interval": "month", "frequency": 1},
        "trial_period": null,
        "tax_mode": "location",
        "unit_price": {"amount": "500", "currency_code": "USD"},
        "unit_price_overrides": [],
        "custom_data": {"tier": "solo"},
        "quantity": {"minimum": 1, "maximum": 1},
        "status": "active",
        "created_at": "2026-08-12T21:45:05.730177Z",
        "updated_at": "2026-08-12T21:45:05.730178Z",
        "import_meta": null
    })
}

fn recorded_product() -> Value {
    json!({
        "id": "pro_01kzvyz95263x6amf3w4cgbqh4",
        "name": "Solo",
        "description": "One person, working from a browser rather than a terminal.",
        "type": "standard",
        "tax_category": "saas",
        "image_url": null,
        "custom_data": {"tier": "solo"},
        "status": "active",
        "import_meta": null,
        "created_at": "2026-08-12T21:45:05.442000Z",
        "updated_at": "2026-08-12T21:45:05.442000Z"
    })
}

/// The top-level keys of `entity` in the order it writes them.
fn keys(entity: &impl serde::Serialize) -> Vec<String> {
    let text = serde_json::to_string(entity).unwrap();
    let map: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    // serde_json's map sorts: the order is read from the text.
    let mut found: Vec<(usize, String)> = map
        .keys()
        .map(|key| (text.find(&format!("\"{key}\":")).unwrap(), key.clone()))
        .collect();
    found.sort();
    found.into_iter().map(|(_, key)| key).collect()
}

#[test]
fn a_price_reads_and_writes_in_paddles_shape_and_order() {
    let price: Price = serde_json::from_value(recorded_price()).unwrap();
    assert_eq!(price.tax_mode, TaxMode::Location);
    assert_eq!(price.unit_price.amount.minor_units(), 500);
    let written = serde_json::to_value(&price).unwrap();
    assert_eq!(written, recorded_price());
    assert_eq!(
        keys(&price),
        [
            "id",
            "description",
            "type",
            "name",
            "product_id",
            "billing_cycle",
            "trial_period",
            "tax_mode",
            "unit_price",
            "unit_price_overrides",
            "custom_data",
            "quantity",
            "status",
            "created_at",
            "updated_at",
            "import_meta"
        ]
    );
}

#[test]
fn a_product_reads_and_writes_in_paddles_shape_and_order() {
    let product: Product = serde_json::from_value(recorded_product()).unwrap();
    assert_eq!(product.tax_category, TaxCategory::Saas);
    let written = serde_json::to_value(&product).unwrap();
    assert_eq!(written, recorded_product());
    assert_eq!(
        keys(&product),
        [
            "id",
            "name",
            "description",
            "type",
            "tax_category",
            "image_url",
            "custom_data",
            "status",
            "import_meta",
            "created_at",
            "updated_at"
        ]
    );
}

#[test]
fn words_are_paddles() {
    assert_eq!(TaxCategory::DigitalGoods.as_str(), "digital-goods");
    assert_eq!(
        serde_json::to_value(TaxCategory::SoftwareProgrammingServices).unwrap(),
        "software-programming-services"
    );
    assert_eq!(
        TaxMode::NAMES,
        ["account_setting", "external", "internal", "location"]
    );
    assert_eq!("year".parse(), Ok(Interval::Year));
    assert_eq!(CatalogStatus::NAMES, ["active", "archived"]);
}

#[test]
fn quantities_allow_their_range() {
    let quantity = PriceQuantity::DEFAULT;
    assert!(quantity.allows(1) && quantity.allows(100));
    assert!(!quantity.allows(0) && !quantity.allows(101));
}
