//! The Paddle.js stand-in (`GET /paddle/v2/paddle.js`) in a real browser: a
//! page on another origin loads it by script tag and keeps Paddle's rules.
//! Skipped with a notice when chromedriver is absent, unless
//! `PADDOCK_REQUIRE_BROWSER=1`.

use paddock::app::ServeOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Browser, PADDLE_JS, Pages, TestApp, console_lines, default_options, page, script_tag,
    settle,
};

/// Stands in for the network: records each request in `window.__requests`
/// and answers with the next `[status, body]` of `window.__answers`.
const FAKE_FETCH: &str = "<script>
window.__requests = [];
window.__answers = [];
window.fetch = async (url, init) => {
  window.__requests.push({ url: String(url), method: init.method, headers: init.headers, body: JSON.parse(init.body) });
  const [status, body] = window.__answers.shift();
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
};
</script>";

async fn last_log(browser: &Browser) -> String {
    console_lines(browser).await.pop().unwrap_or_default()
}

#[tokio::test]
async fn the_shim_is_served_as_javascript_naming_the_server() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.client.get(app.url(PADDLE_JS)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header("cache-control"), "no-cache");
    let body = response.text().await.unwrap();
    let first = body.lines().next().unwrap();
    assert!(first.contains("paddock's test stand-in for Paddle.js v2. This is NOT Paddle's code"));
    let served = format!("const SERVED_FROM = \"http://{}\";", app.address);
    assert!(body.contains(&served), "{served}");

    // Behind a proxy: the configured public URL instead.
    let options = ServeOptions {
        public_url: Some("https://paddock.example/ci/".to_owned()),
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let body = app.client.get(app.url(PADDLE_JS)).send().await.unwrap();
    let body = body.text().await.unwrap();
    assert!(body.contains("const SERVED_FROM = \"https://paddock.example/ci\";"));
}

#[tokio::test]
async fn initialize_and_update_keep_paddles_rules() {
    let Some(browser) = Browser::start("initialize_and_update_keep_paddles_rules").await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let pages = Pages::start().await;
    let url = pages.html("/shop", page(&script_tag(&app.url(PADDLE_JS))));
    browser.goto(&url).await;

    // Both globals, the same object, before any call; a console notice.
    let globals = browser
        .execute(
            "return [window.Paddle === window.PaddleBillingV1, Paddle.Initialized, Paddle.Version,
                     Paddle.Status.libraryVersion];",
        )
        .await;
    let version = format!("paddock-{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(globals, json!([true, false, "v1", version]));
    let notice = console_lines(&browser).await.join("\n");
    assert!(notice.contains("paddock's test stand-in for Paddle.js, not Paddle's code"));

    // No token or seller: Paddle's own message, thrown; still not initialized.
    let setup =
        "[PADDLE] You must specify your Paddle Seller ID or token within the Paddle.Setup() method";
    for options in [
        "undefined",
        "{}",
        "{ token: '' }",
        "{ eventCallback: () => {} }",
    ] {
        let answer = settle(&browser, &format!("Paddle.Initialize({options})")).await;
        assert_eq!(answer, json!({ "thrown": setup }), "{options}");
    }
    assert_eq!(browser.execute("return Paddle.Initialized;").await, false);

    // Update before Initialize: ignored, with a warning.
    let answer = settle(&browser, "Paddle.Update({ pwCustomer: { id: 'ctm_1' } })").await;
    assert_eq!(answer, json!({ "resolved": null }));
    assert!(
        last_log(&browser)
            .await
            .contains("call Paddle.Initialize first")
    );

    // Initialize: no network call (only the script itself was fetched).
    browser
        .execute(
            "window.__events = [];
             Paddle.Initialize({ token: 'test_00000000000000000000000000a', eventCallback: (e) => window.__events.push(['first', e]) });",
        )
        .await;
    assert_eq!(browser.execute("return Paddle.Initialized;").await, true);
    let fetched = browser
        .execute("return performance.getEntriesByType('resource').map((entry) => entry.name);")
        .await;
    let paddock = format!("http://{}/", app.address);
    let fetched: Vec<String> = serde_json::from_value(fetched).unwrap();
    let fetched: Vec<&String> = (fetched.iter())
        .filter(|url| url.starts_with(&paddock))
        .collect();
    assert_eq!(fetched, [&app.url(PADDLE_JS)]);

    // A second Initialize does nothing, silently for the page, as Paddle.js
    // does: no throw, paddock's warning in the console.
    let answer = settle(&browser, "Paddle.Initialize({ seller: 12345 })").await;
    assert_eq!(answer, json!({ "resolved": null }));
    assert!(last_log(&browser).await.contains("already called"));

    // Update takes pwCustomer and eventCallback, nothing else.
    browser
        .execute(
            "Paddle.Update({ token: 'live_00000000000000000000000000b', debug: true, pwCustomer: { id: 'ctm_2' },
                             eventCallback: (e) => window.__events.push(['second', e]) });",
        )
        .await;
    assert!(
        last_log(&browser)
            .await
            .contains("takes only pwCustomer and eventCallback; ignored: token, debug")
    );

    // Checkout.open with a token paddock doesn't know: Paddle's error
    // overlay, and checkout.error to the callback Update gave, top level
    // fields; no frame.
    browser
        .execute("Paddle.Checkout.open({ items: [{ priceId: 'pri_01', quantity: 1 }] });")
        .await;
    let events = wait_for_events(&browser).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (callback, event) = (&events[0][0], &events[0][1]);
    assert_eq!(callback, "second");
    assert_eq!(
        event,
        &json!({
            "name": "checkout.error", "type": "api_error", "code": "invalid_client_token",
            "detail": "Invalid, revoked or expired client-side token.",
            "documentation_url": "https://developer.paddle.com/v1/errors/shared/invalid_client_token"
        })
    );
    let overlay = browser
        .execute("return document.querySelector('[data-testid=\"paddock-checkout-error\"]').textContent;")
        .await;
    assert!(
        overlay.as_str().unwrap().contains("Something went wrong"),
        "{overlay}"
    );
    assert_eq!(
        browser
            .execute("return document.querySelectorAll('iframe').length;")
            .await,
        0
    );
    browser
        .execute(
            "document.querySelector('[data-testid=\"paddock-checkout-error-close\"]').click();",
        )
        .await;

    // Retain isn't there: its flow answers as one that showed nothing.
    let retain = settle(
        &browser,
        "Paddle.Retain.initCancellationFlow({ subscriptionId: 'sub_01' })",
    )
    .await;
    assert_eq!(retain["resolved"]["status"], "error");

    // The spinner: an overlay, shown once however often asked, then gone.
    let spinners = "return document.querySelectorAll('[data-paddock=spinner]').length;";
    browser
        .execute("Paddle.Spinner.show(); Paddle.Spinner.show();")
        .await;
    assert_eq!(browser.execute(spinners).await, 1);
    browser.execute("Paddle.Spinner.hide();").await;
    assert_eq!(browser.execute(spinners).await, 0);

    // On a fresh page, the deprecated Setup initializes as Initialize does.
    browser.goto(&url).await;
    browser.execute("Paddle.Setup({ seller: 12345 });").await;
    assert_eq!(browser.execute("return Paddle.Initialized;").await, true);
    assert!(
        last_log(&browser)
            .await
            .contains("Paddle.Setup is deprecated")
    );
}

/// The events the page's callbacks received, once there is one.
async fn wait_for_events(browser: &Browser) -> Vec<Value> {
    for _ in 0..100 {
        let events = browser.execute("return window.__events;").await;
        if events.as_array().is_some_and(|events| !events.is_empty()) {
            return events.as_array().unwrap().clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no event reached the page's callback");
}

#[tokio::test]
async fn previews_go_out_snake_case_with_the_token_and_the_pages_environment() {
    let Some(browser) =
        Browser::start("previews_go_out_snake_case_with_the_token_and_the_pages_environment").await
    else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let pages = Pages::start().await;
    let shim = script_tag(&app.url(PADDLE_JS));
    let production = pages.html("/production", page(&format!("{FAKE_FETCH}{shim}")));
    let sandbox = pages.html(
        "/sandbox",
        page(&format!(
            "{FAKE_FETCH}{shim}<script>Paddle.Environment.set('sandbox');</script>"
        )),
    );
    let token = "test_0123456789abcdef0123456789a";
    let answer = json!({
        "data": {
            "currency_code": "USD",
            "address": { "country_code": "US", "postal_code": "" },
            "details": { "line_items": [{
                "price": { "id": "pri_01", "tax_mode": "account_setting", "unit_price": { "amount": "1000", "currency_code": "USD" },
                           "custom_data": { "plan_tier": "pro", "nested_key": { "deep_key": 1 } } },
                "quantity": 2,
                "formatted_totals": { "subtotal": "$20.00", "grand_total": "$20.00" },
            }]},
            "available_payment_methods": ["apple_pay", "south_korea_local_card"],
        },
        "meta": { "request_id": "5b2a1b9e-0000-4000-8000-000000000000" },
    });

    for (url, environment) in [(production, "production"), (sandbox, "sandbox")] {
        browser.goto(&url).await;
        browser
            .execute(&format!(
                "window.__answers.push([200, {answer}]); Paddle.Initialize({{ token: '{token}' }});"
            ))
            .await;
        // Environment.set after Initialize changes nothing.
        browser.execute("Paddle.Environment.set('sandbox');").await;
        let request = "Paddle.PricePreview({
            items: [{ priceId: 'pri_01', quantity: 2 }], currencyCode: 'USD', customerIpAddress: '203.0.113.7',
            address: { countryCode: 'US', postalCode: '10001' },
            customData: { keepMe: { asIs: true } } })";
        let settled = settle(&browser, request).await;
        let sent = browser.execute("return window.__requests;").await;
        assert_eq!(
            sent,
            json!([{
                "url": app.url("/pricing-preview"),
                "method": "POST",
                "headers": { "Content-Type": "application/json", "Paddock-Environment": environment,
                             "Paddle-Clienttoken": token },
                "body": {
                    "items": [{ "price_id": "pri_01", "quantity": 2 }], "currency_code": "USD",
                    "customer_ip_address": "203.0.113.7",
                    "address": { "country_code": "US", "postal_code": "10001" },
                    "custom_data": { "keepMe": { "asIs": true } },
                },
            }]),
            "{environment}"
        );
        // Keys camelCase at every depth, meta too; values and the keys
        // inside custom data as they came.
        let expected = json!({
            "data": {
                "currencyCode": "USD",
                "address": { "countryCode": "US", "postalCode": "" },
                "details": { "lineItems": [{
                    "price": { "id": "pri_01", "taxMode": "account_setting", "unitPrice": { "amount": "1000", "currencyCode": "USD" },
                               "customData": { "plan_tier": "pro", "nested_key": { "deep_key": 1 } } },
                    "quantity": 2,
                    "formattedTotals": { "subtotal": "$20.00", "grandTotal": "$20.00" },
                }]},
                "availablePaymentMethods": ["apple_pay", "south_korea_local_card"],
            },
            "meta": { "requestId": "5b2a1b9e-0000-4000-8000-000000000000" },
        });
        assert_eq!(settled, json!({ "resolved": expected }));
    }

    // TransactionPreview: its own path; a refusal rejects with the error
    // answer, camelCased.
    let refusal = json!({
        "error": { "type": "request_error", "code": "invalid_client_token",
                   "detail": "Invalid, revoked or expired client-side token.",
                   "documentation_url": "https://developer.paddle.com/errors/shared/invalid_client_token" },
        "meta": { "request_id": "00000000-0000-4000-8000-000000000001" },
    });
    browser
        .execute(&format!("window.__answers.push([403, {refusal}]);"))
        .await;
    let settled = settle(
        &browser,
        "Paddle.TransactionPreview({ items: [{ priceId: 'pri_01', quantity: 1, includeInTotals: true }], ignoreTrials: false })",
    )
    .await;
    let sent = browser.execute("return window.__requests[1];").await;
    assert_eq!(sent["url"], app.url("/transactions/preview"));
    assert_eq!(
        sent["body"],
        json!({ "items": [{ "price_id": "pri_01", "quantity": 1, "include_in_totals": true }], "ignore_trials": false })
    );
    let rejected = json!({ "rejected": {
        "error": { "type": "request_error", "code": "invalid_client_token",
                   "detail": "Invalid, revoked or expired client-side token.",
                   "documentationUrl": "https://developer.paddle.com/errors/shared/invalid_client_token" },
        "meta": { "requestId": "00000000-0000-4000-8000-000000000001" },
    }});
    assert_eq!(settled, rejected);
}

#[tokio::test]
async fn the_shim_finds_paddock_by_the_override_then_its_src_then_the_served_url() {
    let Some(browser) =
        Browser::start("the_shim_finds_paddock_by_the_override_then_its_src_then_the_served_url")
            .await
    else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let pages = Pages::start().await;
    let served = app.client.get(app.url(PADDLE_JS)).send().await.unwrap();
    let served = served.text().await.unwrap();
    let paddock = format!("http://{}", app.address);
    // A copy of the shim on the page's own origin, as a test might serve it.
    let copy = pages.script("/vendor/paddle.js", served.clone());
    let found = |from: &str, url: &str| format!("It talks to {url} (from {from}).");
    let cases = [
        (
            format!(
                "<script>window.PADDOCK_URL = '{paddock}/';</script>{}",
                script_tag(&copy)
            ),
            found("window.PADDOCK_URL", &paddock),
        ),
        (
            script_tag(&app.url(PADDLE_JS)),
            found("the script's address", &paddock),
        ),
        (
            script_tag(&copy),
            found("the script's address", &pages.origin),
        ),
        (
            format!("<script>{served}</script>"),
            found("the URL paddock served it with", &paddock),
        ),
    ];
    for (index, (head, expected)) in cases.into_iter().enumerate() {
        let url = pages.html(&format!("/case-{index}"), page(&head));
        browser.goto(&url).await;
        let notice = console_lines(&browser).await.join("\n");
        assert!(notice.contains(&expected), "case {index}: {notice}");
    }
}
