//! A page on another origin prices a cart through the Paddle.js stand-in,
//! against paddock's catalog, with a client-side token made through the
//! API: camelCase in and out, exact amounts; refused once the token is
//! revoked, or on a page of the other environment; unreadable from an
//! origin paddock doesn't list. Skipped with a notice when chromedriver is
//! absent, unless `PADDOCK_REQUIRE_BROWSER=1`.

use paddock::app::ServeOptions;
use paddock::http::CorsOrigins;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Browser, PADDLE_JS, Pages, TestApp, console_lines, default_options, documentation_url,
    expect_data, page, script_tag, settle,
};

const PRODUCT: &str = "pro_01jshop00000000000000seats";
/// Per seat, $30.00 a month.
const SEATS: &str = "pri_01jshop00000000000000seats";
/// Once, $19.99.
const SETUP: &str = "pri_01jshop0000000000000setup0";

/// The shop's sandbox catalog, hard-coded ids and all, in the default
/// account (the one the test keys belong to).
async fn stock_the_shop(app: &TestApp) {
    let body = json!({
        "environment": "sandbox",
        "products": [{ "id": PRODUCT, "name": "Team seats", "tax_category": "standard" }],
        "prices": [
            { "id": SEATS, "product_id": PRODUCT, "description": "Per seat, monthly",
              "unit_price": { "amount": "3000", "currency_code": "USD" },
              "billing_cycle": { "interval": "month", "frequency": 1 } },
            { "id": SETUP, "product_id": PRODUCT, "description": "Setup, once",
              "unit_price": { "amount": "1999", "currency_code": "USD" } },
        ],
    });
    let response = (app.admin(Method::POST, "/accounts/default/catalog"))
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await;
}

/// The shop's page, served from its own origin, in `environment` (as left
/// by `Paddle.Environment.set`, or production when `None`), initialized
/// with `token`.
async fn open_shop(
    browser: &Browser,
    app: &TestApp,
    pages: &Pages,
    environment: Option<&str>,
    token: &str,
) {
    let mut head = script_tag(&app.url(PADDLE_JS));
    if let Some(environment) = environment {
        head += &format!("<script>Paddle.Environment.set('{environment}');</script>");
    }
    let path = format!("/shop-{}", environment.unwrap_or("default"));
    browser.goto(&pages.html(&path, page(&head))).await;
    let initialize = format!("Paddle.Initialize({{ token: '{token}' }})");
    assert_eq!(
        settle(browser, &initialize).await,
        json!({ "resolved": null })
    );
}

const CART: &str = "Paddle.PricePreview({
    items: [{ priceId: 'pri_01jshop00000000000000seats', quantity: 2 },
            { priceId: 'pri_01jshop0000000000000setup0', quantity: 1 }],
    address: { countryCode: 'US' } })";

/// The refusal of a bad, revoked or other-environment token, as the page
/// sees it: Paddle's error, camelCased.
fn assert_refused(settled: &Value) {
    let refusal = &settled["rejected"];
    assert_eq!(
        refusal["error"],
        json!({
            "type": "request_error",
            "code": "invalid_client_token",
            "detail": "Invalid, revoked or expired client-side token.",
            "documentationUrl": documentation_url("invalid_client_token"),
        }),
        "{settled}"
    );
    assert!(refusal["meta"]["requestId"].is_string(), "{settled}");
}

#[tokio::test]
async fn a_page_on_another_origin_prices_a_cart_until_its_token_is_revoked() {
    let Some(browser) =
        Browser::start("a_page_on_another_origin_prices_a_cart_until_its_token_is_revoked").await
    else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    stock_the_shop(&app).await;
    let token = app.create("Pricing page").await;
    let pages = Pages::start().await;
    let secret = token["token"].as_str().unwrap();
    open_shop(&browser, &app, &pages, Some("sandbox"), secret).await;
    // A second Initialize changes nothing: the page keeps its first token.
    let again = "Paddle.Initialize({ token: 'test_00000000000000000000000000x' })";
    assert_eq!(settle(&browser, again).await, json!({ "resolved": null }));

    let settled = settle(&browser, CART).await;
    let preview = &settled["resolved"];
    assert_eq!(preview["data"]["currencyCode"], "USD", "{settled}");
    assert_eq!(preview["data"]["address"]["countryCode"], "US");
    let lines = &preview["data"]["details"]["lineItems"];
    assert_eq!(lines[0]["price"]["id"], SEATS);
    assert_eq!(lines[0]["price"]["productId"], PRODUCT);
    assert_eq!(
        lines[0]["price"]["unitPrice"],
        json!({ "amount": "3000", "currencyCode": "USD" })
    );
    assert_eq!(
        lines[0]["price"]["billingCycle"],
        json!({ "interval": "month", "frequency": 1 })
    );
    assert_eq!(lines[0]["quantity"], 2);
    assert_eq!(lines[0]["totals"]["subtotal"], "6000");
    assert_eq!(lines[0]["totals"]["total"], "6000");
    assert_eq!(lines[0]["formattedTotals"]["total"], "$60.00");
    assert_eq!(lines[0]["formattedUnitTotals"]["total"], "$30.00");
    assert_eq!(lines[0]["product"]["taxCategory"], "standard");
    assert_eq!(lines[1]["totals"]["total"], "1999");
    assert_eq!(lines[1]["formattedTotals"]["total"], "$19.99");
    assert!(preview["meta"]["requestId"].is_string());

    // The transaction preview of the seats: the same token, its own path.
    let transaction = "Paddle.TransactionPreview({
        items: [{ priceId: 'pri_01jshop00000000000000seats', quantity: 2 }],
        address: { countryCode: 'US' } })";
    let settled = settle(&browser, transaction).await;
    let totals = &settled["resolved"]["data"]["details"]["totals"];
    assert_eq!(totals["grandTotal"], "6000", "{settled}");
    assert_eq!(totals["currencyCode"], "USD");

    // Revoked through the API: the page's next preview is refused.
    let id = token["id"].as_str().unwrap();
    assert_eq!(app.revoke(id).await.status(), StatusCode::OK);
    assert_refused(&settle(&browser, CART).await);
}

#[tokio::test]
async fn a_token_on_a_page_of_the_other_environment_is_refused() {
    let Some(browser) =
        Browser::start("a_token_on_a_page_of_the_other_environment_is_refused").await
    else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    stock_the_shop(&app).await;
    let pages = Pages::start().await;

    // A test_ token on a page left in production.
    let sandbox = app.create("Pricing page").await;
    let secret = sandbox["token"].as_str().unwrap();
    open_shop(&browser, &app, &pages, None, secret).await;
    assert_refused(&settle(&browser, CART).await);

    // A live_ token on a sandbox page.
    let live = (app.create_with(&app.keys.live, json!({ "name": "Live page" }))).await;
    let secret = live["token"].as_str().unwrap();
    open_shop(&browser, &app, &pages, Some("sandbox"), secret).await;
    assert_refused(&settle(&browser, CART).await);

    // The same test_ token on a sandbox page prices the cart.
    let secret = sandbox["token"].as_str().unwrap();
    open_shop(&browser, &app, &pages, Some("sandbox"), secret).await;
    let settled = settle(&browser, CART).await;
    let lines = &settled["resolved"]["data"]["details"]["lineItems"];
    assert_eq!(lines[0]["formattedTotals"]["total"], "$60.00", "{settled}");
}

#[tokio::test]
async fn a_page_from_an_origin_paddock_does_not_list_cannot_read_its_answers() {
    let Some(browser) =
        Browser::start("a_page_from_an_origin_paddock_does_not_list_cannot_read_its_answers").await
    else {
        return;
    };
    let pages = Pages::start().await;
    let options = ServeOptions {
        cors_origins: CorsOrigins::parse("http://shop.test").unwrap(),
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    stock_the_shop(&app).await;
    let token = app.create("Pricing page").await;
    open_shop(
        &browser,
        &app,
        &pages,
        Some("sandbox"),
        token["token"].as_str().unwrap(),
    )
    .await;

    // The browser withholds the answer: the promise rejects with its own
    // TypeError, and the stand-in says where it tried.
    let settled = settle(&browser, CART).await;
    assert_eq!(
        settled,
        json!({ "rejected": { "message": "Failed to fetch" } })
    );
    let lines = console_lines(&browser).await.join("\n");
    let tried = format!("paddock did not answer at {}", app.url("/pricing-preview"));
    assert!(lines.contains(&tried), "{lines}");
}
