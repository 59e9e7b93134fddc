use serde_json::{Value, json};

use super::*;
use crate::domain::validation::ValidationErrors;
use crate::domain::{CatalogPrice, CountryCode, CurrencyCode, Price, Product, TaxRates};

const PRODUCT: &str = "pro_01kzvyz95263x6amf3w4cgbqh4";
const MONTHLY: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyh";
const YEARLY: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyz";
const ONCE: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyq";

fn product() -> Product {
    serde_json::from_value(json!({
        "id": PRODUCT, "name": "Solo", "description": null, "type": "standard",
        "tax_category": "saas", "image_url": null, "custom_data": null, "status": "active",
        "import_meta": null, "created_at": "2026-08-12T21:45:05.442000Z",
        "updated_at": "2026-08-12T21:45:05.442000Z"
    }))
    .unwrap()
}

/// A $5.00 price, `changes` laid over it.
fn price(id: &str, changes: Value) -> CatalogPrice {
    let mut price = json!({
        "id": id, "description": "Solo", "type": "standard", "name": "Monthly",
        "product_id": PRODUCT, "billing_cycle": { "interval": "month", "frequency": 1 },
        "trial_period": null, "tax_mode": "location",
        "unit_price": { "amount": "500", "currency_code": "USD" },
        "unit_price_overrides": [], "custom_data": null,
        "quantity": { "minimum": 1, "maximum": 10 }, "status": "active",
        "created_at": "2026-08-12T21:45:05.730177Z", "updated_at": "2026-08-12T21:45:05.730178Z",
        "import_meta": null
    });
    for (key, value) in changes.as_object().unwrap() {
        price[key] = value.clone();
    }
    CatalogPrice {
        price: serde_json::from_value::<Price>(price).unwrap(),
        product: product(),
    }
}

fn rates() -> TaxRates {
    serde_json::from_value(json!({ "US": "0.08875", "GB": "0.2", "DE": "0.19", "JP": "0.1" }))
        .unwrap()
}

/// Each of `parts` appears in `text`, each after the one before.
fn assert_in_order(text: &str, parts: &[&str]) {
    let mut from = 0;
    for part in parts {
        let at = text[from..]
            .find(part)
            .unwrap_or_else(|| panic!("{part} after {from} in {text}"));
        from += at + part.len();
    }
}

fn request(kind: PreviewKind, body: Value) -> PreviewRequest {
    PreviewRequest::from_json(kind, body.as_object().unwrap()).unwrap()
}

fn errors(kind: PreviewKind, body: Value) -> ValidationErrors {
    PreviewRequest::from_json(kind, body.as_object().unwrap()).unwrap_err()
}

/// The first line's totals and formatted totals, and the preview's currency.
fn first_line(body: Value, prices: &[CatalogPrice]) -> Value {
    let request = request(PreviewKind::Prices, body);
    let priced = price_preview(&request, prices);
    let line = &priced["details"]["line_items"][0];
    json!({
        "currency_code": priced["currency_code"],
        "tax_rate": line["tax_rate"],
        "totals": line["totals"],
        "formatted_totals": line["formatted_totals"],
    })
}

fn price_preview(request: &PreviewRequest, prices: &[CatalogPrice]) -> Value {
    let priced = super::price(request, prices, &rates()).unwrap();
    serde_json::to_value(PricePreview::of(&priced)).unwrap()
}

#[test]
fn reproduces_the_recorded_pricing_previews() {
    let prices = [price(MONTHLY, json!({}))];
    let item = json!([{ "price_id": MONTHLY, "quantity": 1 }]);
    let at = |address: Value| first_line(json!({ "items": item, "address": address }), &prices);
    let expect = |currency: &str, rate: &str, totals: [&str; 3], formatted: [&str; 3]| {
        json!({
            "currency_code": currency, "tax_rate": rate,
            "totals": { "subtotal": totals[0], "discount": "0", "tax": totals[1], "total": totals[2] },
            "formatted_totals": {
                "subtotal": formatted[0], "discount": "$0.00", "tax": formatted[1], "total": formatted[2]
            },
        })
    };
    assert_eq!(
        at(json!({ "postal_code": "10001", "country_code": "US" })),
        expect(
            "USD",
            "0.08875",
            ["500", "44", "544"],
            ["$5.00", "$0.44", "$5.44"]
        )
    );
    // A US address without a postal code can't be placed: untaxed.
    assert_eq!(
        at(json!({ "country_code": "US" })),
        expect("USD", "0", ["500", "0", "500"], ["$5.00", "$0.00", "$5.00"])
    );
    assert_eq!(
        at(json!({ "postal_code": "SW1A 1AA", "country_code": "GB" })),
        expect(
            "USD",
            "0.2",
            ["417", "83", "500"],
            ["$4.17", "$0.83", "$5.00"]
        )
    );
    assert_eq!(
        at(json!({ "postal_code": "10115", "country_code": "DE" })),
        expect(
            "USD",
            "0.19",
            ["420", "80", "500"],
            ["$4.20", "$0.80", "$5.00"]
        )
    );
}

#[test]
fn untaxed_without_an_address_and_echoes_what_was_sent() {
    let prices = [price(MONTHLY, json!({}))];
    let body = json!({
        "items": [{ "price_id": MONTHLY, "quantity": 2 }],
        "customer_ip_address": "34.232.58.13"
    });
    let data = price_preview(&request(PreviewKind::Prices, body), &prices);
    assert_eq!(data["address"], Value::Null);
    assert_eq!(data["customer_ip_address"], "34.232.58.13");
    let line = &data["details"]["line_items"][0];
    assert_eq!(line["tax_rate"], "0");
    assert_eq!(line["totals"]["total"], "1000");
    assert_eq!(line["unit_totals"]["total"], "500");
    // Paddle's key order, in the text as sent.
    let plain = request(
        PreviewKind::Prices,
        json!({ "items": [{ "price_id": MONTHLY, "quantity": 2 }] }),
    );
    let priced = super::price(&plain, &prices, &rates()).unwrap();
    let text = serde_json::to_string(&PricePreview::of(&priced)).unwrap();
    assert!(text.starts_with(r#"{"customer_id":null,"address_id":null,"business_id":null,"currency_code":"USD","address":null,"customer_ip_address":null,"discount_id":null,"details":{"line_items":[{"price":{"id":"#), "{text}");
    assert_in_order(
        &text,
        &[
            "\"quantity\":2",
            "\"tax_rate\":",
            "\"unit_totals\":{\"subtotal\":\"500\",\"discount\":\"0\",\"tax\":\"0\",\"total\":\"500\"}",
            "\"formatted_unit_totals\":",
            "\"totals\":",
            "\"formatted_totals\":",
            "\"product\":{\"id\":",
            "\"discounts\":[]}]},\"available_payment_methods\":[\"card\",\"paypal\",\"apple_pay\"]}",
        ],
    );
    let country_only = json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }], "address": { "country_code": "GB" } });
    let data = price_preview(&request(PreviewKind::Prices, country_only), &prices);
    assert_eq!(
        data["address"],
        json!({ "postal_code": "", "country_code": "GB" })
    );
}

#[test]
fn the_currency_is_asked_for_or_the_countrys_override_or_the_first_prices() {
    let overridden = json!({ "unit_price_overrides": [
        { "country_codes": ["JP"], "unit_price": { "amount": "798", "currency_code": "JPY" } }
    ] });
    let prices = [price(MONTHLY, overridden)];
    let item = json!([{ "price_id": MONTHLY, "quantity": 1 }]);
    // Tokyo: the override, in yen, with 10% inside (as recorded: ¥725 + ¥73).
    let tokyo = first_line(
        json!({ "items": item, "address": { "postal_code": "1000001", "country_code": "JP" } }),
        &prices,
    );
    assert_eq!(tokyo["currency_code"], "JPY");
    assert_eq!(
        tokyo["formatted_totals"],
        json!({ "subtotal": "¥725", "discount": "¥0", "tax": "¥73", "total": "¥798" })
    );
    // Elsewhere the price's own currency, even in the UK.
    let london = first_line(
        json!({ "items": item, "address": { "country_code": "GB" } }),
        &prices,
    );
    assert_eq!(london["currency_code"], "USD");
    // Asked for in Japan: the override. Asked for elsewhere: no amount in
    // yen, and no exchange rates.
    let asked = first_line(
        json!({ "items": item, "currency_code": "JPY", "address": { "country_code": "JP" } }),
        &prices,
    );
    assert_eq!(asked["totals"]["total"], "798");
    let nowhere = request(
        PreviewKind::Prices,
        json!({ "items": item, "currency_code": "JPY" }),
    );
    let Err(PreviewRefusal::NoAmountInCurrency { field, message }) =
        super::price(&nowhere, &prices, &rates())
    else {
        panic!("priced without an amount in yen");
    };
    assert_eq!(field, "currency_code");
    assert!(message.contains("no amount in JPY"), "{message}");
    // Two prices in different currencies, none asked for: the first's, and
    // the second has no amount in it.
    let euro = price(
        YEARLY,
        json!({ "unit_price": { "amount": "400", "currency_code": "EUR" } }),
    );
    let mixed = request(
        PreviewKind::Prices,
        json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }, { "price_id": YEARLY, "quantity": 1 }] }),
    );
    let Err(PreviewRefusal::NoAmountInCurrency { field, .. }) =
        super::price(&mixed, &[prices[0].clone(), euro], &rates())
    else {
        panic!("priced two currencies as one");
    };
    assert_eq!(field, "items.1.price_id");
}

#[test]
fn tax_modes_put_tax_on_top_or_inside() {
    let line = |mode: &str, country: &str| {
        let prices = [price(MONTHLY, json!({ "tax_mode": mode }))];
        let body = json!({
            "items": [{ "price_id": MONTHLY, "quantity": 1 }],
            "address": { "postal_code": "1", "country_code": country }
        });
        first_line(body, &prices)["totals"].clone()
    };
    let totals = |s: &str, t: &str, total: &str| json!({ "subtotal": s, "discount": "0", "tax": t, "total": total });
    assert_eq!(line("external", "GB"), totals("500", "100", "600"));
    assert_eq!(line("internal", "US"), totals("459", "41", "500"));
    assert_eq!(line("account_setting", "GB"), totals("500", "100", "600"));
    assert_eq!(line("location", "US"), totals("500", "44", "544"));
    assert_eq!(line("location", "GB"), totals("417", "83", "500"));
}

#[test]
fn quantities_must_fit_the_price() {
    let prices = [price(
        MONTHLY,
        json!({ "quantity": { "minimum": 2, "maximum": 5 } }),
    )];
    for quantity in [1, 6, 5_000_000_000] {
        let body = json!({ "items": [{ "price_id": MONTHLY, "quantity": quantity }] });
        let asked = request(PreviewKind::Prices, body);
        let refused = super::price(&asked, &prices, &rates());
        assert_eq!(
            refused.err(),
            Some(PreviewRefusal::QuantityOutOfRange {
                quantity,
                minimum: 2,
                maximum: 5
            })
        );
    }
}

#[test]
fn a_transaction_sums_what_it_includes_and_trials_count_zero() {
    let trial = json!({ "trial_period": {
        "interval": "day", "frequency": 14, "requires_payment_method": true,
        "unit_price": null, "unit_price_overrides": []
    } });
    let prices = [
        price(MONTHLY, json!({})),
        price(YEARLY, trial),
        price(
            ONCE,
            json!({ "billing_cycle": null, "unit_price": { "amount": "19900", "currency_code": "USD" } }),
        ),
    ];
    let body = |ignore_trials: bool| {
        json!({
            "items": [
                { "price_id": MONTHLY, "quantity": 2 },
                { "price_id": YEARLY, "quantity": 1 },
                { "price_id": ONCE, "quantity": 1, "include_in_totals": false }
            ],
            "address": { "postal_code": "10001", "country_code": "US" },
            "ignore_trials": ignore_trials
        })
    };
    let preview = |ignore_trials| {
        let request = request(PreviewKind::Transaction, body(ignore_trials));
        let priced = super::price(&request, &prices, &rates()).unwrap();
        serde_json::to_value(TransactionPreview::of(&priced)).unwrap()
    };
    let data = preview(false);
    // 2 × $5.00 + 8.875% (1000 + 89); the trial is free; the one-time
    // charge is listed but left out.
    assert_eq!(
        data["details"]["totals"],
        json!({
            "subtotal": "1000", "tax": "89", "discount": "0", "total": "1089",
            "grand_total": "1089", "grand_total_tax": "89", "fee": null, "credit": "0", "credit_to_balance": "0",
            "balance": "1089", "earnings": null, "currency_code": "USD"
        })
    );
    assert_eq!(
        data["details"]["tax_rates_used"],
        json!([{ "tax_rate": "0.08875", "totals": { "subtotal": "1000", "discount": "0", "tax": "89", "total": "1089" } }])
    );
    let lines = &data["details"]["line_items"];
    assert_eq!(lines[1]["totals"]["total"], "0");
    assert_eq!(
        lines[2]["totals"],
        json!({ "subtotal": "19900", "tax": "1766", "discount": "0", "total": "21666" })
    );
    assert_eq!(data["items"][2]["include_in_totals"], false);
    assert_eq!(data["items"][0]["proration"], Value::Null);
    assert_eq!(data["ignore_trials"], false);
    let text = {
        let request = request(PreviewKind::Transaction, body(false));
        let priced = super::price(&request, &prices, &rates()).unwrap();
        serde_json::to_string(&TransactionPreview::of(&priced)).unwrap()
    };
    assert_in_order(
        &text,
        &[
            r#"{"customer_id":null,"address_id":null,"business_id":null,"currency_code":"USD","address":{"postal_code":"10001","country_code":"US"},"customer_ip_address":null,"discount_id":null,"items":[{"price":{"id":"#,
            r#"},"quantity":2,"proration":null,"include_in_totals":true}"#,
            r#""details":{"tax_rates_used":[{"tax_rate":"0.08875","totals":{"subtotal":"1000","discount":"0","tax":"89","total":"1089"}}],"totals":{"subtotal":"1000","tax":"89","discount":"0","total":"1089","grand_total":"1089","grand_total_tax":"89","fee":null,"credit":"0","credit_to_balance":"0","balance":"1089","earnings":null,"currency_code":"USD"},"line_items":[{"price_id":"#,
            r#","quantity":2,"totals":{"subtotal":"1000","tax":"89","discount":"0","total":"1089"},"product":{"#,
            r#"},"tax_rate":"0.08875","unit_totals":{"subtotal":"500","tax":"44","discount":"0","total":"544"}}"#,
            r#"]},"ignore_trials":false,"available_payment_methods":["card","paypal","apple_pay"]}"#,
        ],
    );
    // Ignoring trials, the trial's $5.00 counts.
    assert_eq!(preview(true)["details"]["totals"]["total"], "1633");
}

#[test]
fn a_transaction_refuses_different_billing_cycles() {
    let yearly = json!({ "billing_cycle": { "interval": "year", "frequency": 1 } });
    let prices = [price(MONTHLY, json!({})), price(YEARLY, yearly)];
    let body = json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }, { "price_id": YEARLY, "quantity": 1 }] });
    let transaction = request(PreviewKind::Transaction, body.clone());
    assert_eq!(
        super::price(&transaction, &prices, &rates()).err(),
        Some(PreviewRefusal::DifferentBillingCycle)
    );
    // A price preview doesn't mind.
    assert!(super::price(&request(PreviewKind::Prices, body), &prices, &rates()).is_ok());
}

#[test]
fn bodies_are_read_in_the_schemas_words() {
    let prices = PreviewKind::Prices;
    let field_errors = |errors: ValidationErrors| -> Vec<(String, String)> {
        errors
            .errors()
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect()
    };
    assert_eq!(
        field_errors(errors(prices, json!({}))),
        [("(root)".to_owned(), "items is required".to_owned())]
    );
    assert_eq!(
        field_errors(errors(prices, json!({ "items": [] }))),
        [(
            "items".to_owned(),
            "Array must have at least 1 items".to_owned()
        )]
    );
    let many: Vec<Value> = (0..101)
        .map(|_| json!({ "price_id": MONTHLY, "quantity": 1 }))
        .collect();
    assert_eq!(
        field_errors(errors(prices, json!({ "items": many }))),
        [(
            "items".to_owned(),
            "Array must have at most 100 items".to_owned()
        )]
    );
    let bad = errors(
        prices,
        json!({
            "items": [{ "price_id": "pri_X", "quantity": 0 }, { "quantity": "1" }],
            "currency_code": "XXX",
            "address": { "country_code": "UK" },
            "customer_ip_address": "here",
            "ignore_trials": true
        }),
    );
    let ValidationErrors::Schema(_) = &bad else {
        panic!("{bad:?} is not a schema problem");
    };
    let fields: Vec<String> = field_errors(bad)
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    for expected in [
        "(root)",
        "items.0.price_id",
        "items.0.quantity",
        "items.1",
        "items.1.quantity",
        "currency_code",
        "address.country_code",
        "customer_ip_address",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected} in {fields:?}"
        );
    }
    // An inline price is refused plainly, as a rule.
    let inline = errors(
        PreviewKind::Transaction,
        json!({ "items": [{ "price": { "description": "x" }, "quantity": 1 }] }),
    );
    let ValidationErrors::Rule(rules) = inline else {
        panic!("not a rule");
    };
    assert_eq!(rules[0].field, "items.0.price");
    let fine = request(
        PreviewKind::Transaction,
        json!({ "items": [{ "price_id": MONTHLY, "quantity": 1, "include_in_totals": null }],
                "currency_code": null, "address": null, "ignore_trials": null }),
    );
    assert!(fine.items[0].include_in_totals && !fine.ignore_trials);
    assert_eq!(fine.address, None);
    assert_eq!(fine.currency_code, None::<CurrencyCode>);
    let _ = CountryCode::parse("GB").unwrap();
}
