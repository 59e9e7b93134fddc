//! Accounts keep sellers' data apart: parallel test suites sharing one server
//! never see each other's tokens, in either environment.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, expect_data, expect_not_found};
use crate::on_both_backends;

on_both_backends!(no_key_reads_lists_or_revokes_another_accounts_or_environments_tokens);

const BOTH: &[&str] = &["client_token.read", "client_token.write"];

async fn no_key_reads_lists_or_revokes_another_accounts_or_environments_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Four owners: two accounts, two environments each.
    let mut owners = Vec::new();
    for account in ["suite-a", "suite-b"] {
        for environment in ["sandbox", "live"] {
            let key = app.account_key(account, environment, BOTH).await;
            let token = app
                .create_with(&key, json!({ "name": format!("{account} {environment}") }))
                .await;
            owners.push((key, token));
        }
    }
    for (i, (key, own)) in owners.iter().enumerate() {
        // Each owner lists exactly its own token...
        let listed = expect_data(
            app.get("/client-tokens?status=active,revoked", key).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(listed, json!([own]), "owner {i} lists only its own");
        for (_, other) in owners
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, o)| o)
        {
            // ...and can neither read nor revoke anyone else's.
            let id = other["id"].as_str().unwrap();
            let path = format!("/client-tokens/{id}");
            let read = app.get(&path, key).await;
            expect_not_found(read, id).await;
            let revoke = app
                .request(Method::PATCH, &path, key)
                .json(&json!({ "status": "revoked" }))
                .send()
                .await
                .unwrap();
            expect_not_found(revoke, id).await;
        }
    }
    // Nothing was revoked by anyone else's attempts.
    for (key, own) in &owners {
        let path = format!("/client-tokens/{}", own["id"].as_str().unwrap());
        let fetched: Value = expect_data(app.get(&path, key).await, StatusCode::OK).await;
        assert_eq!(&fetched, own);
    }
    // The default account's key sees none of them.
    let default = expect_data(
        app.get("/client-tokens?status=active,revoked", &app.keys.sandbox)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(default, json!([]));
}
