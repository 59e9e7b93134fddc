//! Who may preview: a client-side token in `Paddle-Clienttoken` (active,
//! of the page's environment, scoped to its account), or an API key with
//! `transaction.read`. Each call is journaled with the token's id; the
//! emulation of Paddle's limits and faults applies as elsewhere.

use paddock::app::ServeOptions;
use paddock::http::Emulation;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::previews::*;
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    a_bad_token_is_403_invalid_client_token,
    a_revoked_token_is_refused_from_the_next_request,
    the_page_and_the_token_must_be_in_one_environment,
    a_token_sees_only_its_own_account_and_environment,
    an_api_key_needs_transaction_read,
    the_journal_names_the_token,
);

const PRICES: &str = "/pricing-preview";
const TRANSACTION: &str = "/transactions/preview";

async fn a_bad_token_is_403_invalid_client_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let unknown = "test_0123456789abcdef0123456789a";
    for path in [PRICES, TRANSACTION] {
        for token in [
            "nope",
            "",
            "TEST_0123456789ABCDEF0123456789A",
            unknown,
            "pdl_sdbx_apikey_x",
        ] {
            expect_invalid_client_token(app.preview(path, token, cart(MONTHLY, 1)).await).await;
        }
        // No credential at all: Paddle's answer for a missing one.
        let response = (app.client.post(app.url(path)))
            .json(&cart(MONTHLY, 1))
            .send()
            .await
            .unwrap();
        expect_error(
            response,
            StatusCode::FORBIDDEN,
            "request_error",
            "authentication_missing",
            "Authentication header missing.",
        )
        .await;
    }
}

async fn a_revoked_token_is_refused_from_the_next_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let key = app
        .account_key("shop", "sandbox", &["client_token.write"])
        .await;
    let token = app.create_with(&key, json!({ "name": "Storefront" })).await;
    let (id, value) = (
        token["id"].as_str().unwrap(),
        token["token"].as_str().unwrap(),
    );
    app.preview_data(PRICES, value, cart(MONTHLY, 1)).await;
    let revoked = (app.request(Method::PATCH, &format!("/client-tokens/{id}"), &key))
        .json(&json!({ "status": "revoked" }))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    for path in [PRICES, TRANSACTION] {
        expect_invalid_client_token(app.preview(path, value, cart(MONTHLY, 1)).await).await;
    }
    // On every replica sharing the database, at once: tokens are judged by
    // the database, never a cache.
    if backend == Backend::Postgres {
        let replica = app.replica().await;
        let response = (app.client.post(format!("http://{replica}{PRICES}")))
            .header("Paddle-Clienttoken", value)
            .json(&cart(MONTHLY, 1))
            .send()
            .await
            .unwrap();
        expect_invalid_client_token(response).await;
    }
}

async fn the_page_and_the_token_must_be_in_one_environment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    app.load_recorded_catalog("shop", "live").await;
    let (_, test) = app.client_token_of("shop", "sandbox").await;
    let (_, live) = app.client_token_of("shop", "live").await;
    let with = |token: &str, environment: Option<&str>| {
        let mut request = app.page_request(PRICES, token).json(&cart(MONTHLY, 1));
        if let Some(environment) = environment {
            request = request.header("Paddock-Environment", environment);
        }
        request.send()
    };
    // Agreeing, or no header (the token's prefix decides): priced.
    for (token, environment) in [
        (&test, Some("sandbox")),
        (&test, None),
        (&live, Some("production")),
        (&live, None),
    ] {
        let response = with(token, environment).await.unwrap();
        expect_data(response, StatusCode::OK).await;
    }
    // A sandbox token on a page left in production, and the reverse.
    expect_invalid_client_token(with(&test, Some("production")).await.unwrap()).await;
    expect_invalid_client_token(with(&live, Some("sandbox")).await.unwrap()).await;
    // An environment paddock doesn't know is a bad request, whoever asks.
    for environment in ["live", "Sandbox", "staging"] {
        let response = with(&test, Some(environment)).await.unwrap();
        expect_error(
            response,
            StatusCode::BAD_REQUEST,
            "request_error",
            "bad_request",
            "Invalid request. The Paddock-Environment header must be sandbox or production.",
        )
        .await;
    }
}

async fn a_token_sees_only_its_own_account_and_environment(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "live").await;
    app.load_recorded_catalog("other", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    // The prices are another account's, or this account's other
    // environment's: none exists for this token.
    let response = app.preview(PRICES, &token, cart(MONTHLY, 1)).await;
    let detail = format!("One or more provided price_ids could not be found, provided: {MONTHLY}");
    expect_error(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "transaction_price_not_found",
        &detail,
    )
    .await;
}

async fn an_api_key_needs_transaction_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let without = app
        .account_key(
            "shop",
            "sandbox",
            &["client_token.read", "client_token.write"],
        )
        .await;
    let with = app
        .account_key("shop", "sandbox", &["transaction.read"])
        .await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    for path in [PRICES, TRANSACTION] {
        let send = |key: &str| {
            app.request(Method::POST, path, key)
                .json(&cart(MONTHLY, 1))
                .send()
        };
        expect_error(
            send(&without).await.unwrap(),
            StatusCode::FORBIDDEN,
            "request_error",
            "forbidden",
            "You aren't permitted to perform this request. This API key needs the transaction.read permission.",
        )
        .await;
        let data = expect_data(send(&with).await.unwrap(), StatusCode::OK).await;
        let line = &data["details"]["line_items"][0];
        assert!(
            line["price"]["id"] == MONTHLY || line["price_id"] == MONTHLY,
            "{data}"
        );
        // A client-side token is not an API key *(assumed)*: sent as a
        // Bearer key it is judged as one, and isn't.
        expect_error(
            send(&token).await.unwrap(),
            StatusCode::FORBIDDEN,
            "request_error",
            "authentication_malformed",
            "Authentication header included, but incorrectly formatted.",
        )
        .await;
    }
    // The API root lists the permission for a key that has it.
    let root = expect_data(app.get("/", &with).await, StatusCode::OK).await;
    assert_eq!(root["caller"]["permissions"], json!(["transaction.read"]));
}

async fn the_journal_names_the_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let (id, token) = app.client_token_of("shop", "sandbox").await;
    let (other_id, _) = app.client_token_of("shop", "sandbox").await;
    app.preview_data(PRICES, &token, cart(MONTHLY, 1)).await;
    // A live page with a sandbox token: refused, and still the account's.
    let refused = (app.page_request(TRANSACTION, &token))
        .header("Paddock-Environment", "production")
        .json(&cart(MONTHLY, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let path = format!("/accounts/shop/requests?client_token_id={id}");
    let entries = expect_data(
        app.admin(Method::GET, &path).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let seen: Vec<(Value, Value, Value, Value)> = (entries.as_array().unwrap().iter())
        .map(|e| {
            (
                e["path"].clone(),
                e["status"].clone(),
                e["api_key_id"].clone(),
                e["client_token_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (json!(PRICES), json!(200), Value::Null, json!(id)),
            (json!(TRANSACTION), json!(403), Value::Null, json!(id)),
        ]
    );
    let path = format!("/accounts/shop/requests/count?client_token_id={other_id}");
    let count = expect_data(
        app.admin(Method::GET, &path).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(count, json!({ "count": 0 }));
    // The token itself is never kept.
    let all = app
        .admin(Method::GET, "/accounts/shop/requests")
        .send()
        .await
        .unwrap();
    assert!(!all.text().await.unwrap().contains(&token));
}

#[tokio::test]
async fn rate_limits_and_faults_apply_to_previews() {
    let options = ServeOptions {
        emulation: Emulation {
            rate_limit: Some(4),
            fault_headers: true,
            ..Emulation::default()
        },
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    let (_, token) = app.client_token_of("shop", "sandbox").await;
    let faulty = (app.page_request(PRICES, &token))
        .header("Paddock-Fault", "bad_gateway")
        .json(&cart(MONTHLY, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(faulty.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        faulty.headers()["access-control-allow-origin"],
        "http://shop.test"
    );
    app.preview_data(PRICES, &token, cart(MONTHLY, 1)).await;
    app.preview_data(TRANSACTION, &token, cart(MONTHLY, 1))
        .await;
    let limited = app.preview(PRICES, &token, cart(MONTHLY, 1)).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.headers()["access-control-allow-origin"],
        "http://shop.test"
    );
    assert_eq!(limited.headers()["retry-after"], "60");
}

#[tokio::test]
async fn permission_modes_apply_to_transaction_read() {
    let options = ServeOptions {
        permission_mode: paddock::domain::PermissionMode::Log,
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    app.load_recorded_catalog("shop", "sandbox").await;
    // A key without transaction.read is let through, and logged, in `log` mode.
    let without = app
        .account_key("shop", "sandbox", &["client_token.read"])
        .await;
    let response = (app.request(Method::POST, PRICES, &without))
        .json(&cart(MONTHLY, 1))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::OK).await;
}
