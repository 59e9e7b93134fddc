//! Notification settings through the admin API: created, listed, updated,
//! deleted, their events replayed, and their secrets kept encrypted.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, Receiver, TestApp, expect_data, expect_schema_errors};
use crate::on_both_backends;
use crate::webhooks::{ALL_EVENTS, assert_prefixed_ulid, fast_retries, setting};

on_both_backends!(
    settings_are_managed_through_the_admin_api_and_events_can_be_replayed,
    a_replayed_notification_goes_to_its_own_destination_only,
    setting_secrets_are_stored_encrypted,
);

async fn settings_are_managed_through_the_admin_api_and_events_can_be_replayed(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let mut receiver = Receiver::start(&[]).await;
    let created = setting(&app, &receiver.url, &["client_token.created"]).await;
    let id = created["id"].as_str().unwrap();
    assert_prefixed_ulid(&created["id"], "ntfset_");
    assert_eq!(created["environment"], "sandbox");
    assert_eq!(created["active"], true);
    assert_eq!(
        created["subscribed_events"],
        json!(["client_token.created"])
    );

    let listed = expect_data(
        app.admin(Method::GET, "/accounts/default/notification-settings")
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let mut shown = created.clone();
    shown.as_object_mut().unwrap().remove("endpoint_secret_key");
    assert_eq!(listed, json!([shown]), "the secret is shown only once");

    app.create("Replayed").await;
    let original = receiver.next().await.json();
    let events = expect_data(
        app.admin(Method::GET, "/accounts/default/events")
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(events[0]["id"], original["event_id"]);
    assert_eq!(events[0]["event_type"], "client_token.created");
    assert_eq!(events[0]["data"], original["data"]);

    let event_id = original["event_id"].as_str().unwrap();
    let replayed = app
        .admin(Method::POST, &format!("/events/{event_id}/replay"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_data(replayed, StatusCode::OK)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let again = receiver.next().await.json();
    assert_eq!(again["event_id"], original["event_id"]);
    assert_eq!(again["data"], original["data"]);
    assert_ne!(again["notification_id"], original["notification_id"]);

    let response = app
        .admin(Method::PATCH, &format!("/notification-settings/{id}"))
        .json(&json!({ "destination": "ftp://example.com", "subscribed_events": ["client_token.deleted"], "active": "yes" }))
        .send()
        .await
        .unwrap();
    expect_schema_errors(response, json!([
            { "field": "destination", "message": "Does not match format 'uri'" },
            { "field": "subscribed_events.0", "message": r#"subscribed_events.0 must be one of the following: "client_token.created", "client_token.updated", "client_token.revoked", "api_key.created", "api_key.updated", "api_key.revoked", "api_key.expiring", "api_key.expired", "api_key_exposure.created", "api_key_rotation.created", "api_key_rotation.updated", "transaction.created", "transaction.updated", "transaction.ready", "transaction.paid", "transaction.completed", "transaction.payment_failed", "customer.created", "customer.updated", "address.created", "address.updated""# },
            { "field": "active", "message": "Invalid type. Expected: boolean, given: string" },
        ]))
    .await;

    let deleted = app
        .admin(Method::DELETE, &format!("/notification-settings/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(expect_data(deleted, StatusCode::OK).await["id"], id);
    let gone = app
        .admin(
            Method::GET,
            &format!("/notification-settings/{id}/deliveries"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    app.create("After deletion").await;
    receiver
        .expect_nothing_for(Duration::from_millis(300))
        .await;
    let unknown = app
        .admin(
            Method::POST,
            "/events/evt_01hv8gz6y0m8m5f8q2y9f7kj3x/replay",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

async fn setting_secrets_are_stored_encrypted(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let created = setting(&app, "http://127.0.0.1:9/webhooks", &ALL_EVENTS).await;
    let secret = created["endpoint_secret_key"].as_str().unwrap();
    let stored = app
        .query_strings("select secret from notification_settings")
        .await;
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].contains(&secret[43..]),
        "the stored secret is not the secret"
    );
    assert!(
        !app.database_contains(&secret[43..]).await,
        "nowhere in the database"
    );
}

async fn a_replayed_notification_goes_to_its_own_destination_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let (mut first, mut second) = (Receiver::start(&[]).await, Receiver::start(&[]).await);
    setting(&app, &first.url, &["client_token.created"]).await;
    setting(&app, &second.url, &["client_token.created"]).await;
    app.create("Replayed").await;
    let original = first.next().await.json();
    second.next().await;
    let id = original["notification_id"].as_str().unwrap();
    let replayed = app
        .admin(Method::POST, &format!("/notifications/{id}/replay"))
        .send()
        .await
        .unwrap();
    let replayed = expect_data(replayed, StatusCode::ACCEPTED).await;
    let new_id = replayed["notification_id"].as_str().unwrap();
    assert_prefixed_ulid(&replayed["notification_id"], "ntf_");
    assert_ne!(new_id, id);
    let again = first.next().await.json();
    assert_eq!(again["notification_id"], new_id);
    assert_eq!(again["event_id"], original["event_id"]);
    assert_eq!(again["data"], original["data"]);
    second.expect_nothing_for(Duration::from_millis(500)).await;
    let unknown = app
        .admin(
            Method::POST,
            "/notifications/ntf_01hv8gz6y0m8m5f8q2y9f7kj3x/replay",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
