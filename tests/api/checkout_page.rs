//! The checkout's page and its place on the web: served from memory,
//! framable by any page, marked as paddock's; and CORS on the checkout
//! routes the shim calls from the shop's page.

use paddock::app::ServeOptions;
use paddock::http::CorsOrigins;
use reqwest::{Method, StatusCode};

use crate::helpers::checkout::*;
use crate::helpers::previews::*;
use crate::helpers::*;

const PAGE: &str = SHOP_ORIGIN;

#[tokio::test]
async fn the_page_is_served_framable_and_marked() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let view = app.checkouts().open(&shop, items(&[(ONCE, 1)])).await;
    let id = view["id"].as_str().unwrap();
    let response = (app.client.get(app.url(&format!(
        "/checkout/{id}?parent_origin=http%3A%2F%2Fshop.test"
    ))))
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers.get("x-frame-options").is_none());
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("frame-ancestors *"), "{policy}");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"<span data-testid="test-mode">Test mode — paddock</span>"#));
    for testid in [
        "line-items",
        "total",
        "email",
        "country",
        "postcode",
        "continue",
        "card-number",
        "card-expiry",
        "card-cvv",
        "card-name",
        "pay",
        "payment-error",
        "three-ds",
        "three-ds-accept",
        "three-ds-refuse",
        "success",
        "close",
    ] {
        assert!(
            html.contains(&format!("data-testid=\"{testid}\"")),
            "{testid}"
        );
    }
    // Nothing of the checkout is written into the page: its script asks.
    assert!(!html.contains(id));
    for (path, content_type) in [
        (
            "/checkout/assets/checkout.js",
            "text/javascript; charset=utf-8",
        ),
        ("/checkout/assets/checkout.css", "text/css; charset=utf-8"),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], content_type);
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    }
}

#[tokio::test]
async fn the_checkout_routes_answer_cors_to_the_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let checkouts = app.checkouts();
    let view = checkouts.open(&shop, items(&[(ONCE, 1)])).await;
    let id = view["id"].as_str().unwrap();
    for (path, method) in [
        ("/transaction-checkout".to_owned(), "POST"),
        (format!("/transaction-checkout/{id}/items"), "PUT"),
        (format!("/transaction-checkout/{id}"), "PATCH"),
    ] {
        let response = (app.client.request(Method::OPTIONS, app.url(&path)))
            .header("Origin", PAGE)
            .header("Access-Control-Request-Method", method)
            .header(
                "Access-Control-Request-Headers",
                "paddle-clienttoken,content-type,paddock-environment",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], PAGE);
        assert_eq!(
            headers["access-control-allow-methods"],
            "GET,POST,PUT,PATCH"
        );
        assert_eq!(
            headers["access-control-allow-headers"],
            "paddle-clienttoken,content-type,paddle-version,paddock-environment"
        );
        assert!(headers.get("access-control-allow-credentials").is_none());
    }
    // Answers and refusals alike are readable by the page.
    let opened = checkouts
        .open_with(&shop.token, "sandbox", items(&[(ONCE, 1)]))
        .await;
    assert_eq!(opened.headers()["access-control-allow-origin"], PAGE);
    assert_eq!(opened.status(), StatusCode::CREATED);
    let refused = checkouts
        .open_with("nope", "sandbox", items(&[(ONCE, 1)]))
        .await;
    assert_eq!(refused.headers()["access-control-allow-origin"], PAGE);
    expect_invalid_client_token(refused).await;
    let read = checkouts.get(id).await;
    assert_eq!(read.headers()["access-control-allow-origin"], PAGE);
    // The page itself is paddock's own origin's: no CORS.
    let page = (app.client.get(app.url(&format!("/checkout/{id}"))))
        .header("Origin", PAGE)
        .send()
        .await
        .unwrap();
    assert!(page.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn only_listed_origins_may_open() {
    let options = ServeOptions {
        cors_origins: CorsOrigins::parse("https://admin.shop.test").unwrap(),
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let shop = app.open_shop("shop", "sandbox").await;
    let response = app
        .checkouts()
        .open_with(&shop.token, "sandbox", items(&[(ONCE, 1)]))
        .await;
    // Created (CORS doesn't refuse), but the page may not read the answer.
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
