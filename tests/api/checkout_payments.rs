//! Paying a test-mode checkout over HTTP: each test card, the 3-D Secure
//! step, the admin API's completion, and what a completed checkout refuses.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::checkout::{id_of, names};
use crate::helpers::checkout::*;
use crate::helpers::previews::*;
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    each_test_card_has_its_outcome,
    three_d_secure_is_accepted_or_refused,
    the_admin_api_completes_or_declines,
    a_completed_checkout_refuses_every_write,
    after_gives_only_newer_events,
);

async fn each_test_card_has_its_outcome(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let paid = checkouts.buy(&shop, ONCE, SUCCESS_CARD).await;
    assert_eq!(paid["state"], "completed");
    assert_eq!(
        paid["payment"],
        json!({ "status": "captured", "error_code": null })
    );
    assert_eq!(paid["checkout"]["status"], "completed");
    assert_eq!(
        names(&paid),
        [
            "checkout.loaded",
            "checkout.customer.created",
            "checkout.payment.selected",
            "checkout.payment.initiated",
            "checkout.completed"
        ]
    );
    let card = &paid["checkout"]["payment"]["method_details"];
    assert_eq!(card["type"], "card");
    assert_eq!(card["card"]["last4"], "4242");
    let declined = checkouts.buy(&shop, ONCE, DECLINED_CARD).await;
    assert_eq!(declined["state"], "open");
    assert_eq!(
        declined["payment"],
        json!({ "status": "failed", "error_code": "declined" })
    );
    assert_eq!(declined["checkout"]["status"], "ready");
    assert_eq!(
        names(&declined)[2..],
        [
            "checkout.payment.selected",
            "checkout.payment.initiated",
            "checkout.payment.failed"
        ]
    );
    // A declined checkout may be paid again, with another card.
    let id = id_of(&declined);
    let again = expect_data(
        checkouts
            .pay(&id, crate::helpers::checkout::card(SUCCESS_CARD))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["state"], "completed");
    // A card that isn't one of the test cards is refused.
    let other = checkouts.open(&shop, items(&[(ONCE, 1)])).await;
    let other = id_of(&other);
    let response = checkouts.set_customer(&other, new_york_customer()).await;
    expect_data(response, StatusCode::OK).await;
    let response = (checkouts.pay(
        &other,
        crate::helpers::checkout::card("4111 1111 1111 1111"),
    ))
    .await;
    let body = expect_json(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"]["errors"][0]["field"], "card_number", "{body}");
}

async fn three_d_secure_is_accepted_or_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    for (accept, state, payment) in [
        (
            true,
            "completed",
            json!({ "status": "captured", "error_code": null }),
        ),
        (
            false,
            "open",
            json!({ "status": "failed", "error_code": "authentication_failed" }),
        ),
    ] {
        let asked = checkouts.buy(&shop, ONCE, THREE_DS_CARD).await;
        assert_eq!(asked["state"], "open");
        assert_eq!(
            asked["payment"],
            json!({ "status": "action_required", "error_code": null })
        );
        assert_eq!(
            names(&asked)[2..],
            ["checkout.payment.selected", "checkout.payment.initiated"]
        );
        let id = id_of(&asked);
        let answered = checkouts.authenticate(&id, accept).await;
        let answered = expect_data(answered, StatusCode::OK).await;
        assert_eq!(answered["state"], state);
        assert_eq!(answered["payment"], payment);
        let last = if accept {
            "checkout.completed"
        } else {
            "checkout.payment.failed"
        };
        assert_eq!(names(&answered).last().unwrap(), last);
    }
}

async fn the_admin_api_completes_or_declines(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    // Without a customer: the default test customer.
    let id = id_of(&checkouts.open(&shop, items(&[(ONCE, 1)])).await);
    let declined = checkouts.complete(&id, "declined").await;
    assert_eq!(declined["state"], "open");
    assert_eq!(declined["payment"]["status"], "failed");
    assert_eq!(declined["transaction"]["status"], "ready");
    assert_eq!(declined["customer"]["email"], "buyer@example.com");
    let paid = checkouts.complete(&id, "paid").await;
    assert_eq!(paid["state"], "completed");
    assert_eq!(paid["payment"]["status"], "captured");
    assert_eq!(paid["transaction"]["status"], "completed");
    // The page sees what the admin API did.
    let view = expect_data(checkouts.get(&id).await, StatusCode::OK).await;
    assert_eq!(names(&view).last().unwrap(), "checkout.completed");
    // A customer may be given; an unknown outcome is refused.
    let other = id_of(&checkouts.open(&shop, items(&[(ONCE, 1)])).await);
    let body = json!({ "outcome": "paid", "customer": customer("admin@shop.test", "GB", Some("SW1A 1AA")) });
    let paid = expect_data(checkouts.complete_with(&other, body).await, StatusCode::OK).await;
    assert_eq!(paid["customer"]["email"], "admin@shop.test");
    assert_eq!(paid["address"]["country_code"], "GB");
    let response = checkouts
        .complete_with(&other, json!({ "outcome": "maybe" }))
        .await;
    let body = expect_json(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"]["code"], "invalid_field", "{body}");
    // Unknown checkout and account.
    let unknown = "che_01kzvyz95263x6amf3w4cgbqh4";
    let response = checkouts
        .complete_with(unknown, json!({ "outcome": "paid" }))
        .await;
    expect_not_found(response, unknown).await;
    let response = checkouts.list_response("nobody").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn a_completed_checkout_refuses_every_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let paid = checkouts.buy(&shop, ONCE, SUCCESS_CARD).await;
    let id = id_of(&paid);
    let events = app.events("shop").await.len();
    let refused = |response| async {
        let detail = format!("Checkout {id} is completed: it can't be changed.");
        expect_error(
            response,
            StatusCode::CONFLICT,
            "request_error",
            "checkout_not_open",
            &detail,
        )
        .await;
    };
    refused(checkouts.pay(&id, card(SUCCESS_CARD)).await).await;
    refused(checkouts.set_customer(&id, new_york_customer()).await).await;
    refused(
        checkouts
            .update_items(&id, json!([{ "price_id": ONCE, "quantity": 2 }]))
            .await,
    )
    .await;
    refused(checkouts.authenticate(&id, true).await).await;
    refused(
        checkouts
            .complete_with(&id, json!({ "outcome": "paid" }))
            .await,
    )
    .await;
    // Closing is what the shim does after success too: it changes nothing.
    let closed = expect_data(checkouts.close(&id).await, StatusCode::OK).await;
    assert_eq!(closed, paid);
    // Nothing changed.
    let view = expect_data(checkouts.get(&id).await, StatusCode::OK).await;
    assert_eq!(view, paid);
    assert_eq!(app.events("shop").await.len(), events);
    // A closed one too, with its own state in the detail.
    let closed = id_of(&checkouts.open(&shop, items(&[(ONCE, 1)])).await);
    let view = expect_data(checkouts.close(&closed).await, StatusCode::OK).await;
    assert_eq!(view["state"], "closed");
    let detail = format!("Checkout {closed} is closed: it can't be changed.");
    expect_error(
        checkouts.pay(&closed, card(SUCCESS_CARD)).await,
        StatusCode::CONFLICT,
        "request_error",
        "checkout_not_open",
        &detail,
    )
    .await;
}

async fn after_gives_only_newer_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let paid = checkouts.buy(&shop, ONCE, SUCCESS_CARD).await;
    let id = id_of(&paid);
    let after = |n: &str| {
        let path = format!("/transaction-checkout/{id}?after={n}");
        checkouts.page(Method::GET, &path).send()
    };
    let view = expect_data(after("2").await.unwrap(), StatusCode::OK).await;
    let sequences: Vec<u64> = (view["events"].as_array().unwrap().iter())
        .map(|event| event["sequence"].as_u64().unwrap())
        .collect();
    assert_eq!(sequences, [3, 4, 5]);
    assert_eq!(
        view["events"],
        json!(paid["events"].as_array().unwrap()[2..])
    );
    let view = expect_data(after("5").await.unwrap(), StatusCode::OK).await;
    assert_eq!(view["events"], json!([]));
    assert_eq!(view["state"], "completed");
    for bad in ["-1", "x", ""] {
        expect_error(
            after(bad).await.unwrap(),
            StatusCode::BAD_REQUEST,
            "request_error",
            "bad_request",
            "Invalid request. after must be an event's sequence number.",
        )
        .await;
    }
}
