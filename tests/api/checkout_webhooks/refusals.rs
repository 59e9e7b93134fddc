//! Every refusal of a checkout route changes nothing: no event in the
//! account's outbox, no webhook, the same checkouts listed, byte for byte.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::{Bench, id_of};
use crate::helpers::checkout::{SUCCESS_CARD, card, customer, items, new_york_customer};
use crate::helpers::previews::{ARCHIVED, MONTHLY, YEARLY, expect_invalid_client_token};
use crate::helpers::{Backend, expect_data, expect_error, expect_json, expect_not_found};
use crate::on_both_backends;

on_both_backends!(every_refusal_changes_nothing);

const ACCOUNT: &str = "refusals";

/// What a refusal must leave as it was: the account's events and checkouts.
async fn state(bench: &Bench) -> (Vec<Value>, Vec<Value>) {
    let account = &bench.shop.account;
    let events = bench.app.events(account).await;
    (events, bench.checkouts.list(account).await)
}

/// Asserts a Paddle-shaped error with `status` and `code`; returns it.
async fn refused(response: Response, status: StatusCode, code: &str) -> Value {
    let body = expect_json(response, status).await;
    assert_eq!(body["error"]["type"], "request_error", "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"].clone()
}

/// The field errors of a 400 `invalid_field`, by field name.
async fn invalid_fields(response: Response) -> Vec<String> {
    let error = refused(response, StatusCode::BAD_REQUEST, "invalid_field").await;
    (error["errors"].as_array().expect("errors[]").iter())
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn every_refusal_changes_nothing(backend: Backend) {
    let mut bench = Bench::new(backend, ACCOUNT).await;
    let shop = &bench.shop.clone();
    let checkouts = bench.checkouts.clone();
    // One checkout open without a customer, one completed, one closed.
    let open = id_of(&checkouts.open(shop, items(&[(MONTHLY, 1)])).await);
    let done_view = checkouts.buy(shop, MONTHLY, SUCCESS_CARD).await;
    let done = id_of(&done_view);
    let closed = id_of(&checkouts.open(shop, items(&[(MONTHLY, 1)])).await);
    expect_data(checkouts.close(&closed).await, StatusCode::OK).await;
    bench.receive(1 + 9 + 1).await;
    let before = state(&bench).await;
    let env = shop.page_environment();

    // Opening: the token, the catalog, the request's own fields.
    let cart = items(&[(MONTHLY, 1)]);
    expect_invalid_client_token(
        checkouts
            .open_with("test_0000000000000000000000000ff", env, cart.clone())
            .await,
    )
    .await;
    expect_invalid_client_token(
        checkouts
            .open_with(&shop.token, "production", cart.clone())
            .await,
    )
    .await;
    let open_with = |data: Value| checkouts.open_with(&shop.token, env, data);
    let unknown = "pri_01h0000000000000000000000a";
    for price in [unknown, ARCHIVED] {
        let response = open_with(items(&[(price, 1)])).await;
        refused(
            response,
            StatusCode::BAD_REQUEST,
            "transaction_price_not_found",
        )
        .await;
    }
    let response = open_with(items(&[(MONTHLY, 2)])).await;
    refused(
        response,
        StatusCode::BAD_REQUEST,
        "transaction_item_quantity_out_of_range",
    )
    .await;
    let response = open_with(items(&[(MONTHLY, 1), (YEARLY, 1)])).await;
    refused(
        response,
        StatusCode::BAD_REQUEST,
        "transaction_price_different_billing_cycle",
    )
    .await;
    let mut discounted = cart.clone();
    discounted["discount_id"] = json!("dsc_01gtgztp8fpchantd5g1wrksa3");
    let response = open_with(discounted).await;
    refused(
        response,
        StatusCode::BAD_REQUEST,
        "transaction_discount_not_found",
    )
    .await;
    let transaction_id = done_view["transaction_id"].clone();
    let mut both = cart.clone();
    both["transaction_id"] = transaction_id.clone();
    invalid_fields(open_with(both).await).await;
    invalid_fields(open_with(json!({})).await).await;
    let unknown_txn = "txn_01h00000000000000000000000";
    expect_not_found(
        open_with(json!({ "transaction_id": unknown_txn })).await,
        unknown_txn,
    )
    .await;
    let response = open_with(json!({ "transaction_id": transaction_id })).await;
    refused(response, StatusCode::BAD_REQUEST, "transaction_immutable").await;

    // The open checkout: customer and card checks, in order.
    let pay = checkouts.pay(&open, card(SUCCESS_CARD)).await;
    let message = "Enter an email address and country before paying";
    let error = refused(pay, StatusCode::BAD_REQUEST, "invalid_field").await;
    assert_eq!(
        error["errors"],
        json!([{ "field": "customer", "message": message }])
    );
    for bad in [
        customer("buyer@shop.test", "XX", None),
        customer("buyer@shop.test", "US", None),
        customer("not an email", "US", Some("10001")),
    ] {
        assert!(
            !invalid_fields(checkouts.set_customer(&open, bad).await)
                .await
                .is_empty()
        );
    }
    assert_eq!(state(&bench).await, before, "nothing changed so far");
    // A customer is a change; then the card's checks.
    expect_data(
        checkouts.set_customer(&open, new_york_customer()).await,
        StatusCode::OK,
    )
    .await;
    bench.receive(4).await;
    let before = state(&bench).await;
    let cards = "Use a test card: 4242 4242 4242 4242 (succeeds), 4000 0000 0000 0002 (declined), \
                 4000 0038 0000 0446 (3-D Secure)";
    let error = refused(
        checkouts.pay(&open, card("5555 5555 5555 4444")).await,
        StatusCode::BAD_REQUEST,
        "invalid_field",
    )
    .await;
    assert_eq!(
        error["errors"],
        json!([{ "field": "card_number", "message": cards }])
    );
    for (field, value) in [
        ("expiry_month", json!(13)),
        ("expiry_year", json!(2020)),
        ("cvv", json!("12")),
        ("cardholder_name", json!("")),
    ] {
        let mut bad = card(SUCCESS_CARD);
        bad[field] = value;
        let fields = invalid_fields(checkouts.pay(&open, bad).await).await;
        assert!(fields.contains(&field.to_owned()), "{field}: {fields:?}");
    }
    let response = checkouts.authenticate(&open, true).await;
    assert!(
        response.status().is_client_error(),
        "no 3-D Secure step is pending"
    );
    invalid_fields(
        checkouts
            .complete_with(&open, json!({ "outcome": "maybe" }))
            .await,
    )
    .await;

    // Unknown checkouts, and checkouts that are no longer open.
    let nowhere = "che_01h00000000000000000000000";
    expect_not_found(checkouts.get(nowhere).await, nowhere).await;
    expect_not_found(checkouts.pay(nowhere, card(SUCCESS_CARD)).await, nowhere).await;
    expect_not_found(
        checkouts
            .complete_with(nowhere, json!({ "outcome": "paid" }))
            .await,
        nowhere,
    )
    .await;
    for (id, state) in [(&done, "completed"), (&closed, "closed")] {
        let detail = format!("Checkout {id} is {state}: it can't be changed.");
        for response in [
            checkouts.pay(id, card(SUCCESS_CARD)).await,
            checkouts.set_customer(id, new_york_customer()).await,
            checkouts
                .update_items(id, items(&[(MONTHLY, 1)])["items"].clone())
                .await,
            checkouts
                .complete_with(id, json!({ "outcome": "paid" }))
                .await,
            checkouts
                .complete_with(id, json!({ "outcome": "declined" }))
                .await,
        ] {
            let conflict = StatusCode::CONFLICT;
            expect_error(
                response,
                conflict,
                "request_error",
                "checkout_not_open",
                &detail,
            )
            .await;
        }
    }
    assert_eq!(
        state(&bench).await,
        before,
        "no event, no change to any checkout"
    );
    bench.expect_no_more().await;

    // Revoking the page's token refuses new checkouts; one already open
    // goes on, as its id is the capability.
    let key = (bench.app).account_key(&shop.account, "sandbox", &["client_token.write"]);
    let path = format!("/client-tokens/{}", shop.token_id);
    let revoke = bench.app.request(Method::PATCH, &path, &key.await);
    let revoke = revoke.json(&json!({ "status": "revoked" })).send().await;
    expect_data(revoke.unwrap(), StatusCode::OK).await;
    let before = state(&bench).await;
    expect_invalid_client_token(checkouts.open_with(&shop.token, env, cart).await).await;
    assert_eq!(state(&bench).await, before);
    let paid = expect_data(
        checkouts.pay(&open, card(SUCCESS_CARD)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paid["state"], "completed");
    bench.receive(4).await;
}
