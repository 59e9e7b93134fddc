//! The test-mode checkout in a real browser: a shop's page on another
//! origin opens it through the Paddle.js stand-in with a client-side token,
//! the test drives paddock's checkout page inside its iframe by its
//! `data-testid` selectors, and the shop's `eventCallback` and a webhook
//! receiver see what Paddle's would. Skipped with a notice when chromedriver
//! is absent, unless `PADDOCK_REQUIRE_BROWSER=1`.

mod control;
mod outcomes;
mod purchase;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{Backend, Browser, PADDLE_JS, Pages, TestApp, settle};
use crate::webhooks::fast_retries;

const PRODUCT: &str = "pro_01jshop0000000000000kit000";
/// Once, $19.99.
const SETUP: &str = "pri_01jshop0000000000000setup0";
/// Once, $5.00.
const SUPPORT: &str = "pri_01jshop000000000000support";

/// What the checkout's iframe is, in the shop's page.
const FRAME: &str = "iframe[data-testid=\"paddock-checkout-frame\"]";
const OVERLAY: &str = "[data-testid=\"paddock-checkout-overlay\"]";

/// The shop's page keeps every event its `eventCallback` gets in
/// `sessionStorage`, so they outlive the move to the success page.
const EVENTS: &str = "JSON.parse(sessionStorage.getItem('paddle-events') || '[]')";

/// A browser on a shop's page, with paddock, a sandbox client-side token
/// and the shop's catalog in the default account.
struct Shop {
    browser: Browser,
    app: TestApp,
    pages: Pages,
    /// The client-side token's entity (`id`, `token`).
    token: Value,
}

impl Shop {
    /// `None` when there is no browser (the test skips).
    async fn open(test: &str) -> Option<Self> {
        let browser = Browser::start(test).await?;
        let app = TestApp::spawn_with(Backend::Sqlite, fast_retries()).await;
        stock_the_shop(&app).await;
        let token = app.create("Checkout page").await;
        let shop = Self {
            browser,
            app,
            pages: Pages::start().await,
            token,
        };
        shop.visit().await;
        Some(shop)
    }

    /// (Re)loads the shop's page: the stand-in by script tag, sandbox,
    /// initialized with the token and a callback that keeps the events.
    async fn visit(&self) {
        let head = format!(
            "<script src=\"{}\"></script><script>
             Paddle.Environment.set('sandbox');
             Paddle.Initialize({{ token: '{}', eventCallback: (event) => {{
               sessionStorage.setItem('paddle-events', JSON.stringify([...{EVENTS}, event]));
             }} }});
             </script>",
            self.app.url(PADDLE_JS),
            self.token["token"].as_str().unwrap(),
        );
        let body = "<h1>Shop</h1><div class=\"checkout-frame\"></div>";
        let html = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Shop</title>{head}</head>\
             <body>{body}</body></html>"
        );
        self.browser.goto(&self.pages.html("/shop", html)).await;
        self.browser.execute("sessionStorage.clear();").await;
    }

    /// Calls `Paddle.Checkout.<call>` in the shop's page; it returns nothing.
    async fn checkout(&self, call: &str) {
        let settled = settle(&self.browser, &format!("Paddle.Checkout.{call}")).await;
        assert_eq!(settled, json!({ "resolved": null }), "{call}");
    }

    /// The events the page's `eventCallback` got, oldest first.
    async fn events(&self) -> Vec<Value> {
        let events = self.browser.execute(&format!("return {EVENTS};")).await;
        events.as_array().unwrap().clone()
    }

    /// The events once one is named `name` (within 10 s).
    async fn events_until(&self, name: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let events = self.events().await;
            if events.iter().any(|event| event["name"] == name) {
                return events;
            }
            assert!(Instant::now() < deadline, "no {name} in {events:?}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits for the checkout's iframe, then drives the page inside it.
    async fn enter_checkout(&self) {
        wait_for(&self.browser, FRAME).await;
        self.browser.enter_frame(FRAME).await;
        wait_for(&self.browser, "[data-testid=\"test-mode\"]").await;
    }

    /// The admin API's checkouts of the default account, newest last.
    async fn admin_checkouts(&self) -> Vec<Value> {
        self.app.checkouts().list("default").await
    }
}

/// The shop's sandbox catalog: a kit with two one-time prices, in USD (no
/// tax rates: tax is zero).
async fn stock_the_shop(app: &TestApp) {
    let body = json!({
        "environment": "sandbox",
        "products": [{ "id": PRODUCT, "name": "Starter kit", "tax_category": "standard" }],
        "prices": [
            { "id": SETUP, "product_id": PRODUCT, "description": "Setup, once",
              "unit_price": { "amount": "1999", "currency_code": "USD" } },
            { "id": SUPPORT, "product_id": PRODUCT, "description": "Support pack",
              "unit_price": { "amount": "500", "currency_code": "USD" } },
        ],
    });
    app.load_catalog("default", body).await;
}

/// Waits until `css` selects a shown element of the current document.
async fn wait_for(browser: &Browser, css: &str) {
    let script = format!(
        "const element = document.querySelector({css:?});
         return !!element && element.getClientRects().length > 0
           && getComputedStyle(element).visibility !== 'hidden';"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.execute(&script).await != true {
        assert!(Instant::now() < deadline, "{css} never shown");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `[data-testid="<id>"]`
fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// In the checkout page: the customer step (email, country, postcode
/// where asked), then on to payment.
async fn fill_customer(browser: &Browser, email: &str, country: &str, postcode: &str) {
    wait_for(browser, &testid("email")).await;
    browser.type_into(&testid("email"), email).await;
    // A <select>: chosen by value, as a person's pick fires `change`.
    let select = format!(
        "const select = document.querySelector('[data-testid=\"country\"]');
         select.value = {country:?};
         select.dispatchEvent(new Event('change', {{ bubbles: true }}));
         return select.value;"
    );
    assert_eq!(browser.execute(&select).await, country);
    if !postcode.is_empty() {
        wait_for(browser, &testid("postcode")).await;
        browser.type_into(&testid("postcode"), postcode).await;
    }
    browser.click(&testid("continue")).await;
    wait_for(browser, &testid("card-number")).await;
}

/// In the checkout page: a test card, then pay.
async fn pay_with(browser: &Browser, card: &str) {
    for (field, text) in [
        ("card-number", card),
        ("card-expiry", "12/30"),
        ("card-cvv", "123"),
        ("card-name", "Ada Lovelace"),
    ] {
        let css = testid(field);
        let clear = format!("document.querySelector({css:?}).value = '';");
        browser.execute(&clear).await;
        browser.type_into(&css, text).await;
    }
    browser.click(&testid("pay")).await;
}

/// The events' names, in order.
fn names(events: &[Value]) -> Vec<&str> {
    (events.iter())
        .map(|event| event["name"].as_str().unwrap())
        .collect()
}

/// Paddle.js's event data is snake_case at every depth (the merchant's
/// `custom_data` aside).
fn assert_snake_case(value: &Value, at: &str) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let snake = (key.bytes())
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                assert!(snake, "{at}.{key} is not snake_case");
                if key != "custom_data" {
                    assert_snake_case(value, &format!("{at}.{key}"));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                assert_snake_case(item, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}
