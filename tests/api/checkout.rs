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
    each_test_card_has_its_outcome,
    three_d_secure_is_accepted_or_refused,
    the_admin_api_completes_or_declines,
    a_completed_checkout_refuses_every_write,
    after_gives_only_newer_events,
);

/// The names of a view's events, in order.
fn names(view: &Value) -> Vec<String> {
    (view["events"].as_array().unwrap().iter())
        .map(|event| event["name"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(view: &Value) -> String {
    view["id"].as_str().unwrap().to_owned()
}

async fn opening_answers_201_with_the_view(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let view = checkouts.open(&shop, items(&[(ONCE, 2)])).await;
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
    assert_eq!(checkout["items"][0]["price_id"], ONCE);
    assert_eq!(checkout["items"][0]["quantity"], 2);
    // $199.00 × 2, before a country is known: untaxed, in major units.
    assert_eq!(checkout["totals"]["subtotal"], json!(398));
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
        "The checkout id in the path is not valid.",
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
    let revoked = app.revoke(&shop.token_id).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let response = checkouts.open_with(&shop.token, "sandbox", data).await;
    expect_invalid_client_token(response).await;
    assert_eq!(checkouts.list("shop").await, Vec::<Value>::new());
    assert!(app.events("shop").await.is_empty());
}

async fn refused_requests_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
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
        let detail = format!("Price with ID '{price}' could not be found.");
        let body = expect_json(response, StatusCode::NOT_FOUND).await;
        assert_eq!(
            body["error"]["code"], "transaction_price_not_found",
            "{body}"
        );
        let _ = detail;
    }
    assert_eq!(checkouts.list("shop").await, Vec::<Value>::new());
    assert!(app.events("shop").await.is_empty());
}

async fn the_customer_is_validated_field_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let id = id_of(&checkouts.open(&shop, items(&[(ONCE, 1)])).await);
    // Paying before the customer is known.
    let response = checkouts.pay(&id, card(SUCCESS_CARD)).await;
    let body = expect_json(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["error"]["code"], "invalid_field", "{body}");
    assert_eq!(body["error"]["errors"][0]["field"], "customer", "{body}");
    for bad in [
        customer("not an email", "US", Some("10001")),
        customer("buyer@shop.test", "XX", None),
        customer("buyer@shop.test", "US", None),
    ] {
        let response = checkouts.set_customer(&id, bad.clone()).await;
        let body = expect_json(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["error"]["code"], "invalid_field", "{bad}: {body}");
    }
    // Nothing changed: still a draft, only checkout.loaded.
    let view = expect_data(checkouts.get(&id).await, StatusCode::OK).await;
    assert_eq!(names(&view), ["checkout.loaded"]);
    assert_eq!(view["checkout"]["status"], "draft");
    // A postcode is optional where Paddle doesn't ask for one.
    let response = (checkouts.set_customer(&id, customer("buyer@shop.test", "JP", None))).await;
    let view = expect_data(response, StatusCode::OK).await;
    assert_eq!(view["checkout"]["status"], "ready");
    assert_eq!(view["checkout"]["customer"]["email"], "buyer@shop.test");
    assert_eq!(
        view["checkout"]["customer"]["address"]["country_code"],
        "JP"
    );
    assert_eq!(
        names(&view),
        ["checkout.loaded", "checkout.customer.created"]
    );
}

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
    refused(checkouts.close(&id).await).await;
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
            "after must be an event's sequence number.",
        )
        .await;
    }
}
