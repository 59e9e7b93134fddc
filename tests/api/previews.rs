//! `POST /pricing-preview` and `POST /transactions/preview`: Paddle's
//! recorded previews reproduced against a catalog and tax rates like
//! theirs, and every refusal in Paddle's words, changing nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::previews::*;
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    a_price_preview_reproduces_paddles_recorded_answers,
    a_price_preview_is_in_the_countrys_override_currency,
    a_transaction_preview_totals_what_it_includes,
    refusals_are_paddles_and_change_nothing,
    inline_prices_and_bad_bodies_are_refused_plainly,
    answers_have_exactly_the_documented_fields,
);

const PRICES: &str = "/pricing-preview";
const TRANSACTION: &str = "/transactions/preview";

/// The entity the catalog lists under `id`.
async fn listed(app: &TestApp, account: &str, list: &str, id: &str) -> Value {
    let catalog = app.catalog(account, "sandbox").await;
    (catalog[list].as_array().unwrap().iter())
        .find(|entity| entity["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} in {catalog}"))
}

/// A recorded line: `(postal code, country)`, then the rate and the
/// subtotal, tax and total, formatted too.
fn recorded_line(rate: &str, amounts: [&str; 3], formatted: [&str; 3]) -> Value {
    json!({
        "quantity": 1,
        "tax_rate": rate,
        "unit_totals": { "subtotal": amounts[0], "discount": "0", "tax": amounts[1], "total": amounts[2] },
        "formatted_unit_totals": { "subtotal": formatted[0], "discount": "$0.00", "tax": formatted[1], "total": formatted[2] },
        "totals": { "subtotal": amounts[0], "discount": "0", "tax": amounts[1], "total": amounts[2] },
        "formatted_totals": { "subtotal": formatted[0], "discount": "$0.00", "tax": formatted[1], "total": formatted[2] },
        "discounts": []
    })
}

async fn a_price_preview_reproduces_paddles_recorded_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    let price = listed(&app, "shop", "prices", MONTHLY).await;
    let product = listed(&app, "shop", "products", PRODUCT).await;
    // Paddle.js's PricePreview() of 2026-08-13, at four addresses.
    let cases = [
        (
            json!({ "postal_code": "10001", "country_code": "US" }),
            recorded_line("0.08875", ["500", "44", "544"], ["$5.00", "$0.44", "$5.44"]),
        ),
        (
            json!({ "postal_code": "", "country_code": "US" }),
            recorded_line("0", ["500", "0", "500"], ["$5.00", "$0.00", "$5.00"]),
        ),
        (
            json!({ "postal_code": "SW1A 1AA", "country_code": "GB" }),
            recorded_line("0.2", ["417", "83", "500"], ["$4.17", "$0.83", "$5.00"]),
        ),
        (
            json!({ "postal_code": "10115", "country_code": "DE" }),
            recorded_line("0.19", ["420", "80", "500"], ["$4.20", "$0.80", "$5.00"]),
        ),
    ];
    for (address, mut line) in cases {
        let mut body = cart(MONTHLY, 1);
        body["address"] = address.clone();
        let data = app.preview_data(PRICES, &token, body).await;
        line["price"] = price.clone();
        line["product"] = product.clone();
        assert_eq!(
            data,
            json!({
                "customer_id": null, "address_id": null, "business_id": null,
                "currency_code": "USD", "address": address, "customer_ip_address": null,
                "discount_id": null, "details": { "line_items": [line] },
                "available_payment_methods": ["card", "paypal", "apple_pay"]
            })
        );
    }
    // Only a country: echoed with an empty postal code, as Paddle does.
    let mut body = cart(MONTHLY, 1);
    body["address"] = json!({ "country_code": "US" });
    let data = app.preview_data(PRICES, &token, body).await;
    assert_eq!(
        data["address"],
        json!({ "postal_code": "", "country_code": "US" })
    );
    // No location at all (a customer, or an IP paddock can't place): untaxed.
    let mut body = cart(MONTHLY, 1);
    body["customer_ip_address"] = json!("94.21.112.101");
    let data = app.preview_data(PRICES, &token, body).await;
    assert_eq!(
        (&data["address"], &data["customer_ip_address"]),
        (&Value::Null, &json!("94.21.112.101"))
    );
    assert_eq!(data["details"]["line_items"][0]["totals"]["tax"], "0");
}

async fn a_price_preview_is_in_the_countrys_override_currency(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    let mut body = cart(ONCE, 1);
    body["address"] = json!({ "postal_code": "1000001", "country_code": "JP" });
    let data = app.preview_data(PRICES, &token, body).await;
    assert_eq!(data["currency_code"], "JPY");
    let line = &data["details"]["line_items"][0];
    // ¥31,900 with 10% on top (the account's setting), in whole yen.
    assert_eq!(
        (&line["totals"], &line["formatted_totals"]),
        (
            &json!({ "subtotal": "31900", "discount": "0", "tax": "3190", "total": "35090" }),
            &json!({ "subtotal": "¥31,900", "discount": "¥0", "tax": "¥3,190", "total": "¥35,090" })
        )
    );
    // The price itself is echoed as stored, in dollars.
    assert_eq!(
        line["price"]["unit_price"],
        json!({ "amount": "19900", "currency_code": "USD" })
    );
    // Elsewhere, the price's own currency; asked for yen outside Japan,
    // there is no amount in yen and no exchange rate to make one.
    let mut body = cart(ONCE, 1);
    body["address"] = json!({ "country_code": "GB" });
    assert_eq!(
        app.preview_data(PRICES, &token, body).await["currency_code"],
        "USD"
    );
    let mut body = cart(ONCE, 1);
    body["currency_code"] = json!("JPY");
    let message = format!(
        "price {ONCE} has no amount in JPY, and paddock has no exchange rates: give the price a unit_price or unit_price_override in JPY"
    );
    let response = app.preview(PRICES, &token, body).await;
    expect_invalid_fields(
        response,
        json!([{ "field": "currency_code", "message": message }]),
    )
    .await;
}

async fn a_transaction_preview_totals_what_it_includes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    let body = json!({
        "items": [
            { "price_id": MONTHLY, "quantity": 1 },
            { "price_id": ONCE, "quantity": 1, "include_in_totals": false }
        ],
        "address": { "postal_code": "10001", "country_code": "US" }
    });
    let data = app.preview_data(TRANSACTION, &token, body).await;
    let monthly = listed(&app, "shop", "prices", MONTHLY).await;
    let product = listed(&app, "shop", "products", PRODUCT).await;
    assert_eq!(
        data["items"][0],
        json!({ "price": monthly, "quantity": 1, "proration": null, "include_in_totals": true })
    );
    assert_eq!(data["items"][1]["include_in_totals"], false);
    // The one-time charge is listed, with its own totals, but left out.
    assert_eq!(
        data["details"],
        json!({
            "tax_rates_used": [{
                "tax_rate": "0.08875",
                "totals": { "subtotal": "500", "discount": "0", "tax": "44", "total": "544" }
            }],
            "totals": {
                "subtotal": "500", "tax": "44", "discount": "0", "total": "544",
                "grand_total": "544", "grand_total_tax": "44", "fee": null, "credit": "0", "credit_to_balance": "0",
                "balance": "544", "earnings": null, "currency_code": "USD"
            },
            "line_items": [
                {
                    "price_id": MONTHLY, "quantity": 1,
                    "totals": { "subtotal": "500", "tax": "44", "discount": "0", "total": "544" },
                    "product": product, "tax_rate": "0.08875",
                    "unit_totals": { "subtotal": "500", "tax": "44", "discount": "0", "total": "544" }
                },
                {
                    "price_id": ONCE, "quantity": 1,
                    "totals": { "subtotal": "19900", "tax": "1766", "discount": "0", "total": "21666" },
                    "product": product, "tax_rate": "0.08875",
                    "unit_totals": { "subtotal": "19900", "tax": "1766", "discount": "0", "total": "21666" }
                }
            ]
        })
    );
    assert_eq!(
        (&data["ignore_trials"], &data["address"]["postal_code"]),
        (&json!(false), &json!("10001"))
    );
    // Without a location, as the 2023 recording: untaxed, address null.
    let data = app.preview_data(TRANSACTION, &token, cart(YEARLY, 2)).await;
    assert_eq!(data["address"], Value::Null);
    assert_eq!(data["details"]["totals"]["grand_total"], "10000");
    assert_eq!(data["details"]["tax_rates_used"][0]["tax_rate"], "0");
}

/// What the account has, to show a request changed none of it.
async fn everything(app: &TestApp, account: &str) -> Value {
    let catalog = app
        .admin(Method::GET, &format!("/accounts/{account}/catalog"))
        .send();
    let catalog = expect_data(catalog.await.unwrap(), StatusCode::OK).await;
    json!({ "catalog": catalog, "events": app.events(account).await })
}

async fn refusals_are_paddles_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    app.load_recorded_catalog("other", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    // The same ids in another account: they don't exist for this token.
    let mut theirs = recorded_catalog("sandbox");
    for list in ["products", "prices"] {
        for entity in theirs[list].as_array_mut().unwrap() {
            let id = entity["id"].as_str().unwrap().replace("01kzvyz", "01kzvyy");
            entity["id"] = id.into();
            if let Some(product) = entity.get("product_id") {
                entity["product_id"] = product
                    .as_str()
                    .unwrap()
                    .replace("01kzvyz", "01kzvyy")
                    .into();
            }
        }
    }
    app.load_catalog("other", theirs).await;
    let before = everything(&app, "shop").await;
    let not_found =
        |ids: &str| format!("One or more provided price_ids could not be found, provided: {ids}");
    let unknown = "pri_00000000000000000000000000";
    let other_account = MONTHLY.replace("01kzvyz", "01kzvyy");
    for (path, body, status, code, detail) in [
        (
            PRICES,
            cart(unknown, 1),
            400,
            "transaction_price_not_found",
            not_found(unknown),
        ),
        (
            PRICES,
            cart(ARCHIVED, 1),
            400,
            "transaction_price_not_found",
            not_found(ARCHIVED),
        ),
        (
            TRANSACTION,
            cart(&other_account, 1),
            400,
            "transaction_price_not_found",
            not_found(&other_account),
        ),
        (
            PRICES,
            json!({ "items": [{ "price_id": unknown, "quantity": 1 }, { "price_id": MONTHLY, "quantity": 1 }, { "price_id": ARCHIVED, "quantity": 1 }] }),
            400,
            "transaction_price_not_found",
            not_found(&format!("{unknown}, {ARCHIVED}")),
        ),
        (
            PRICES,
            cart(MONTHLY, 2),
            400,
            "transaction_item_quantity_out_of_range",
            "Item quantity 2 is not within the range of 1 and 1".to_owned(),
        ),
        (
            TRANSACTION,
            cart(YEARLY, 11),
            400,
            "transaction_item_quantity_out_of_range",
            "Item quantity 11 is not within the range of 1 and 10".to_owned(),
        ),
        (
            PRICES,
            json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }], "discount_id": "dsc_01gtgztp8fpchantd5g1wrksa3" }),
            400,
            "transaction_discount_not_found",
            "Cannot find provided discount code/id".to_owned(),
        ),
        (
            TRANSACTION,
            json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }], "customer_id": "ctm_01h7n2fwfhctkfja2dwq2cmx8v" }),
            404,
            "not_found",
            "Entity ctm_01h7n2fwfhctkfja2dwq2cmx8v not found".to_owned(),
        ),
        (
            PRICES,
            json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }], "address_id": "add_01h7n2fwfhctkfja2dwq2cmx8v" }),
            404,
            "not_found",
            "Entity add_01h7n2fwfhctkfja2dwq2cmx8v not found".to_owned(),
        ),
        (
            PRICES,
            json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }], "business_id": "biz_01h7n2fwfhctkfja2dwq2cmx8v" }),
            404,
            "not_found",
            "Entity biz_01h7n2fwfhctkfja2dwq2cmx8v not found".to_owned(),
        ),
    ] {
        let response = app.preview(path, &token, body.clone()).await;
        let status = StatusCode::from_u16(status).unwrap();
        expect_error(response, status, "request_error", code, &detail).await;
    }
    // Recurring prices with different cycles: a transaction can't hold
    // them (a price preview can).
    let mixed = json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }, { "price_id": YEARLY, "quantity": 1 }] });
    let response = app.preview(TRANSACTION, &token, mixed.clone()).await;
    expect_error_with(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "transaction_price_different_billing_cycle",
        "Invalid request.",
        Some(json!([{ "field": "items.price.billing_cycle", "message": "cannot have different billing cycle intervals and/or frequencies" }])),
    )
    .await;
    let data = app.preview_data(PRICES, &token, mixed).await;
    assert_eq!(data["details"]["line_items"].as_array().unwrap().len(), 2);
    // A one-time price goes with any cycle.
    let once = json!({ "items": [{ "price_id": MONTHLY, "quantity": 1 }, { "price_id": ONCE, "quantity": 1 }] });
    app.preview_data(TRANSACTION, &token, once).await;
    assert_eq!(
        everything(&app, "shop").await,
        before,
        "a preview changes nothing"
    );
}

async fn inline_prices_and_bad_bodies_are_refused_plainly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    let before = everything(&app, "shop").await;
    let inline = json!({ "items": [{ "quantity": 1, "price": {
        "description": "One-off", "product_id": PRODUCT,
        "unit_price": { "amount": "100", "currency_code": "USD" }
    } }] });
    let response = app.preview(TRANSACTION, &token, inline).await;
    expect_invalid_fields(
        response,
        json!([{ "field": "items.0.price", "message": "paddock previews catalog prices only: send a price_id instead of a price object" }]),
    )
    .await;
    let response = app.preview(PRICES, &token, json!({ "items": [] })).await;
    expect_schema_errors(
        response,
        json!([{ "field": "items", "message": "Array must have at least 1 items" }]),
    )
    .await;
    let many: Vec<Value> = (0..101)
        .map(|_| json!({ "price_id": MONTHLY, "quantity": 1 }))
        .collect();
    let response = app.preview(PRICES, &token, json!({ "items": many })).await;
    expect_schema_errors(
        response,
        json!([{ "field": "items", "message": "Array must have at most 100 items" }]),
    )
    .await;
    let response = app
        .preview(
            PRICES,
            &token,
            json!({ "items": [{ "price_id": "pri_1", "quantity": 0 }], "ignore_trials": true }),
        )
        .await;
    expect_schema_errors(
        response,
        json!([
            { "field": "(root)", "message": "Additional property ignore_trials is not allowed" },
            { "field": "items.0.price_id", "message": "Does not match pattern '^pri_[a-z\\d]{26}$'" },
            { "field": "items.0.quantity", "message": "Must be greater than or equal to 1" }
        ]),
    )
    .await;
    let response = (app.page_request(PRICES, &token))
        .header("Content-Type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    expect_error(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "invalid_json",
        "Invalid JSON in your request.",
    )
    .await;
    assert_eq!(everything(&app, "shop").await, before);
}

/// The keys of an object, sorted.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

/// The schema's `required`, sorted: every documented field is sent.
fn required(schema: &Value) -> Vec<String> {
    let mut names: Vec<String> = (schema["required"].as_array().unwrap().iter())
        .map(|name| name.as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

async fn answers_have_exactly_the_documented_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    let document = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    let document: Value = document.json().await.unwrap();
    let schemas = &document["components"]["schemas"];
    let mut body = cart(MONTHLY, 1);
    body["address"] = json!({ "country_code": "GB" });
    let prices = app.preview_data(PRICES, &token, body.clone()).await;
    let transaction = app.preview_data(TRANSACTION, &token, body).await;
    let price_line = &prices["details"]["line_items"][0];
    let transaction_line = &transaction["details"]["line_items"][0];
    let price_schema = &schemas["PricePreview"];
    let line_schema = &price_schema["properties"]["details"]["properties"]["line_items"]["items"];
    let transaction_schema = &schemas["TransactionPreview"];
    let details = &transaction_schema["properties"]["details"]["properties"];
    for (schema, value) in [
        (price_schema, &prices),
        (line_schema, price_line),
        (&schemas["Price"], &price_line["price"]),
        (&schemas["Product"], &price_line["product"]),
        (transaction_schema, &transaction),
        (
            &transaction_schema["properties"]["items"]["items"],
            &transaction["items"][0],
        ),
        (&details["totals"], &transaction["details"]["totals"]),
        (&details["line_items"]["items"], transaction_line),
        (
            &details["tax_rates_used"]["items"],
            &transaction["details"]["tax_rates_used"][0],
        ),
    ] {
        assert_eq!(required(schema), keys(value), "{value}");
        assert_eq!(keys(&schema["properties"]), keys(value), "{value}");
    }
}
