//! The other test cards (declined, 3-D Secure) and a revoked token.

use reqwest::StatusCode;
use serde_json::json;

use super::purchase::PAID;
use super::{FRAME, SETUP, Shop, fill_customer, names, pay_with, testid, wait_for};
use crate::helpers::checkout::{DECLINED_CARD, SUCCESS_CARD, THREE_DS_CARD};
use crate::helpers::{Receiver, documentation_url};
use crate::webhooks::{assert_signed, setting};

/// Opens an overlay checkout of one setup and gets to the payment step.
async fn to_payment(shop: &Shop) {
    let open = format!("open({{ items: [{{ priceId: '{SETUP}', quantity: 1 }}] }})");
    shop.checkout(&open).await;
    shop.enter_checkout().await;
    fill_customer(&shop.browser, "ada@example.com", "GB", "SW1A 1AA").await;
}

#[tokio::test]
async fn a_declined_card_fails_in_the_page_and_by_webhook_and_another_card_then_pays() {
    let test = "a_declined_card_fails_in_the_page_and_by_webhook_and_another_card_then_pays";
    let Some(shop) = Shop::open(test).await else {
        return;
    };
    let mut receiver = Receiver::start(&[]).await;
    let events = ["transaction.payment_failed"];
    let setting = setting(&shop.app, &receiver.url, &events).await;
    let secret = setting["endpoint_secret_key"].as_str().unwrap();

    to_payment(&shop).await;
    let browser = &shop.browser;
    pay_with(browser, DECLINED_CARD).await;
    wait_for(browser, &testid("payment-error")).await;
    let error = browser.text(&testid("payment-error")).await;
    assert!(
        error.contains("Your card issuer bank has declined this payment."),
        "{error}"
    );
    browser.leave_frame().await;
    let events = shop.events_until("checkout.payment.failed").await;
    assert_eq!(
        names(&events),
        [&PAID[..4], &["checkout.payment.failed"]].concat()
    );
    let failed = &events[4]["data"];
    assert_eq!(failed["status"], "ready");
    assert_eq!(failed["payment"]["method_details"]["card"]["last4"], "0002");

    let notification = receiver.next().await;
    assert_signed(&notification, secret);
    let body = notification.json();
    assert_eq!(body["event_type"], "transaction.payment_failed");
    assert_eq!(body["data"]["id"], failed["transaction_id"]);
    assert_eq!(body["data"]["status"], "ready");
    let attempt = &body["data"]["payments"][0];
    assert_eq!(attempt["status"], "error");
    assert_eq!(attempt["error_code"], "declined");
    assert_eq!(attempt["method_details"]["card"]["last4"], "0002");

    // The same checkout takes another card.
    browser.enter_frame(FRAME).await;
    pay_with(browser, SUCCESS_CARD).await;
    wait_for(browser, &testid("success")).await;
    browser.leave_frame().await;
    let events = shop.events_until("checkout.completed").await;
    assert_eq!(names(&events)[5..], PAID[2..]);
}

#[tokio::test]
async fn the_3_d_secure_card_asks_for_the_step_refusing_fails_and_accepting_completes() {
    let test = "the_3_d_secure_card_asks_for_the_step_refusing_fails_and_accepting_completes";
    let Some(shop) = Shop::open(test).await else {
        return;
    };
    to_payment(&shop).await;
    let browser = &shop.browser;
    pay_with(browser, THREE_DS_CARD).await;
    wait_for(browser, &testid("three-ds")).await;
    browser.leave_frame().await;
    // Selected and initiated, then nothing until the step is answered.
    let events = shop.events_until("checkout.payment.initiated").await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(names(&shop.events().await), PAID[..4]);
    let checkouts = shop.admin_checkouts().await;
    assert_eq!(checkouts[0]["payment"]["status"], "action_required");
    assert_eq!(checkouts[0]["transaction"]["status"], "ready");

    // Refused: the payment fails, as a decline does.
    browser.enter_frame(FRAME).await;
    browser.click(&testid("three-ds-refuse")).await;
    wait_for(browser, &testid("card-number")).await;
    browser.leave_frame().await;
    let failed = shop.events_until("checkout.payment.failed").await;
    assert_eq!(names(&failed)[4], "checkout.payment.failed");
    let checkouts = shop.admin_checkouts().await;
    assert_eq!(checkouts[0]["payment"]["status"], "failed");
    let attempt = &checkouts[0]["transaction"]["payments"][0];
    assert_eq!(attempt["error_code"], "authentication_failed");

    // The same card again, and the step accepted: paid.
    browser.enter_frame(FRAME).await;
    pay_with(browser, THREE_DS_CARD).await;
    wait_for(browser, &testid("three-ds")).await;
    browser.click(&testid("three-ds-accept")).await;
    wait_for(browser, &testid("success")).await;
    browser.leave_frame().await;
    let completed = shop.events_until("checkout.completed").await;
    let expected = [&PAID[..4], &["checkout.payment.failed"], &PAID[2..]].concat();
    assert_eq!(names(&completed), expected);
    assert_eq!(completed[7]["data"]["id"], events[0]["data"]["id"]);
    let checkouts = shop.admin_checkouts().await;
    assert_eq!(checkouts[0]["state"], "completed");
    assert_eq!(checkouts[0]["payment"]["status"], "captured");
    assert_eq!(checkouts[0]["transaction"]["status"], "completed");
}

#[tokio::test]
async fn a_revoked_token_gets_the_error_overlay_and_checkout_error_and_writes_nothing() {
    let test = "a_revoked_token_gets_the_error_overlay_and_checkout_error_and_writes_nothing";
    let Some(shop) = Shop::open(test).await else {
        return;
    };
    let id = shop.token["id"].as_str().unwrap();
    assert_eq!(shop.app.revoke(id).await.status(), StatusCode::OK);

    let open = format!("open({{ items: [{{ priceId: '{SETUP}', quantity: 1 }}] }})");
    shop.checkout(&open).await;
    let browser = &shop.browser;
    let overlay = testid("paddock-checkout-error");
    wait_for(browser, &overlay).await;
    let text = browser.text(&overlay).await;
    assert!(text.contains("Something went wrong"), "{text}");
    assert!(text.contains("Please try again later."), "{text}");
    assert!(browser.find_all(FRAME).await.is_empty());

    let events = shop.events_until("checkout.error").await;
    assert_eq!(
        events,
        [json!({
            "name": "checkout.error",
            "type": "api_error",
            "code": "invalid_client_token",
            "detail": "Invalid, revoked or expired client-side token.",
            "documentation_url": documentation_url("invalid_client_token"),
        })]
    );
    // Nothing was written: no checkout, no transaction event.
    assert!(shop.admin_checkouts().await.is_empty());
    let emitted = shop.app.events("default").await;
    let written: Vec<&str> = (emitted.iter())
        .filter_map(|event| event["event_type"].as_str())
        .filter(|kind| {
            ["transaction.", "customer.", "address."]
                .iter()
                .any(|p| kind.starts_with(p))
        })
        .collect();
    assert_eq!(written, Vec::<&str>::new());
    assert!(
        emitted
            .iter()
            .any(|event| event["event_type"] == "client_token.revoked")
    );
}
