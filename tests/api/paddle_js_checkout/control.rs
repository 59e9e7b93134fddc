//! What a test does to a checkout from outside the page: completes it
//! through the admin API, and changes or closes it through Paddle.js.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use super::purchase::{PAID, major};
use super::{FRAME, OVERLAY, SETUP, SUPPORT, Shop, fill_customer, names, testid, wait_for};
use crate::helpers::{expect_data, expect_json};

#[tokio::test]
async fn completing_through_the_admin_api_reaches_the_open_page_within_a_second() {
    let test = "completing_through_the_admin_api_reaches_the_open_page_within_a_second";
    let Some(shop) = Shop::open(test).await else {
        return;
    };
    let open = format!("open({{ items: [{{ priceId: '{SETUP}', quantity: 1 }}] }})");
    shop.checkout(&open).await;
    shop.enter_checkout().await;
    let browser = &shop.browser;
    fill_customer(browser, "ada@example.com", "US", "10001").await;
    browser.leave_frame().await;
    let events = shop.events_until("checkout.customer.created").await;
    let id = events[0]["data"]["id"].as_str().unwrap();

    let checkouts = shop.app.checkouts();
    let response = checkouts
        .complete_with(id, json!({ "outcome": "paid" }))
        .await;
    let answered = Instant::now();
    let checkout = expect_data(response, StatusCode::OK).await;
    assert_eq!(checkout["state"], "completed");
    assert_eq!(checkout["transaction"]["status"], "completed");

    // The page polls: checkout.completed arrives within a second.
    loop {
        let events = shop.events().await;
        if events
            .iter()
            .any(|event| event["name"] == "checkout.completed")
        {
            assert_eq!(names(&events), PAID);
            assert_eq!(events[4]["data"]["status"], "completed");
            break;
        }
        let waited = answered.elapsed();
        assert!(
            waited < Duration::from_secs(1),
            "not within a second: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    browser.enter_frame(FRAME).await;
    wait_for(browser, &testid("success")).await;
    browser.leave_frame().await;

    // Completed exactly once: a second completion is refused.
    let response = checkouts
        .complete_with(id, json!({ "outcome": "paid" }))
        .await;
    let refused = expect_json(response, StatusCode::CONFLICT).await;
    assert_eq!(refused["error"]["code"], "checkout_not_open");
}

#[tokio::test]
async fn update_items_and_update_checkout_change_the_open_checkout_and_close_ends_it() {
    let test = "update_items_and_update_checkout_change_the_open_checkout_and_close_ends_it";
    let Some(shop) = Shop::open(test).await else {
        return;
    };
    let open = format!("open({{ items: [{{ priceId: '{SETUP}', quantity: 1 }}] }})");
    shop.checkout(&open).await;
    let loaded = shop.events_until("checkout.loaded").await;
    let id = loaded[0]["data"]["id"].clone();
    assert_eq!(major(&loaded[0]["data"]["totals"]["total"]), 19.99);

    shop.checkout(&format!(
        "updateItems([{{ priceId: '{SETUP}', quantity: 1 }}, {{ priceId: '{SUPPORT}', quantity: 2 }}])"
    ))
    .await;
    let events = shop.events_until("checkout.items.updated").await;
    let updated = &events[1]["data"];
    assert_eq!(updated["id"], id);
    assert_eq!(updated["items"][1]["price_id"], SUPPORT);
    assert_eq!(updated["items"][1]["quantity"], 2);
    assert_eq!(major(&updated["items"][1]["totals"]["total"]), 10.0);
    assert_eq!(major(&updated["totals"]["total"]), 29.99);

    // The page shows the new cart.
    shop.enter_checkout().await;
    let browser = &shop.browser;
    let deadline = Instant::now() + Duration::from_secs(5);
    while browser.find_all(&testid("line-item")).await.len() != 2 {
        assert!(Instant::now() < deadline, "the page never showed two lines");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(browser.text(&testid("total")).await.contains("$29.99"));
    browser.leave_frame().await;

    shop.checkout("updateCheckout({ customData: { plan: 'team' } })")
        .await;
    let events = shop.events_until("checkout.updated").await;
    assert_eq!(events[2]["data"]["custom_data"], json!({ "plan": "team" }));

    shop.checkout("close()").await;
    let events = shop.events_until("checkout.closed").await;
    assert_eq!(
        names(&events),
        [
            "checkout.loaded",
            "checkout.items.updated",
            "checkout.updated",
            "checkout.closed"
        ]
    );
    assert_eq!(events[3]["data"]["id"], id);
    assert!(browser.find_all(FRAME).await.is_empty());
    assert!(browser.find_all(OVERLAY).await.is_empty());
    let deadline = Instant::now() + Duration::from_secs(5);
    while shop.admin_checkouts().await[0]["state"] != "closed" {
        assert!(Instant::now() < deadline, "never closed in paddock");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The overlay's own close button closes it too.
    shop.checkout(&open).await;
    shop.enter_checkout().await;
    browser.click(&testid("close")).await;
    browser.leave_frame().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let closed = |events: Vec<serde_json::Value>| {
        (events.iter())
            .filter(|event| event["name"] == "checkout.closed")
            .count()
    };
    while closed(shop.events().await) != 2 {
        assert!(Instant::now() < deadline, "the close button closed nothing");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(browser.find_all(FRAME).await.is_empty());
}
