//! CORS on the routes a page calls (the previews): preflights answered,
//! the page's origin allowed (or only `PADDOCK_CORS_ORIGINS`), and every
//! answer readable, refusals included. The rest of the API has none.

use paddock::app::ServeOptions;
use paddock::http::CorsOrigins;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::previews::*;
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    a_preflight_is_answered_for_the_previews,
    answers_and_refusals_carry_the_headers,
    the_rest_of_the_api_has_no_cors,
);

const PAGE: &str = "http://shop.test";

fn preflight(app: &TestApp, path: &str, origin: &str) -> reqwest::RequestBuilder {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "paddle-clienttoken,content-type,paddle-version,paddock-environment",
        )
}

async fn a_preflight_is_answered_for_the_previews(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/pricing-preview", "/transactions/preview"] {
        let response = preflight(&app, path, PAGE).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], PAGE);
        assert_eq!(headers["access-control-allow-methods"], "POST");
        assert_eq!(
            headers["access-control-allow-headers"],
            "paddle-clienttoken,content-type,paddle-version,paddock-environment"
        );
        assert_eq!(headers["access-control-max-age"], "600");
        assert!(headers.get("access-control-allow-credentials").is_none());
    }
}

async fn answers_and_refusals_carry_the_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    let check = |response: &reqwest::Response| {
        let headers = response.headers();
        assert_eq!(
            headers["access-control-allow-origin"],
            PAGE,
            "{}",
            response.status()
        );
        assert_eq!(
            headers["access-control-expose-headers"],
            "request-id,retry-after"
        );
        assert!(headers["vary"].to_str().unwrap().contains("origin"));
    };
    let ok = app
        .preview("/pricing-preview", &token, cart(MONTHLY, 1))
        .await;
    check(&ok);
    expect_data(ok, StatusCode::OK).await;
    let forbidden = app
        .preview("/pricing-preview", "test_nope", cart(MONTHLY, 1))
        .await;
    check(&forbidden);
    expect_invalid_client_token(forbidden).await;
    let bad = app
        .preview("/transactions/preview", &token, json!({ "items": [] }))
        .await;
    check(&bad);
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let wrong_method = (app.client.get(app.url("/pricing-preview")))
        .header("Origin", PAGE)
        .send()
        .await
        .unwrap();
    check(&wrong_method);
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
}

async fn the_rest_of_the_api_has_no_cors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/client-tokens", "/api-keys", "/"] {
        let response = (app.client.get(app.url(path)))
            .header("Origin", PAGE)
            .header("Authorization", format!("Bearer {}", app.keys.sandbox))
            .send()
            .await
            .unwrap();
        let cors =
            (response.headers().keys()).filter(|name| name.as_str().starts_with("access-control-"));
        assert_eq!(cors.count(), 0, "{path}");
        let response = preflight(&app, path, PAGE).send().await.unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{path}"
        );
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
    }
}

#[tokio::test]
async fn only_listed_origins_are_allowed_when_listed() {
    let options = ServeOptions {
        cors_origins: CorsOrigins::parse("http://shop.test, https://admin.shop.test").unwrap(),
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    for (origin, allowed) in [
        (PAGE, true),
        ("https://admin.shop.test", true),
        ("http://evil.test", false),
        ("https://shop.test", false),
    ] {
        let response = preflight(&app, "/pricing-preview", origin)
            .send()
            .await
            .unwrap();
        let header = response.headers().get("access-control-allow-origin");
        assert_eq!(
            header.map(|value| value.to_str().unwrap()),
            allowed.then_some(origin),
            "{origin}"
        );
    }
}
