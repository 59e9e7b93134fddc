//! The test-mode checkout over HTTP (issue 30): opened with a client-side
//! token, then driven by its id as the page drives it, or completed by the
//! admin API; every refusal exact, and changing nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::checkout::*;
use crate::helpers::previews::*;
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    opening_answers_201_with_the_view,
    a_bad_token_is_refused_and_writes_nothing,
    refused_requests_write_nothing,
    the_customer_is_validated_field_by_field,
    items_customer_and_custom_data_change_while_open,
);

/// The names of a view's events, in order.
pub fn names(view: &Value) -> Vec<String> {
    (view["events"].as_array().unwrap().iter())
        .map(|event| event["name"].as_str().unwrap().to_owned())
        .collect()
}

pub fn id_of(view: &Value) -> String {
    view["id"].as_str().unwrap().to_owned()
}

async fn opening_answers_201_with_the_view(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let view = checkouts.open(&shop, items(&[(YEARLY, 2)])).await;
    let id = id_of(&view);
    assert!(id.starts_with("che_") && id.len() == 30, "{id}");
    assert!(view["transaction_id"].as_str().unwrap().starts_with("txn_"));
    assert_eq!(view["environment"], "sandbox");
    assert_eq!(view["state"], "open");
    assert_eq!(
        view["payment"],
        json!({ "status": "none", "error_code": null })
    );
    assert_eq!(
        view["settings"],
        json!({ "display_mode": "overlay", "theme": "light", "variant": "one-page", "locale": "en", "success_url": null })
    );
    assert_eq!(names(&view), ["checkout.loaded"]);
    assert_eq!(view["events"][0]["sequence"], 1);
    assert_eq!(view["events"][0]["data"], view["checkout"]);
    let checkout = &view["checkout"];
    assert_eq!(checkout["id"], id.as_str());
    assert_eq!(checkout["transaction_id"], view["transaction_id"]);
    assert_eq!(checkout["status"], "draft");
    assert_eq!(checkout["currency_code"], "USD");
    assert_eq!(checkout["items"][0]["price_id"], YEARLY);
    assert_eq!(checkout["items"][0]["quantity"], 2);
    // $50.00 × 2, before a country is known: untaxed, in major units.
    assert_eq!(checkout["totals"]["subtotal"], json!(100));
    assert_eq!(checkout["totals"]["total"], json!(100));
    assert_eq!(
        checkout["customer"],
        json!({ "id": null, "email": null, "address": null, "business": null })
    );
    assert_eq!(view["display"]["lines"].as_array().unwrap().len(), 1);
    assert_eq!(view["display"]["lines"][0]["quantity"], 2);
    let asked = view["display"]["postcode_required_for"].as_array().unwrap();
    assert!(asked.contains(&json!("US")) && asked.contains(&json!("GB")));

    // Read back by its id alone: no token, no key.
    let read = expect_data(checkouts.get(&id).await, StatusCode::OK).await;
    assert_eq!(read, view);
    // Settings as given, the unknown id a 404 and a malformed one a 400.
    let settings = json!({ "display_mode": "inline", "theme": "dark", "variant": "multi-page", "locale": "fr", "success_url": "https://shop.test/thanks" });
    let mut data = items(&[(ONCE, 1)]);
    data["settings"] = settings.clone();
    let inline = checkouts.open(&shop, data).await;
    assert_eq!(inline["settings"], settings);
    expect_not_found(
        checkouts.get("che_01kzvyz95263x6amf3w4cgbqh4").await,
        "che_01kzvyz95263x6amf3w4cgbqh4",
    )
    .await;
    expect_error(
        checkouts.get("nope").await,
        StatusCode::BAD_REQUEST,
        "request_error",
        "bad_request",
        "Invalid request. The checkout id in the path is not valid.",
    )
    .await;
    // Newest last in the admin list, both with their transaction.
    let list = checkouts.list("shop").await;
    let ids: Vec<&str> = list
        .iter()
        .map(|view| view["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), inline["id"].as_str().unwrap()]);
    assert_eq!(list[0]["transaction"]["id"], view["transaction_id"]);
    assert_eq!(list[0]["transaction"]["status"], "draft");
    assert_eq!(list[0]["customer"], Value::Null);
    assert_eq!(list[0]["address"], Value::Null);
}

async fn a_bad_token_is_refused_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    app.load_recorded_catalog("shop", "live").await;
    let (_, live) = app.client_token_of("shop", "live").await;
    let checkouts = app.checkouts();
    let events = app.events("shop").await.len();
    let data = items(&[(MONTHLY, 1)]);
    for (token, environment) in [
        ("test_0123456789abcdef0123456789a", "sandbox"),
        ("nope", "sandbox"),
        // Each token on the other environment's page.
        (shop.token.as_str(), "production"),
        (live.as_str(), "sandbox"),
    ] {
        let response = checkouts.open_with(token, environment, data.clone()).await;
        expect_invalid_client_token(response).await;
    }
    assert_eq!(app.events("shop").await.len(), events);
    let key = app
        .account_key("shop", "sandbox", &["client_token.write"])
        .await;
    let path = format!("/client-tokens/{}", shop.token_id);
    let revoked = (app.request(Method::PATCH, &path, &key))
        .json(&json!({ "status": "revoked" }))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let events = app.events("shop").await.len();
    let response = checkouts.open_with(&shop.token, "sandbox", data).await;
    expect_invalid_client_token(response).await;
    assert_eq!(checkouts.list("shop").await, Vec::<Value>::new());
    assert_eq!(app.events("shop").await.len(), events);
}

async fn refused_requests_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let events = app.events("shop").await.len();
    let mut discounted = items(&[(MONTHLY, 1)]);
    discounted["discount_id"] = json!("dsc_01h8v7mzw1qtqv1y7c9kkdj9ve");
    expect_error(
        checkouts
            .open_with(&shop.token, "sandbox", discounted)
            .await,
        StatusCode::BAD_REQUEST,
        "request_error",
        "transaction_discount_not_found",
        "Cannot find provided discount code/id",
    )
    .await;
    let unknown = "pri_01kzvyz9e21z9vbhd7xqq3csz9";
    for price in [unknown, ARCHIVED] {
        let response = (checkouts.open_with(&shop.token, "sandbox", items(&[(price, 1)]))).await;
        let detail =
            format!("One or more provided price_ids could not be found, provided: {price}");
        expect_error(
            response,
            StatusCode::BAD_REQUEST,
            "request_error",
            "transaction_price_not_found",
            &detail,
        )
        .await;
    }
    // Both a cart and a transaction, or neither.
    for data in [
        json!({}),
        json!({ "items": [], "transaction_id": "txn_01kzvyz95263x6amf3w4cgbqh4" }),
    ] {
        let response = checkouts.open_with(&shop.token, "sandbox", data).await;
        let body = expect_json(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["error"]["code"], "invalid_field", "{body}");
    }
    // A transaction the account doesn't hold.
    let unknown = "txn_01kzvyz95263x6amf3w4cgbqh4";
    let data = json!({ "transaction_id": unknown });
    expect_not_found(
        checkouts.open_with(&shop.token, "sandbox", data).await,
        unknown,
    )
    .await;
    assert_eq!(checkouts.list("shop").await, Vec::<Value>::new());
    assert_eq!(app.events("shop").await.len(), events);
}

async fn the_customer_is_validated_field_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let id = id_of(&checkouts.open(&shop, items(&[(ONCE, 1)])).await);
    // Paying before the customer is known.
    let response = checkouts.pay(&id, card(SUCCESS_CARD)).await;
    let message = "Enter an email address and country before paying";
    expect_invalid_fields(
        response,
        json!([{ "field": "customer", "message": message }]),
    )
    .await;
    let field = |field: &str, message: &str| json!([{ "field": field, "message": message }]);
    for (bad, errors) in [
        (
            customer("not an email", "US", Some("10001")),
            field("email", "Enter a valid email address"),
        ),
        (
            customer("buyer@shop.test", "XX", None),
            field("address.country_code", "Choose a country"),
        ),
        (
            customer("buyer@shop.test", "US", None),
            field(
                "address.postal_code",
                "Enter a postcode: it is asked for in US",
            ),
        ),
        (
            json!({}),
            json!([
                { "field": "email", "message": "Enter a valid email address" },
                { "field": "country_code", "message": "Choose a country" }
            ]),
        ),
    ] {
        let response = checkouts.set_customer(&id, bad).await;
        expect_invalid_fields(response, errors).await;
    }
    // Nothing changed: still a draft, only checkout.loaded.
    let view = expect_data(checkouts.get(&id).await, StatusCode::OK).await;
    assert_eq!(names(&view), ["checkout.loaded"]);
    assert_eq!(view["checkout"]["status"], "draft");
    // A postcode is optional where Paddle doesn't ask for one.
    let response = (checkouts.set_customer(&id, customer("buyer@shop.test", "JP", None))).await;
    let view = expect_data(response, StatusCode::OK).await;
    assert_eq!(view["checkout"]["status"], "ready");
    let buyer = &view["checkout"]["customer"];
    assert_eq!(buyer["email"], "buyer@shop.test");
    assert_eq!(buyer["address"]["country_code"], "JP");
    let admin = checkouts.admin_view(&shop.account, &id).await;
    assert_eq!(admin["address"]["postal_code"], json!(null));
    assert_eq!(
        names(&view),
        ["checkout.loaded", "checkout.customer.created"]
    );
    // The card is judged field by field too, all at once.
    let bad = json!({ "card_number": "4111 1111 1111 1111", "expiry_month": 13, "expiry_year": 20, "cvv": "1", "cardholder_name": "" });
    expect_invalid_fields(
        checkouts.pay(&id, bad).await,
        json!([
            { "field": "card_number", "message": "Use a test card: 4242 4242 4242 4242 (succeeds), 4000 0000 0000 0002 (declined), 4000 0038 0000 0446 (3-D Secure)" },
            { "field": "expiry_month", "message": "Enter the expiry month, 1 to 12" },
            { "field": "expiry_year", "message": "Enter the expiry year, four digits" },
            { "field": "cvv", "message": "Enter the 3 or 4 digits of the security code" },
            { "field": "cardholder_name", "message": "Enter the name on the card" }
        ]),
    )
    .await;
    let mut expired = card(SUCCESS_CARD);
    expired["expiry_year"] = json!(2020);
    let errors = field("expiry_year", "This card has expired");
    expect_invalid_fields(checkouts.pay(&id, expired).await, errors).await;
    let view = expect_data(checkouts.get(&id).await, StatusCode::OK).await;
    assert_eq!(view["payment"]["status"], "none");
    assert_eq!(names(&view).len(), 2);
}

async fn items_customer_and_custom_data_change_while_open(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let mut data = items(&[(YEARLY, 1)]);
    data["customer"] = new_york_customer();
    let opened = checkouts.open(&shop, data).await;
    let id = id_of(&opened);
    // Given at open: ready at once, and loaded already shows the customer.
    assert_eq!(opened["checkout"]["status"], "ready");
    assert_eq!(names(&opened), ["checkout.loaded"]);
    // The page's Origin is the transaction's checkout URL.
    let admin = checkouts.admin_view(&shop.account, &id).await;
    let url = format!(
        "{SHOP_ORIGIN}?_ptxn={}",
        opened["transaction_id"].as_str().unwrap()
    );
    assert_eq!(admin["transaction"]["checkout"], json!({ "url": url }));

    let response = checkouts.update_items(&id, json!([{ "price_id": YEARLY, "quantity": 3 }]));
    let view = expect_data(response.await, StatusCode::OK).await;
    assert_eq!(view["checkout"]["items"][0]["quantity"], 3);
    assert_eq!(names(&view).last().unwrap(), "checkout.items.updated");
    let response = checkouts.update_items(&id, json!([{ "price_id": YEARLY, "quantity": 11 }]));
    let body = expect_json(response.await, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        body["error"]["code"],
        "transaction_item_quantity_out_of_range"
    );

    let response = checkouts.set_customer(&id, customer("other@shop.test", "GB", Some("SW1A 1AA")));
    let view = expect_data(response.await, StatusCode::OK).await;
    assert_eq!(names(&view).last().unwrap(), "checkout.customer.updated");
    assert_eq!(view["checkout"]["customer"]["email"], "other@shop.test");

    let patch = json!({ "custom_data": { "order": "42" }, "items": [{ "price_id": YEARLY, "quantity": 2 }] });
    let response = checkouts.write(Method::PATCH, &id, "", patch).await;
    let view = expect_data(response, StatusCode::OK).await;
    assert_eq!(names(&view).last().unwrap(), "checkout.updated");
    assert_eq!(view["checkout"]["custom_data"], json!({ "order": "42" }));
    assert_eq!(view["checkout"]["items"][0]["quantity"], 2);
    let response = checkouts
        .write(Method::PATCH, &id, "", json!({ "colour": "red" }))
        .await;
    let message = "Additional property colour is not allowed";
    expect_schema_errors(response, json!([{ "field": "(root)", "message": message }])).await;
    let read = expect_data(checkouts.get(&id).await, StatusCode::OK).await;
    assert_eq!(read, view);
}
