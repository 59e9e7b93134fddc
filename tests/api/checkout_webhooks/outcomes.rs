//! The other ways a checkout is paid: the 3-D Secure step refused then
//! accepted, and the admin route completing a one-time and a recurring
//! price (no subscription: `subscription_id` null).

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::shapes::assert_transaction;
use super::{Bench, PURCHASE, assert_sequence, id_of};
use crate::helpers::checkout::{THREE_DS_CARD, card, items, new_york_customer};
use crate::helpers::previews::{MONTHLY, ONCE};
use crate::helpers::{Backend, Received, expect_data};
use crate::on_both_backends;

on_both_backends!(
    three_d_secure_waits_for_the_answer,
    one_time_and_recurring_prices_complete_without_a_subscription,
);

async fn three_d_secure_waits_for_the_answer(backend: Backend) {
    let mut bench = Bench::new(backend, "threeds").await;
    let mut data = items(&[(MONTHLY, 1)]);
    data["customer"] = new_york_customer();
    let id = id_of(&bench.checkouts.open(&bench.shop, data).await);
    bench.receive(5).await;

    let asked = expect_data(
        bench.checkouts.pay(&id, card(THREE_DS_CARD)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        asked["payment"],
        json!({ "status": "action_required", "error_code": null })
    );
    bench.expect_no_more().await;
    let refused = expect_data(
        bench.checkouts.authenticate(&id, false).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        refused["payment"],
        json!({ "status": "failed", "error_code": "authentication_failed" })
    );
    let failed = bench.receive(1).await;
    assert_sequence(&failed, &[("transaction.payment_failed", "ready")]);
    let attempt = &failed[0].json()["data"]["payments"][0];
    assert_eq!(attempt["error_code"], "authentication_failed");
    assert_eq!(attempt["method_details"]["card"]["last4"], "0446");

    expect_data(
        bench.checkouts.pay(&id, card(THREE_DS_CARD)).await,
        StatusCode::OK,
    )
    .await;
    bench.expect_no_more().await;
    let accepted = expect_data(
        bench.checkouts.authenticate(&id, true).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        accepted["payment"],
        json!({ "status": "captured", "error_code": null })
    );
    assert_eq!(accepted["state"], "completed");
    let completed = bench.receive(4).await;
    assert_sequence(&completed, &PURCHASE[5..]);
    bench.expect_no_more().await;
}

async fn one_time_and_recurring_prices_complete_without_a_subscription(backend: Backend) {
    let mut bench = Bench::new(backend, "kinds").await;
    for price in [ONCE, MONTHLY] {
        let id = id_of(
            &bench
                .checkouts
                .open(&bench.shop, items(&[(price, 1)]))
                .await,
        );
        // Through the admin route, with the default test customer.
        let view = bench.checkouts.complete(&id, "paid").await;
        assert_eq!(view["state"], "completed");
        let transaction = &view["transaction"];
        assert_transaction(transaction, "completed");
        assert_eq!(transaction["items"][0]["price_id"], price);
        assert_eq!(
            (
                &transaction["subscription_id"],
                &transaction["billing_period"]
            ),
            (&Value::Null, &Value::Null)
        );
        assert_eq!(view["customer"]["email"], "buyer@example.com");
        assert_eq!(view["address"]["postal_code"], "10001");
        let received = bench.receive(9).await;
        let bodies: Vec<Value> = received.iter().map(Received::json).collect();
        let last = bodies.last().unwrap();
        assert_eq!(last["event_type"], "transaction.completed");
        assert_eq!(&last["data"], transaction);
        let types: Vec<_> = bodies
            .iter()
            .map(|b| b["event_type"].as_str().unwrap())
            .collect();
        assert_eq!(types, PURCHASE.map(|(t, _)| t), "{price}");
    }
    // Invoice numbers count up per account and environment.
    let list = bench.checkouts.list("kinds").await;
    let numbers: Vec<_> = list
        .iter()
        .map(|v| {
            v["transaction"]["invoice_number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let (prefix, first) = numbers[0].split_once('-').unwrap();
    assert_eq!(first, "10001");
    assert_eq!(numbers[1], format!("{prefix}-10002"));
    bench.expect_no_more().await;
}
