//! Paddle.js's event data against the recorded `checkout.loaded` (a GBP
//! monthly price, 20% VAT included).

use serde_json::json;

use super::*;
use crate::domain::pricing::price;

const MONTHLY: &str = "pri_01ke9jqganp5fqg81v69e3bq0b";

fn monthly() -> CatalogPrice {
    let mut found = catalog_price(ONCE);
    let price = json!({
        "id": MONTHLY, "description": "Monthly", "type": "standard",
        "name": "Standard - Monthly", "product_id": PRODUCT,
        "billing_cycle": { "interval": "month", "frequency": 1 }, "trial_period": null,
        "tax_mode": "location", "unit_price": { "amount": "499", "currency_code": "GBP" },
        "unit_price_overrides": [], "custom_data": null,
        "quantity": { "minimum": 1, "maximum": 10 }, "status": "active",
        "created_at": "2026-08-12T21:45:05.730177Z", "updated_at": "2026-08-12T21:45:05.730178Z",
        "import_meta": null
    });
    found.price = serde_json::from_value(price).unwrap();
    found
}

#[test]
fn a_recurring_item_carries_recurring_totals_as_recorded() {
    let prices = [monthly()];
    let items = [CheckoutItem {
        price_id: prices[0].price.id.clone(),
        quantity: 1,
    }];
    let london = CustomerDetails {
        email: "buyer@example.com".to_owned(),
        country_code: crate::domain::CountryCode::parse("GB").unwrap(),
        postal_code: Some("SW1A 1AA".to_owned()),
    };
    let cart = preview_request(&items, None);
    let priced = price(&cart, &prices, &rates()).unwrap();
    let mint = mint(1, FROZEN);
    let settings = CheckoutSettings::default();
    let mut change = open_cart(&owner(), &priced, &settings, None, None, &mint);
    change.set_customer(&london, &rates()).unwrap();
    change.js_event("checkout.loaded", None, false);
    let (purchase, _) = change.finish();
    let loaded = purchase.checkout.events[0].data.get();
    for recorded in [
        r#""status":"ready","custom_data":null,"currency_code":"GBP","customer":{"id":"ctm_"#,
        r#""price_name":"Standard - Monthly","product":{"id":"pro_01kzvyz95263x6amf3w4cgbqh4","name":"Solo","description":null,"image_url":null},"billing_cycle":{"interval":"month","frequency":1},"trial_period":null,"quantity":1,"#,
        r#""totals":{"subtotal":4.16,"tax":0.83,"total":4.99,"discount":0,"balance":4.99,"credit":0},"recurring_totals":{"subtotal":4.16,"tax":0.83,"discount":0,"total":4.99}}]"#,
        r#""totals":{"subtotal":4.16,"tax":0.83,"total":4.99,"discount":0,"credit":0,"balance":4.99},"payment":{"method_details":{"type":"none"}},"settings":{"display_mode":"overlay","theme":"light","variant":"one-page"},"recurring_totals":{"subtotal":4.16,"tax":0.83,"discount":0,"total":4.99,"balance":4.99,"credit":0},"upsell":null}"#,
        r#""address":{"id":"add_"#,
        r#""city":"","country_code":"GB","first_line":"","postal_code":"SW1A 1AA","region":""},"business":null}"#,
    ] {
        assert!(loaded.contains(recorded), "{recorded}\nnot in\n{loaded}");
    }
    assert!(loaded.starts_with(r#"{"id":"che_"#));
    // A one-time item has no recurring totals at all.
    let (once, _) = opened(ONCE);
    assert!(
        !once.checkout.events[0]
            .data
            .get()
            .contains("recurring_totals")
    );
}
