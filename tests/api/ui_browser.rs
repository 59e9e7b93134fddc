//! The dashboard in a real browser (headless Chromium over WebDriver): what
//! a person does, end to end, with screenshots of the main pages at 1440
//! and 375 px wide in `target/screenshots/`. Skipped with a notice when
//! chromedriver is absent, unless `PADDOCK_REQUIRE_BROWSER=1`.

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::checkout::SUCCESS_CARD;
use crate::helpers::previews::ONCE;
use crate::helpers::{
    ADMIN_TOKEN, Browser, Receiver, TestApp, UI, default_options, expect_data, sample_catalog,
};

/// A dispatcher that looks often, so deliveries show up quickly.
async fn app() -> TestApp {
    let options = ServeOptions {
        dispatch_poll: Duration::from_millis(20),
        ..default_options()
    };
    TestApp::spawn_with(crate::helpers::Backend::Sqlite, options).await
}

async fn sign_in(browser: &Browser, app: &TestApp, token: &str) {
    browser.goto(&app.url(&format!("{UI}/"))).await;
    assert!(browser.url().await.ends_with("/sign-in"), "sent to sign in");
    browser.type_into("#token", token).await;
    browser.click_to_load("form.card button[type=submit]").await;
}

/// Waits until `check` holds of the page, reloading it.
async fn eventually(browser: &Browser, url: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        browser.goto(url).await;
        let source = browser.source().await;
        if check(&source) {
            return source;
        }
        assert!(Instant::now() < deadline, "page never matched: {source}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_person_manages_tokens_keys_and_notifications() {
    let Some(browser) = Browser::start("a_person_manages_tokens_keys_and_notifications").await
    else {
        return;
    };
    let app = app().await;
    let mut receiver = Receiver::start(&[]).await;
    // Another destination, which a replay on the first's page must not reach.
    let mut other = Receiver::start(&[]).await;

    browser.goto(&app.url(&format!("{UI}/sign-in"))).await;
    browser.screenshots("sign-in").await;
    sign_in(&browser, &app, ADMIN_TOKEN).await;
    assert!(browser.url().await.ends_with(&format!("{UI}/accounts")));

    // A new account, through its form.
    browser.type_into("#account-name", "acme").await;
    browser.click_to_load("form.card button[type=submit]").await;
    let tokens = app.url(&format!("{UI}/accounts/acme/sandbox/client-tokens"));
    assert_eq!(browser.url().await, tokens);
    browser.goto(&app.url(&format!("{UI}/accounts"))).await;
    browser.screenshots("accounts").await;

    // A notification setting to a local receiver; its secret shown once.
    browser.goto(&tokens).await;
    browser
        .click_to_load("nav.sections a[href$='/notifications']")
        .await;
    browser.type_into("#destination", &receiver.url).await;
    browser.click_to_load("form.card button[type=submit]").await;
    let secret = browser.text("#new-secret").await;
    assert!(secret.starts_with("pdl_ntfset_"), "{secret}");
    browser.screenshots("shown-once").await;
    app.make_setting("acme", &other.url, &["client_token.revoked"])
        .await;
    // A refresh neither shows it again nor creates a second setting.
    browser.goto(&browser.url().await).await;
    assert!(!browser.source().await.contains(&secret));
    assert_eq!(browser.find_all("#already-shown").await.len(), 1);
    browser.screenshots("already-shown").await;
    let settings = app
        .admin(reqwest::Method::GET, "/accounts/acme/notification-settings")
        .send()
        .await
        .unwrap();
    let settings = expect_data(settings, StatusCode::OK).await;
    assert_eq!(settings.as_array().unwrap().len(), 2, "ours and the other");

    // Client-side tokens: create two, see them listed, newest first.
    for (name, description) in [("Checkout web", "The storefront"), ("Mobile app", "")] {
        browser.goto(&tokens).await;
        browser.type_into("#token-name", name).await;
        if !description.is_empty() {
            browser.type_into("#token-description", description).await;
        }
        browser.click_to_load("form.card button[type=submit]").await;
        assert_eq!(browser.text("#shown-name").await, name);
    }
    browser.goto(&tokens).await;
    let rows = browser.find_all("#client-tokens tbody tr").await;
    assert_eq!(rows.len(), 2);
    assert!(browser.element_text(&rows[0]).await.contains("Mobile app"));
    assert!(
        browser
            .element_text(&rows[1])
            .await
            .contains("Checkout web")
    );
    browser.screenshots("client-tokens").await;

    // Revoke one, with the confirmation ticked.
    browser.click_to_load("#client-tokens a").await;
    browser.screenshots("client-token").await;
    browser.click("#confirm-revoke").await;
    browser
        .click_to_load("form.danger button[type=submit]")
        .await;
    assert_eq!(browser.text("#token-status").await, "revoked");
    loop {
        let received = receiver.next().await.json();
        if received["event_type"] == "client_token.revoked" {
            assert_eq!(received["data"]["name"], "Mobile app");
            break;
        }
    }

    // The setting's page lists the delivery; the secret shows on request;
    // a replay sends it again.
    browser
        .click_to_load("nav.sections a[href$='/notifications']")
        .await;
    browser.screenshots("notifications").await;
    browser.click_to_load("#notification-settings a").await;
    let setting_page = browser.url().await;
    let source = eventually(&browser, &setting_page, |page| {
        page.contains("client_token.revoked") && !page.contains(">pending<")
    })
    .await;
    assert!(source.contains(">delivered<"), "{source}");
    browser.screenshots("notification-setting").await;
    browser
        .click_to_load("form[action$='/secret'] button")
        .await;
    assert_eq!(browser.text("#new-secret").await, secret);
    browser.goto(&setting_page).await;
    browser
        .click_to_load("#deliveries form[action$='/replay'] button")
        .await;
    let replayed = receiver.next().await.json();
    assert!(
        replayed["event_type"]
            .as_str()
            .unwrap()
            .starts_with("client_token.")
    );
    // The other destination got the revocation once, and no replay.
    assert_eq!(
        other.next().await.json()["event_type"],
        "client_token.revoked"
    );
    other.expect_nothing_for(Duration::from_millis(500)).await;

    // An API key, shown once, that works against the API.
    browser
        .click_to_load("nav.sections a[href$='/api-keys']")
        .await;
    browser.type_into("#key-name", "Storefront backend").await;
    browser.click("#perm-client_token-write").await;
    browser.click("#key-expiry option[value='90']").await;
    browser.click_to_load("form.card button[type=submit]").await;
    let key = browser.text("#new-api-key").await;
    assert!(key.starts_with("pdl_sdbx_apikey_"), "{key}");
    let listed = app.get("/client-tokens?status=active,revoked", &key).await;
    let listed = expect_data(listed, StatusCode::OK).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    browser.goto(&browser.url().await).await;
    assert!(
        !browser.source().await.contains(&key),
        "the key is shown once"
    );
    browser
        .click_to_load("nav.sections ul a[href$='/api-keys']")
        .await;
    let rows = browser.find_all("#api-keys tbody tr").await;
    assert_eq!(rows.len(), 1, "a refresh made no second key");
    browser.screenshots("api-keys").await;

    // Revoke asks first: without the box ticked, nothing changes.
    browser.click_to_load("#api-keys a.action").await;
    browser.screenshots("api-key").await;
    browser.click("form.danger button[type=submit]").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(browser.text("#key-status").await, "active");
    assert_eq!(
        app.get("/client-tokens", &key).await.status(),
        StatusCode::OK
    );

    // The catalog loaded through the admin API, listed read-only.
    let (product, price) = (
        "pro_01kzvyz95263x6amf3w4cgbqh4",
        "pri_01kzvyz9e21z9vbhd7xqq3csyh",
    );
    app.load_catalog("acme", sample_catalog(product, price))
        .await;
    browser
        .click_to_load("nav.sections a[href$='/catalog']")
        .await;
    let listed = browser.text(&format!("#{price}")).await;
    assert!(
        listed.contains("5.00 USD") && listed.contains("GB: 4.00 GBP"),
        "{listed}"
    );
    browser.screenshots("catalog").await;

    // That request is in the account's request log.
    browser
        .click_to_load("nav.sections a[href$='/requests']")
        .await;
    assert!(
        browser
            .text("#requests")
            .await
            .contains("GET /client-tokens")
    );
    browser.screenshots("request-log").await;

    // The live environment is empty: the switch keeps the section.
    browser.click_to_load(".env-switch a").await;
    assert!(browser.url().await.ends_with("/acme/live/requests"));

    // A paid checkout, listed and on its own page.
    let shop = app.open_shop("shop", "sandbox").await;
    let paid = app.checkouts().buy(&shop, ONCE, SUCCESS_CARD).await;
    let checkouts = format!("{UI}/accounts/shop/sandbox/checkouts");
    browser.goto(&app.url(&checkouts)).await;
    let id = paid["id"].as_str().expect("a checkout id");
    assert!(browser.text("#checkouts").await.contains(id));
    browser.screenshots("checkouts").await;
    browser.click_to_load("#checkouts a").await;
    assert!(browser.url().await.ends_with(id));
    browser.screenshots("checkout").await;
}

#[tokio::test]
async fn hostile_input_stays_text_and_forged_or_wrong_requests_are_refused() {
    let Some(browser) =
        Browser::start("hostile_input_stays_text_and_forged_or_wrong_requests_are_refused").await
    else {
        return;
    };
    let app = app().await;
    let key = app
        .account_key("acme", "sandbox", &["client_token.write"])
        .await;

    // A wrong token: the form again, with the error.
    sign_in(&browser, &app, "not-the-admin-token").await;
    assert!(browser.url().await.ends_with("/sign-in"));
    assert!(
        browser
            .text("#sign-in-error")
            .await
            .contains("not this server's admin token")
    );
    browser.screenshots("sign-in-error").await;
    sign_in(&browser, &app, ADMIN_TOKEN).await;

    // A mistyped address: the dashboard's own page, not the API's JSON.
    browser.goto(&app.url(&format!("{UI}/nowhere"))).await;
    assert_eq!(browser.title().await, "Not Found · paddock");
    browser.screenshots("not-found").await;

    // A token named with markup shows as that text; nothing runs.
    let tokens = app.url(&format!("{UI}/accounts/acme/sandbox/client-tokens"));
    browser.goto(&tokens).await;
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    browser.type_into("#token-name", hostile).await;
    browser.click_to_load("form.card button[type=submit]").await;
    assert_eq!(browser.text("#shown-name").await, hostile);
    browser.goto(&tokens).await;
    assert_eq!(browser.text("#client-tokens tbody a").await, hostile);
    assert!(!browser.alert_open().await, "no script ran");
    assert_eq!(browser.find_all("main script, main img").await.len(), 0);

    // A form without its CSRF token is refused, and nothing changes.
    browser
        .execute(
            "const form = document.querySelector('form.card');
             form.querySelector('input[name=csrf]').remove();
             form.querySelector('#token-name').value = 'forged';
             form.submit();",
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !browser
        .source()
        .await
        .contains("didn't come from this dashboard")
    {
        assert!(Instant::now() < deadline, "no refusal page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(browser.title().await, "Forbidden · paddock");
    let listed = app.get("/client-tokens", &key).await;
    let listed = expect_data(listed, StatusCode::OK).await;
    assert_eq!(
        listed,
        json!([listed[0].clone()]),
        "only the hostile-named token"
    );
    assert_eq!(listed[0]["name"], hostile);
}
