//! A checkout answered as created survives `kill -9` of the `paddock`
//! process, and is then completed exactly once however many completions
//! race: one 200, the rest 409 `checkout_not_open`, one
//! `transaction.completed` delivered.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{CHECKOUT_EVENTS, PURCHASE, id_of};
use crate::helpers::checkout::{Checkouts, Shop, items, new_york_customer};
use crate::helpers::previews::{MONTHLY, recorded_catalog, recorded_tax_rates};
use crate::helpers::{
    ADMIN_TOKEN, Backend, Database, Paddock, Receiver, expect_data, expect_error,
};
use crate::on_both_backends;
use crate::webhooks::assert_signed;

on_both_backends!(a_checkout_survives_kill_9_and_is_completed_exactly_once);

const KEY: &str = "pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_checkoutKillTestKey";
const RACERS: usize = 8;

/// The recorded catalog, its tax rates and a client token in the default
/// account's sandbox of the server at `checkouts`.
async fn shop(checkouts: &Checkouts) -> Shop {
    let catalog = checkouts.admin(Method::POST, "/accounts/default/catalog");
    let loaded = catalog
        .json(&recorded_catalog("sandbox"))
        .send()
        .await
        .unwrap();
    expect_data(loaded, StatusCode::CREATED).await;
    let tax = checkouts.admin(Method::PUT, "/accounts/default/tax");
    let rates = json!({ "rates": recorded_tax_rates() });
    expect_data(tax.json(&rates).send().await.unwrap(), StatusCode::OK).await;
    let url = format!("{}/client-tokens", checkouts.base);
    let token = checkouts.client.post(url).bearer_auth(KEY);
    let token = token
        .json(&json!({ "name": "Storefront" }))
        .send()
        .await
        .unwrap();
    let token = expect_data(token, StatusCode::CREATED).await;
    Shop {
        account: "default".into(),
        environment: "sandbox".into(),
        token_id: token["id"].as_str().unwrap().into(),
        token: token["token"].as_str().unwrap().into(),
    }
}

async fn a_checkout_survives_kill_9_and_is_completed_exactly_once(backend: Backend) {
    let database = Database::create(backend).await;
    let data_dir = tempfile::tempdir().unwrap();
    let (url, dir) = (database.url(), data_dir.path().display().to_string());
    let keys = format!("{KEY}=client_token.write");
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("PADDOCK_DATA_DIR", dir.as_str()),
        ("PADDOCK_ADMIN_TOKEN", ADMIN_TOKEN),
        ("PADDOCK_API_KEYS", keys.as_str()),
        ("PADDOCK_WEBHOOK_RETRY_BASE", "0.2"),
    ];
    let mut receiver = Receiver::start(&[]).await;

    let first = Paddock::start(&env);
    let checkouts = Checkouts::at(&first.base);
    let shop = shop(&checkouts).await;
    let body = json!({ "destination": receiver.url, "subscribed_events": CHECKOUT_EVENTS });
    let setting = checkouts.admin(Method::POST, "/accounts/default/notification-settings");
    let setting = expect_data(
        setting.json(&body).send().await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let secret = setting["endpoint_secret_key"].as_str().unwrap().to_owned();
    let mut data = items(&[(MONTHLY, 1)]);
    data["customer"] = new_york_customer();
    let opened = checkouts.open(&shop, data).await;
    let id = id_of(&opened);
    let mut seen = HashSet::new();
    for _ in 0..5 {
        seen.insert(receiver.next().await.json()["event_id"].clone());
    }
    first.kill();

    let second = Paddock::start(&env);
    let checkouts = Checkouts::at(&second.base);
    let after = expect_data(checkouts.get(&id).await, StatusCode::OK).await;
    assert_eq!(after, opened, "the checkout as answered, after kill -9");
    let listed = checkouts.list("default").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["transaction"]["status"], "ready");

    let racers: Vec<_> = (0..RACERS)
        .map(|_| {
            let (checkouts, id) = (checkouts.clone(), id.clone());
            tokio::spawn(async move {
                let body = json!({ "outcome": "paid" });
                checkouts.complete_with(&id, body).await
            })
        })
        .collect();
    let mut completed = Vec::new();
    let detail = format!("Checkout {id} is completed: it can't be changed.");
    for racer in racers {
        let response = racer.await.unwrap();
        if response.status() == StatusCode::OK {
            completed.push(expect_data(response, StatusCode::OK).await);
        } else {
            let conflict = StatusCode::CONFLICT;
            expect_error(
                response,
                conflict,
                "request_error",
                "checkout_not_open",
                &detail,
            )
            .await;
        }
    }
    assert_eq!(completed.len(), 1, "exactly one completion wins");
    let transaction = &completed[0]["transaction"];
    assert_eq!(transaction["status"], "completed");

    // The winner's four events, each once; the open's five may be
    // delivered again after the kill (at least once), never new ones.
    let mut new = Vec::new();
    let fresh = |body: &Value| !seen.contains(&body["event_id"]);
    while new.len() < 4 {
        let received = receiver.next().await;
        assert_signed(&received, &secret);
        let body = received.json();
        if fresh(&body) {
            new.push(body);
        }
    }
    let quiet = Duration::from_secs(1);
    while let Ok(late) = tokio::time::timeout(quiet, receiver.next()).await {
        let body = late.json();
        assert!(!fresh(&body), "delivered once: {body}");
    }
    new.sort_by_key(|b| b["occurred_at"].as_str().unwrap().to_owned());
    let types: Vec<_> = new
        .iter()
        .map(|b| b["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        PURCHASE[5..].iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        "one of each, one completed"
    );
    assert_eq!(&new[3]["data"], transaction);
    let views: Vec<Value> = checkouts.list("default").await;
    assert_eq!(views[0]["state"], "completed");
}
