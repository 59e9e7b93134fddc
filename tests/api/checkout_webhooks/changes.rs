//! Changes before paying: new items send `transaction.updated` in the same
//! status; a customer given again sends `customer.updated` and/or
//! `address.updated`, only for what changed, then `transaction.updated`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Bench, PURCHASE, assert_sequence, id_of};
use crate::helpers::checkout::{customer, items, new_york_customer};
use crate::helpers::previews::{MONTHLY, YEARLY};
use crate::helpers::{Backend, expect_data};
use crate::on_both_backends;

on_both_backends!(a_changed_cart_or_customer_sends_only_what_changed);

/// The `data` of each of the next `n` webhooks, checked against `expected`.
async fn next(bench: &mut Bench, expected: &[(&str, &str)]) -> Vec<Value> {
    let received = bench.receive(expected.len()).await;
    assert_sequence(&received, expected);
    received.iter().map(|r| r.json()["data"].clone()).collect()
}

async fn a_changed_cart_or_customer_sends_only_what_changed(backend: Backend) {
    let mut bench = Bench::new(backend, "changes").await;
    let checkouts = bench.checkouts.clone();
    let id = id_of(&checkouts.open(&bench.shop, items(&[(MONTHLY, 1)])).await);
    next(&mut bench, &PURCHASE[..1]).await;

    let yearly = items(&[(YEARLY, 2)])["items"].clone();
    expect_data(checkouts.update_items(&id, yearly).await, StatusCode::OK).await;
    let [draft] =
        <[Value; 1]>::try_from(next(&mut bench, &[("transaction.updated", "draft")]).await)
            .unwrap();
    assert_eq!(
        (
            &draft["items"][0]["price_id"],
            &draft["items"][0]["quantity"]
        ),
        (&json!(YEARLY), &json!(2))
    );
    assert_eq!(draft["details"]["totals"]["subtotal"], "10000");

    expect_data(
        checkouts.set_customer(&id, new_york_customer()).await,
        StatusCode::OK,
    )
    .await;
    let ready = next(&mut bench, &PURCHASE[1..5]).await;
    let (first, address) = (&ready[0], &ready[1]);

    // Another email, the same address: the customer only.
    let email = customer("ada@shop.test", "US", Some("10001"));
    expect_data(checkouts.set_customer(&id, email).await, StatusCode::OK).await;
    let changed = next(
        &mut bench,
        &[("customer.updated", ""), ("transaction.updated", "ready")],
    )
    .await;
    assert_eq!(
        (&changed[0]["id"], &changed[0]["email"]),
        (&first["id"], &json!("ada@shop.test"))
    );
    assert_eq!(changed[0]["created_at"], first["created_at"]);
    assert_eq!(changed[1]["customer_id"], first["id"]);

    // Another postcode, the same email: the address only.
    let moved = customer("ada@shop.test", "US", Some("10002"));
    expect_data(checkouts.set_customer(&id, moved).await, StatusCode::OK).await;
    let changed = next(
        &mut bench,
        &[("address.updated", ""), ("transaction.updated", "ready")],
    )
    .await;
    assert_eq!(
        (&changed[0]["id"], &changed[0]["postal_code"]),
        (&address["id"], &json!("10002"))
    );
    assert_eq!(changed[1]["address_id"], address["id"]);
    bench.expect_no_more().await;
    let bodies: Vec<Value> = bench.checkouts.list("changes").await;
    assert_eq!(bodies[0]["transaction"], changed[1]);
}
