//! A seeded account on a frozen clock: the whole purchase gives the same
//! answers, transaction ids and webhook bodies, byte for byte, on two fresh
//! servers; and `occurred_at` still strictly increases.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::{Bench, PURCHASE, assert_sequence, id_of};
use crate::helpers::checkout::{SUCCESS_CARD, card, items, new_york_customer};
use crate::helpers::previews::MONTHLY;
use crate::helpers::{Backend, TestApp, expect_data};
use crate::on_both_backends;
use crate::webhooks::fast_retries;

on_both_backends!(a_seeded_purchase_is_byte_identical_on_two_fresh_servers);

const ACCOUNT: &str = "seeded";
const START: &str = "2030-01-01T00:00:00.000000Z";

/// The body as text with its `request_id` blanked: all else must match.
async fn answer(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    let mut body: Value = response.json().await.unwrap();
    body["meta"]["request_id"] = json!("-");
    body.to_string()
}

/// One purchase on a fresh server: every answer, then every webhook body.
async fn purchase(backend: Backend) -> (Vec<String>, Vec<Vec<u8>>) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let body = json!({ "name": ACCOUNT, "seed": "checkout-seed" });
    let created = app.admin(Method::POST, "/accounts").json(&body).send();
    expect_data(created.await.unwrap(), StatusCode::CREATED).await;
    let clock = json!({ "frozen": true, "now": START });
    let path = format!("/accounts/{ACCOUNT}/clock");
    let frozen = app.admin(Method::PUT, &path).json(&clock).send();
    expect_data(frozen.await.unwrap(), StatusCode::OK).await;
    let mut bench = Bench::on(app, ACCOUNT).await;

    let checkouts = bench.checkouts.clone();
    let response = checkouts
        .open_with(&bench.shop.token, "sandbox", items(&[(MONTHLY, 1)]))
        .await;
    let opened = answer(response, StatusCode::CREATED).await;
    let id = id_of(&serde_json::from_str::<Value>(&opened).unwrap()["data"]);
    let customer = checkouts.set_customer(&id, new_york_customer()).await;
    let paid = checkouts.pay(&id, card(SUCCESS_CARD)).await;
    let answers = vec![
        opened,
        answer(customer, StatusCode::OK).await,
        answer(paid, StatusCode::OK).await,
        answer(checkouts.get(&id).await, StatusCode::OK).await,
        answer(checkouts.list_response(ACCOUNT).await, StatusCode::OK).await,
    ];
    let received = bench.receive(9).await;
    assert_sequence(&received, &PURCHASE);
    let first = received[0].json();
    assert_eq!(first["occurred_at"], START, "the frozen clock's instant");
    assert_eq!(first["data"]["created_at"], START);
    (
        answers,
        received.into_iter().map(|r| r.body.to_vec()).collect(),
    )
}

async fn a_seeded_purchase_is_byte_identical_on_two_fresh_servers(backend: Backend) {
    let (answers, bodies) = purchase(backend).await;
    let (again, bodies_again) = purchase(backend).await;
    for (a, b) in answers.iter().zip(&again) {
        assert_eq!(a, b);
    }
    for (a, b) in bodies.iter().zip(&bodies_again) {
        assert_eq!(String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    }
    let completed: Value = serde_json::from_slice(&bodies[8]).unwrap();
    let txn = completed["data"]["id"].as_str().unwrap();
    // A ULID stamped at the frozen clock's instant (2030-01-01, 1893456000 s).
    assert!(txn.starts_with("txn_01q3dcbd00"), "{txn}");
}
