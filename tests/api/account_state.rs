//! `/__paddock/accounts/{account}/export` and `/import`: an account's whole
//! state saved as one document and loaded into another server, whole, under
//! its own name or another; refusals in `account_state_refusals.rs`.

use paddock::app::ServeOptions;
use paddock::secrets::SecretBox;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::on_both_backends;
use crate::webhooks::{ALL_EVENTS, assert_signed, fast_retries};

on_both_backends!(
    an_exported_account_loads_whole_into_another_server,
    a_document_far_past_other_bodies_limit_loads,
);

/// The servers' secret key: the same on every server of a test, unless it
/// says otherwise.
pub(crate) const SECRET_KEY: [u8; 32] = [7; 32];

/// Fast deliveries, and `key` to seal secrets with.
pub(crate) fn options(key: [u8; 32]) -> ServeOptions {
    ServeOptions {
        secrets: SecretBox::new(key),
        ..fast_retries()
    }
}

/// An account with something of everything, and the secrets that work in it.
pub(crate) struct Shop {
    /// Sandbox, rotatable, with a pending rotation.
    pub sandbox: String,
    pub live: String,
    pub revoked: String,
    /// The pending rotation's new key.
    pub new_key: String,
    pub setting_secret: String,
}

/// Builds `shop`: three keys (one revoked, one with a pending rotation),
/// tokens active and revoked in both environments, a notification setting
/// whose deliveries to `receiver` have all arrived, and their events.
pub(crate) async fn build_shop(app: &TestApp, receiver: &mut Receiver) -> Shop {
    // A seed and a set clock, carried like the rest.
    let seed = app.admin(Method::PUT, "/accounts/shop/seed");
    let seed = seed.json(&json!({ "seed": "shop" })).send().await.unwrap();
    assert_eq!(seed.status(), StatusCode::OK);
    let clock = app.admin(Method::PUT, "/accounts/shop/clock");
    let clock = clock.json(&json!({ "frozen": false, "now": "2026-06-01T00:00:00Z" }));
    assert_eq!(clock.send().await.unwrap().status(), StatusCode::OK);
    let both = ["client_token.read", "client_token.write"];
    let body =
        json!({ "permissions": both, "rotatable": true, "name": "Checkout", "description": "web" });
    let sandbox_key = app.make_key("shop", body).await;
    let (sandbox_id, sandbox) = (
        sandbox_key["id"].as_str().unwrap(),
        text(&sandbox_key["key"]),
    );
    let live = app.account_key("shop", "live", &both).await;
    let revoked_key = app
        .make_key("shop", json!({ "permissions": ["client_token.read"] }))
        .await;
    let revoke = format!("/api-keys/{}/revoke", revoked_key["id"].as_str().unwrap());
    let response = app.admin(Method::POST, &revoke).send().await.unwrap();
    expect_data(response, StatusCode::OK).await;

    let path = "/accounts/shop/notification-settings";
    let body = json!({ "destination": receiver.url, "subscribed_events": ALL_EVENTS });
    let response = app
        .admin(Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let setting = expect_data(response, StatusCode::CREATED).await;

    app.create_with(&sandbox, json!({ "name": "A" })).await;
    let b = app
        .create_with(&sandbox, json!({ "name": "B", "description": "second" }))
        .await;
    app.create_with(&live, json!({ "name": "C" })).await;
    let d = app.create_with(&live, json!({ "name": "D" })).await;
    revoke_token(app, &sandbox, &b["id"]).await;
    revoke_token(app, &live, &d["id"]).await;

    let rotations = format!("/api-keys/{sandbox_id}/rotations");
    let response = (app.request(Method::POST, &rotations, &sandbox))
        .json(&json!({ "grace_period_seconds": 60 }))
        .send()
        .await
        .unwrap();
    let rotation = expect_data(response, StatusCode::CREATED).await;

    // A catalog in each environment, the same ids in both, and tax rates.
    let (product, price) = (
        "pro_01kzvyz95263x6amf3w4cgbqh4",
        "pri_01kzvyz9e21z9vbhd7xqq3csyh",
    );
    app.load_catalog("shop", sample_catalog(product, price))
        .await;
    let mut live_catalog = sample_catalog(product, price);
    live_catalog["environment"] = json!("live");
    app.load_catalog("shop", live_catalog).await;
    app.set_tax_rates("shop", json!({ "GB": "0.2", "US": "0.08875" }))
        .await;

    // The sandbox setting hears of A and B made and B revoked.
    for _ in 0..4 {
        receiver.next().await;
    }
    let deliveries = format!("/notification-settings/{}/deliveries", text(&setting["id"]));
    loop {
        let response = app.admin(Method::GET, &deliveries).send().await.unwrap();
        let listed = expect_data(response, StatusCode::OK).await;
        if (listed.as_array().unwrap().iter()).all(|delivery| delivery["status"] == "delivered") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Shop {
        sandbox,
        live,
        revoked: text(&revoked_key["key"]),
        new_key: text(&rotation["new_key"]),
        setting_secret: text(&setting["endpoint_secret_key"]),
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

async fn revoke_token(app: &TestApp, key: &str, id: &Value) -> Value {
    let path = format!("/client-tokens/{}", id.as_str().unwrap());
    let response = (app.request(Method::PATCH, &path, key))
        .json(&json!({ "status": "revoked" }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::OK).await
}

/// The account's export, `data` only.
pub(crate) async fn export(app: &TestApp, account: &str) -> Value {
    let path = format!("/accounts/{account}/export");
    let response = app.admin(Method::GET, &path).send().await.unwrap();
    expect_data(response, StatusCode::OK).await
}

pub(crate) async fn import(app: &TestApp, account: &str, document: &Value) -> Response {
    let path = format!("/accounts/{account}/import");
    (app.admin(Method::POST, &path).json(document).send())
        .await
        .unwrap()
}

/// The other backend, when the run has both.
fn other(backend: Backend) -> Backend {
    match backend {
        Backend::Sqlite if postgres_available() => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
        backend => backend,
    }
}

async fn an_exported_account_loads_whole_into_another_server(backend: Backend) {
    let mut receiver = Receiver::start(&[]).await;
    let first = TestApp::spawn_with(backend, options(SECRET_KEY)).await;
    let shop = build_shop(&first, &mut receiver).await;
    let exported = export(&first, "shop").await;

    let fields: Vec<&str> = exported
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "account",
        "api_key_rotations",
        "api_keys",
        "client_tokens",
        "deliveries",
        "events",
        "format",
        "notification_settings",
        "prices",
        "products",
        "tax_rates",
    ];
    expected.sort();
    assert_eq!(fields, expected);
    assert_eq!(exported["format"], "paddock.account.v2");
    assert_eq!(exported["account"]["name"], "shop");
    assert_eq!(exported["account"]["seed"], "shop");
    assert!(
        exported["account"]["clock"]
            .as_str()
            .unwrap()
            .starts_with("shifted:-")
    );
    assert!(
        exported["account"]["draws"].as_u64().unwrap() > 5,
        "{}",
        exported["account"]
    );
    let count = |section: &str| exported[section].as_array().unwrap().len();
    let environments: Vec<_> = (exported["client_tokens"].as_array().unwrap().iter())
        .map(|token| (text(&token["environment"]), text(&token["status"])))
        .collect();
    assert_eq!(environments.len(), 4);
    for pair in [
        ("sandbox", "active"),
        ("sandbox", "revoked"),
        ("live", "active"),
        ("live", "revoked"),
    ] {
        assert!(
            environments.contains(&(pair.0.to_owned(), pair.1.to_owned())),
            "{pair:?}"
        );
    }
    assert_eq!((count("api_keys"), count("api_key_rotations")), (3, 1));
    assert_eq!(
        (count("notification_settings"), count("deliveries")),
        (1, 4)
    );
    assert_eq!(count("events"), 14, "{}", exported["events"]);
    assert_eq!(exported["api_key_rotations"][0]["status"], "pending");
    assert_eq!((count("products"), count("prices")), (2, 2));
    assert_eq!(exported["prices"][0]["environment"], "live");
    assert_eq!(
        exported["tax_rates"],
        json!({ "GB": "0.2", "US": "0.08875" })
    );

    // Digests, never a key that works; secrets sealed.
    let document = exported.to_string();
    for secret in [
        &shop.sandbox,
        &shop.live,
        &shop.revoked,
        &shop.new_key,
        &shop.setting_secret,
    ] {
        assert!(
            !document.contains(secret.as_str()),
            "{secret} in the export"
        );
    }
    let keys = exported["api_keys"].as_array().unwrap();
    let sandbox = keys.iter().find(|key| key["name"] == "Checkout").unwrap();
    assert_eq!(
        sandbox["key_hash"],
        hex::encode(Sha256::digest(&shop.sandbox))
    );
    assert!(text(&sandbox["key"]).ends_with("****"));
    assert_eq!(keys.iter().filter(|key| key["revoked"] == true).count(), 1);

    // Into an empty server under the same name: the same document comes out.
    let second = TestApp::spawn_with(backend, options(SECRET_KEY)).await;
    let response = import(&second, "shop", &exported).await;
    let counts = json!({
        "account": "shop", "client_tokens": 4, "api_keys": 3, "api_key_rotations": 1,
        "notification_settings": 1, "events": 14, "deliveries": 4, "products": 2, "prices": 2
    });
    assert_eq!(expect_data(response, StatusCode::CREATED).await, counts);
    assert_eq!(export(&second, "shop").await, exported);

    // Into an account that exists but is empty, under another name, on the
    // other backend when there is one: the same apart from the name.
    let third = TestApp::spawn_with(other(backend), options(SECRET_KEY)).await;
    let response = (third.admin(Method::POST, "/accounts"))
        .json(&json!({ "name": "shop-copy" }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await;
    let response = import(&third, "shop-copy", &exported).await;
    let mut counts = counts;
    counts["account"] = json!("shop-copy");
    assert_eq!(expect_data(response, StatusCode::CREATED).await, counts);
    let mut renamed = exported.clone();
    renamed["account"]["name"] = json!("shop-copy");
    assert_eq!(export(&third, "shop-copy").await, renamed);

    // The keys' secrets work there: the digests came along.
    let listed = |key: &str, environment: &str| {
        let tokens = (exported["client_tokens"].as_array().unwrap().iter())
            .filter(|token| token["environment"] == environment)
            .map(|token| {
                let mut token = token.clone();
                token.as_object_mut().unwrap().remove("environment");
                token
            })
            .collect::<Vec<_>>();
        (key.to_owned(), json!(tokens))
    };
    for (key, tokens) in [listed(&shop.sandbox, "sandbox"), listed(&shop.live, "live")] {
        let path = "/client-tokens?status=active,revoked&order_by=id[ASC]";
        let response = second.get(path, &key).await;
        assert_eq!(expect_data(response, StatusCode::OK).await, tokens);
    }
    let response = second.get("/client-tokens", &shop.revoked).await;
    let detail = "Invalid or revoked API key.";
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_token",
        detail,
    )
    .await;

    // An imported token is revoked there, and the setting's secret signs
    // the news.
    let active = (exported["client_tokens"].as_array().unwrap().iter())
        .find(|token| token["environment"] == "sandbox" && token["status"] == "active")
        .unwrap();
    let revoked = revoke_token(&second, &shop.sandbox, &active["id"]).await;
    assert_eq!(revoked["status"], "revoked");
    let received = receiver.next().await;
    assert_eq!(received.json()["event_type"], "client_token.revoked");
    assert_eq!(received.json()["data"]["id"], active["id"]);
    assert_signed(&received, &shop.setting_secret);

    // The pending rotation's new key, sealed and carried, completes it.
    let response = second.get("/client-tokens", &shop.new_key).await;
    expect_data(response, StatusCode::OK).await;
    let after = export(&second, "shop").await;
    assert_eq!(after["api_key_rotations"][0]["status"], "completed");

    // The catalog came along, each environment's its own.
    for environment in ["sandbox", "live"] {
        assert_eq!(
            second.catalog("shop", environment).await,
            first.catalog("shop", environment).await
        );
    }
}

/// 1,200 fixture tokens: a body far over the 64 KiB other requests may
/// send, written (and checked for taken ids) in several statements.
async fn a_document_far_past_other_bodies_limit_loads(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let tokens: Vec<Value> = (0..1200)
        .map(|n| json!({ "name": format!("Token {n}"), "description": "x".repeat(100) }))
        .collect();
    // Seeded in parts: one body would pass the 64 KiB limit too.
    for part in tokens.chunks(200) {
        let response = (first.admin(Method::POST, "/accounts/big/client-tokens"))
            .json(&json!({ "client_tokens": part }))
            .send()
            .await
            .unwrap();
        expect_data(response, StatusCode::CREATED).await;
    }
    let exported = export(&first, "big").await;
    assert!(exported.to_string().len() > 256 * 1024);

    let second = TestApp::spawn(backend).await;
    let response = import(&second, "big", &exported).await;
    let loaded = expect_data(response, StatusCode::CREATED).await;
    assert_eq!(loaded["client_tokens"], 1200);
    assert_eq!(export(&second, "big").await, exported);
    let response = import(&second, "big-again", &exported).await;
    let body = expect_json(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(
        body["error"]["errors"].as_array().unwrap().len(),
        2400,
        "each id and value"
    );
}
