//! A read after a write has returned sees it. On the embedded store reads
//! are answered from memory (a token cache, and pages of lists): these
//! read first, so that what a write changes is already held when it comes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, expect_data, expect_not_found};
use crate::on_both_backends;

on_both_backends!(
    gets_and_lists_read_before_a_write_show_it_after,
    a_reset_forgets_what_was_read_and_fixtures_are_read_at_once,
);

async fn token(app: &TestApp, id: &str) -> Value {
    let path = format!("/client-tokens/{id}");
    expect_data(app.get(&path, &app.keys.sandbox).await, StatusCode::OK).await
}

/// The ids of a list's page, in order.
async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    let path = format!("/client-tokens{query}");
    let page = expect_data(app.get(&path, &app.keys.sandbox).await, StatusCode::OK).await;
    let ids = page.as_array().expect("a page").iter();
    ids.map(|token| token["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn gets_and_lists_read_before_a_write_show_it_after(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.create("first").await["id"].as_str().unwrap().to_owned();
    assert_eq!(token(&app, &first).await["status"], "active");
    assert_eq!(listed(&app, "").await, [first.as_str()]);
    assert_eq!(listed(&app, "?status=revoked").await, Vec::<String>::new());

    // A creation shows in the page read before it.
    let second = app.create("second").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(listed(&app, "").await, [second.as_str(), first.as_str()]);

    // A revocation shows in the token and in both lists read before it.
    let revoked = expect_data(app.revoke(&first).await, StatusCode::OK).await;
    assert_eq!(token(&app, &first).await, revoked);
    assert_eq!(listed(&app, "").await, [second.as_str()]);
    assert_eq!(listed(&app, "?status=revoked").await, [first.as_str()]);
    // Revoking again answers the revoked token as it is.
    let again = expect_data(app.revoke(&first).await, StatusCode::OK).await;
    assert_eq!(again, revoked);
}

async fn a_reset_forgets_what_was_read_and_fixtures_are_read_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let id = app.create("kept until reset").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    token(&app, &id).await;
    assert_eq!(listed(&app, "").await, [id.as_str()]);

    let reset = app.admin(Method::POST, "/accounts/default/reset");
    let reset = reset.send().await.unwrap();
    assert_eq!(
        reset.status(),
        StatusCode::OK,
        "{}",
        reset.text().await.unwrap()
    );
    let path = format!("/client-tokens/{id}");
    expect_not_found(app.get(&path, &app.keys.sandbox).await, &id).await;
    assert_eq!(listed(&app, "").await, Vec::<String>::new());

    // The same id again, as a fixture, revoked: read as it is now.
    let fixture = json!({"client_tokens": [{"id": id, "name": "fixture", "status": "revoked"}]});
    let seeded = app.admin(Method::POST, "/accounts/default/client-tokens");
    let seeded = seeded.json(&fixture).send().await.unwrap();
    assert_eq!(
        seeded.status(),
        StatusCode::CREATED,
        "{}",
        seeded.text().await.unwrap()
    );
    let read = token(&app, &id).await;
    assert_eq!(
        (&read["name"], &read["status"]),
        (&json!("fixture"), &json!("revoked"))
    );
    assert_eq!(listed(&app, "?status=revoked").await, [id.as_str()]);
}
