//! Data survives a restart on the file-backed SQLite store and on Postgres.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, SERVER, TestApp, expect_data};
use crate::on_both_backends;

on_both_backends!(tokens_and_keys_survive_a_restart);

async fn tokens_and_keys_survive_a_restart(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let kept = app.create("Kept").await;
    let revoked_id = app.create("Revoked").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = expect_data(app.revoke(&revoked_id).await, StatusCode::OK).await;
    let old_address = app.address;

    app.restart().await;
    assert_ne!(app.address, old_address, "a new server is answering");

    let all = expect_data(
        app.get(
            "/client-tokens?status=active,revoked&order_by=id[ASC]",
            &app.keys.sandbox,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all, json!([kept, revoked]));
    // Keys persisted too: the read-only key still works and is still read-only.
    let id = kept["id"].as_str().unwrap();
    expect_data(
        app.get(&format!("/client-tokens/{id}"), &app.keys.read_only)
            .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn the_in_memory_store_serves_a_throwaway_run() {
    let store = paddock::store::connect(
        Some("sqlite::memory:"),
        std::path::Path::new("unused"),
        SERVER,
    )
    .await
    .unwrap();
    // One connection, kept forever: the database lives only as long as a
    // connection to it, so a pool that closed idle ones would lose it.
    let stats = store.pool_stats();
    assert_eq!((stats.max, stats.connections), (1, 1));
    let (key, secret) = paddock::domain::ApiKey::generate(
        paddock::domain::DEFAULT_ACCOUNT,
        paddock::domain::NewApiKey::with_permissions(
            paddock::domain::Environment::Sandbox,
            paddock::domain::Permission::ALL.to_vec(),
        ),
        &paddock::domain::Mint::real(),
    );
    store.insert_api_key(&key, &[]).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(paddock::app::serve(
        listener,
        store,
        Default::default(),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let created = client
        .post(format!("http://{address}/client-tokens"))
        .bearer_auth(secret.expose())
        .json(&json!({ "name": "Throwaway" }))
        .send()
        .await
        .unwrap();
    let created = expect_data(created, StatusCode::CREATED).await;
    // Several requests at once share the one in-memory database.
    let mut requests = Vec::new();
    for _ in 0..8 {
        requests.push(
            client
                .get(format!("http://{address}/client-tokens"))
                .bearer_auth(secret.expose())
                .send(),
        );
    }
    let handles: Vec<_> = requests.into_iter().map(tokio::spawn).collect();
    for handle in handles {
        let response = handle.await.unwrap().unwrap();
        assert_eq!(
            expect_data(response, StatusCode::OK).await,
            json!([created])
        );
    }
}
