//! A purchase paid with the success card, in an overlay (then the shop's
//! success URL) and inline (then the checkout's own success panel).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    FRAME, OVERLAY, SETUP, Shop, assert_snake_case, fill_customer, names, pay_with, testid,
    wait_for,
};
use crate::helpers::Receiver;
use crate::helpers::checkout::SUCCESS_CARD;
use crate::webhooks::{assert_signed, setting};

/// Every event of a checkout's transaction, customer and address.
pub(super) const SUBSCRIBED: [&str; 8] = [
    "transaction.created",
    "transaction.updated",
    "transaction.ready",
    "transaction.paid",
    "transaction.completed",
    "transaction.payment_failed",
    "customer.created",
    "address.created",
];

/// A purchase's webhooks by `occurred_at` (the order).
const PURCHASE: [&str; 9] = [
    "transaction.created",
    "customer.created",
    "address.created",
    "transaction.updated",
    "transaction.ready",
    "transaction.updated",
    "transaction.paid",
    "transaction.updated",
    "transaction.completed",
];

/// The events a page sees of a purchase paid at the first try.
pub(super) const PAID: [&str; 5] = [
    "checkout.loaded",
    "checkout.customer.created",
    "checkout.payment.selected",
    "checkout.payment.initiated",
    "checkout.completed",
];

/// A total in an event: a JSON number, in major units.
pub(super) fn major(value: &Value) -> f64 {
    assert!(value.is_number(), "{value} is not a number");
    value.as_f64().unwrap()
}

#[tokio::test]
async fn an_overlay_checkout_is_paid_the_page_follows_its_success_url_and_webhooks_arrive() {
    let test = "an_overlay_checkout_is_paid_the_page_follows_its_success_url_and_webhooks_arrive";
    let Some(shop) = Shop::open(test).await else {
        return;
    };
    let mut receiver = Receiver::start(&[]).await;
    let setting = setting(&shop.app, &receiver.url, &SUBSCRIBED).await;
    let secret = setting["endpoint_secret_key"].as_str().unwrap();
    let thanks = (shop.pages).html("/thanks", "<!doctype html><title>Thanks</title>Thank you");

    shop.checkout(&format!(
        "open({{ items: [{{ priceId: '{SETUP}', quantity: 2 }}], customData: {{ orderRef: 'A-1' }},
                 settings: {{ displayMode: 'overlay', successUrl: '{thanks}' }} }})"
    ))
    .await;

    // A full-viewport overlay holding paddock's page, framed.
    wait_for(&shop.browser, FRAME).await;
    let framed = shop
        .browser
        .execute(&format!(
            "const overlay = document.querySelector('{OVERLAY}');
             const frame = overlay.querySelector('iframe[name=\"paddle_frame\"]');
             return [getComputedStyle(overlay).position, frame.dataset.testid, frame.src];"
        ))
        .await;
    assert_eq!(framed[0], "fixed");
    assert_eq!(framed[1], "paddock-checkout-frame");
    let src = framed[2].as_str().unwrap();
    assert!(src.starts_with(&shop.app.url("/checkout/che_")), "{src}");
    assert!(src.contains("parent_origin="), "{src}");

    let loaded = shop.events_until("checkout.loaded").await;
    let data = &loaded[0]["data"];
    let (checkout, transaction) = (data["id"].clone(), data["transaction_id"].clone());
    assert!(src.contains(checkout.as_str().unwrap()), "{src}");
    assert!(transaction.as_str().unwrap().starts_with("txn_"));
    assert_eq!(data["status"], "draft");
    assert_eq!(data["currency_code"], "USD");
    assert_eq!(data["custom_data"], json!({ "orderRef": "A-1" }));
    assert_eq!(
        data["customer"],
        json!({ "id": null, "email": null, "address": null, "business": null })
    );
    assert_eq!(data["items"][0]["price_id"], SETUP);
    assert_eq!(data["items"][0]["quantity"], 2);
    assert_eq!(data["items"][0]["product"]["name"], "Starter kit");
    assert_eq!(major(&data["totals"]["total"]), 39.98);
    assert_eq!(data["payment"]["method_details"]["type"], "none");
    assert_eq!(data["settings"]["display_mode"], "overlay");

    // The page, driven as a person would.
    shop.enter_checkout().await;
    let browser = &shop.browser;
    assert!(
        browser
            .text(&testid("test-mode"))
            .await
            .contains("Test mode — paddock")
    );
    assert_eq!(browser.find_all(&testid("line-item")).await.len(), 1);
    assert!(browser.text(&testid("total")).await.contains("$39.98"));
    fill_customer(browser, "ada@example.com", "US", "10001").await;
    pay_with(browser, SUCCESS_CARD).await;
    browser.leave_frame().await;

    // Paddle follows successUrl after success: the top page moves.
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.url().await != thanks {
        assert!(Instant::now() < deadline, "never moved to {thanks}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let events = shop.events().await;
    assert_eq!(names(&events), PAID);
    for event in &events {
        assert_snake_case(&event["data"], &event["name"].to_string());
        assert_eq!(event["data"]["id"], checkout);
        assert_eq!(event["data"]["transaction_id"], transaction);
    }
    let customer = &events[1]["data"]["customer"];
    assert!(customer["id"].as_str().unwrap().starts_with("ctm_"));
    assert_eq!(customer["email"], "ada@example.com");
    assert!(
        customer["address"]["id"]
            .as_str()
            .unwrap()
            .starts_with("add_")
    );
    assert_eq!(customer["address"]["country_code"], "US");
    assert_eq!(customer["address"]["postal_code"], "10001");
    assert_eq!(events[1]["data"]["status"], "ready");
    let completed = &events[4]["data"];
    assert_eq!(completed["status"], "completed");
    let totals = &completed["totals"];
    for (total, expected) in [("subtotal", 39.98), ("tax", 0.0), ("total", 39.98)] {
        assert_eq!(major(&totals[total]), expected, "{total}");
    }
    assert_eq!(major(&totals["balance"]), 0.0);
    assert_eq!(major(&completed["items"][0]["totals"]["total"]), 39.98);
    let card = &completed["payment"]["method_details"];
    assert_eq!(card["type"], "card");
    assert_eq!(card["card"]["last4"], "4242");
    assert_eq!(card["card"]["type"], "visa");

    // Every webhook, signed, in Paddle's order by occurred_at.
    let mut received = Vec::new();
    for _ in PURCHASE {
        let notification = receiver.next().await;
        assert_signed(&notification, secret);
        received.push(notification.json());
    }
    receiver
        .expect_nothing_for(Duration::from_millis(500))
        .await;
    let at = |body: &Value| OffsetDateTime::parse(body["occurred_at"].as_str().unwrap(), &Rfc3339);
    received.sort_by_key(|body| at(body).unwrap());
    let types: Vec<&str> = (received.iter())
        .map(|body| body["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, PURCHASE);
    for pair in received.windows(2) {
        assert!(at(&pair[0]).unwrap() < at(&pair[1]).unwrap(), "{pair:?}");
    }
    let statuses: Vec<&str> = (received.iter())
        .filter(|body| {
            body["event_type"]
                .as_str()
                .unwrap()
                .starts_with("transaction.")
        })
        .map(|body| {
            assert_eq!(body["data"]["id"], transaction);
            body["data"]["status"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "draft",
            "ready",
            "ready",
            "paid",
            "paid",
            "completed",
            "completed"
        ]
    );
    assert_eq!(received[1]["data"]["id"], customer["id"]);
    assert_eq!(received[1]["data"]["email"], "ada@example.com");
    assert_eq!(received[2]["data"]["postal_code"], "10001");
    let done = &received[8]["data"];
    assert_eq!(done["custom_data"], json!({ "orderRef": "A-1" }));
    assert_eq!(done["details"]["totals"]["total"], "3998");
    assert_eq!(done["payments"][0]["status"], "captured");
    assert_eq!(
        done["payments"][0]["method_details"]["card"]["last4"],
        "4242"
    );
    let url = done["checkout"]["url"].as_str().unwrap();
    assert!(url.starts_with(&shop.pages.origin), "{url}");
    assert!(url.ends_with(&format!("_ptxn={}", transaction.as_str().unwrap())));

    let checkouts = shop.admin_checkouts().await;
    assert_eq!(checkouts.len(), 1);
    assert_eq!(checkouts[0]["id"], checkout);
    assert_eq!(checkouts[0]["state"], "completed");
}

#[tokio::test]
async fn an_inline_checkout_fills_its_frame_target_and_shows_its_own_success() {
    let test = "an_inline_checkout_fills_its_frame_target_and_shows_its_own_success";
    let Some(shop) = Shop::open(test).await else {
        return;
    };
    shop.checkout(&format!(
        "open({{ items: [{{ priceId: '{SETUP}', quantity: 1 }}],
                 settings: {{ displayMode: 'inline', frameTarget: 'checkout-frame', frameInitialHeight: 450,
                             frameStyle: 'width: 100%; min-width: 312px; background-color: transparent; border: none;' }} }})"
    ))
    .await;
    wait_for(&shop.browser, FRAME).await;
    let framed = shop
        .browser
        .execute(&format!(
            "const frame = document.querySelector('{FRAME}');
             return [!!document.querySelector('{OVERLAY}'), frame.parentElement.className, frame.name,
                     Math.round(frame.getBoundingClientRect().height), frame.style.minWidth];"
        ))
        .await;
    assert_eq!(
        framed,
        json!([false, "checkout-frame", "paddle_frame", 450, "312px"])
    );
    let loaded = shop.events_until("checkout.loaded").await;
    assert_eq!(loaded[0]["data"]["settings"]["display_mode"], "inline");

    shop.enter_checkout().await;
    let browser = &shop.browser;
    // Inline, the page has no close button: the shop's page owns the frame.
    let close = format!(
        "const close = document.querySelector('{}');
         return !close || close.getClientRects().length === 0;",
        testid("close")
    );
    assert_eq!(browser.execute(&close).await, true);
    // No postcode asked for Ireland.
    fill_customer(browser, "grace@example.com", "IE", "").await;
    pay_with(browser, "4242424242424242").await;
    wait_for(browser, &testid("success")).await;
    browser.leave_frame().await;

    let events = shop.events_until("checkout.completed").await;
    assert_eq!(names(&events), PAID);
    let address = &events[4]["data"]["customer"]["address"];
    assert_eq!(address["country_code"], "IE");
    assert_eq!(major(&events[4]["data"]["totals"]["total"]), 19.99);
    // No successUrl: the shop's page stays.
    assert!(browser.url().await.ends_with("/shop"));
}
